// ckptsim: the command line. Exit codes: 0 all checks hold, 1 a check failed, 2 bad input/usage.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "engine/defects.h"
#include "real/crash_real.h"
#include "real/serve.h"
#include "reports/report.h"
#include "sim/divergence.h"
#include "sim/explorer.h"
#include "sim/scenario.h"
#include "sim/shrink.h"
#include "sim/swarm.h"
#include "sim/timeline.h"

namespace {

constexpr int kExitPass = 0;
constexpr int kExitFail = 1;
constexpr int kExitBadInput = 2;

struct CommonFlags {
  std::vector<std::string> defects;
  std::string fs;  // empty: each scenario's own filesystem (hdfs unless it says otherwise)
  std::vector<std::string> conf;
  bool json = false;
  std::string report_dir;
  std::string junit;
};

void AddCommonFlags(CLI::App* command, CommonFlags& flags) {
  command->add_option("--defect", flags.defects,
                      "switch on a known recovery bug (repeatable; see `ckptsim defects`)");
  command->add_option("--fs", flags.fs,
                      "filesystem persistence model for every scenario: hdfs, posix, object-store "
                      "or lying-disk (default: the scenario's `filesystem`, else hdfs)");
  command->add_option("--conf", flags.conf, "engine configuration key=value (repeatable)");
  command->add_flag("--json", flags.json, "print one JSON object on stdout");
  command->add_option("--report", flags.report_dir, "write results.json and index.html into DIR");
  command->add_option("--junit", flags.junit,
                      "write JUnit XML to FILE: a testsuite per scenario, a testcase per check");
}

int BadInput(const std::string& message) {
  std::cerr << "ckptsim: " << message << "\n";
  return kExitBadInput;
}

// Turns the common flags into run options, and remembers them for replay commands.
ckpt::Status ToOptions(const CommonFlags& flags, sim::ExploreOptions& options) {
  for (const std::string& name : flags.defects) {
    ckpt::Result<ckpt::Defect> defect = ckpt::ParseDefect(name);
    if (!defect.ok()) return defect.status();
    options.run.defects.add(defect.value());
    options.replay_flags.push_back("--defect " + name);
  }
  if (!flags.fs.empty()) {
    ckpt::Result<sim::PersistenceModel> model = sim::ParsePersistenceModel(flags.fs);
    if (!model.ok()) return model.status();
    options.run.fs_model = model.value();
    options.replay_flags.push_back("--fs " + flags.fs);
  }
  for (const std::string& pair : flags.conf) {
    size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      return ckpt::Status::InvalidArgument("--conf expects key=value, got '" + pair + "'");
    }
    options.run.conf[pair.substr(0, eq)] = pair.substr(eq + 1);
    options.replay_flags.push_back("--conf " + pair);
  }
  return ckpt::Status::Ok();
}

// "none", or the defects switched on, for a header line.
std::string DefectsText(const ckpt::DefectSet& set) {
  std::string defects;
  for (const std::string& name : set.names()) defects += (defects.empty() ? "" : ",") + name;
  return defects.empty() ? "none" : defects + " (a deliberately broken engine)";
}

std::string Header(const sim::ExploreResult& result, const sim::ExploreOptions& options) {
  std::string header =
      std::string("ckptsim ") + sim::StrategyName(result.strategy) + " \u00b7 seed " +
      std::to_string(result.seed) + " \u00b7 fs " +
      (options.run.fs_model ? sim::PersistenceModelName(*options.run.fs_model) : "per scenario") +
      " \u00b7 defects: " + DefectsText(options.run.defects);
  if (result.strategy == sim::Strategy::kExhaustive && options.depth > 1) {
    header += " \u00b7 depth " + std::to_string(options.depth);
  }
  if (result.shard_count > 1) {
    header += " \u00b7 shard " + std::to_string(result.shard_index) + "/" +
              std::to_string(result.shard_count);
  }
  return header;
}

// The explored/total line of each exhaustive level, saying what a budget left out.
void PrintLevels(const sim::ExploreResult& result) {
  std::map<int, sim::LevelSummary> levels;
  for (const sim::ScenarioSummary& s : result.scenarios) {
    for (const sim::LevelSummary& level : s.levels) {
      sim::LevelSummary& total =
          levels.try_emplace(level.depth, sim::LevelSummary{level.depth, 0, 0}).first->second;
      total.planned += level.planned;
      total.explored += level.explored;
      total.parents_complete = total.parents_complete && level.parents_complete;
    }
  }
  if (levels.size() < 2 &&
      (levels.empty() || levels.begin()->second.explored == levels.begin()->second.planned)) {
    return;  // one complete level: the table says it all
  }
  for (const auto& [depth, level] : levels) {
    std::printf("depth %d: %llu of %s%llu trials explored%s\n", depth,
                static_cast<unsigned long long>(level.explored),
                level.parents_complete ? "" : "at least ",
                static_cast<unsigned long long>(level.planned),
                level.explored < level.planned ? " (stopped by --max-trials)" : "");
  }
}

