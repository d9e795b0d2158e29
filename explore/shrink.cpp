#include "explore/shrink.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "explore/explorer.h"
#include "scenario/scenario_writer.h"
#include "scenario/swarm.h"

namespace sim {
namespace {

// `s` cut to its first `batches` batches.
Scenario WithBatches(const Scenario& s, int64_t batches) {
  Scenario cut = s;
  cut.batches = batches;
  std::vector<ckpt::Records>* input = cut.source.per_batch_input();
  if (input && static_cast<int64_t>(input->size()) > batches) {
    input->resize(static_cast<size_t>(batches));
  }
  std::erase_if(cut.processing.slow_batches, [&](const auto& e) { return e.first > batches; });
  std::erase_if(cut.processing.failing_batches, [&](const auto& e) { return e.first > batches; });
  return cut;
}

// Smaller values to try for `value`, smallest first: 0 (or `floor`), quarters, and value - 1.
std::vector<int64_t> Smaller(int64_t value, int64_t floor) {
  std::set<int64_t> candidates;
  for (int64_t c : {floor, value / 4, value / 2, value * 3 / 4, value - 1}) {
    if (c >= floor && c < value) candidates.insert(c);
  }
  return {candidates.begin(), candidates.end()};
}

class Shrinker {
 public:
  Shrinker(FailureKind kind, const RunOptions& options, uint64_t max_attempts)
      : kind_(kind), options_(options), max_attempts_(max_attempts) {
    options_.record_trace = false;
    options_.record_steps = false;
  }

  ShrinkOutcome run(const Scenario& declared, const TrialSpec& failing) {
    // Materialize: the variant's values, only the rules that take part, no expectations that
    // describe the declared scenario's own output.
    Scenario s = ScenarioVariant(declared, failing.variant);
    s.swarm = SwarmRanges{};
    s.expect.clear();
    // The assertions over all processes stay only when breaking one is the failure: they name
    // outputs of the declared scenario, which fewer batches or records change.
    if (kind_ != FailureKind::kExpectationMismatch) s.expect_all_runs.clear();
    // State expectations belong to the declared scenario's own crashes, which the shrunk trial's
    // replace (and shrinking never judges them).
    s.expect_state.clear();
    s.crashes.clear();
    s.faults.clear();
    for (size_t i = 0; i < declared.faults.size(); ++i) {
      if (i >= 64 || (failing.fault_mask >> i & 1)) s.faults.push_back(declared.faults[i]);
    }
    TrialSpec spec = failing;
    spec.variant = 0;
    spec.fault_mask = ~uint64_t{0};
    outcome_.reproduced = attempt(s, spec);
    if (!outcome_.reproduced) return std::move(outcome_);
    for (bool progress = true; progress && attempts_left();) {
      progress = false;
      for (bool (Shrinker::*pass)() :
           {&Shrinker::fewer_crashes, &Shrinker::fewer_batches, &Shrinker::fewer_faults,
            &Shrinker::plainer_processing, &Shrinker::fewer_appends, &Shrinker::smaller_conf,
            &Shrinker::fewer_records, &Shrinker::earlier_crashes, &Shrinker::simpler_trial}) {
        progress = (this->*pass)() || progress;
      }
    }
    return std::move(outcome_);
  }

 private:
  bool attempts_left() const { return outcome_.attempts < max_attempts_; }

  // Runs the candidate; keeps it (true) when it fails with the same kind, not as a known weakness.
  bool attempt(const Scenario& scenario, const TrialSpec& spec) {
    if (!attempts_left()) return false;
    References references(scenario, options_);
    return attempt(scenario, spec, references);
  }

  // The same, or else with the last crash moved to each step of its incarnation in turn, earliest
  // first: a smaller scenario moves the step at which the same crash lands.
  bool attempt_reaimed(const Scenario& scenario, const TrialSpec& spec) {
    if (!attempts_left()) return false;
    References references(scenario, options_);
    if (attempt(scenario, spec, references)) return true;
    if (spec.crashes.empty() ||
        !std::holds_alternative<CrashBeforeStep>(spec.crashes.back().placement)) {
      return false;
    }
    TrialSpec without_last = spec;
    without_last.crashes.pop_back();
    ++outcome_.attempts;
    TrialRun run = RunTrial(scenario, without_last, options_);
    size_t incarnation = without_last.crashes.size();
    if (run.incarnations.size() <= incarnation) return false;
    for (uint64_t step = 0; step < run.incarnations[incarnation].steps; ++step) {
      TrialSpec moved = spec;
      moved.crashes.back().placement = CrashBeforeStep{step};
      if (attempt(scenario, moved, references)) return true;
      if (!attempts_left()) return false;
    }
    return false;
  }

