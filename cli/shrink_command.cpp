// `ckptsim shrink`: a failing trial reduced to a minimal one, written as a regression scenario.
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>

#include "cli/command.h"
#include "explore/references.h"
#include "explore/shrink.h"
#include "scenario/swarm.h"
#include "util/shell_quote.h"

namespace cli {
namespace {

struct ShrinkFlags {
  CommonFlags common;
  std::string path;
  std::string token;
  std::string out;
  std::string name;
  uint64_t max_attempts = sim::kShrinkAttempts;
};

// The first failure of trial `spec` of `declared` (after its swarm variant), if it fails.
std::optional<sim::Failure> FirstFailure(const sim::Scenario& declared, const sim::TrialSpec& spec,
                                         const sim::RunOptions& options) {
  sim::Scenario scenario = sim::ScenarioVariant(declared, spec.variant);
  sim::References references(scenario, options);
  std::vector<sim::Failure> failures = references.check(sim::RunTrial(scenario, spec, options));
  if (failures.empty()) return std::nullopt;
  return failures.front();
}

int RunShrink(const sim::Scenario& declared, const std::string& token, const std::string& out_path,
              std::string name, uint64_t max_attempts, const sim::ExploreOptions& options) {
  ckpt::Result<sim::TrialSpec> spec = TrialOf(declared, token);
  if (!spec.ok()) return BadInput(spec.status().message());
  std::optional<sim::Failure> failure = FirstFailure(declared, spec.value(), options.run);
  if (!failure)
    return BadInput("trial " + token + " of " + declared.name + " passes: nothing to shrink");
  sim::ShrinkOutcome outcome =
      sim::Shrink(declared, spec.value(), failure->kind, options.run, max_attempts);
  if (!outcome.reproduced) {
    return BadInput("trial " + token + " fails only as a known weakness or a reference failure");
  }
  if (name.empty()) name = declared.name + "_shrunk";
  std::string flags;
  for (const std::string& flag : options.replay_flags) flags += " " + flag;
  std::string file = out_path.empty() ? "scenarios/regressions/" + name + ".yaml" : out_path;
  std::string reproduce = sim::ShellQuote(options.binary) + " run " + sim::ShellQuote(file) + flags;
  std::string header = "Shrunk by `ckptsim shrink " + sim::ShellQuote(declared.path) + " --token " +
                       sim::ShellQuote(token) + flags + "`\n(" + std::to_string(outcome.attempts) +
                       " candidate trials). Fails [" + sim::FailureKindName(outcome.failure.kind) +
                       "]: " + outcome.failure.detail + "\nreproduce: " + reproduce;
  std::string yaml = sim::RegressionScenarioYaml(
      declared, outcome, name,
      "Shrunk from " + declared.name + ": " + sim::FailureKindName(outcome.failure.kind), header);
  // A structured query has no `batches`: its size is its input.
  auto size = [](const sim::Scenario& s) {
    if (s.engine == sim::Engine::kDStream) return std::to_string(s.batches) + " batches";
    size_t records = 0;
    if (const auto* appends = s.source.appends()) {
      for (const sim::LogAppend& append : *appends) records += append.records.size();
    }
    if (const auto* files = s.source.get<sim::FileInput>()) {
      for (const sim::ProducedFile& file : files->files) records += file.lines.size();
    }
    return std::to_string(records) + " input records";
  };
  std::printf("shrunk in %llu candidate trials: %s -> %s, %zu -> %zu crashes\n",
              static_cast<unsigned long long>(outcome.attempts),
              size(sim::ScenarioVariant(declared, spec.value().variant)).c_str(),
              size(outcome.scenario).c_str(), spec.value().crashes.size(),
              outcome.spec.crashes.size());
  std::printf("FAIL [%s]: %s\n", sim::FailureKindName(outcome.failure.kind),
              outcome.failure.detail.c_str());
  if (out_path.empty()) {
    std::printf("\n%s", yaml.c_str());
  } else {
    std::ofstream(out_path) << yaml;
    if (!std::ifstream(out_path)) return BadInput(out_path + ": cannot write");
    std::printf("wrote %s\n", out_path.c_str());
  }
  std::printf("replay: %s\n", sim::ReplayCommand(options, file, outcome.spec.token()).c_str());
  std::printf("reproduce: %s\n", reproduce.c_str());
  return kExitFail;
}

int Shrink(const ShrinkFlags& flags, const char* binary) {
  sim::ExploreOptions options;
  ckpt::Result<std::vector<sim::Scenario>> scenarios =
      Prepare(flags.common, flags.path, true, binary, options);
  if (!scenarios.ok()) return BadInput(scenarios.status().message());
  return RunShrink(scenarios.value().front(), flags.token, flags.out, flags.name,
                   flags.max_attempts, options);
}

}  // namespace

Command AddShrinkCommand(CLI::App& app, const char* binary) {
  auto flags = std::make_shared<ShrinkFlags>();
  CLI::App* shrink = app.add_subcommand(
      "shrink", "reduce a failing trial to a minimal one and print it as a scenario file");
  shrink->add_option("scenario", flags->path, "scenario file")->required();
  shrink->add_option("--token", flags->token, "the replay token of a failing trial")->required();
  shrink->add_option("--out", flags->out, "write the scenario here (default: print it)");
  shrink->add_option("--name", flags->name, "the shrunk scenario's name (default: NAME_shrunk)");
  shrink->add_option("--max-attempts", flags->max_attempts, "candidate trials to try at most")
      ->check(CLI::PositiveNumber);
  AddCommonFlags(shrink, flags->common, kEngineFlagsOnly);
  shrink->footer(
      "Example:\n"
      "  ckptsim shrink scenarios/basic/running_count.yaml --token c311+0,c80+106 \\\n"
      "      --defect skip-pending-times --out scenarios/regressions/pending.yaml");
  return {shrink, [flags, binary] { return Shrink(*flags, binary); }};
}

}  // namespace cli