void PrintHuman(const sim::ExploreResult& result, const std::string& header,
                uint64_t max_crash_states) {
  std::printf("%s\n", header.c_str());
  int width = 8;  // the name column fits the longest scenario name
  for (const sim::ScenarioSummary& s : result.scenarios) {
    width = std::max(width, static_cast<int>(s.name.size()));
  }
  std::printf("%-*s %12s %8s %9s  %s\n", width, "scenario", "crash points", "trials", "failures",
              "verdict");
  for (const sim::ScenarioSummary& s : result.scenarios) {
    std::printf("%-*s %12llu %8llu %9llu  %s\n", width, s.name.c_str(),
                static_cast<unsigned long long>(s.crash_points),
                static_cast<unsigned long long>(s.trials),
                static_cast<unsigned long long>(s.failures),
                s.failures                ? "FAIL"
                : s.expected_failures > 0 ? "PASS (unsafe configuration shown)"
                                          : "PASS");
  }
  size_t shown = 0;
  for (const sim::FailingTrial& f : result.failing) {
    if (shown++ == 5) {
      std::printf("... and %zu more failing trials (--json lists them all)\n",
                  result.failing.size() - 5);
      break;
    }
    std::string batch =
        f.failure.batch_time ? "batch " + std::to_string(f.failure.batch_time->ms) : "-";
    std::printf("\nFAIL %s [%s] %s: %s\n  replay: %s\n", f.scenario.c_str(),
                sim::FailureKindName(f.failure.kind), batch.c_str(), f.failure.detail.c_str(),
                f.replay.c_str());
  }
  if (!result.known_weakness_failing.empty()) {
    const sim::FailingTrial& f = result.known_weakness_failing.front();
    std::printf(
        "\n%llu known-weakness trial(s), not counted as failures; e.g. %s [%s]: %s\n  "
        "replay: %s\n",
        static_cast<unsigned long long>(result.known_weaknesses), f.scenario.c_str(),
        sim::FailureKindName(f.failure.kind), f.failure.detail.c_str(), f.replay.c_str());
  }
  if (!result.expected_failing.empty()) {
    const sim::FailingTrial& f = result.expected_failing.front();
    std::printf(
        "\nexpected failure (%s documents an unsafe configuration) [%s]: %s\n  replay: %s\n",
        f.scenario.c_str(), sim::FailureKindName(f.failure.kind), f.failure.detail.c_str(),
        f.replay.c_str());
  }
  std::printf("\n%llu trials, %llu failed, %.2f s\n",
              static_cast<unsigned long long>(result.trials),
              static_cast<unsigned long long>(result.failures), result.elapsed_s);
  if (result.crash_states > result.crash_points) {
    std::printf("durable crash states: %llu of %llu explored (--max-crash-states %llu per step)\n",
                static_cast<unsigned long long>(result.crash_states_explored),
                static_cast<unsigned long long>(result.crash_states),
                static_cast<unsigned long long>(max_crash_states));
  }
  PrintLevels(result);
  if (result.determinism_checked > 0) {
    std::printf("determinism: %llu trials rerun, %llu with another trace digest\n",
                static_cast<unsigned long long>(result.determinism_checked),
                static_cast<unsigned long long>(result.determinism_mismatches));
  }
  if (result.trials_pruned > 0) {
    std::printf(
        "pruning: %llu of %llu trials converged early; %llu steps run of %llu unpruned (%.1f%%)\n",
        static_cast<unsigned long long>(result.trials_pruned),
        static_cast<unsigned long long>(result.trials),
        static_cast<unsigned long long>(result.steps_run),
        static_cast<unsigned long long>(result.steps_unpruned),
        100.0 * static_cast<double>(result.steps_run) /
            static_cast<double>(std::max<uint64_t>(1, result.steps_unpruned)));
  }
}

// The timelines the HTML report draws: the first failing trial of each scenario and kind, at most
// kTimelinesDrawn, each replayed with `run` (the exploration's defects, filesystem and conf).
constexpr size_t kTimelinesDrawn = 12;
std::vector<sim::Timeline> Timelines(const sim::ExploreResult& result, const sim::RunOptions& run) {
  std::vector<sim::Timeline> timelines;
  std::set<std::pair<std::string, sim::FailureKind>> drawn;
  std::map<std::string, sim::Scenario> scenarios;  // by path
  for (const sim::FailingTrial& f : result.failing) {
    if (timelines.size() >= kTimelinesDrawn || f.token == "ref" ||
        !drawn.insert({f.scenario, f.failure.kind}).second) {
      continue;
    }
    auto it = scenarios.find(f.scenario_path);
    if (it == scenarios.end()) {
      ckpt::Result<sim::Scenario> loaded = sim::LoadScenario(f.scenario_path);
      if (!loaded.ok()) continue;
      it = scenarios.emplace(f.scenario_path, std::move(loaded).value()).first;
    }
    ckpt::Result<sim::Timeline> timeline = sim::BuildTimeline(it->second, f, run);
    if (timeline.ok()) timelines.push_back(std::move(timeline).value());
  }
  return timelines;
}

int Report(const sim::ExploreResult& result, const std::string& header, uint64_t max_crash_states,
           const CommonFlags& flags, const sim::RunOptions* timeline_run = nullptr) {
  if (flags.json) {
    std::cout << reports::ResultToJson(result).dump(2) << "\n";
  } else {
    PrintHuman(result, header, max_crash_states);
  }
  if (!flags.report_dir.empty()) {
    // A merge has no run options to replay with: its report has no timelines.
    ckpt::Status written = reports::WriteReport(
        flags.report_dir, result, header,
        timeline_run ? Timelines(result, *timeline_run) : std::vector<sim::Timeline>{});
    if (!written.ok()) return BadInput(written.to_string());
    if (!flags.json) std::printf("report: %s/index.html\n", flags.report_dir.c_str());
  }
  if (!flags.junit.empty()) {
    std::ofstream junit(flags.junit);
    junit << reports::RenderJunit(result);
    if (!junit) return BadInput("cannot write " + flags.junit);
  }
  return result.failures == 0 ? kExitPass : kExitFail;
}

