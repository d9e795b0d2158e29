#include "explore/interval_study.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "explore/parallel.h"
#include "sim/faults.h"
#include "sim/trial.h"
#include "util/random.h"

namespace sim {
namespace {

using ckpt::Result;
using ckpt::Status;

constexpr size_t kMaxFailuresPerHistory = 100'000;
constexpr uint64_t kStepsPerBatch = 400;  // the step budget of a run, per batch of its horizon
// The grid around Young's optimum, as factors of it (a geometric grid, denser near 1).
constexpr double kGridFactors[] = {0.25, 0.35, 0.5, 0.6, 0.7, 0.85, 1.0,
                                   1.2,  1.4,  1.7, 2.0, 2.8, 4.0};

// Uniform in (0, 1], from our own generator (53 bits).
double UnitInterval(Random& random) {
  return (static_cast<double>(random.next_u64() >> 11) + 1) * 0x1p-53;
}

// Crash times of one failure history: the driver is up for an exponential time of mean M
// (our own inversion of a uniform draw), crashes, and is down for R; until the horizon.
std::vector<CrashSpec> FailureHistory(uint64_t seed, const IntervalStudyOptions& options,
                                      Duration horizon) {
  Random random(seed);
  std::vector<CrashSpec> crashes;
  int64_t now_ms = 0;
  while (crashes.size() < kMaxFailuresPerHistory) {
    double up_ms = -static_cast<double>(options.mtbf.ms) * std::log(UnitInterval(random));
    now_ms += std::max<int64_t>(1, std::llround(up_ms));
    if (now_ms >= horizon.ms) break;
    crashes.emplace_back().placement = CrashFromTime{Time{now_ms}};
    crashes.back().downtime = options.restart;
    now_ms += options.restart.ms;
  }
  return crashes;
}

Status CheckStudyable(const Scenario& scenario, const IntervalStudyOptions& options) {
  auto invalid = [&](const std::string& why) {
    return Status::InvalidArgument(scenario.path +
                                   ": cannot study the checkpoint interval: " + why);
  };
  const LogInput* log = scenario.source.get<LogInput>();
  if (!log || log->appends.empty()) {
    return invalid("the source must be a log with appends (the study feeds it for the horizon)");
  }
  bool stateful = std::any_of(scenario.pipeline.begin(), scenario.pipeline.end(),
                              [](const PipelineStep& step) { return step.checkpoint_interval; });
  if (!stateful) return invalid("no pipeline step has checkpoint_interval_ms");
  if (scenario.checkpoint_dir.empty()) return invalid("checkpointing is off");
  if (options.mtbf.ms <= 0 || options.checkpoint_cost.ms <= 0 || options.restart.ms < 0) {
    return Status::InvalidArgument("the MTBF and checkpoint cost must be positive");
  }
  if (options.seeds <= 0) return Status::InvalidArgument("at least one failure history");
  for (int64_t k : options.interval_batches) {
    if (k <= 0) return Status::InvalidArgument("checkpoint intervals are positive batch counts");
  }
  return Status::Ok();
}

// The scenario as one point of the study runs it: fed for the whole horizon, its stateful steps
// checkpointing every `interval_batches`, each state RDD write costing `cost`.
Scenario StudyScenario(const Scenario& base, Duration horizon, int64_t interval_batches,
                       Duration cost) {
  Scenario s = base;
  s.batches = horizon.ms / base.batch_duration.ms;
  // Fed as the scenario's first append feeds each partition, every batch, up to the horizon.
  const LogInput& log = *base.source.get<LogInput>();  // CheckStudyable
  s.source.get<LogInput>()->appends =
      GenerateLogAppends(log.partitions, base.batch_duration, horizon,
                         static_cast<int64_t>(log.appends.front().records.size()));
  for (PipelineStep& step : s.pipeline) {
    if (step.checkpoint_interval) step.checkpoint_interval = base.batch_duration * interval_batches;
  }
  s.faults.clear();
  if (cost.ms > 0) {
    FaultRule slow_store;
    slow_store.kind = FaultKind::kLatency;
    slow_store.operation = "write";
    slow_store.path = s.checkpoint_dir + "/*/rdd-*";
    slow_store.latency = cost;
    slow_store.origin = "study-interval";
    s.faults.push_back(slow_store);
  }
  // The state's lineage grows by a few RDDs per batch between checkpoints; the study measures
  // what long intervals cost in time, so the stand-in for the JVM stack must not fail them.
  s.conf["ckptsim.lineage.max_depth"] =
      std::to_string(std::max<int64_t>(1000, 4 * interval_batches + 100));
  return s;
}

// What one run achieved by the horizon.
struct RunFigures {
  int64_t useful_records = 0;  // input of the batches whose output was emitted by the horizon
  int64_t completed_batches = 0;
  double first_emission_s = 0, last_emission_s = 0;
  double last_lag_s = 0;           // from the last emitted batch's time to its emission
  std::vector<double> recovery_s;  // per crash: to the first batch completed after the restart
};

RunFigures Measure(const TrialRun& run, const std::vector<CrashSpec>& crashes, Duration horizon) {
  std::map<std::pair<int, int64_t>, int64_t> batch_records;  // (incarnation, batch) -> records
  for (const InputBatch& batch : run.input_batches) {
    int64_t records = 0;
    for (const ckpt::OffsetRange& range : batch.ranges) records += range.until - range.from;
    batch_records[{batch.incarnation, batch.batch_time.ms}] = records;
  }
  RunFigures figures;
  std::set<int64_t> completed;
  std::vector<const Emission*> in_time;
  for (const Emission& emission : run.emissions) {
    if (emission.emitted_at > Time{horizon.ms}) continue;
    in_time.push_back(&emission);
    if (!completed.insert(emission.batch_time.ms).second) continue;
    auto records = batch_records.find({emission.incarnation, emission.batch_time.ms});
    if (records != batch_records.end()) figures.useful_records += records->second;
  }
  figures.completed_batches = static_cast<int64_t>(completed.size());
  if (!in_time.empty()) {
    figures.first_emission_s = static_cast<double>(in_time.front()->emitted_at.ms) / 1000;
    figures.last_emission_s = static_cast<double>(in_time.back()->emitted_at.ms) / 1000;
    figures.last_lag_s =
        static_cast<double>((in_time.back()->emitted_at - in_time.back()->batch_time).ms) / 1000;
  }
  for (size_t i = 0; i < crashes.size(); ++i) {
    Time crashed = std::get<CrashFromTime>(crashes[i].placement).at;
    Time restarted = crashed + crashes[i].downtime;
    for (const Emission* emission : in_time) {
      if (emission->incarnation > static_cast<int>(i) && emission->emitted_at >= restarted) {
        figures.recovery_s.push_back(static_cast<double>((emission->emitted_at - crashed).ms) /
                                     1000);
        break;
      }
    }
  }
  return figures;
}

// Solves the 3x3 system m x = v (Gaussian elimination with partial pivoting); none if singular.
std::optional<std::array<double, 3>> Solve3(std::array<std::array<double, 4>, 3> m) {
  for (int col = 0; col < 3; ++col) {
    int pivot = col;
    for (int row = col + 1; row < 3; ++row) {
      if (std::fabs(m[row][col]) > std::fabs(m[pivot][col])) pivot = row;
    }
    if (std::fabs(m[pivot][col]) < 1e-300) return std::nullopt;
    std::swap(m[col], m[pivot]);
    for (int row = 0; row < 3; ++row) {
      if (row == col) continue;
      double factor = m[row][col] / m[col][col];
      for (int k = col; k < 4; ++k) m[row][k] -= factor * m[col][k];
    }
  }
  return std::array<double, 3>{m[0][3] / m[0][0], m[1][3] / m[1][1], m[2][3] / m[2][2]};
}

// Least squares of loss = a / tau + b tau + c.
void FitCostCurve(IntervalStudy& study) {
  std::array<std::array<double, 4>, 3> normal{};
  for (const IntervalPoint& p : study.points) {
    double basis[3] = {1 / p.interval_s, p.interval_s, 1};
    double loss = 1 - p.efficiency;
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) normal[i][j] += basis[i] * basis[j];
      normal[i][3] += basis[i] * loss;
    }
  }
  std::optional<std::array<double, 3>> fit = Solve3(normal);
  if (!fit || study.points.size() < 3) return;
  study.fit_a = (*fit)[0];
  study.fit_b = (*fit)[1];
  study.fit_c = (*fit)[2];
  if (study.fit_a > 0 && study.fit_b > 0) {
    study.fitted_optimum_s = std::sqrt(study.fit_a / study.fit_b);
  }
}

