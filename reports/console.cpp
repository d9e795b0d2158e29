#include "reports/console.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>

#include "util/shell_quote.h"

namespace reports {

std::string DefectsText(const ckpt::DefectSet& set, const ckpt::structured::DefectSet& structured) {
  std::vector<std::string> names = set.names();
  for (const ckpt::structured::DefectInfo& info : ckpt::structured::AllDefects()) {
    if (structured.has(info.defect)) names.emplace_back(info.name);
  }
  std::string defects;
  for (const std::string& name : names) defects += (defects.empty() ? "" : ",") + name;
  return defects.empty() ? "none" : defects + " (a deliberately broken engine)";
}

std::string Header(const sim::ExploreResult& result, const sim::ExploreOptions& options) {
  std::string header =
      std::string("ckptsim ") + sim::StrategyName(result.strategy) + " \u00b7 seed " +
      std::to_string(result.seed) + " \u00b7 fs " +
      (options.run.fs_model ? sim::PersistenceModelName(*options.run.fs_model) : "per scenario") +
      " \u00b7 defects: " + DefectsText(options.run.defects, options.run.structured_defects);
  if (result.strategy == sim::Strategy::kExhaustive && options.depth > 1) {
    header += " \u00b7 depth " + std::to_string(options.depth);
  }
  if (result.shard_count > 1) {
    header += " \u00b7 shard " + std::to_string(result.shard_index) + "/" +
              std::to_string(result.shard_count);
  }
  return header;
}

namespace {

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
                level.explored < level.planned ? " (cut short)" : "");
  }
}

// The totals under the table: trials, crash states, levels, determinism and pruning figures.
void PrintTotals(const sim::ExploreResult& result, uint64_t max_crash_states) {
  std::printf(
      "\n%llu trials, %llu failed, %.2f s: %s\n", static_cast<unsigned long long>(result.trials),
      static_cast<unsigned long long>(result.failures), result.elapsed_s, Verdict(result).c_str());
  if (!result.complete()) {
    std::printf(
        "INCOMPLETE: %llu of %llu planned crash steps and trials ran before a budget "
        "or an interrupt cut the run short; --require-complete fails on it\n",
        static_cast<unsigned long long>(result.units_explored),
        static_cast<unsigned long long>(result.units_planned));
  }
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

// The run strategy: each scenario's own crashes as a token, and which of them fired; a crash
// that never fired (the run ended first) is a warning, not silence.
void PrintRunCrashes(const sim::ExploreResult& result) {
  if (result.strategy != sim::Strategy::kRun) return;
  for (const sim::ScenarioSummary& s : result.scenarios) {
    if (s.crashes_planned == 0) continue;
    std::printf("\n%s: its crashes are trial %s; %llu of %llu fired\n", s.name.c_str(),
                s.run_token.c_str(), static_cast<unsigned long long>(s.crashes_fired),
                static_cast<unsigned long long>(s.crashes_planned));
    if (s.crashes_fired < s.crashes_planned) {
      std::printf(
          "WARNING: %s: crashes %llu to %llu of its `crashes:` list never fired: the run ended "
          "before their step or time (`ckptsim crash-points %s` lists the steps)\n",
          s.name.c_str(), static_cast<unsigned long long>(s.crashes_fired + 1),
          static_cast<unsigned long long>(s.crashes_planned), s.path.c_str());
    }
  }
}

// Exploration does not judge expect_state (it observes no trial's internal state): say so
// rather than let a green row suggest those assertions held.
void PrintUnjudgedStateExpectations(const sim::ExploreResult& result) {
  if (result.strategy == sim::Strategy::kRun) return;
  for (const sim::ScenarioSummary& s : result.scenarios) {
    if (s.state_expectations == 0) continue;
    std::printf(
        "\nNOTE: %s: its %llu expect_state assertion(s) were not judged: exploration does not "
        "observe internal state; `ckptsim run %s` judges them on its own trial\n",
        s.name.c_str(), static_cast<unsigned long long>(s.state_expectations),
        sim::ShellQuote(s.path).c_str());
  }
}

}  // namespace