// Reads shard results written by `explore --json` (or --report's results.json) and merges them.
int RunMerge(const std::vector<std::string>& files, const CommonFlags& flags) {
  std::vector<sim::ExploreResult> parts;
  for (const std::string& file : files) {
    std::ifstream in(file);
    if (!in) return BadInput(file + ": cannot read");
    nlohmann::json json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) return BadInput(file + ": not JSON");
    ckpt::Result<sim::ExploreResult> part = reports::ResultFromJson(json);
    if (!part.ok()) return BadInput(file + ": " + part.status().message());
    parts.push_back(std::move(part).value());
  }
  ckpt::Result<sim::ExploreResult> merged = sim::MergeResults(parts);
  if (!merged.ok()) return BadInput(merged.status().message());
  std::string header = std::string("ckptsim merge \u00b7 ") + std::to_string(parts.size()) +
                       " shard(s) \u00b7 " + sim::StrategyName(merged.value().strategy) +
                       " \u00b7 seed " + std::to_string(merged.value().seed);
  return Report(merged.value(), header, 8, flags);
}

// The bundled scenarios with their one-line descriptions.
int RunList(const std::vector<sim::Scenario>& scenarios, bool json) {
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const sim::Scenario& s : scenarios) {
      list.push_back({{"name", s.name},
                      {"path", s.path},
                      {"description", s.description},
                      {"source", s.source_kind},
                      {"batches", s.batches},
                      {"filesystem", sim::PersistenceModelName(s.filesystem)},
                      {"swarm", !s.swarm.empty()}});
    }
    std::cout
        << nlohmann::json{{"schema_version", reports::kSchemaVersion}, {"scenarios", list}}.dump(2)
        << "\n";
    return kExitPass;
  }
  size_t width = 0;
  for (const sim::Scenario& s : scenarios) width = std::max(width, s.path.size());
  for (const sim::Scenario& s : scenarios) {
    std::printf("%-*s  %s\n", static_cast<int>(width), s.path.c_str(), s.description.c_str());
  }
  std::printf("%zu scenarios\n", scenarios.size());
  return kExitPass;
}

int RunDefects(bool json) {
  nlohmann::json list = nlohmann::json::array();
  for (const ckpt::DefectInfo& d : ckpt::AllDefects()) {
    list.push_back({{"name", d.name},
                    {"reverts", d.reverts},
                    {"description", d.description},
                    {"exposed_by", d.exposed_by}});
  }
  if (json) {
    std::cout
        << nlohmann::json{{"schema_version", reports::kSchemaVersion}, {"defects", list}}.dump(2)
        << "\n";
    return kExitPass;
  }
  for (const ckpt::DefectInfo& d : ckpt::AllDefects()) {
    std::printf("%s\n  reverts:    %s\n  effect:     %s\n  exposed by: %s\n\n", d.name, d.reverts,
                d.description, d.exposed_by);
  }
  return kExitPass;
}

int RunCrashPoints(const sim::Scenario& scenario, const sim::ExploreOptions& options, bool json) {
  sim::RunOptions run_options = options.run;
  run_options.record_steps = true;
  sim::TrialRun run = sim::RunTrial(scenario, sim::TrialSpec{}, run_options);
  if (json) {
    nlohmann::json steps = nlohmann::json::array();
    for (const sim::StepRecord& s : run.steps) {
      steps.push_back({{"step", s.step}, {"time_ms", s.time.ms}, {"label", s.label}});
    }
    std::cout << nlohmann::json{{"schema_version", reports::kSchemaVersion},
                                {"scenario", scenario.name},
                                {"crash_points", run.steps.size()},
                                {"steps", steps}}
                     .dump(2)
              << "\n";
    return kExitPass;
  }
  std::printf("%6s %10s  %s\n", "step", "time ms", "label");
  for (const sim::StepRecord& s : run.steps) {
    std::printf("%6llu %10lld  %s\n", static_cast<unsigned long long>(s.step),
                static_cast<long long>(s.time.ms), s.label.c_str());
  }
  std::printf("%zu crash points\n", run.steps.size());
  return kExitPass;
}

// The trial `token` names, checked against `declared`'s swarm variants.
ckpt::Result<sim::TrialSpec> TrialOf(const sim::Scenario& declared, const std::string& token) {
  ckpt::Result<sim::TrialSpec> spec = sim::TrialSpec::ParseToken(token);
  if (!spec.ok()) return spec;
  uint64_t variant = spec.value().variant;
  if (variant > sim::kSwarmVariants || (variant != 0 && declared.swarm.empty())) {
    return ckpt::Status::InvalidArgument(
        "token '" + token + "' names swarm variant " + std::to_string(variant) + ", which " +
        declared.name +
        (declared.swarm.empty()
             ? " does not have (it declares no swarm ranges)"
             : " does not have (variants are 1.." + std::to_string(sim::kSwarmVariants) + ")"));
  }
  return spec;
}

int RunReplay(const sim::Scenario& declared, const std::string& token,
              const sim::ExploreOptions& options, bool json, bool full_trace) {
  ckpt::Result<sim::TrialSpec> spec = TrialOf(declared, token);
  if (!spec.ok()) return BadInput(spec.status().message());
  const sim::Scenario scenario = sim::ScenarioVariant(declared, spec.value().variant);
  sim::RunOptions run_options = options.run;
  sim::References references(scenario, run_options);
  run_options.record_trace = true;
  sim::TrialRun run = sim::RunTrial(scenario, spec.value(), run_options);
  std::vector<sim::Failure> failures = references.check(run);
  std::optional<sim::Divergence> divergence;
  if (!failures.empty()) {
    divergence =
        sim::ExplainDivergence(scenario, references.base().reference, run, failures.front());
  }
  if (json) {
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
    std::cout << out.dump(2) << "\n";
    return failures.empty() ? kExitPass : kExitFail;
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
    std::printf("\nfirst divergence: %s\n",
                divergence->batch_time
                    ? ("batch " + std::to_string(divergence->batch_time->ms) + " ms").c_str()
                    : "not about one batch");
    for (const std::string& line : divergence->outputs) std::printf("  %s\n", line.c_str());
    std::printf("incarnations:\n");
    for (const std::string& line : divergence->incarnations) std::printf("  %s\n", line.c_str());
    std::printf("\n");
  }
  if (failures.empty()) std::printf("PASS: every check holds\n");
  for (const sim::Failure& f : failures) {
    std::printf("FAIL [%s]%s: %s\n", sim::FailureKindName(f.kind),
                f.batch_time ? (" batch " + std::to_string(f.batch_time->ms)).c_str() : "",
                f.detail.c_str());
  }
  return failures.empty() ? kExitPass : kExitFail;
}

