#include "explore/explorer.h"

#include <algorithm>
#include <functional>
#include <memory>

#include "explore/parallel.h"
#include "scenario/swarm.h"
#include "util/random.h"
#include "util/shell_quote.h"
#include "util/stopwatch.h"

namespace sim {

std::string ReplayCommand(const ExploreOptions& options, const std::string& scenario_path,
                          const std::string& token) {
  std::string command = ShellQuote(options.binary) + " replay " + ShellQuote(scenario_path) +
                        " --token " + ShellQuote(token);
  for (const std::string& flag : options.replay_flags) command += " " + flag;
  return command;
}

TrialSpec OwnTrial(const Scenario& scenario) {
  TrialSpec spec{scenario.crashes};
  spec.seed = scenario.trial_seed;
  spec.interleaving = scenario.interleaving;
  return spec;
}

TrialSpec RandomTrial(const Scenario& scenario, uint64_t crash_points,
                      const ExploreOptions& options, uint64_t k) {
  Random random = Random(options.seed).fork(scenario.name).fork(k);
  int64_t max_downtime_ms = scenario.batch_duration.ms * 4;
  bool journaled = ModelFor(scenario, options.run) == PersistenceModel::kPosix ||
                   ModelFor(scenario, options.run) == PersistenceModel::kLyingDisk;
  uint64_t all_rules =
      scenario.faults.size() >= 64 ? ~uint64_t{0} : (uint64_t{1} << scenario.faults.size()) - 1;
  TrialSpec spec;
  int64_t crash_count = random.between(1, kMaxRandomCrashes);
  for (int64_t c = 0; c < crash_count; ++c) {
    // A recovery runs fewer steps than the uncrashed run: later crashes draw from a shorter
    // span, so that most of them land (many during recovery itself).
    uint64_t span = std::max<uint64_t>(8, crash_points / static_cast<uint64_t>(c + 1));
    uint64_t step = random.below(span);
    Duration downtime{random.between(0, max_downtime_ms)};
    uint64_t state = journaled ? random.below(uint64_t{1} << 32) : 0;
    spec.crashes.push_back(CrashSpec{CrashBeforeStep{step}, downtime, state});
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
  return spec;
}

std::vector<TrialSpec> PlanTrials(const Scenario& scenario, uint64_t crash_points,
                                  const ExploreOptions& options) {
  std::vector<TrialSpec> trials;
  switch (options.strategy) {
    case Strategy::kRun:
      trials.push_back(OwnTrial(scenario));
      break;
    case Strategy::kExhaustive:
      for (uint64_t step = 0; step < crash_points; ++step) {
        trials.push_back(TrialSpec{{CrashSpec{CrashBeforeStep{step}, scenario.downtime}}});
      }
      break;
    case Strategy::kRandom:
      for (uint64_t k = 0; k < options.trials; ++k) {
        trials.push_back(RandomTrial(scenario, crash_points, options, k));
      }
      break;
    case Strategy::kCrashReal:
      CKPT_ASSERT(false, "crash-real trials are real processes, not simulated ones");
  }
  return trials;
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
  // The scenario's own trial is where its expect_state holds (Spark's test makes it there).
  run_options.observe_state = options.strategy == Strategy::kRun;
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
  // The first crash hits the first process that crashed, unless a supervisor's restart (after an
  // injected fault) began another lifetime before it: a structured scenario's scheduled runs
  // carry one lifetime over several processes.
  const std::vector<IncarnationRecord>& incarnations = out.trials.front().run.incarnations;
  auto crashed = std::find_if(incarnations.begin(), incarnations.end(),
                              [](const IncarnationRecord& i) { return i.crashed_at.has_value(); });
  if (crashed == incarnations.end() ||
      std::any_of(incarnations.begin(), crashed,
                  [](const IncarnationRecord& i) { return !i.injected.empty(); })) {
    return out;
  }
  out.crash_states = crashed->crash_states;
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
    summary_.state_expectations = scenario.expect_state.size();
    summary_.ref_replay = ReplayCommand(options, scenario.path, "ref");
  }

  void explore() {
    Stopwatch stopwatch;
    const ReferenceOutcome& reference = variant(0).references.base();
    // The trials crash the run with the scenario's faults, whose steps may differ.
    summary_.crash_points = scenario_.faults.empty()
                                ? reference.reference.steps
                                : RunTrial(scenario_, TrialSpec{}, options_.run).total_steps;
    if (options_.stop_requested && options_.stop_requested->load()) {
      summary_.units_planned = planned_unit_count();  // stopped before it: nothing explored
    } else if (!reference.failures.empty()) {
      // Without a clean reference nothing else can be judged: report it as the scenario's failure.
      summary_.trials = 1;
      summary_.failures = 1;
      summary_.first_failure_trial = 1;
      result_.failing.push_back(
          MakeFailing(scenario_, "ref", reference.failures.front(), options_, {0}));
    } else if (options_.strategy == Strategy::kExhaustive) {
      explore_levels();
      for (const LevelSummary& level : summary_.levels) {
        summary_.units_planned += level.planned;
        summary_.units_explored += level.explored;
      }
    } else if (options_.strategy == Strategy::kRandom) {
      summary_.units_planned = planned_unit_count();
      run_random_trials();
    } else {
      std::vector<Unit> units = planned_units();
      summary_.units_planned = units.size();
      summary_.units_explored = run_units(units);
    }
    // A run cut short proves nothing about the failures it did not get to.
    if (options_.shard_count == 1 && summary_.complete()) check_expected_failures_found();
    summary_.elapsed_ms = stopwatch.elapsed_ms();
    AddToTotals(summary_, result_);
    result_.scenarios.push_back(summary_);
  }

 private:
  bool mine(uint64_t index) const { return index % options_.shard_count == options_.shard_index; }
  bool budget_left() const {
    if (options_.stop_requested && options_.stop_requested->load()) return false;
    if (options_.stop_at_first_failure && summary_.failures > 0) return false;
    return options_.max_trials == 0 || summary_.trials < options_.max_trials;
  }

  // This shard's share of the strategy's units, counted without building the plan: depth-1
  // crash steps, random trials, or the run strategy's one trial.
  uint64_t planned_unit_count() const {
    uint64_t total = options_.strategy == Strategy::kRandom ? options_.trials
                     : options_.strategy == Strategy::kRun  ? 1
                                                            : summary_.crash_points;
    return total / options_.shard_count + (options_.shard_index < total % options_.shard_count);
  }

  // run: the scenario's own crashes (shard 0).
  std::vector<Unit> planned_units() const {
    std::vector<Unit> units;
    std::vector<TrialSpec> specs = PlanTrials(scenario_, summary_.crash_points, options_);
    for (uint64_t k = 0; k < specs.size(); ++k) {
      if (mine(k)) units.push_back(Unit{std::move(specs[k]), {0}, false});
    }
    return units;
  }

  // This shard's random trial numbers, drawn a chunk at a time (each trial from its own fork of
  // the seed), so that memory does not grow with --trials.
  void run_random_trials() {
    constexpr uint64_t kChunk = 4096;
    for (uint64_t from = 0; from < options_.trials && budget_left(); from += kChunk) {
      std::vector<Unit> units;
      for (uint64_t k = from; k < options_.trials && k - from < kChunk; ++k) {
        if (!mine(k)) continue;
        units.push_back(
            Unit{RandomTrial(scenario_, summary_.crash_points, options_, k), {1, k}, false});
      }
      summary_.units_explored += run_units(units, {}, summary_.units_planned);
    }
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
        const std::vector<uint64_t>& lifetimes = trial.run.lifetime_steps;
        const size_t next = static_cast<size_t>(depth);
        if ((lifetimes.empty() ? incarnations.size() : lifetimes.size()) <= next) return;
        // A pruned trial stopped its last incarnation early; the steps it skipped are crash
        // points all the same (its checkpoint files may differ from the uncrashed run's).
        uint64_t steps = lifetimes.empty()
                             ? incarnations[next].steps +
                                   (incarnations.size() == next + 1 ? trial.run.pruned_steps : 0)
                             : lifetimes[next];
        steps = std::min(steps, options_.run.max_steps);  // the trial's own budget bounds them
        for (uint64_t step = 0; step < steps; ++step) {
          Unit child{trial.spec, trial.order, false};
          child.spec.crashes.push_back(CrashSpec{CrashBeforeStep{step}, scenario_.downtime});
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
  // `planned_total`: the scenario's planned trials for the progress line, when `units` are only
  // a part of them (0: the trials before plus these units).
  uint64_t run_units(const std::vector<Unit>& units,
                     const std::function<void(const UnitTrial&)>& on_trial = {},
                     uint64_t planned_total = 0) {
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
        uint64_t planned = planned_total ? planned_total : trials_before + units.size();
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
    // The run strategy's trial may place crashes at events: its token names the steps they fired.
    std::string token = options_.strategy == Strategy::kRun
                            ? ResolvedRunToken(trial.spec, trial.run)
                            : trial.spec.token();
    if (options_.strategy == Strategy::kRun) {
      summary_.run_token = token;
      summary_.crashes_planned = trial.spec.crashes.size();
      summary_.crashes_fired = std::count_if(
          trial.run.incarnations.begin(), trial.run.incarnations.end(),
          [](const IncarnationRecord& incarnation) { return incarnation.crashed_at.has_value(); });
    }
    summary_.digest += TrialHash(trial.run.digest);
    AddRecoveryTimes(trial.run, summary_.recovery);
    ++summary_.trials;
    summary_.steps_run += trial.run.total_steps;
    summary_.steps_unpruned += trial.run.total_steps + trial.run.pruned_steps;
    if (trial.run.pruned_at) ++summary_.trials_pruned;
    if (trial.determinism_checked) ++summary_.determinism_checked;
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
    RerunWithFixes rerun = [&](const ckpt::FixSet& fixes) {
      return rerun_with_fixes(trial, fixes, require_expected_error);
    };
    FileFailure(scenario_, trial.run,
                MakeFailing(scenario_, token, failures.front(), options_, trial.order), rerun,
                summary_, result_);
  }

  // `trial` run again with `fixes` on, judged against uncrashed runs with the same fixes.
  std::pair<TrialRun, std::vector<Failure>> rerun_with_fixes(const UnitTrial& trial,
                                                             const ckpt::FixSet& fixes,
                                                             bool require_expected_error) {
    RunOptions fixed = options_.run;
    fixed.fixes.add(fixes);
    fixed.observe_state = options_.strategy == Strategy::kRun;
    Variant& v = variant(trial.spec.variant);
    std::unique_ptr<References>& references =
        fixed_references_[{trial.spec.variant, fixed.fixes.names()}];
    if (!references) references = std::make_unique<References>(v.scenario, fixed);
    TrialRun run = RunTrial(v.scenario, trial.spec, fixed);
    std::vector<Failure> failures = references->check(run, require_expected_error);
    return {std::move(run), std::move(failures)};
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
  // The uncrashed runs that trials re-run with fixes on are judged against, per (variant, fixes).
  std::map<std::pair<uint64_t, std::vector<std::string>>, std::unique_ptr<References>>
      fixed_references_;
  ScenarioSummary summary_;
  Progress progress_;
};

}  // namespace

ExploreResult Explore(const std::vector<Scenario>& scenarios, const ExploreOptions& options) {
  Stopwatch stopwatch;
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
  result.interrupted = options.stop_requested && options.stop_requested->load();
  result.elapsed_s = stopwatch.elapsed_s();
  return result;
}

}  // namespace sim
