#include "sim/explorer.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>

#include "sim/parallel.h"
#include "sim/random.h"
#include "sim/swarm.h"

namespace sim {

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

std::string ReplayCommand(const ExploreOptions& options, const std::string& scenario_path,
                          const std::string& token) {
  std::string command = options.binary + " replay " + scenario_path + " --token " + token;
  for (const std::string& flag : options.replay_flags) command += " " + flag;
  return command;
}

std::vector<TrialSpec> PlanTrials(const Scenario& scenario, uint64_t crash_points,
                                  const ExploreOptions& options) {
  std::vector<TrialSpec> trials;
  switch (options.strategy) {
    case Strategy::kRun: {
      TrialSpec spec{scenario.crashes};
      spec.seed = scenario.trial_seed;
      spec.interleaving = scenario.interleaving;
      trials.push_back(std::move(spec));
      break;
    }
    case Strategy::kExhaustive:
      for (uint64_t step = 0; step < crash_points; ++step) {
        trials.push_back(TrialSpec{{CrashSpec{step, scenario.downtime, std::nullopt, 0}}});
      }
      break;
    case Strategy::kRandom: {
      Random scenario_random = Random(options.seed).fork(scenario.name);
      int64_t max_downtime_ms = scenario.batch_duration.ms * 4;
      bool journaled = ModelFor(scenario, options.run) == PersistenceModel::kPosix ||
                       ModelFor(scenario, options.run) == PersistenceModel::kLyingDisk;
      uint64_t all_rules =
          scenario.faults.size() >= 64 ? ~uint64_t{0} : (uint64_t{1} << scenario.faults.size()) - 1;
      for (uint64_t k = 0; k < options.trials; ++k) {
        Random random = scenario_random.fork(k);
        TrialSpec spec;
        int64_t crash_count = random.between(1, kMaxRandomCrashes);
        for (int64_t c = 0; c < crash_count; ++c) {
          // A recovery runs fewer steps than the uncrashed run: later crashes draw from a
          // shorter span, so that most of them land (many during recovery itself).
          uint64_t span = std::max<uint64_t>(8, crash_points / static_cast<uint64_t>(c + 1));
          uint64_t step = random.below(span);
          Duration downtime{random.between(0, max_downtime_ms)};
          uint64_t state = journaled ? random.below(uint64_t{1} << 32) : 0;
          spec.crashes.push_back(CrashSpec{step, downtime, std::nullopt, state});
        }
        if (!scenario.faults.empty()) {
          spec.fault_mask = random.next_u64() & all_rules;
          if (spec.fault_mask == all_rules) spec.fault_mask = ~uint64_t{0};
          spec.seed = random.between(1, 1'000'000'000);
        }
        spec.interleaving = random.between(1, 1'000'000'000);
        if (!scenario.swarm.empty()) {
          spec.variant = static_cast<uint64_t>(random.between(1, kSwarmVariants));
        }
        trials.push_back(std::move(spec));
      }
      break;
    }
    case Strategy::kCrashReal:
      CKPT_ASSERT(false, "crash-real trials are real processes, not simulated ones");
  }
  return trials;
}

References::References(const Scenario& scenario, const RunOptions& options)
    : scenario_(scenario), options_(options) {
  options_.record_trace = false;
  options_.record_steps = false;
  options_.inject_faults = false;  // a reference is the same scenario without faults
  TrialRun run = RunTrial(scenario, TrialSpec{}, options_);
  base_ = BuildReference(scenario, run);
  if (options_.record_quiet_points) {
    prune_target_ = PruneTarget{std::move(run.quiet_points), run.emissions, run.total_steps};
  }
  base_key_.start = options_.first_start;
  if (InputDependsOnTiming(scenario)) base_key_.batch_input = BatchInput(scenario, run);
}

const Reference& References::at(const ReferenceKey& key) {
  if (key == base_key_ ||
      (!key.batch_input && (key.start == base_key_.start || !StartTimeMatters(scenario_)))) {
    return base_.reference;
  }
  auto it = others_.find(key);
  if (it != others_.end()) return it->second;
  RunOptions later = options_;
  later.first_start = key.start;
  Scenario replayed;
  const Scenario* scenario = &scenario_;
  if (key.batch_input) {
    // The same application, uncrashed, with a source that hands each batch the records the
    // judged incarnation's batches read.
    replayed = scenario_;
    replayed.source_kind = "sequence";
    replayed.input = *key.batch_input;
    replayed.expect.clear();
    scenario = &replayed;
  }
  Reference reference =
      BuildReference(*scenario, RunTrial(*scenario, TrialSpec{}, later)).reference;
  return others_.emplace(key, std::move(reference)).first->second;
}

std::vector<Failure> References::check(const TrialRun& run, bool require_expected_error) {
  if (!base_.failures.empty()) return base_.failures;
  // Evicted between checks only: CheckTrial holds on to the references it was given.
  if (others_.size() >= kMaxCachedReferences) others_.clear();
  return CheckTrial(
      scenario_, [this](const ReferenceKey& key) -> const Reference& { return at(key); }, run,
      require_expected_error);
}

namespace {

FailingTrial MakeFailing(const Scenario& scenario, const std::string& token, Failure failure,
                         const ExploreOptions& options, std::vector<uint64_t> order) {
  return FailingTrial{scenario.name,
                      scenario.path,
                      token,
                      std::move(failure),
                      ReplayCommand(options, scenario.path, token),
                      std::move(order)};
}

uint64_t SaturatingAdd(uint64_t a, uint64_t b) { return a + b < a ? ~uint64_t{0} : a + b; }

// Adds a scenario's counts to the result's totals.
void AddToTotals(const ScenarioSummary& s, ExploreResult& result) {
  result.add(s);
  result.crash_points += s.crash_points;
}

// A trial's share of the scenario digest: summed, so the order trials finish in cannot matter.
uint64_t TrialHash(uint64_t digest) {
  return ckpt::Fnv1a(&digest, sizeof digest, ckpt::kFnvOffset);
}

bool InDeterminismSample(const TrialSpec& spec) {
  std::string token = spec.token();
  return ckpt::Fnv1a(token.data(), token.size(), ckpt::kFnvOffset) % kDeterminismSample == 0;
}

// What one thread runs at a time: a trial or, at exhaustive depth 1, every explored durable
// state of one crash step (their number is known only once the first has run).
struct Unit {
  TrialSpec spec;
  std::vector<uint64_t> order;
  bool explore_states = false;
};

struct UnitTrial {
  TrialSpec spec;
  std::vector<uint64_t> order;
  TrialRun run;
  bool determinism_checked = false;
  bool determinism_mismatch = false;
};

struct UnitRun {
  std::vector<UnitTrial> trials;
  uint64_t crash_states = 0;  // explore_states: the durable states the crash could leave
};

// The scenario a trial runs: its variant (only looked up while trials run on worker threads).
struct TrialSubject {
  const Scenario* scenario;
  const PruneTarget* prune_target;  // with ExploreOptions::prune
};
using ScenarioOf = std::function<TrialSubject(uint64_t variant)>;

UnitRun RunUnit(const ScenarioOf& scenario_of, const Unit& unit, const ExploreOptions& options) {
  UnitRun out;
  TrialSubject subject = scenario_of(unit.spec.variant);
  const Scenario& scenario = *subject.scenario;
  RunOptions run_options = options.run;
  run_options.prune_against = subject.prune_target;
  auto run_one = [&](const TrialSpec& spec, std::vector<uint64_t> order) {
    UnitTrial trial{spec, std::move(order), RunTrial(scenario, spec, run_options)};
    if (options.check_determinism && InDeterminismSample(spec)) {
      trial.determinism_checked = true;
      trial.determinism_mismatch = RunTrial(scenario, spec, run_options).digest != trial.run.digest;
    }
    out.trials.push_back(std::move(trial));
  };
  run_one(unit.spec, unit.order);
  if (!unit.explore_states) return out;
  const TrialRun& first = out.trials.front().run;
  if (first.incarnations.empty() || !first.incarnations[0].crashed_at) return out;
  out.crash_states = first.incarnations[0].crash_states;
  for (uint64_t state = 1; state < std::min(out.crash_states, options.max_crash_states); ++state) {
    TrialSpec spec = unit.spec;
    spec.crashes[0].state = state;
    std::vector<uint64_t> order = unit.order;
    order[3] = state;
    run_one(spec, std::move(order));
  }
  return out;
}

// Runs `units` on options.jobs threads (RunInParallel).
std::vector<UnitRun> RunUnits(const ScenarioOf& scenario_of, const std::vector<Unit>& units,
                              const ExploreOptions& options) {
  return RunInParallel<UnitRun>(units.size(), options.jobs,
                                [&](size_t i) { return RunUnit(scenario_of, units[i], options); });
}

class ScenarioExplorer {
 public:
  ScenarioExplorer(const Scenario& scenario, const ExploreOptions& options, ExploreResult& result,
                   Progress progress)
      : scenario_(scenario), options_(options), result_(result), progress_(std::move(progress)) {
    summary_.name = scenario.name;
    summary_.path = scenario.path;
    summary_.expect_failures = scenario.expect_failures;
    summary_.ref_replay = ReplayCommand(options, scenario.path, "ref");
  }

  void explore() {
    const ReferenceOutcome& reference = variant(0).references.base();
    // The trials crash the run with the scenario's faults, whose steps may differ.
    summary_.crash_points = scenario_.faults.empty()
                                ? reference.reference.steps
                                : RunTrial(scenario_, TrialSpec{}, options_.run).total_steps;
    if (!reference.failures.empty()) {
      // Without a clean reference nothing else can be judged: report it as the scenario's failure.
      summary_.trials = 1;
      summary_.failures = 1;
      summary_.first_failure_trial = 1;
      result_.failing.push_back(
          MakeFailing(scenario_, "ref", reference.failures.front(), options_, {0}));
    } else if (options_.strategy == Strategy::kExhaustive) {
      explore_levels();
    } else {
      run_units(planned_units());
    }
    if (options_.shard_count == 1) check_expected_failures_found();
    AddToTotals(summary_, result_);
    result_.scenarios.push_back(summary_);
  }

 private:
  bool mine(uint64_t index) const { return index % options_.shard_count == options_.shard_index; }
  bool budget_left() const {
    if (options_.stop_at_first_failure && summary_.failures > 0) return false;
    return options_.max_trials == 0 || summary_.trials < options_.max_trials;
  }

  // random: this shard's trial numbers; run: the scenario's own crashes (shard 0).
  std::vector<Unit> planned_units() const {
    std::vector<Unit> units;
    std::vector<TrialSpec> specs = PlanTrials(scenario_, summary_.crash_points, options_);
    for (uint64_t k = 0; k < specs.size(); ++k) {
      if (!mine(k)) continue;
      std::vector<uint64_t> order = options_.strategy == Strategy::kRun
                                        ? std::vector<uint64_t>{0}
                                        : std::vector<uint64_t>{1, k};
      units.push_back(Unit{std::move(specs[k]), std::move(order), false});
    }
    return units;
  }

  // Exhaustive, level by level: depth 1 crashes at every step (this shard's), depth d + 1 again
  // at every step of the last recovery of each depth-d trial in its first durable state.
  void explore_levels() {
    std::vector<Unit> level;
    std::vector<TrialSpec> specs = PlanTrials(scenario_, summary_.crash_points, options_);
    for (uint64_t step = 0; step < specs.size(); ++step) {
      if (mine(step)) level.push_back(Unit{std::move(specs[step]), {1, 0, step, 0}, true});
    }
    bool parents_complete = true;
    for (int depth = 1; depth <= options_.depth; ++depth) {
      LevelSummary& summary = summary_.levels.emplace_back();
      summary.depth = depth;
      summary.planned = level.size();
      summary.parents_complete = parents_complete;
      std::vector<Unit> children;
      auto expand = [&](const UnitTrial& trial) {
        if (depth == options_.depth || trial.spec.crashes.back().state != 0) return;
        const std::vector<IncarnationRecord>& incarnations = trial.run.incarnations;
        if (incarnations.size() <= static_cast<size_t>(depth)) return;
        // A pruned trial stopped its last incarnation early; the steps it skipped are crash
        // points all the same (its checkpoint files may differ from the uncrashed run's).
        uint64_t steps =
            incarnations[depth].steps +
            (incarnations.size() == static_cast<size_t>(depth) + 1 ? trial.run.pruned_steps : 0);
        for (uint64_t step = 0; step < steps; ++step) {
          Unit child{trial.spec, trial.order, false};
          child.spec.crashes.push_back(CrashSpec{step, scenario_.downtime, std::nullopt, 0});
          child.order[0] = static_cast<uint64_t>(depth) + 1;
          child.order.insert(child.order.end(), {step, 0});
          children.push_back(std::move(child));
        }
      };
      summary.explored = run_units(level, expand);
      parents_complete = parents_complete && summary.explored == summary.planned;
      level = std::move(children);
    }
  }

  // Runs units in order while the budget lasts, batch by batch on the worker threads; returns
  // how many ran. `on_trial` sees each trial after it was checked.
  uint64_t run_units(const std::vector<Unit>& units,
                     const std::function<void(const UnitTrial&)>& on_trial = {}) {
    size_t batch_size = std::max<size_t>(1, static_cast<size_t>(options_.jobs) * 8);
    size_t done = 0;
    const uint64_t trials_before = summary_.trials;
    while (done < units.size() && budget_left()) {
      size_t size = std::min(batch_size, units.size() - done);
      if (options_.max_trials != 0) {
        size = std::min<size_t>(size, options_.max_trials - summary_.trials);  // >= 1 trial each
      }
      std::vector<Unit> batch(units.begin() + done, units.begin() + done + size);
      for (const Unit& unit : batch) variant(unit.spec.variant);  // built before threads read
      std::vector<UnitRun> runs = RunUnits(
          [this](uint64_t v) {
            const Variant& variant = *variants_.at(v);
            return TrialSubject{&variant.scenario,
                                options_.prune ? &variant.references.prune_target() : nullptr};
          },
          batch, options_);
      for (size_t i = 0; i < runs.size(); ++i) {
        if (!budget_left()) return done;
        if (batch[i].explore_states && runs[i].crash_states > 0) count_crash_states(runs[i]);
        for (const UnitTrial& trial : runs[i].trials) {
          check(trial);
          if (on_trial) on_trial(trial);
        }
        ++done;
      }
      if (options_.on_progress) {
        progress_.trials_done = summary_.trials;
        uint64_t planned = trials_before + units.size();
        if (options_.max_trials != 0) planned = std::min(planned, options_.max_trials);
        progress_.trials_planned = std::max(planned, summary_.trials);
        progress_.failures = summary_.failures;
        options_.on_progress(progress_);
      }
    }
    return done;
  }

  void count_crash_states(const UnitRun& run) {
    summary_.crash_states = SaturatingAdd(summary_.crash_states, run.crash_states);
    summary_.crash_states_explored += run.trials.size();
  }

  void check(const UnitTrial& trial) {
    summary_.digest += TrialHash(trial.run.digest);
    ++summary_.trials;
    summary_.steps_run += trial.run.total_steps;
    summary_.steps_unpruned += trial.run.total_steps + trial.run.pruned_steps;
    if (trial.run.pruned_at) ++summary_.trials_pruned;
    if (trial.determinism_checked) ++summary_.determinism_checked;
    std::string token = trial.spec.token();
    if (trial.determinism_mismatch) {
      ++summary_.determinism_mismatches;
      ++summary_.failures;
      result_.failing.push_back(MakeFailing(
          scenario_, token,
          Failure{FailureKind::kNondeterminism, std::nullopt,
                  "a rerun of this trial gave another trace digest: the simulation is not "
                  "deterministic"},
          options_, trial.order));
    }
    // `run` replays the scenario's own crashes, which must produce its expected error.
    bool require_expected_error =
        options_.strategy == Strategy::kRun && !trial.spec.crashes.empty();
    std::vector<Failure> failures =
        variant(trial.spec.variant).references.check(trial.run, require_expected_error);
    if (failures.empty()) return;
    FileFailure(scenario_, trial.run,
                MakeFailing(scenario_, token, failures.front(), options_, trial.order), summary_,
                result_);
  }

  // A scenario that documents an unsafe configuration must still show it.
  void check_expected_failures_found() {
    if (scenario_.expect_failures.empty() || summary_.expected_failures > 0) return;
    ++summary_.failures;
    result_.failing.push_back(ExpectedFailuresMissing(summary_));
  }

  // A swarm variant of the scenario and the uncrashed runs its trials are judged against.
  struct Variant {
    Variant(Scenario varied, const RunOptions& options)
        : scenario(std::move(varied)), references(scenario, options) {}
    Scenario scenario;
    References references;
  };

  // Variant `v` (0: the scenario itself), built on first use; at most kSwarmVariants + 1.
  Variant& variant(uint64_t v) {
    std::unique_ptr<Variant>& slot = variants_[v];
    if (!slot) {
      RunOptions run = options_.run;
      run.record_quiet_points = options_.prune;  // what pruned trials compare with
      slot = std::make_unique<Variant>(ScenarioVariant(scenario_, v), run);
    }
    return *slot;
  }

  const Scenario& scenario_;
  const ExploreOptions& options_;
  ExploreResult& result_;
  std::map<uint64_t, std::unique_ptr<Variant>> variants_;
  ScenarioSummary summary_;
  Progress progress_;
};

}  // namespace

void FileFailure(const Scenario& scenario, const TrialRun& run, FailingTrial failing,
                 ScenarioSummary& summary, ExploreResult& result) {
  const std::vector<FailureKind>& expected = scenario.expect_failures;
  if (std::find(expected.begin(), expected.end(), failing.failure.kind) != expected.end()) {
    if (summary.expected_failures++ < kExpectedFailingShown) {
      result.expected_failing.push_back(std::move(failing));
    }
  } else if (std::optional<std::string> weakness = KnownWeakness(run, failing.failure)) {
    failing.failure.detail =
        "known weakness (" + *weakness + ", docs/findings.md): " + failing.failure.detail;
    if (summary.known_weaknesses++ < kExpectedFailingShown) {
      result.known_weakness_failing.push_back(std::move(failing));
    }
  } else {
    if (summary.failures++ == 0) summary.first_failure_trial = summary.trials;
    result.failing.push_back(std::move(failing));
  }
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

ExploreResult Explore(const std::vector<Scenario>& scenarios, const ExploreOptions& options) {
  // Wall time is measured only for the report; it never influences a simulation.
  auto started = std::chrono::steady_clock::now();
  ExploreResult result;
  result.strategy = options.strategy;
  result.seed = options.seed;
  result.shard_index = options.shard_index;
  result.shard_count = options.shard_count;
  for (size_t i = 0; i < scenarios.size(); ++i) {
    Progress progress;
    progress.scenario_index = i;
    progress.scenarios = scenarios.size();
    progress.scenario = scenarios[i].name;
    ScenarioExplorer(scenarios[i], options, result, std::move(progress)).explore();
  }
  result.elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace sim

namespace sim {

void TrialCounts::add(const TrialCounts& other) {
  trials += other.trials;
  failures += other.failures;
  expected_failures += other.expected_failures;
  known_weaknesses += other.known_weaknesses;
  determinism_checked += other.determinism_checked;
  determinism_mismatches += other.determinism_mismatches;
  crash_states = SaturatingAdd(crash_states, other.crash_states);
  crash_states_explored += other.crash_states_explored;
  trials_pruned += other.trials_pruned;
  steps_run += other.steps_run;
  steps_unpruned += other.steps_unpruned;
}

ckpt::Result<ExploreResult> MergeResults(const std::vector<ExploreResult>& parts) {
  if (parts.empty()) return ckpt::Status::InvalidArgument("nothing to merge");
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
    summary.ref_replay = s.ref_replay;
  }
  for (const ExploreResult& part : parts) {
    merged.elapsed_s = std::max(merged.elapsed_s, part.elapsed_s);
    for (size_t i = 0; i < part.scenarios.size(); ++i) {
      const ScenarioSummary& from = part.scenarios[i];
      ScenarioSummary& to = merged.scenarios[i];
      to.add(from);
      to.digest += from.digest;
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
