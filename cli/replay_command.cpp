// `ckptsim replay`: one trial from its token, its trace around the first divergence, and the
// divergence spelled out.
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/command.h"
#include "explore/references.h"
#include "oracle/divergence.h"
#include "reports/report.h"
#include "scenario/swarm.h"

namespace cli {
namespace {

struct ReplayFlags {
  CommonFlags common;
  std::string path;
  std::string token;
  bool full_trace = false;
};

// Where a failing trial first diverged, for the line under its trace. A protocol rule's time is
// when the process broke it; the outputs there may still agree.
std::string Where(const sim::Divergence& divergence, const sim::Failure& first) {
  std::string at =
      divergence.batch_time ? std::to_string(divergence.batch_time->ms) + " ms" : std::string();
  if (first.kind == sim::FailureKind::kProtocolViolation) {
    return "a protocol rule, broken " + (at.empty() ? "in the run" : "at " + at) +
           " (outputs there below; --no-protocol-oracle shows the first output divergence)";
  }
  return at.empty() ? "not about one batch" : "batch " + at;
}

// The first failure filed the way exploration files it: when it is a known weakness that the
// same trial, rerun with the weakness's fix, confirms, the detail exploration reports (WARN).
std::optional<std::string> ConfirmedWeakness(const sim::Scenario& scenario,
                                             const sim::TrialSpec& spec,
                                             const sim::RunOptions& options,
                                             const sim::TrialRun& run, const sim::Failure& first) {
  if (!sim::KnownWeakness(run, first)) return std::nullopt;
  auto rerun = [&](const ckpt::FixSet& fixes) {
    sim::RunOptions fixed = options;
    fixed.fixes.add(fixes);
    sim::References references(scenario, fixed);
    sim::TrialRun fixed_run = sim::RunTrial(scenario, spec, fixed);
    std::vector<sim::Failure> failures = references.check(fixed_run);
    return std::make_pair(std::move(fixed_run), std::move(failures));
  };
  sim::ScenarioSummary summary;
  sim::ExploreResult result;
  sim::FileFailure(scenario, run,
                   sim::FailingTrial{scenario.name, scenario.path, "", first, "", {}}, rerun,
                   summary, result);
  if (result.known_weakness_failing.empty()) return std::nullopt;
  return result.known_weakness_failing.front().failure.detail;
}

// Whether `token` is the scenario's own trial, the one `ckptsim run` makes of its crashes (and
// prints): there its expect_state is judged, so its replay judges it too.
bool IsOwnTrial(const sim::Scenario& scenario, const std::string& token,
                const sim::RunOptions& options) {
  if (scenario.expect_state.empty()) return false;
  sim::TrialSpec own = sim::OwnTrial(scenario);
  return sim::ResolvedRunToken(own, sim::RunTrial(scenario, own, options)) == token;
}

// The replay as one JSON object (--json).
nlohmann::json ReplayJson(const sim::Scenario& scenario, const std::string& token,
                          const sim::TrialRun& run, const std::vector<sim::Failure>& failures,
                          const std::optional<sim::Divergence>& divergence,
                          const std::optional<std::string>& weakness) {
  nlohmann::json out = {{"schema_version", reports::kSchemaVersion},
                        {"scenario", scenario.name},
                        {"token", token},
                        {"digest", run.digest},
                        {"trace", run.trace},
                        {"failures", nlohmann::json::array()}};
  for (const sim::Failure& f : failures) {
    out["failures"].push_back({{"kind", sim::FailureKindName(f.kind)},
                               {"batch_time_ms", f.batch_time ? nlohmann::json(f.batch_time->ms)
                                                              : nlohmann::json(nullptr)},
                               {"detail", f.detail}});
  }
  if (divergence) {
    out["divergence"] = {
        {"batch_time_ms", divergence->batch_time ? nlohmann::json(divergence->batch_time->ms)
                                                 : nlohmann::json(nullptr)},
        {"outputs", divergence->outputs},
        {"incarnations", divergence->incarnations},
        {"trace", divergence->trace}};
  }
  if (weakness) out["known_weakness"] = *weakness;
  return out;
}

int RunReplay(const sim::Scenario& declared, const std::string& token,
              const sim::ExploreOptions& options, bool json, bool full_trace, bool strict) {
  ckpt::Result<sim::TrialSpec> spec = TrialOf(declared, token);
  if (!spec.ok()) return BadInput(spec.status().message());
  const sim::Scenario scenario = sim::ScenarioVariant(declared, spec.value().variant);
  sim::RunOptions run_options = options.run;
  sim::References references(scenario, run_options);
  run_options.record_trace = true;
  run_options.observe_state = IsOwnTrial(scenario, token, options.run);
  sim::TrialRun run = sim::RunTrial(scenario, spec.value(), run_options);
  std::vector<sim::Failure> failures = references.check(run);
  std::optional<std::string> weakness;
  std::optional<sim::Divergence> divergence;
  if (!failures.empty()) {
    weakness = ConfirmedWeakness(scenario, spec.value(), options.run, run, failures.front());
    divergence =
        sim::ExplainDivergence(scenario, references.base().reference, run, failures.front());
  }
  // A confirmed known weakness is WARN, as in exploration: it passes unless --strict.
  int exit_code = failures.empty() || (weakness && !strict) ? kExitPass : kExitFail;
  if (json) {
    std::cout << ReplayJson(scenario, token, run, failures, divergence, weakness)
                     .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
    return exit_code;
  }
  const std::vector<std::string>& trace = divergence && !full_trace ? divergence->trace : run.trace;
  if (divergence && !full_trace) {
    std::printf(
        "trace around the first divergence (crashes and recoveries, and every line within "
        "two batches of it; --full-trace prints all %zu lines):\n",
        run.trace.size());
  }
  for (const std::string& line : trace) std::printf("%s\n", line.c_str());
  std::printf("\ntrace digest %016llx\n", static_cast<unsigned long long>(run.digest));
  if (divergence) {
    std::printf("\nfirst divergence: %s\n", Where(*divergence, failures.front()).c_str());
    for (const std::string& line : divergence->outputs) std::printf("  %s\n", line.c_str());
    std::printf("incarnations:\n");
    for (const std::string& line : divergence->incarnations) std::printf("  %s\n", line.c_str());
    std::printf("\n");
  }
  if (failures.empty()) std::printf("PASS: every check holds\n");
  if (weakness) {
    std::printf("WARN [%s]: %s\n", sim::FailureKindName(failures.front().kind), weakness->c_str());
    return exit_code;
  }
  for (const sim::Failure& f : failures) {
    std::printf("FAIL [%s]%s: %s\n", sim::FailureKindName(f.kind),
                f.batch_time ? (" batch " + std::to_string(f.batch_time->ms)).c_str() : "",
                f.detail.c_str());
  }
  return exit_code;
}

// A progress line for a terminal, redrawn at most every 200 ms: the scenario, trials done of
// those known, failures, the rate and an estimate of the time left in this scenario. Wall time

int Replay(const ReplayFlags& flags, const char* binary) {
  sim::ExploreOptions options;
  ckpt::Result<std::vector<sim::Scenario>> scenarios =
      Prepare(flags.common, flags.path, true, binary, options);
  if (!scenarios.ok()) return BadInput(scenarios.status().message());
  return RunReplay(scenarios.value().front(), flags.token, options, flags.common.json,
                   flags.full_trace, flags.common.strict);
}

}  // namespace

Command AddReplayCommand(CLI::App& app, const char* binary) {
  auto flags = std::make_shared<ReplayFlags>();
  CLI::App* replay =
      app.add_subcommand("replay", "replay one trial from its token and print its trace");
  replay->add_option("scenario", flags->path, "scenario file")->required();
  replay->add_option("--token", flags->token, "the replay token of a failing trial")->required();
  replay->add_flag("--full-trace", flags->full_trace,
                   "a failing trial: print the whole trace, not the part around the divergence");
  replay->footer(
      "Examples:\n"
      "  ckptsim replay scenarios/basic/running_count.yaml --token c142+0 --defect "
      "skip-pending-times\n"
      "  ckptsim replay scenarios/basic/running_count.yaml --token ref --full-trace");
  AddCommonFlags(replay, flags->common, kJsonFlag | kStrictFlag);
  return {replay, [flags, binary] { return Replay(*flags, binary); }};
}

}  // namespace cli