// A progress line for a terminal, redrawn at most every 200 ms: the scenario, trials done of
// those known, failures, the rate and an estimate of the time left in this scenario. Wall time
// serves the display only.
std::function<void(const sim::Progress&)> ProgressLine() {
  using Clock = std::chrono::steady_clock;
  uint64_t earlier_trials = 0;  // of the scenarios before this one
  size_t scenario = 0;
  uint64_t done = 0;
  return [=, started = Clock::now(), drawn = Clock::time_point{}](const sim::Progress& p) mutable {
    if (p.scenario_index != scenario) {
      earlier_trials += done;
      scenario = p.scenario_index;
    }
    done = p.trials_done;
    Clock::time_point now = Clock::now();
    if (now - drawn < std::chrono::milliseconds(200)) return;
    drawn = now;
    double seconds = std::chrono::duration<double>(now - started).count();
    double rate = seconds > 0 ? static_cast<double>(earlier_trials + done) / seconds : 0;
    double left = rate > 0 ? static_cast<double>(p.trials_planned - done) / rate : 0;
    std::printf(
        "\r\033[K[%zu/%zu] %s: %llu of %llu trials, %llu failed, %.0f trials/s, ~%.0f s left",
        p.scenario_index + 1, p.scenarios, p.scenario.c_str(),
        static_cast<unsigned long long>(done), static_cast<unsigned long long>(p.trials_planned),
        static_cast<unsigned long long>(p.failures), rate, left);
    std::fflush(stdout);
  };
}

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
  std::string header = "Shrunk by `ckptsim shrink " + declared.path + " --token " + token + flags +
                       "`\n(" + std::to_string(outcome.attempts) + " candidate trials). Fails [" +
                       sim::FailureKindName(outcome.failure.kind) + "]: " + outcome.failure.detail +
                       "\nreproduce: " + options.binary + " run " + file + flags;
  ckpt::Result<std::string> yaml = sim::RegressionScenarioYaml(
      declared, outcome, name,
      "Shrunk from " + declared.name + ": " + sim::FailureKindName(outcome.failure.kind), header);
  if (!yaml.ok()) return BadInput(yaml.status().message());
  std::printf("shrunk in %llu candidate trials: %lld -> %lld batches, %zu -> %zu crashes\n",
              static_cast<unsigned long long>(outcome.attempts),
              static_cast<long long>(sim::ScenarioVariant(declared, spec.value().variant).batches),
              static_cast<long long>(outcome.scenario.batches), spec.value().crashes.size(),
              outcome.spec.crashes.size());
  std::printf("FAIL [%s]: %s\n", sim::FailureKindName(outcome.failure.kind),
              outcome.failure.detail.c_str());
  if (out_path.empty()) {
    std::printf("\n%s", yaml.value().c_str());
  } else {
    std::ofstream(out_path) << yaml.value();
    if (!std::ifstream(out_path)) return BadInput(out_path + ": cannot write");
    std::printf("wrote %s\n", out_path.c_str());
  }
  std::printf("replay: %s\n", sim::ReplayCommand(options, file, outcome.spec.token()).c_str());
  std::printf("reproduce: %s run %s%s\n", options.binary.c_str(), file.c_str(), flags.c_str());
  return kExitFail;
}

// Writes each defect's shrunk counterexample as <dir>/<defect>.yaml.
ckpt::Status WriteRegressions(const sim::MutationReport& report, const std::string& root,
                              const std::string& dir, const sim::ExploreOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return ckpt::Status::IoError(dir + ": " + ec.message());
  for (const sim::DefectHunt& h : report.hunts) {
    if (!h.shrunk()) continue;
    ckpt::Result<sim::Scenario> declared = sim::LoadScenario(root + "/" + h.scenario_path);
    if (!declared.ok()) return declared.status();
    std::string name = "regression_" + h.defect;
    std::replace(name.begin(), name.end(), '-', '_');
    std::string file = dir + "/" + h.defect + ".yaml";
    std::string header = "The " + h.defect + " defect (" + h.reverts + "), shrunk by `" +
                         options.binary + " mutation` from trial " + h.token + " of " +
                         h.scenario_path + ".\nPasses on the engine; with --defect " + h.defect +
                         " it fails [" + sim::FailureKindName(h.kind) +
                         "]: " + h.outcome.failure.detail + "\nreproduce: " + options.binary +
                         " run " + file + " --defect " + h.defect;
    ckpt::Result<std::string> yaml = sim::RegressionScenarioYaml(
        declared.value(), h.outcome, name,
        "Regression: defect " + h.defect + " (" + sim::FailureKindName(h.kind) + "), shrunk from " +
            declared.value().name,
        header);
    if (!yaml.ok()) return yaml.status();
    std::ofstream out(file);
    out << yaml.value();
    if (!out) return ckpt::Status::IoError(file + ": cannot write");
  }
  return ckpt::Status::Ok();
}