std::vector<int64_t> GridAround(double young_s, double batch_work_s) {
  std::set<int64_t> grid;
  for (double factor : kGridFactors) {
    grid.insert(std::max<int64_t>(1, std::llround(factor * young_s / batch_work_s)));
  }
  return {grid.begin(), grid.end()};
}

RunOptions StudyRunOptions(Duration horizon, Duration batch) {
  RunOptions options;
  options.max_steps = kStepsPerBatch * static_cast<uint64_t>(horizon.ms / batch.ms + 1);
  return options;
}

}  // namespace

std::optional<double> IntervalStudy::deviation_from_daly() const {
  if (!fitted_optimum_s || daly_s <= 0) return std::nullopt;
  return (*fitted_optimum_s - daly_s) / daly_s;
}

double YoungOptimum(double checkpoint_cost_s, double mtbf_s) {
  return std::sqrt(2 * checkpoint_cost_s * mtbf_s);
}

double DalyOptimum(double checkpoint_cost_s, double mtbf_s) {
  if (!DalyApplies(checkpoint_cost_s, mtbf_s)) return mtbf_s;
  double ratio = checkpoint_cost_s / (2 * mtbf_s);
  return YoungOptimum(checkpoint_cost_s, mtbf_s) * (1 + std::sqrt(ratio) / 3 + ratio / 9) -
         checkpoint_cost_s;
}

