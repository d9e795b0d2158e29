// The record of a run: what every process of a scenario's application did, as the oracle judges
// it. The simulator fills it as its processes run (sim/trial.h); the real runtime rebuilds it from
// the journals of real processes (real/journal.h); both through RunRecorder (run_recorder.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/checkpoint/checkpoint_writer.h"
#include "engine/dstream/partitioned_log.h"
#include "engine/env.h"
#include "engine/runtime/status.h"
#include "engine/runtime/time.h"
#include "engine/value.h"
#include "scenario/persistence_model.h"

namespace sim {

// A quiet point of a run: its process has nothing left to do but its timer's next tick.
struct QuietPoint {
  uint64_t state_digest = 0;  // StreamingContext::state_digest
  uint64_t steps_before = 0;  // steps the run had taken
};

struct Emission {
  int incarnation = 0;
  std::string output;
  ckpt::Time batch_time;
  ckpt::Records records;  // sorted
  ckpt::Time emitted_at;  // the virtual time the sink received them
};

// A checkpoint the writer gave up on (the event CheckpointGivenUp).
struct GivenUpWrite {
  ckpt::Time content_time;
  int attempts = 0;
  ckpt::Status first_error;
};

// One step of a process's checkpoint protocol, in the order it happened: a file operation in the
// checkpoint directory (observed by ObservingFileSystem, not reported by the engine), or a
// decision of the engine that the protocol rules need to judge the operations around it. The
// protocol oracle (protocol.h) reads nothing else of the engine.
struct ProtocolEvent {
  enum class Kind {
    kFile,        // `file`
    kStarted,     // the context started: `time` its zero time, `recovered`
    kRecovered,   // the reader chose `path`: `time` its content time, `times` its pending times
    kUnreadable,  // the reader skipped a file: `path` is "<file>: <error>"
    kRestart,     // JobGenerator.restart: `time` the restart time, `times` the rescheduled
                  // batches, `clock` the reading it started from
    kWritten,     // the writer reported `path` written: `time` the content time
    kGivenUp,     // the writer gave up the checkpoint of content time `time`
    kCleared,     // ClearCheckpointData(`time`) ran, `times` still pending
    kRddFiles,    // DStreamCheckpointData.update(`time`) of `stream_id` found `rdd_files`
    kRestored,    // DStreamCheckpointData.restore of `stream_id` rebuilt RDDs from `rdd_files`
  };
  Kind kind = Kind::kFile;
  ckpt::Time at;
  ckpt::FileEvent file;
  std::string path;
  ckpt::Time time;
  std::vector<ckpt::Time> times;
  bool recovered = false;
  bool clear_later = false;  // kWritten: a completion-time checkpoint (clearCheckpointDataLater)
  ckpt::Time clock;          // kRestart: the clock reading the restart time was computed from
  int32_t stream_id = 0;
  std::map<ckpt::Time, std::string> rdd_files;  // RDD time -> its checkpoint file
};

struct IncarnationRecord {
  ckpt::Time started_at;
  // Its clock minus the simulation's (Scenario::restart_clock_offset): the engine's times, and
  // the protocol events' `at`, read its own clock.
  ckpt::Duration clock_offset{0};
  ckpt::Time clock_at_start() const { return started_at + clock_offset; }
  bool recovered = false;  // rebuilt from a checkpoint (false: started fresh)
  std::optional<ckpt::Time> zero_time;
  std::string checkpoint_file;  // what recovery read
  ckpt::Time checkpoint_time;
  std::vector<ckpt::Time> pending_times;
  std::optional<ckpt::Time> restart_time;
  std::vector<ckpt::Time> rescheduled;
  ckpt::Status start_error;          // getOrCreate or start failed (OK: it started)
  std::vector<ckpt::Status> errors;  // reportError calls, except for injected job failures
  // Errors whose storage refused (Status::is_storage_refusal: full, read-only, not permitted),
  // from reportError, a failed start or a given-up checkpoint. In a simulation these are the
  // scenario's faults; in a real run, the machine's disk (crash-real stops: exit 2).
  std::vector<std::string> storage_refusals;
  std::map<int32_t, int> restores;               // stream id -> DStreamCheckpointData.restore calls
  std::vector<std::string> checkpoints_written;  // files the writer reported written
  std::vector<GivenUpWrite> given_up_writes;     // checkpoints the writer gave up on
  std::vector<ckpt::RejectedCheckpoint> unreadable_checkpoints;  // files getOrCreate skipped
  // A failed start: the checkpoint files in the directory that no fault had corrupted.
  std::vector<std::string> intact_checkpoint_files;
  std::vector<std::string> injected;  // faults injected while it ran
  uint64_t steps = 0;
  std::optional<ckpt::Time> crashed_at;
  uint64_t crash_states = 1;               // durable states its crash could leave
  std::vector<std::string> lost_at_crash;  // what its crash dropped or mangled
  // The started context's conf; empty when unknown (a context's conf always holds spark.master):
  // a real process killed between its start and its journal's "conf" line.
  std::map<std::string, std::string> conf;
  // The conf the process itself was given (its SparkConf), recorded with the protocol events
  // (not by the real runtime's journal).
  std::optional<std::map<std::string, std::string>> process_conf;
  std::optional<ckpt::GracefulStop> graceful_stop;  // when a graceful stop ended
  // Each receiver stream's source: its acknowledged position when the process started, by the
  // stream's id (InputSource).
  std::map<int32_t, int64_t> source_acknowledged_at_start;
  std::vector<ProtocolEvent> protocol;  // unless RunRecorder::set_record_protocol(false)
};

// A job that an injected filesystem fault failed: its batch stays pending.
struct FailedJob {
  int incarnation = 0;
  ckpt::Time batch_time;
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
  int32_t stream_id = 0;  // the input stream (InputSource)
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
  int32_t stream_id = 0;  // the receiver stream (InputSource)
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

// What the engine's state was at one of the scenario's expect_state points, in one process: the
// text (StateText) of every field the expectation names.
struct StateObservation {
  size_t expectation = 0;  // index into Scenario::expect_state
  int incarnation = 0;
  std::map<std::string, std::string> fields;
};

// What a Structured Streaming query did over a run (engine: structured), as its observer and
// sink saw it, and what its files held when the run ended (read by the harness, not the query).
struct StructuredStart {
  int incarnation = 0;
  int64_t first_batch_id = 0;
  bool rerun = false;  // its first batch re-ran one planned before (no commit for it)
};
struct StructuredPlan {
  int incarnation = 0;
  int64_t batch_id = 0;
  std::string offsets;  // the source's end offsets as `offsets/N` holds them
  int64_t watermark_ms = 0;
  int64_t timestamp_ms = 0;
};
struct StructuredDelivery {  // one call of the foreachBatch function
  int incarnation = 0;
  int64_t batch_id = 0;
  ckpt::Records records;  // sorted
  ckpt::Time at;
};
struct StructuredCommit {
  int incarnation = 0;
  int64_t batch_id = 0;
  int writer = -1;  // the process whose rename put commits/N in place (-1: none seen)
  ckpt::Time at;    // when the process acknowledged it
};
struct StructuredRecord {
  std::vector<StructuredStart> starts;
  std::vector<StructuredPlan> plans;
  std::vector<StructuredDelivery> deliveries;
  std::vector<StructuredCommit> commits;
  // createAtomic temp file -> the process that created it (a crashed creator excuses it).
  std::map<std::string, int> temp_file_creators;
  // At the end of the run (oracle/structured_files.h):
  std::vector<int64_t> offset_ids;  // listed in offsets/ and commits/
  std::vector<int64_t> commit_ids;
  std::map<int64_t, std::string> logged_offsets;  // batch id -> the source offsets offsets/N holds
  // The file source's seen-files log (invariant 9): log batch id -> the files it holds.
  std::map<int64_t, std::vector<std::string>> source_files;
  // createAtomic temp files under the checkpoint and the sink that neither a crashed process
  // created nor an injected fault kept (by refusing their rename or delete): a write that
  // completed or was cancelled left them (SPARK-19779, SPARK-33384).
  std::vector<std::string> leaked_temp_files;
  // The file sink: what a log-aware reader sees (sorted lines), or why it cannot read; and the
  // part files no log entry lists (orphans of a batch's earlier attempt: allowed).
  ckpt::Records sink_read;
  std::string sink_read_error;
  uint64_t sink_orphans = 0;
  // The file sink's log (invariant 8): its batch files ("N" or "N.compact"), and the data files
  // its entries list more than once.
  std::vector<std::string> sink_log_files;
  std::vector<std::string> sink_duplicate_paths;
  // The Kafka source's sources/0/0 (invariant 9): the initial offsets it holds, or why it cannot
  // be read ("" when there is none).
  std::string source_initial_offsets;
  // The stateful operator's state after the latest commit over all its partitions, "<key> ->
  // <value>" lines sorted (a query started afresh may pin another partition count: the same
  // state, spread otherwise), or why it cannot be loaded.
  std::vector<std::string> state;
  std::string state_error;
};

struct TrialRun {
  std::vector<Emission> emissions;
  // The scenario's expect_state points, when observed (RunOptions::observe_state); not part of
  // the digest.
  bool state_observed = false;
  std::vector<StateObservation> state_observations;
  std::vector<FailedOutput> failed_outputs;
  std::vector<FailedJob> failed_jobs;
  std::vector<InputBatch> input_batches;  // log and receiver sources: every batch's input
  StructuredRecord structured;            // engine: structured
  std::vector<ReceiverAllocation> receiver_allocations;
  std::set<std::string> corrupted_by_faults;  // files a torn_write or bitflip fault mangled
  std::vector<IncarnationRecord> incarnations;
  std::vector<StepRecord> steps;   // with RunOptions::record_steps
  std::vector<std::string> trace;  // with RunOptions::record_trace
  ckpt::FixSet fixes;              // the known weaknesses fixed while it ran (the rules know)
  bool protocol_recorded = false;  // incarnations carry their protocol events (RunRecorder)
  bool quiesced = false;           // the event queue drained
  std::string engine_assert;       // non-empty when the engine asserted
  uint64_t digest = 0;             // over every step, emission and crash
  uint64_t total_steps = 0;
  // Steps per lifetime, where crash i hits lifetime i and a lifetime spans more than one
  // process (a structured scenario's scheduled runs); empty: a lifetime is an incarnation.
  std::vector<uint64_t> lifetime_steps;
  ckpt::Time end_time;
  PersistenceModel fs_model = PersistenceModel::kHdfs;
  bool checkpoint_sync = false;                // ckptsim.checkpoint.sync was on
  std::map<int64_t, QuietPoint> quiet_points;  // with RunOptions::record_quiet_points
  std::optional<ckpt::Time> pruned_at;         // when pruning stopped it
  uint64_t pruned_steps = 0;                   // the steps pruning saved (the reference's rest)
};

}  // namespace sim