int RunMutation(const std::string& root, const std::string& out_path,
                const std::string& regressions, const sim::ExploreOptions& options, bool json) {
  sim::MutationReport report = sim::HuntDefects(root, options);
  nlohmann::json doc = reports::MutationToJson(report);
  if (!out_path.empty()) {
    std::ofstream out(out_path);
    out << doc.dump(2) << "\n";
    if (!out) return BadInput(out_path + ": cannot write");
  }
  if (!regressions.empty()) {
    ckpt::Status status = WriteRegressions(report, root, regressions, options);
    if (!status.ok()) return BadInput(status.message());
  }
  if (json) {
    std::cout << doc.dump(2) << "\n";
  } else {
    std::printf("%-30s %7s %9s %-22s %8s %8s %9s\n", "defect", "found", "to first", "kind",
                "batches", "crashes", "shrink s");
    for (const sim::DefectHunt& h : report.hunts) {
      if (!h.error.empty()) {
        std::printf("%-30s ERROR %s\n", h.defect.c_str(), h.error.c_str());
        continue;
      }
      std::printf("%-30s %7s %8.3fs %-22s %8lld %8llu %8.2fs\n", h.defect.c_str(),
                  h.found ? std::to_string(h.trials_to_first_failure).c_str() : "NO",
                  h.seconds_to_first_failure, h.found ? sim::FailureKindName(h.kind) : "-",
                  static_cast<long long>(h.shrunk_batches()),
                  static_cast<unsigned long long>(h.shrunk_crashes()), h.shrink_seconds);
    }
    const sim::MutationTargets& t = report.targets;
    std::printf(
        "\n%llu of %zu defects found (target: all); median time to the first failure %.3f s "
        "(target <= %.1f s); %llu of %zu shrunk to <= %lld batches and <= %llu crashes "
        "(target >= %.0f%%)\n%s\n",
        static_cast<unsigned long long>(report.found), report.hunts.size(),
        report.median_seconds_to_first_failure, t.max_median_seconds,
        static_cast<unsigned long long>(report.small), report.hunts.size(),
        static_cast<long long>(t.max_batches), static_cast<unsigned long long>(t.max_crashes),
        t.min_small_fraction * 100,
        report.targets_met() ? "PASS: every target met" : "FAIL: a target missed");
  }
  return report.targets_met() ? kExitPass : kExitFail;
}

// The path of this executable, for the children crash-real starts.
std::string SelfPath(const char* argv0) {
  std::error_code error;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::string(argv0) : self.string();
}