Result<IntervalStudy> StudyInterval(const Scenario& scenario, const IntervalStudyOptions& options) {
  CKPT_RETURN_IF_ERROR(CheckStudyable(scenario, options));
  const Duration horizon = options.horizon.ms > 0 ? options.horizon : options.mtbf * 40;
  const Duration batch = scenario.batch_duration;
  IntervalStudy study;
  study.scenario = scenario.name;
  study.mtbf_s = static_cast<double>(options.mtbf.ms) / 1000;
  study.restart_s = static_cast<double>(options.restart.ms) / 1000;
  study.checkpoint_cost_s = static_cast<double>(options.checkpoint_cost.ms) / 1000;
  study.horizon_s = static_cast<double>(horizon.ms) / 1000;
  study.young_s = YoungOptimum(study.checkpoint_cost_s, study.mtbf_s);
  study.daly_s = DalyOptimum(study.checkpoint_cost_s, study.mtbf_s);
  const RunOptions run_options = StudyRunOptions(horizon, batch);

  // The reference: no failures, free checkpoints. Its interval does not matter.
  const int64_t reference_interval =
      std::max<int64_t>(1, std::llround(study.young_s / (static_cast<double>(batch.ms) / 1000)));
  TrialRun reference_run = RunTrial(
      StudyScenario(scenario, horizon, reference_interval, Duration{0}), TrialSpec{}, run_options);
  RunFigures reference = Measure(reference_run, {}, horizon);
  if (reference.completed_batches < 2 || reference.useful_records == 0) {
    return Status::InvalidArgument(scenario.path + ": the failure-free run completed no batches");
  }
  // A job that keeps up completes batches a batch interval apart, each its work after its time;
  // a saturated one completes them its work apart, ever later after their times.
  double spacing_s = (reference.last_emission_s - reference.first_emission_s) /
                     static_cast<double>(reference.completed_batches - 1);
  study.batch_work_s = std::min(spacing_s, reference.last_lag_s);
  study.saturated = study.batch_work_s >= 0.999 * static_cast<double>(batch.ms) / 1000;

  std::vector<int64_t> intervals = options.interval_batches.empty()
                                       ? GridAround(study.young_s, study.batch_work_s)
                                       : options.interval_batches;
  std::vector<std::vector<CrashSpec>> histories;
  Random seeds(options.seed);
  for (int h = 0; h < options.seeds; ++h) {
    histories.push_back(
        FailureHistory(seeds.fork(static_cast<uint64_t>(h)).next_u64(), options, horizon));
  }
  const size_t per_point = histories.size();
  std::vector<RunFigures> runs =
      RunInParallel<RunFigures>(intervals.size() * per_point, options.jobs, [&](size_t i) {
        const std::vector<CrashSpec>& crashes = histories[i % per_point];
        Scenario point =
            StudyScenario(scenario, horizon, intervals[i / per_point], options.checkpoint_cost);
        return Measure(RunTrial(point, TrialSpec{crashes}, run_options), crashes, horizon);
      });

  for (size_t p = 0; p < intervals.size(); ++p) {
    IntervalPoint point;
    point.interval_batches = intervals[p];
    point.interval_s = static_cast<double>(intervals[p]) * study.batch_work_s;
    std::vector<double> efficiencies;
    double recovery_sum = 0;
    int64_t recoveries = 0;
    for (size_t h = 0; h < per_point; ++h) {
      const RunFigures& run = runs[p * per_point + h];
      efficiencies.push_back(static_cast<double>(run.useful_records) /
                             static_cast<double>(reference.useful_records));
      for (double r : run.recovery_s) recovery_sum += r;
      recoveries += static_cast<int64_t>(run.recovery_s.size());
      point.failures += static_cast<int64_t>(histories[h].size());
    }
    double mean = 0, square = 0;
    for (double e : efficiencies) mean += e / static_cast<double>(efficiencies.size());
    for (double e : efficiencies) square += (e - mean) * (e - mean);
    point.efficiency = mean;
    point.efficiency_spread = std::sqrt(square / static_cast<double>(efficiencies.size()));
    point.recovery_s = recoveries > 0 ? recovery_sum / static_cast<double>(recoveries) : 0;
    study.points.push_back(point);
  }
  auto best = std::max_element(
      study.points.begin(), study.points.end(),
      [](const IntervalPoint& a, const IntervalPoint& b) { return a.efficiency < b.efficiency; });
  study.best_grid_s = best->interval_s;
  FitCostCurve(study);
  return study;
}

}  // namespace sim
