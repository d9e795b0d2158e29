// Running one trial: a scenario's application on a simulated machine, crashed and restarted as
// a TrialSpec says, recorded for the oracle.
//
// Steps: every task of an engine process and every mutating filesystem call it makes is a step,
// numbered from 0 within each incarnation (a process lifetime). "Crash at step k" kills the
// incarnation just before its step k would run; the restart comes `downtime` later and calls
// getOrCreate on what the filesystem kept.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/defects.h"
#include "engine/dstream/partitioned_log.h"
#include "engine/runtime/status.h"
#include "engine/structured/defects.h"
#include "engine/value.h"
#include "oracle/trial_run.h"
#include "scenario/scenario.h"
#include "sim/sim_fs.h"

namespace sim {

struct TrialSpec {
  std::vector<CrashSpec> crashes;      // crashes[i] hits incarnation i
  uint64_t fault_mask = ~uint64_t{0};  // which of the scenario's fault rules take part
  uint64_t seed = 0;                   // decides probabilistic faults, torn bytes and garbage
  // Swarm: which variant of the scenario runs (ScenarioVariant; 0 is the scenario itself).
  uint64_t variant = 0;
  uint64_t interleaving = 0;  // EventLoop::set_interleaving (0: FIFO among same-time tasks)

  // The replay token: "ref" for no crash, else "c<step>+<downtime_ms>" (or "t<time_ms>+..." for
  // a crash at a virtual time), with "s<state>" when the crash leaves a durable state other than
  // the first, joined by ','; then "/f<mask in hex>" when not every fault rule takes part,
  // "/r<seed>", "/v<variant>" and "/i<interleaving>" when they are not 0. A crash placed at an
  // event shows as "before(<event>)" or "after(<event>)", which ParseToken refuses: only once
  // it fired does it have a step (ResolvedRunToken).
  std::string token() const;
  static ckpt::Result<TrialSpec> ParseToken(const std::string& token);
  auto operator<=>(const TrialSpec&) const = default;
};

// Whether a step labelled `label` (`ckptsim crash-points`) is the event a crash waits for.
bool CrashEventMatches(const CrashEvent& event, const std::string& label,
                       const std::string& checkpoint_dir);

// The token of a trial run with `spec`, each event crash replaced by the step it fired at (or,
// when it never fired, a step past its incarnation's last): what `ckptsim run` prints and replays.
std::string ResolvedRunToken(TrialSpec spec, const TrialRun& run);

struct PruneTarget;  // below

struct RunOptions {
  ckpt::DefectSet defects;
  ckpt::structured::DefectSet structured_defects;  // engine: structured
  ckpt::FixSet fixes;
  std::optional<PersistenceModel> fs_model;  // overrides the scenario's filesystem
  bool inject_faults = true;                 // false: ignore the scenario's faults (references)
  std::map<std::string, std::string> conf;   // on top of the scenario's conf
  bool record_trace = false;                 // keep a human-readable trace
  bool record_steps = false;                 // keep every step's label (crash-points)
  bool record_protocol = true;               // keep IncarnationRecord::protocol
  // Observe the scenario's expect_state points (TrialRun::state_observed): its own trial's.
  bool observe_state = false;
  uint64_t max_steps = 5'000'000;  // budget: a trial never runs forever
  ckpt::Time first_start;          // when the first process starts
  // Convergence pruning: an uncrashed run records its quiet points; a trial given
  // `prune_against` stops at the first quiet point of its last incarnation whose state digest
  // equals the uncrashed run's at the same time, and takes the rest of its outputs from it.
  bool record_quiet_points = false;
  const PruneTarget* prune_against = nullptr;
};

// What convergence pruning compares a trial with: an uncrashed run's quiet points, keyed by the
// time of the tick that follows, its emissions and its length.
struct PruneTarget {
  std::map<int64_t, QuietPoint> quiet_points;
  std::vector<Emission> emissions;
  uint64_t total_steps = 0;
};

// The filesystem model a run of `scenario` uses under `options`.
PersistenceModel ModelFor(const Scenario& scenario, const RunOptions& options);

// Whether a trial can be pruned at all: the future of a quiet point must depend on nothing but
// the compared state and virtual time. So: a sequence or constant source (no position of its
// own, no producer), no save_as_text_files output (later writes see earlier files), no failing
// output writes (counted across processes), no fault rules (occurrence counts), no clock offset,
// no graceful stop (judged when it ends) and FIFO interleaving (the uncrashed run's).
bool PruningApplies(const Scenario& scenario, const TrialSpec& spec);

TrialRun RunTrial(const Scenario& scenario, const TrialSpec& spec, const RunOptions& options);

}  // namespace sim