int RunCrashReal(const std::vector<sim::Scenario>& scenarios, const sim::ExploreOptions& options,
                 real::CrashRealOptions crash_options, const CommonFlags& flags) {
  if (!flags.fs.empty()) {
    return BadInput(
        "crash-real runs on the real disk: --fs does not apply (cross-validate with "
        "`explore --fs posix`)");
  }
  for (const sim::Scenario& scenario : scenarios) {
    ckpt::Status supported = real::RealRuntimeSupports(scenario);
    if (!supported.ok()) return BadInput(supported.message());
  }
  crash_options.defects = options.run.defects;
  crash_options.conf = options.run.conf;
  crash_options.replay_flags = options.replay_flags;
  crash_options.binary = SelfPath(options.binary.c_str());
  bool own_work_directory = crash_options.work_directory.empty();
  if (own_work_directory) {
    std::string pattern = (std::filesystem::temp_directory_path() / "ckptsim-real-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) return BadInput("cannot create " + pattern);
    crash_options.work_directory = pattern;
  }
  std::error_code error;
  std::filesystem::create_directories(crash_options.work_directory, error);
  if (error) return BadInput(crash_options.work_directory + ": " + error.message());
  sim::ExploreResult result = real::CrashReal(scenarios, crash_options);
  // Failing runs keep their directories (the failures name them); remove an empty work directory.
  if (own_work_directory) std::filesystem::remove(crash_options.work_directory, error);
  std::ostringstream header;
  header << "ckptsim crash-real \u00b7 seed " << crash_options.seed << " \u00b7 "
         << crash_options.kills << " kills per trial \u00b7 speed " << crash_options.speed
         << " \u00b7 defects: " << DefectsText(crash_options.defects);
  return Report(result, header.str(), 8, flags);
}

struct StudyFlags {
  double mtbf_s = 600, checkpoint_cost_s = 5, restart_s = 10, horizon_s = 0;
  std::vector<int64_t> intervals;
  int seeds = 4;
  uint64_t seed = 1;
  int jobs = 1;
  std::string out_dir;
  bool json = false;
};

ckpt::Duration SecondsToDuration(double seconds) {
  return ckpt::Duration{static_cast<int64_t>(std::llround(seconds * 1000))};
}

int RunStudyInterval(const std::string& path, const StudyFlags& flags) {
  ckpt::Result<sim::Scenario> scenario = sim::LoadScenario(path);
  if (!scenario.ok()) return BadInput(scenario.status().message());
  sim::IntervalStudyOptions options;
  options.mtbf = SecondsToDuration(flags.mtbf_s);
  options.checkpoint_cost = SecondsToDuration(flags.checkpoint_cost_s);
  options.restart = SecondsToDuration(flags.restart_s);
  options.horizon = SecondsToDuration(flags.horizon_s);
  options.interval_batches = flags.intervals;
  options.seeds = flags.seeds;
  options.seed = flags.seed;
  options.jobs = flags.jobs;
  ckpt::Result<sim::IntervalStudy> study = sim::StudyInterval(scenario.value(), options);
  if (!study.ok()) return BadInput(study.status().message());
  std::string table = reports::RenderIntervalTable(study.value());
  nlohmann::json json = reports::IntervalStudyToJson(study.value());
  if (!flags.out_dir.empty()) {
    std::error_code error;
    std::filesystem::create_directories(flags.out_dir, error);
    if (error) return BadInput("cannot create " + flags.out_dir + ": " + error.message());
    std::ofstream(flags.out_dir + "/study.md") << table;
    std::ofstream(flags.out_dir + "/study.json") << json.dump(2) << "\n";
    std::ofstream(flags.out_dir + "/plot.svg") << reports::RenderIntervalSvg(study.value());
  }
  if (flags.json) {
    std::printf("%s\n", json.dump(2).c_str());
  } else {
    std::printf("%s", table.c_str());
    if (!flags.out_dir.empty()) {
      std::printf("\nWrote %s/study.md, study.json and plot.svg\n", flags.out_dir.c_str());
    }
  }
  return kExitPass;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ckptsim: deterministic crash-recovery testing of a Spark Streaming driver model"};
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  ckptsim explore scenarios/ --strategy exhaustive\n"
      "  ckptsim explore scenarios/basic/running_count.yaml --defect skip-pending-times --json\n"
      "  ckptsim replay scenarios/basic/running_count.yaml --token c123+0");

  CommonFlags flags;
  std::string path, strategy = "exhaustive", token;
  uint64_t trials = 1000, seed = 1, max_crash_states = 8, max_trials = 0;
  int depth = 1, jobs = 1;
  std::string shard;
  bool check_determinism = false;
  std::vector<std::string> merge_files;

  CLI::App* run =
      app.add_subcommand("run", "run scenarios with their own crashes and expectations");
  run->add_option("scenario", path, "scenario file or directory")->required();
  AddCommonFlags(run, flags);
  run->footer(
      "Examples:\n"
      "  ckptsim run scenarios/spark                      Spark's recovery tests, their own "
      "crashes\n"
      "  ckptsim run scenarios/regressions/skip-pending-times.yaml --defect skip-pending-times");

  CLI::App* explore = app.add_subcommand("explore", "explore crash points of scenarios");
  explore->add_option("scenario", path, "scenario file or directory")->required();
  explore->add_option("--strategy", strategy, "exhaustive or random")
      ->check(CLI::IsMember({"exhaustive", "random"}));
  explore->add_option("--trials", trials, "random: trials per scenario")
      ->check(CLI::PositiveNumber);
  explore->add_option("--seed", seed, "random: the seed every trial is forked from");
  explore
      ->add_option("--max-crash-states", max_crash_states,
                   "exhaustive: durable filesystem states explored per crash step (posix, "
                   "lying-disk)")
      ->check(CLI::PositiveNumber);
  explore
      ->add_option("--depth", depth,
                   "exhaustive: crashes per trial; 2 and 3 crash again at every step of each "
                   "recovery")
      ->check(CLI::Range(1, 3));
  explore->add_option("--max-trials", max_trials,
                      "per scenario (and shard): start no trial after this many (0: no budget); "
                      "the report says what was not explored");
  explore->add_option("--jobs", jobs, "threads running trials (results do not depend on it)")
      ->check(CLI::Range(1, 256));
  explore->add_option("--shard", shard,
                      "I/N: run only slice I of N (depth-1 steps or random trials with index "
                      "mod N = I); combine the slices with `ckptsim merge`");
  bool prune = false;
  explore->add_flag("--prune", prune,
                    "stop a trial once its last process's state equals the uncrashed run's at the "
                    "same batch (sequence and constant sources without faults, FIFO "
                    "interleaving); the report gives the steps run and the unpruned cost");
  explore->add_flag("--check-determinism", check_determinism,
                    "rerun every 16th trial (by token hash) and compare trace digests");
  AddCommonFlags(explore, flags);
  explore->footer(
      "Examples:\n"
      "  ckptsim explore scenarios/basic --strategy random --trials 500 --seed 7\n"
      "  ckptsim explore scenarios/basic/running_count.yaml --depth 2 --jobs 2\n"
      "  ckptsim explore scenarios/ --shard 0/4 --json > shard0.json   (one per index)\n"
      "  ckptsim merge shard*.json");

  CLI::App* replay =
      app.add_subcommand("replay", "replay one trial from its token and print its trace");
  replay->add_option("scenario", path, "scenario file")->required();
  replay->add_option("--token", token, "the replay token of a failing trial")->required();
  bool full_trace = false;
  replay->add_flag("--full-trace", full_trace,
                   "a failing trial: print the whole trace, not the part around the divergence");
  replay->footer(
      "Examples:\n"
      "  ckptsim replay scenarios/basic/running_count.yaml --token c142+0 --defect "
      "skip-pending-times\n"
      "  ckptsim replay scenarios/basic/running_count.yaml --token ref --full-trace");
  AddCommonFlags(replay, flags);

  std::string shrink_out, shrink_name;
  uint64_t shrink_attempts = sim::kShrinkAttempts;
  CLI::App* shrink = app.add_subcommand(
      "shrink", "reduce a failing trial to a minimal one and print it as a scenario file");
  shrink->add_option("scenario", path, "scenario file")->required();
  shrink->add_option("--token", token, "the replay token of a failing trial")->required();
  shrink->add_option("--out", shrink_out, "write the scenario here (default: print it)");
  shrink->add_option("--name", shrink_name, "the shrunk scenario's name (default: NAME_shrunk)");
  shrink->add_option("--max-attempts", shrink_attempts, "candidate trials to try at most")
      ->check(CLI::PositiveNumber);
  AddCommonFlags(shrink, flags);
  shrink->footer(
      "Example:\n"
      "  ckptsim shrink scenarios/basic/running_count.yaml --token c311+0,c80+106 \\\n"
      "      --defect skip-pending-times --out scenarios/regressions/pending.yaml");

  CLI::App* points =
      app.add_subcommand("crash-points", "list the labelled steps of the uninterrupted run");
  points->add_option("scenario", path, "scenario file")->required();
  AddCommonFlags(points, flags);
  points->footer("Example: ckptsim crash-points scenarios/basic/running_count.yaml --json");

  CLI::App* merge =
      app.add_subcommand("merge", "combine the JSON results of `explore --shard I/N` runs");
  merge->add_option("results", merge_files, "the shards' JSON results")->required();
  merge->add_flag("--json", flags.json, "print the merged JSON object on stdout");
  merge->add_option("--report", flags.report_dir, "write results.json and index.html into DIR");
  merge->add_option("--junit", flags.junit, "write JUnit XML to FILE");
  merge->footer("Example: ckptsim merge shard0.json shard1.json shard2.json shard3.json --json");

  std::string mutation_root = ".", mutation_out, mutation_regressions;
  CLI::App* mutation = app.add_subcommand(
      "mutation", "prove the harness finds bugs: hunt and shrink every defect of the catalogue");
  mutation->add_option("--root", mutation_root,
                       "the repository the defects' scenario paths are relative to");
  mutation->add_option("--out", mutation_out, "also write the JSON report to FILE");
  mutation->add_option("--regressions", mutation_regressions,
                       "write each shrunk counterexample as DIR/<defect>.yaml");
  mutation->add_option("--jobs", jobs, "threads running trials")->check(CLI::Range(1, 256));
  mutation->add_flag("--json", flags.json, "print the JSON report");
  mutation->footer(
      "Exit 0 when every target holds: every defect found, median time to the first failure\n"
      "<= 1 s, and >= 90% of the counterexamples shrunk to <= 3 batches and <= 2 crashes.\n"
      "Example: ckptsim mutation --out build/mutation.json --regressions scenarios/regressions");

  std::string list_path = "scenarios";
  CLI::App* list = app.add_subcommand("list", "list scenarios with their one-line descriptions");
  list->add_option("scenario", list_path, "scenario file or directory (default: scenarios)");
  list->add_flag("--json", flags.json, "print JSON");
  list->footer("Example: ckptsim list scenarios/faults");

  StudyFlags study_flags;
  CLI::App* study = app.add_subcommand(
      "study-interval",
      "sweep a stateful scenario's checkpoint interval under random driver failures and compare "
      "the best interval with Young's and Daly's");
  study->add_option("scenario", path, "scenario file (a log source and a stateful step)")
      ->required();
  study->add_option("--mtbf-s", study_flags.mtbf_s, "mean time between driver failures (M)")
      ->check(CLI::PositiveNumber);
  study
      ->add_option("--checkpoint-cost-s", study_flags.checkpoint_cost_s,
                   "the checkpoint store's latency for one state RDD checkpoint (C)")
      ->check(CLI::PositiveNumber);
  study->add_option("--restart-s", study_flags.restart_s, "down time after each failure (R)")
      ->check(CLI::NonNegativeNumber);
  study->add_option("--horizon-s", study_flags.horizon_s,
                    "virtual time per run (default: 40 x MTBF)");
  study
      ->add_option("--intervals", study_flags.intervals,
                   "checkpoint intervals in batches (default: a grid from Young's / 4 to x 4)")
      ->delimiter(',');
  study->add_option("--seeds", study_flags.seeds, "failure histories per interval")
      ->check(CLI::Range(1, 1000));
  study->add_option("--seed", study_flags.seed, "the seed the failure histories are forked from");
  study->add_option("--jobs", study_flags.jobs, "threads running simulations")
      ->check(CLI::Range(1, 256));
  study->add_option("--out", study_flags.out_dir, "write study.md, study.json and plot.svg here");
  study->add_flag("--json", study_flags.json, "print JSON");
  study->footer(
      "Example:\n"
      "  ckptsim study-interval scenarios/study/checkpoint_interval.yaml --mtbf-s 600 \\\n"
      "      --checkpoint-cost-s 5 --jobs 2 --out build/study");

  real::ServeOptions serve_options;
  int64_t epoch_unix_ms = -1;
  int64_t kill_at_step = -1, kill_at_writer_step = -1;
  CLI::App* serve = app.add_subcommand(
      "serve", "run a scenario's application as a real process: wall clock, real disk");
  serve->add_option("scenario", path, "scenario file")->required();
  serve
      ->add_option("--checkpoint-dir", serve_options.run_directory,
                   "the run directory: the engine's filesystem root (the scenario's checkpoint "
                   "directory lies below it) and the run's journal; start again to recover")
      ->required();
  serve
      ->add_option("--speed", serve_options.speed,
                   "engine milliseconds per wall-clock millisecond (1: real time; a later "
                   "start keeps the directory's)")
      ->check(CLI::Range(0.01, 1000.0));
  serve->add_flag("--quiet", serve_options.quiet, "print nothing but errors and the verdict");
  // The parent's wiring of a crash-real child, not for people.
  serve->add_option("--epoch-unix-ms", epoch_unix_ms)->group("");
  serve->add_option("--journal-fd", serve_options.journal_fd)->group("");
  serve->add_option("--incarnation", serve_options.incarnation)->group("");
  serve->add_option("--kill-at-step", kill_at_step)->group("");
  serve->add_option("--kill-at-writer-step", kill_at_writer_step)->group("");
  serve->add_option("--defect", flags.defects, "switch on a known recovery bug (repeatable)");
  serve->add_option("--conf", flags.conf, "engine configuration key=value (repeatable)");
  serve->footer(
      "Example:\n"
      "  ckptsim serve scenarios/basic/running_count.yaml --checkpoint-dir /tmp/run --speed 10\n"
      "  (kill it with kill -9, run the same command again: it recovers, and at the end judges\n"
      "  every process's outputs against the uninterrupted run)");

  real::CrashRealOptions crash_options;
  CLI::App* crash_real = app.add_subcommand(
      "crash-real", "kill real engine processes with SIGKILL, restart them, check the outputs");
  crash_real->add_option("scenario", path, "scenario file or directory")->required();
  crash_real->add_option("--kills", crash_options.kills, "kills per trial")
      ->check(CLI::Range(0, 10000));
  crash_real->add_option("--trials", crash_options.trials, "runs per scenario")
      ->check(CLI::Range(1, 100000));
  crash_real->add_option("--seed", crash_options.seed, "the seed the kill plans are drawn from");
  crash_real
      ->add_option("--speed", crash_options.speed,
                   "engine milliseconds per wall-clock millisecond (default 10)")
      ->check(CLI::Range(0.01, 1000.0));
  crash_real->add_option("--work-dir", crash_options.work_directory,
                         "where run directories go (default: a new directory under $TMPDIR)");
  crash_real->add_flag("--keep", crash_options.keep_directories,
                       "keep every run directory (failing runs' are always kept)");
  AddCommonFlags(crash_real, flags);
  crash_real->footer(
      "Examples:\n"
      "  ckptsim crash-real scenarios/basic/running_count.yaml --kills 20\n"
      "  ckptsim crash-real scenarios/basic/running_count.yaml --kills 20 --defect "
      "skip-pending-times --json");

  CLI::App* defects = app.add_subcommand("defects", "list the injectable defects");
  defects->add_flag("--json", flags.json, "print JSON");
  defects->footer("Example: ckptsim defects --json");

  auto is_command = [&](const std::string& name) {
    for (const CLI::App* command : app.get_subcommands({})) {
      if (command->get_name() == name) return true;
    }
    return false;
  };
  if (argc > 1 && argv[1][0] != '-' && !is_command(argv[1])) {
    return BadInput(std::string("unknown command '") + argv[1] +
                    "' (known: run, explore, replay, shrink, crash-points, list, defects, "
                    "mutation, merge, study-interval, serve, crash-real; see --help)");
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitPass : kExitBadInput;
  }

  if (defects->parsed()) return RunDefects(flags.json);
  if (study->parsed()) return RunStudyInterval(path, study_flags);
  if (list->parsed()) {
    ckpt::Result<std::vector<sim::Scenario>> listed = sim::LoadScenarios(list_path);
    if (!listed.ok()) return BadInput(listed.status().message());
    return RunList(listed.value(), flags.json);
  }
  if (merge->parsed()) return RunMerge(merge_files, flags);

  sim::ExploreOptions options;
  options.binary = argv[0];
  options.seed = seed;
  options.trials = trials;
  options.max_crash_states = max_crash_states;
  options.depth = depth;
  options.max_trials = max_trials;
  options.jobs = jobs;
  options.check_determinism = check_determinism;
  options.prune = prune;
  if (!shard.empty()) {
    unsigned long long index = 0, count = 0;
    char extra = 0;
    if (std::sscanf(shard.c_str(), "%llu/%llu%c", &index, &count, &extra) != 2 || count == 0 ||
        index >= count) {
      return BadInput("--shard expects I/N with 0 <= I < N, got '" + shard + "'");
    }
    options.shard_index = index;
    options.shard_count = count;
  }
  ckpt::Status status = ToOptions(flags, options);
  if (!status.ok()) return BadInput(status.message());
  if (mutation->parsed()) {
    return RunMutation(mutation_root, mutation_out, mutation_regressions, options, flags.json);
  }

  ckpt::Result<std::vector<sim::Scenario>> scenarios = sim::LoadScenarios(path);
  if (!scenarios.ok()) return BadInput(scenarios.status().message());

  if (serve->parsed()) {
    if (scenarios.value().size() != 1) return BadInput(path + ": give one scenario file");
    serve_options.defects = options.run.defects;
    serve_options.conf = options.run.conf;
    if (epoch_unix_ms >= 0) serve_options.epoch_unix_ms = epoch_unix_ms;
    if (kill_at_step >= 0) serve_options.kill_at_step = static_cast<uint64_t>(kill_at_step);
    if (kill_at_writer_step >= 0) {
      serve_options.kill_at_writer_step = static_cast<uint64_t>(kill_at_writer_step);
    }
    return real::Serve(scenarios.value().front(), serve_options);
  }
  if (crash_real->parsed()) return RunCrashReal(scenarios.value(), options, crash_options, flags);
  if (points->parsed() || replay->parsed() || shrink->parsed()) {
    if (scenarios.value().size() != 1) return BadInput(path + ": give one scenario file");
    const sim::Scenario& scenario = scenarios.value().front();
    if (points->parsed()) return RunCrashPoints(scenario, options, flags.json);
    if (shrink->parsed()) {
      return RunShrink(scenario, token, shrink_out, shrink_name, shrink_attempts, options);
    }
    return RunReplay(scenario, token, options, flags.json, full_trace);
  }
  options.strategy = run->parsed()              ? sim::Strategy::kRun
                     : strategy == "exhaustive" ? sim::Strategy::kExhaustive
                                                : sim::Strategy::kRandom;
  bool show_progress = !flags.json && ::isatty(STDOUT_FILENO) == 1;
  if (show_progress) options.on_progress = ProgressLine();
  sim::ExploreResult result = sim::Explore(scenarios.value(), options);
  if (show_progress) std::printf("\r\033[K");  // the report replaces the progress line
  return Report(result, Header(result, options), options.max_crash_states, flags, &options.run);
}