std::string Verdict(const sim::TrialCounts& s) {
  if (s.failures) return "FAIL";
  std::string weaknesses =
      s.known_weaknesses ? std::to_string(s.known_weaknesses) + " known-weakness trials" : "";
  if (!s.complete()) {
    // Per mille, rounded down, so that a cut run never reads 100%.
    double per_mille = std::floor(1000.0 * static_cast<double>(s.units_explored) /
                                  static_cast<double>(s.units_planned));
    char share[32];
    std::snprintf(share, sizeof share, "%.1f%%", per_mille / 10);
    return "INCOMPLETE (" + std::string(share) + " explored" +
           (weaknesses.empty() ? "" : "; " + weaknesses) + ")";
  }
  if (s.known_weaknesses) return "WARN (" + weaknesses + ")";
  // A shard whose slice of a scenario is empty checked nothing: never call that PASS.
  if (s.trials == 0) return "NOTHING RUN (no trial in this slice)";
  return s.expected_failures > 0 ? "PASS (unsafe configuration shown)" : "PASS";
}

void PrintTable(const sim::ExploreResult& result, const std::string& header,
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
                static_cast<unsigned long long>(s.failures), Verdict(s).c_str());
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
    std::string by_name;
    for (const auto& [name, count] : result.known_weaknesses_by_name) {
      by_name += (by_name.empty() ? "" : ", ") + name + ": " + std::to_string(count);
    }
    std::printf(
        "\nWARN: %llu known-weakness trial(s) (%s), each passing with its weakness's fix "
        "(--strict makes them fail the run); e.g. %s [%s]: %s\n  replay: %s\n",
        static_cast<unsigned long long>(result.known_weaknesses), by_name.c_str(),
        f.scenario.c_str(), sim::FailureKindName(f.failure.kind), f.failure.detail.c_str(),
        f.replay.c_str());
  }
  if (!result.expected_failing.empty()) {
    const sim::FailingTrial& f = result.expected_failing.front();
    std::printf(
        "\nexpected failure (%s documents an unsafe configuration) [%s]: %s\n  replay: %s\n",
        f.scenario.c_str(), sim::FailureKindName(f.failure.kind), f.failure.detail.c_str(),
        f.replay.c_str());
  }
  PrintRunCrashes(result);
  PrintUnjudgedStateExpectations(result);
  PrintTotals(result, max_crash_states);
}

std::string HumanDuration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e9) return "?";  // NaN, or beyond any wait worth printing
  auto whole = static_cast<uint64_t>(seconds + 0.5);
  uint64_t days = whole / 86400, hours = whole / 3600 % 24, minutes = whole / 60 % 60,
           secs = whole % 60;
  auto unit = [](uint64_t n, const char* name) { return std::to_string(n) + " " + name; };
  if (days > 0) return unit(days, "d") + " " + unit(hours, "h");
  if (hours > 0) return unit(hours, "h") + " " + unit(minutes, "min");
  if (minutes > 0) return unit(minutes, "min") + " " + unit(secs, "s");
  return unit(secs, "s");
}

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
    // The scenarios still to come, each assumed as long as the ones so far on average.
    double per_scenario = static_cast<double>(earlier_trials + p.trials_planned) /
                          static_cast<double>(p.scenario_index + 1);
    double overall =
        left + (rate > 0
                    ? per_scenario * static_cast<double>(p.scenarios - p.scenario_index - 1) / rate
                    : 0);
    std::printf(
        "\r\033[K[%zu/%zu] %s: %llu of %llu trials, %llu failed, %.0f trials/s, ~%s left (all: "
        "~%s)",
        p.scenario_index + 1, p.scenarios, p.scenario.c_str(),
        static_cast<unsigned long long>(done), static_cast<unsigned long long>(p.trials_planned),
        static_cast<unsigned long long>(p.failures), rate, HumanDuration(left).c_str(),
        HumanDuration(overall).c_str());
    std::fflush(stdout);
  };
}

}  // namespace reports