  bool attempt(const Scenario& scenario, const TrialSpec& spec, References& references) {
    if (!attempts_left()) return false;
    ++outcome_.attempts;
    TrialRun run = RunTrial(scenario, spec, options_);
    std::vector<Failure> failures = references.check(run);
    if (failures.empty() || failures.front().kind != kind_ ||
        KnownWeakness(run, failures.front())) {
      return false;
    }
    bool defects = !options_.defects.empty() || !options_.structured_defects.empty();
    if (defects && !passes_without_defects(scenario, spec)) return false;
    outcome_.scenario = scenario;
    outcome_.spec = spec;
    outcome_.failure = failures.front();
    return true;
  }

  // A counterexample of a defect must pass on the engine without it (up to a known weakness, as
  // exploration excuses it): otherwise the candidate broke the scenario (e.g. a lineage limit
  // below what any run needs), not the engine.
  bool passes_without_defects(const Scenario& scenario, const TrialSpec& spec) {
    ++outcome_.attempts;
    RunOptions clean = options_;
    clean.defects = ckpt::DefectSet{};
    clean.structured_defects = ckpt::structured::DefectSet{};
    References references(scenario, clean);
    if (!references.base().failures.empty()) return false;
    TrialRun run = RunTrial(scenario, spec, clean);
    std::vector<Failure> failures = references.check(run);
    return failures.empty() || KnownWeakness(run, failures.front()).has_value();
  }
  bool attempt_spec(const TrialSpec& spec) { return attempt(outcome_.scenario, spec); }
  bool attempt_scenario(const Scenario& scenario) { return attempt(scenario, outcome_.spec); }

  bool fewer_crashes() {
    bool progress = false;
    for (size_t i = outcome_.spec.crashes.size(); i-- > 0;) {
      TrialSpec spec = outcome_.spec;
      spec.crashes.erase(spec.crashes.begin() + static_cast<std::ptrdiff_t>(i));
      progress = attempt_spec(spec) || progress;
    }
    return progress;
  }

  bool fewer_batches() {
    for (int64_t batches : Smaller(outcome_.scenario.batches, 1)) {
      if (attempt_reaimed(WithBatches(outcome_.scenario, batches), outcome_.spec)) return true;
    }
    return false;
  }

  bool fewer_faults() {
    bool progress = false;
    for (size_t i = outcome_.scenario.faults.size(); i-- > 0;) {
      Scenario s = outcome_.scenario;
      s.faults.erase(s.faults.begin() + static_cast<std::ptrdiff_t>(i));
      progress = attempt_scenario(s) || progress;
    }
    return progress;
  }

  // Each slow or failing batch dropped, or else moved to an earlier batch (so that fewer batches
  // can follow).
  bool plainer_processing() {
    return plainer_batches(&ProcessingModel::slow_batches) ||
           plainer_batches(&ProcessingModel::failing_batches);
  }

  template <class T>
  bool plainer_batches(std::map<int64_t, T> ProcessingModel::*member) {
    for (auto [batch, value] : outcome_.scenario.processing.*member) {
      Scenario dropped = outcome_.scenario;
      (dropped.processing.*member).erase(batch);
      if (attempt_reaimed(dropped, outcome_.spec)) return true;
      for (int64_t earlier : Smaller(batch, 1)) {
        Scenario moved = dropped;
        if ((moved.processing.*member).count(earlier)) continue;
        (moved.processing.*member)[earlier] = value;
        if (attempt_reaimed(moved, outcome_.spec)) return true;
      }
    }
    return false;
  }

  // Each producer append (log, receiver) or file (file stream) of each source dropped, or else made
  // earlier, so that fewer batches can follow.
  bool fewer_appends() {
    for (int32_t id = 0; id < InputStreamCount(outcome_.scenario); ++id) {
      if (fewer_timed(id, [](SourceSpec& source) { return source.appends(); }) ||
          fewer_timed(id, [](SourceSpec& source) {
            FileInput* file = source.get<FileInput>();
            return file ? &file->files : nullptr;
          })) {
        return true;
      }
    }
    return false;
  }

  // `pick`: the stream's list of timed input (appends or files), or null when it has none.
  template <class Pick>
  bool fewer_timed(int32_t stream_id, Pick pick) {
    if (!pick(InputSource(outcome_.scenario, stream_id))) return false;
    auto timed = [ stream_id, pick ](Scenario & s) -> auto& {
      return *pick(InputSource(s, stream_id));
    };
    using T = typename std::remove_reference_t<decltype(timed(outcome_.scenario))>::value_type;
    const size_t count = timed(outcome_.scenario).size();
    for (size_t i = count; i-- > 0;) {
      Scenario dropped = outcome_.scenario;
      timed(dropped).erase(timed(dropped).begin() + static_cast<std::ptrdiff_t>(i));
      if (attempt_reaimed(dropped, outcome_.spec)) return true;
      for (int64_t at : Smaller(timed(outcome_.scenario)[i].at.ms, 0)) {
        Scenario earlier = outcome_.scenario;
        timed(earlier)[i].at = Time{at};
        std::stable_sort(timed(earlier).begin(), timed(earlier).end(),
                         [](const T& a, const T& b) { return a.at < b.at; });
        if (attempt_reaimed(earlier, outcome_.spec)) return true;
      }
    }
    return false;
  }

