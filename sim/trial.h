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
#include "engine/runtime/partitioned_log.h"
#include "engine/runtime/status.h"
#include "engine/value.h"
#include "sim/scenario.h"
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
  // "/r<seed>", "/v<variant>" and "/i<interleaving>" when they are not 0.
  std::string token() const;
  static ckpt::Result<TrialSpec> ParseToken(const std::string& token);
  auto operator<=>(const TrialSpec&) const = default;
};

// A quiet point of a run: its process has nothing left to do but its timer's next tick.
struct QuietPoint {
  uint64_t state_digest = 0;  // StreamingContext::state_digest
  uint64_t steps_before = 0;  // steps the run had taken
};

struct PruneTarget;  // below

struct RunOptions {
  ckpt::DefectSet defects;
  std::optional<PersistenceModel> fs_model;  // overrides the scenario's filesystem
  bool inject_faults = true;                 // false: ignore the scenario's faults (references)
  std::map<std::string, std::string> conf;   // on top of the scenario's conf
  bool record_trace = false;                 // keep a human-readable trace
  bool record_steps = false;                 // keep every step's label (crash-points)
  uint64_t max_steps = 5'000'000;            // budget: a trial never runs forever
  ckpt::Time first_start;                    // when the first process starts
  // Convergence pruning: an uncrashed run records its quiet points; a trial given
  // `prune_against` stops at the first quiet point of its last incarnation whose state digest
  // equals the uncrashed run's at the same time, and takes the rest of its outputs from it.
  bool record_quiet_points = false;
  const PruneTarget* prune_against = nullptr;
};

struct Emission {
  int incarnation = 0;
  std::string output;
  ckpt::Time batch_time;
  ckpt::Records records;  // sorted
  ckpt::Time emitted_at;  // the virtual time the sink received them
};

// A checkpoint the writer gave up on (EngineObserver::on_checkpoint_given_up).
struct GivenUpWrite {
  ckpt::Time content_time;
  int attempts = 0;
  ckpt::Status first_error;
};

struct IncarnationRecord {
  ckpt::Time started_at;
  bool recovered = false;  // rebuilt from a checkpoint (false: started fresh)
  std::optional<ckpt::Time> zero_time;
  std::string checkpoint_file;  // what recovery read
  ckpt::Time checkpoint_time;
  std::vector<ckpt::Time> pending_times;
  std::optional<ckpt::Time> restart_time;
  std::vector<ckpt::Time> rescheduled;
  std::string start_error;          // getOrCreate or start failed
  std::vector<std::string> errors;  // reportError calls, except for injected job failures
  std::map<int32_t, int> restores;  // stream id -> DStreamCheckpointData.restore calls
  std::vector<std::string> checkpoints_written;     // files the writer reported written
  std::vector<GivenUpWrite> given_up_writes;        // checkpoints the writer gave up on
  std::vector<std::string> unreadable_checkpoints;  // files getOrCreate skipped
  // A failed start: the checkpoint files in the directory that no fault had corrupted.
  std::vector<std::string> intact_checkpoint_files;
  std::vector<std::string> injected;  // faults injected while it ran
  uint64_t steps = 0;
  std::optional<ckpt::Time> crashed_at;
  uint64_t crash_states = 1;                 // durable states its crash could leave
  std::vector<std::string> lost_at_crash;    // what its crash dropped or mangled
  std::map<std::string, std::string> conf;   // the started context's conf
  int64_t source_acknowledged_at_start = 0;  // receiver source: its acknowledged position
};

// A job that an injected filesystem fault failed: its batch stays pending.
struct FailedJob {
  int incarnation = 0;
  ckpt::Time batch_time;
};

// What convergence pruning compares a trial with: an uncrashed run's quiet points, keyed by the
// time of the tick that follows, its emissions and its length.
struct PruneTarget {
  std::map<int64_t, QuietPoint> quiet_points;
  std::vector<Emission> emissions;
  uint64_t total_steps = 0;
};

// An output write the scenario made fail (processing.failing_batches): the job failed.
struct FailedOutput {
  int incarnation = 0;
  std::string output;
  ckpt::Time batch_time;
  ckpt::Records records;  // what the job tried to write (sorted)
};

// What a source whose input depends on timing gave a batch in one incarnation: a log stream's
// offset ranges, or the blocks a receiver stream read (each block's source positions as a range
// of partition 0), and their records.
struct InputBatch {
  int incarnation = 0;
  ckpt::Time batch_time;
  std::vector<ckpt::OffsetRange> ranges;
  ckpt::Records records;               // sorted
  bool restored = false;               // restored from the checkpoint rather than computed
  std::vector<std::string> block_ids;  // receiver: the blocks read, in the order of `ranges`
  size_t missing_blocks = 0;           // receiver: allocated blocks whose records were gone
};

// An allocation of received blocks to a batch, and how far the source's acknowledgements went
// then: every record before `acknowledged` had been handed over for good.
struct ReceiverAllocation {
  int incarnation = 0;
  ckpt::Time batch_time;
  ckpt::Time at;
  int64_t acknowledged = 0;
  std::vector<ckpt::OffsetRange> ranges;  // the allocated blocks' source positions
};

struct StepRecord {
  int incarnation = 0;
  uint64_t step = 0;
  ckpt::Time time;
  std::string label;
};

// The filesystem model a run of `scenario` uses under `options`.
PersistenceModel ModelFor(const Scenario& scenario, const RunOptions& options);

struct TrialRun {
  std::vector<Emission> emissions;
  std::vector<FailedOutput> failed_outputs;
  std::vector<FailedJob> failed_jobs;
  std::vector<InputBatch> input_batches;  // log and receiver sources: every batch's input
  std::vector<ReceiverAllocation> receiver_allocations;
  std::set<std::string> corrupted_by_faults;  // files a torn_write or bitflip fault mangled
  std::vector<IncarnationRecord> incarnations;
  std::vector<StepRecord> steps;   // with RunOptions::record_steps
  std::vector<std::string> trace;  // with RunOptions::record_trace
  bool quiesced = false;           // the event queue drained
  std::string engine_assert;       // non-empty when the engine asserted
  uint64_t digest = 0;             // over every step, emission and crash
  uint64_t total_steps = 0;
  ckpt::Time end_time;
  PersistenceModel fs_model = PersistenceModel::kHdfs;
  bool checkpoint_sync = false;                // ckptsim.checkpoint.sync was on
  std::map<int64_t, QuietPoint> quiet_points;  // with RunOptions::record_quiet_points
  std::optional<ckpt::Time> pruned_at;         // when pruning stopped it
  uint64_t pruned_steps = 0;                   // the steps pruning saved (the reference's rest)
};

// Whether a trial can be pruned at all: the future of a quiet point must depend on nothing but
// the compared state and virtual time. So: a sequence or constant source (no position of its
// own, no producer), no save_as_text_files output (later writes see earlier files), no failing
// output writes (counted across processes), no fault rules (occurrence counts) and FIFO
// interleaving (the uncrashed run's).
bool PruningApplies(const Scenario& scenario, const TrialSpec& spec);

TrialRun RunTrial(const Scenario& scenario, const TrialSpec& spec, const RunOptions& options);

}  // namespace sim
