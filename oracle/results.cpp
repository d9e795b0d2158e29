#include "oracle/results.h"

#include <algorithm>
#include <limits>
#include <map>

#include "engine/fixes.h"

namespace sim {

uint64_t SaturatingAdd(uint64_t a, uint64_t b) { return a + b < a ? ~uint64_t{0} : a + b; }

const char* StrategyName(Strategy strategy) {
  switch (strategy) {
    case Strategy::kExhaustive:
      return "exhaustive";
    case Strategy::kRandom:
      return "random";
    case Strategy::kRun:
      return "run";
    case Strategy::kCrashReal:
      return "crash-real";
  }
  return "?";
}

int64_t RecoveryTimes::BucketBound(int64_t ms) {
  constexpr int64_t kSteps[] = {1, 2, 5};
  for (int64_t decade = 1; decade <= std::numeric_limits<int64_t>::max() / 10; decade *= 10) {
    for (int64_t step : kSteps) {
      if (ms <= step * decade) return step * decade;
    }
  }
  return std::numeric_limits<int64_t>::max();
}

void RecoveryTimes::add_recovery(int64_t ms) {
  ++restarts;
  ++at_most_ms[BucketBound(ms)];
  max_ms = std::max(max_ms, ms);
}

void RecoveryTimes::add(const RecoveryTimes& other) {
  restarts += other.restarts;
  never += other.never;
  max_ms = std::max(max_ms, other.max_ms);
  for (const auto& [bound, count] : other.at_most_ms) at_most_ms[bound] += count;
}

int64_t RecoveryTimes::quantile_bound_ms(double q) const {
  uint64_t seen = 0;
  for (const auto& [bound, count] : at_most_ms) {
    seen += count;
    if (static_cast<double>(seen) >= q * static_cast<double>(recovered())) return bound;
  }
  return 0;
}

void AddRecoveryTimes(const TrialRun& run, RecoveryTimes& times) {
  for (size_t i = 1; i < run.incarnations.size(); ++i) {
    const std::optional<ckpt::Time>& crashed = run.incarnations[i - 1].crashed_at;
    if (!crashed) continue;  // a graceful stop, not a crash
    ckpt::Time restarted = run.incarnations[i].started_at;
    // The first batch completed after the restart: an output of a DStream batch, or a structured
    // query's commit.
    std::optional<ckpt::Time> first_completed;
    auto completed = [&](int incarnation, ckpt::Time at) {
      if (incarnation < static_cast<int>(i) || at < restarted) return;
      if (!first_completed || at < *first_completed) first_completed = at;
    };
    for (const Emission& emission : run.emissions) {
      completed(emission.incarnation, emission.emitted_at);
    }
    for (const StructuredCommit& commit : run.structured.commits) {
      completed(commit.incarnation, commit.at);
    }
    if (first_completed) {
      times.add_recovery(std::max<int64_t>(0, (*first_completed - *crashed).ms));
    } else {
      ++times.restarts;
      ++times.never;
    }
  }
}

void AddToTotals(const ScenarioSummary& s, ExploreResult& result) {
  result.add(s);
  result.crash_points += s.crash_points;
}

namespace {

// Whether the trial that showed `weakness` passes with the fixes of the known weaknesses it
// shows: the fixes it took (with_fixes), or why not (unconfirmed).
struct WeaknessCheck {
  std::string with_fixes;   // "--fix a --fix b"
  std::string unconfirmed;  // empty: confirmed
};

// A rerun passes when it does not fail, or fails as the scenario expects (an unsafe
// configuration's losses): its first failure is of an expected kind, as FileFailure files it.
bool PassesAsExpected(const Scenario& scenario, const std::vector<Failure>& failures) {
  const std::vector<FailureKind>& expected = scenario.expect_failures;
  return failures.empty() ||
         std::find(expected.begin(), expected.end(), failures.front().kind) != expected.end();
}

WeaknessCheck ConfirmWeakness(const Scenario& scenario, const std::string& weakness,
                              const RerunWithFixes& rerun, ScenarioSummary& summary) {
  WeaknessCheck check;
  if (!rerun) return {"", "this run cannot be re-run with its fix to confirm it"};
  ckpt::FixSet fixes;
  std::vector<std::string> shown = {weakness};
  std::string last_failure;
  for (size_t round = 0; round < ckpt::AllFixes().size(); ++round) {
    // The first weakness shown whose fix is not on yet (a run can have several shapes).
    const ckpt::FixInfo* fix = nullptr;
    for (const std::string& name : shown) {
      fix = ckpt::FixForWeakness(name);
      if (!fix) return {check.with_fixes, "\"" + name + "\" has no fix to confirm it with"};
      if (!fixes.has(fix->fix)) break;
      fix = nullptr;
    }
    if (!fix) break;
    fixes.add(fix->fix);
    check.with_fixes += (check.with_fixes.empty() ? "--fix " : " --fix ") + std::string(fix->name);
    auto [run, failures] = rerun(fixes);
    ++summary.weakness_reruns;
    summary.weakness_rerun_steps += run.total_steps;
    if (PassesAsExpected(scenario, failures)) return check;
    last_failure = failures.front().detail;
    shown = KnownWeaknesses(run, failures.front());
  }
  check.unconfirmed = "it still fails with " + check.with_fixes + ": " + last_failure;
  return check;
}

}  // namespace

void FileFailure(const Scenario& scenario, const TrialRun& run, FailingTrial failing,
                 const RerunWithFixes& rerun, ScenarioSummary& summary, ExploreResult& result) {
  const std::vector<FailureKind>& expected = scenario.expect_failures;
  if (std::find(expected.begin(), expected.end(), failing.failure.kind) != expected.end()) {
    if (summary.expected_failures++ < kExpectedFailingShown) {
      result.expected_failing.push_back(std::move(failing));
    }
    return;
  }
  std::optional<std::string> weakness = KnownWeakness(run, failing.failure);
  WeaknessCheck check;
  if (weakness) check = ConfirmWeakness(scenario, *weakness, rerun, summary);
  if (weakness && check.unconfirmed.empty()) {
    failing.failure.detail = "known weakness (" + *weakness + ", passes with " + check.with_fixes +
                             ", docs/findings.md): " + failing.failure.detail;
    ++summary.known_weaknesses_by_name[*weakness];
    if (summary.known_weaknesses++ < kExpectedFailingShown) {
      result.known_weakness_failing.push_back(std::move(failing));
    }
    return;
  }
  if (weakness) {
    failing.failure.detail = "looks like the known weakness \"" + *weakness + "\", but " +
                             check.unconfirmed + "; the failure: " + failing.failure.detail;
  }
  if (summary.failures++ == 0) summary.first_failure_trial = summary.trials;
  result.failing.push_back(std::move(failing));
}

FailingTrial ExpectedFailuresMissing(const ScenarioSummary& summary) {
  std::string kinds;
  for (FailureKind kind : summary.expect_failures) {
    kinds += (kinds.empty() ? "" : ", ") + std::string(FailureKindName(kind));
  }
  return FailingTrial{summary.name,
                      summary.path,
                      "ref",
                      Failure{FailureKind::kExpectationMismatch, std::nullopt,
                              "the scenario expects failures (" + kinds + ") and none of its " +
                                  std::to_string(summary.trials) + " trials failed"},
                      summary.ref_replay,
                      {0}};
}

void TrialCounts::add(const TrialCounts& other) {
  trials += other.trials;
  failures += other.failures;
  expected_failures += other.expected_failures;
  known_weaknesses += other.known_weaknesses;
  for (const auto& [name, count] : other.known_weaknesses_by_name) {
    known_weaknesses_by_name[name] += count;
  }
  weakness_reruns += other.weakness_reruns;
  weakness_rerun_steps += other.weakness_rerun_steps;
  determinism_checked += other.determinism_checked;
  determinism_mismatches += other.determinism_mismatches;
  crash_states = SaturatingAdd(crash_states, other.crash_states);
  crash_states_explored += other.crash_states_explored;
  units_planned += other.units_planned;
  units_explored += other.units_explored;
  trials_pruned += other.trials_pruned;
  steps_run += other.steps_run;
  steps_unpruned += other.steps_unpruned;
  recovery.add(other.recovery);
}

namespace {

// InvalidArgument unless `parts` are every shard of one exploration, each once.
ckpt::Status CheckShardsOfOneExploration(const std::vector<ExploreResult>& parts) {
  const ExploreResult& first = parts.front();
  std::vector<bool> seen(first.shard_count, false);
  for (const ExploreResult& part : parts) {
    bool same_run = part.strategy == first.strategy && part.seed == first.seed &&
                    part.shard_count == first.shard_count &&
                    part.scenarios.size() == first.scenarios.size();
    for (size_t i = 0; same_run && i < part.scenarios.size(); ++i) {
      same_run = part.scenarios[i].name == first.scenarios[i].name;
    }
    if (!same_run) {
      return ckpt::Status::InvalidArgument(
          "the results are not shards of one exploration (strategy, seed, shard count and "
          "scenarios must match)");
    }
    if (part.shard_index >= part.shard_count || seen[part.shard_index]) {
      return ckpt::Status::InvalidArgument("shard " + std::to_string(part.shard_index) + "/" +
                                           std::to_string(part.shard_count) +
                                           " is given twice or is out of range");
    }
    seen[part.shard_index] = true;
  }
  for (size_t i = 0; i < seen.size(); ++i) {
    if (!seen[i]) {
      return ckpt::Status::InvalidArgument("shard " + std::to_string(i) + "/" +
                                           std::to_string(seen.size()) + " is missing");
    }
  }
  return ckpt::Status::Ok();
}

}  // namespace

ckpt::Result<ExploreResult> MergeResults(const std::vector<ExploreResult>& parts) {
  if (parts.empty()) return ckpt::Status::InvalidArgument("nothing to merge");
  CKPT_RETURN_IF_ERROR(CheckShardsOfOneExploration(parts));
  const ExploreResult& first = parts.front();
  ExploreResult merged;
  merged.strategy = first.strategy;
  merged.seed = first.seed;
  std::map<std::string, size_t> index;  // scenario name -> position
  for (const ScenarioSummary& s : first.scenarios) {
    index[s.name] = merged.scenarios.size();
    ScenarioSummary& summary = merged.scenarios.emplace_back();
    summary.name = s.name;
    summary.path = s.path;
    summary.crash_points = s.crash_points;
    summary.expect_failures = s.expect_failures;
    summary.state_expectations = s.state_expectations;
    summary.ref_replay = s.ref_replay;
  }
  for (const ExploreResult& part : parts) {
    merged.elapsed_s = std::max(merged.elapsed_s, part.elapsed_s);
    merged.interrupted = merged.interrupted || part.interrupted;
    for (size_t i = 0; i < part.scenarios.size(); ++i) {
      const ScenarioSummary& from = part.scenarios[i];
      ScenarioSummary& to = merged.scenarios[i];
      to.add(from);
      to.digest += from.digest;
      to.elapsed_ms += from.elapsed_ms;
      for (size_t d = 0; d < from.levels.size(); ++d) {
        if (to.levels.size() <= d) to.levels.push_back(LevelSummary{from.levels[d].depth, 0, 0});
        to.levels[d].planned += from.levels[d].planned;
        to.levels[d].explored += from.levels[d].explored;
        to.levels[d].parents_complete =
            to.levels[d].parents_complete && from.levels[d].parents_complete;
      }
    }
    merged.failing.insert(merged.failing.end(), part.failing.begin(), part.failing.end());
    merged.expected_failing.insert(merged.expected_failing.end(), part.expected_failing.begin(),
                                   part.expected_failing.end());
    merged.known_weakness_failing.insert(merged.known_weakness_failing.end(),
                                         part.known_weakness_failing.begin(),
                                         part.known_weakness_failing.end());
  }
  // Each scenario's trials in the order the whole exploration runs them.
  auto by_place = [&index](const FailingTrial& a, const FailingTrial& b) {
    return std::pair(index[a.scenario], a.order) < std::pair(index[b.scenario], b.order);
  };
  // The lists that keep the first few per scenario keep those the whole exploration would.
  for (std::vector<FailingTrial>* list :
       {&merged.expected_failing, &merged.known_weakness_failing}) {
    std::stable_sort(list->begin(), list->end(), by_place);
    std::map<std::string, size_t> shown;
    std::erase_if(*list, [&shown](const FailingTrial& f) {
      return shown[f.scenario]++ >= kExpectedFailingShown;
    });
  }
  for (ScenarioSummary& s : merged.scenarios) {
    // Only the whole exploration can tell that an unsafe configuration never showed.
    if (!s.expect_failures.empty() && s.expected_failures == 0) {
      ++s.failures;
      merged.failing.push_back(ExpectedFailuresMissing(s));
    }
    AddToTotals(s, merged);
  }
  std::stable_sort(merged.failing.begin(), merged.failing.end(), by_place);
  return merged;
}

}  // namespace sim