  // Smaller integer settings (a lineage depth, a rate): the same failure sooner.
  bool smaller_conf() {
    for (const auto& [key, value] : outcome_.scenario.conf) {
      int64_t number = 0;
      auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
      if (error != std::errc() || end != value.data() + value.size() || number <= 1) continue;
      for (int64_t smaller : Smaller(number, 1)) {
        Scenario s = outcome_.scenario;
        s.conf[key] = std::to_string(smaller);
        if (attempt_reaimed(s, outcome_.spec)) return true;
      }
    }
    return false;
  }

  bool fewer_records() {
    auto input = [](Scenario& s) -> std::vector<ckpt::Records>& {
      return *s.source.per_batch_input();
    };
    if (!outcome_.scenario.source.per_batch_input()) return false;
    bool progress = false;
    for (size_t b = 0; b < input(outcome_.scenario).size(); ++b) {
      if (input(outcome_.scenario)[b].empty()) continue;
      Scenario empty = outcome_.scenario;
      input(empty)[b].clear();
      if (attempt_scenario(empty)) {
        progress = true;
        continue;
      }
      for (size_t r = input(outcome_.scenario)[b].size(); r-- > 0;) {
        Scenario fewer = outcome_.scenario;
        input(fewer)[b].erase(input(fewer)[b].begin() + static_cast<std::ptrdiff_t>(r));
        progress = attempt_scenario(fewer) || progress;
      }
    }
    return progress;
  }

  bool earlier_crashes() {
    bool progress = false;
    for (size_t i = 0; i < outcome_.spec.crashes.size(); ++i) {
      const CrashSpec crash = outcome_.spec.crashes[i];
      const auto* from = std::get_if<CrashFromTime>(&crash.placement);
      const auto* before = std::get_if<CrashBeforeStep>(&crash.placement);
      std::vector<int64_t> points = from     ? Smaller(from->at.ms, 0)
                                    : before ? Smaller(static_cast<int64_t>(before->step), 0)
                                             : std::vector<int64_t>{};
      for (int64_t point : points) {
        TrialSpec spec = outcome_.spec;
        if (from) spec.crashes[i].placement = CrashFromTime{Time{point}};
        if (before) spec.crashes[i].placement = CrashBeforeStep{static_cast<uint64_t>(point)};
        if (attempt_spec(spec)) {
          progress = true;
          break;
        }
      }
      for (int64_t downtime : Smaller(crash.downtime.ms, 0)) {
        TrialSpec spec = outcome_.spec;
        spec.crashes[i].downtime = Duration{downtime};
        if (attempt_spec(spec)) {
          progress = true;
          break;
        }
      }
    }
    return progress;
  }

  // The first durable state of every crash, FIFO interleaving, trial seed 0.
  bool simpler_trial() {
    bool progress = false;
    for (size_t i = 0; i < outcome_.spec.crashes.size(); ++i) {
      if (outcome_.spec.crashes[i].state == 0) continue;
      TrialSpec spec = outcome_.spec;
      spec.crashes[i].state = 0;
      progress = attempt_spec(spec) || progress;
    }
    for (uint64_t TrialSpec::*field : {&TrialSpec::interleaving, &TrialSpec::seed}) {
      if (outcome_.spec.*field == 0) continue;
      TrialSpec spec = outcome_.spec;
      spec.*field = 0;
      progress = attempt_spec(spec) || progress;
    }
    return progress;
  }

  FailureKind kind_;
  RunOptions options_;
  uint64_t max_attempts_;
  ShrinkOutcome outcome_;
};

}  // namespace

ShrinkOutcome Shrink(const Scenario& declared, const TrialSpec& failing, FailureKind kind,
                     const RunOptions& options, uint64_t max_attempts) {
  return Shrinker(kind, options, max_attempts).run(declared, failing);
}

std::string RegressionScenarioYaml(const Scenario& declared, const ShrinkOutcome& outcome,
                                   const std::string& name, const std::string& description,
                                   const std::string& header) {
  Scenario s = outcome.scenario;
  s.name = name;
  s.description = description;
  // The shrunk trial ran as `declared`'s application: keep its name where the conf carries it
  // (a recovered context's spark.app.name comes from the checkpoint).
  s.conf.try_emplace("spark.app.name", declared.name);
  if (s.restart_conf) s.restart_conf->try_emplace("spark.app.name", declared.name);
  // The shrunk trial as the scenario's own crash list, which `ckptsim run` replays.
  s.crashes = outcome.spec.crashes;
  s.trial_seed = outcome.spec.seed;
  s.interleaving = outcome.spec.interleaving;
  s.expect.clear();  // they describe the declared scenario, not the shrunk one
  s.swarm = SwarmRanges{};
  return ScenarioToYaml(s, header);
}

}  // namespace sim
