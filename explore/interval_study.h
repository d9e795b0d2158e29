// The checkpoint-interval study: how often should a stateful stream checkpoint its state RDD?
//
//   IntervalStudy study = StudyInterval(scenario, options).value();
//
// Each point runs the scenario's engine in virtual time, saturated (every batch's job takes at
// least the batch interval, so that once anything costs time, work stays queued, as in a job
// catching up), with the state RDD checkpointed every k batches, each checkpoint blocking the
// executor for the checkpoint store's write latency C, and the driver crashing as a Poisson process
// of mean time between failures M while it is up, each crash followed by a restart of R. Useful
// throughput is the input whose batch completed by the horizon, relative to a run without
// failures and with free checkpoints. The empirical optimum (of a fitted cost curve, and the best
// grid point) is compared with Young's sqrt(2CM) and Daly's higher-order optimum.
//
// Time between checkpoints is measured as Young and Daly do, in compute time (k batches of work,
// without the checkpoint itself).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/runtime/status.h"
#include "scenario/scenario.h"

namespace sim {

// Daly's higher-order estimate holds for C < 2M; beyond, his optimum is M.
inline bool DalyApplies(double checkpoint_cost_s, double mtbf_s) {
  return checkpoint_cost_s < 2 * mtbf_s;
}

struct IntervalStudyOptions {
  Duration mtbf{600'000};           // M: mean time between driver failures
  Duration restart{10'000};         // R: down time after each failure
  Duration checkpoint_cost{5'000};  // C: the store's latency for one state RDD checkpoint write
  Duration horizon{0};              // virtual time per run; 0: 40 M
  // Checkpoint intervals to run, in batches; empty: a geometric grid from Young's / 4 to x 4.
  std::vector<int64_t> interval_batches;
  int seeds = 4;      // failure histories per interval (the same histories for every interval)
  uint64_t seed = 1;  // forks every failure history
  int jobs = 1;       // threads, each running whole simulations; results do not depend on it
};

struct IntervalPoint {
  int64_t interval_batches = 0;
  double interval_s = 0;         // compute time between checkpoints: interval_batches x batch work
  double efficiency = 0;         // mean over the failure histories
  double efficiency_spread = 0;  // their standard deviation
  double recovery_s = 0;         // mean crash-to-first-completed-batch time
  int64_t failures = 0;          // crashes over all histories
};

struct IntervalStudy {
  std::string scenario;
  double mtbf_s = 0, restart_s = 0, checkpoint_cost_s = 0, horizon_s = 0;
  double batch_work_s = 0;  // one batch's job in the failure-free reference run
  // The failure-free job has no idle time. When it has, checkpoint costs hide in the idle time
  // and efficiency understates them: the study says so.
  bool saturated = false;
  std::vector<IntervalPoint> points;
  double young_s = 0;
  double daly_s = 0;
  bool daly_applies() const { return DalyApplies(checkpoint_cost_s, mtbf_s); }
  double best_grid_s = 0;  // the point with the highest efficiency
  // Least-squares fit of the lost fraction 1 - efficiency = a / tau + b tau + c over the points:
  // its minimum sqrt(a / b), when a and b come out positive.
  std::optional<double> fitted_optimum_s;
  double fit_a = 0, fit_b = 0, fit_c = 0;
  // (fitted - Daly) / Daly; the target is |deviation| <= 0.10.
  std::optional<double> deviation_from_daly() const;
};

// Young's first-order optimum sqrt(2 C M) and Daly's higher-order one (J. T. Daly, "A higher
// order estimate of the optimum checkpoint interval for restart dumps", 2006):
// sqrt(2CM) [1 + sqrt(C/2M)/3 + (C/2M)/9] - C for C < 2M, else M.
double YoungOptimum(double checkpoint_cost_s, double mtbf_s);
double DalyOptimum(double checkpoint_cost_s, double mtbf_s);

// InvalidArgument when the scenario cannot be studied: it needs a log source and a stateful
// step with checkpoint_interval_ms, and options that make sense (C, M > 0).
ckpt::Result<IntervalStudy> StudyInterval(const Scenario& scenario,
                                          const IntervalStudyOptions& options);

}  // namespace sim
