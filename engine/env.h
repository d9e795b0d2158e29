// Everything an engine process gets from the world around it.
//
// The engine reaches time, storage, the output sink and its observers only through these
// pointers. The simulator fills them with virtual-time, fault-injecting implementations bound to
// one process incarnation; production fills them with the wall clock and the POSIX filesystem.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/defects.h"
#include "engine/dstream/partitioned_log.h"
#include "engine/fixes.h"
#include "engine/functions.h"
#include "engine/receiver/received_block.h"
#include "engine/receiver/receiver_source.h"
#include "engine/runtime/file_operation.h"
#include "engine/runtime/file_system.h"
#include "engine/runtime/scheduler.h"
#include "engine/runtime/status.h"
#include "engine/value.h"

namespace ckpt {

// Receives each output operation's records. Lives outside the engine process, so what it received
// survives a crash (a database or a file system seen from the streaming job).
class OutputSink {
 public:
  virtual ~OutputSink() = default;
  // An error means the external system refused the write: the job fails (and stays pending).
  virtual Status emit(const std::string& output_name, Time batch_time, const Records& records) = 0;
};

// How long the (simulated) executors take to run one job.
class ExecutionModel {
 public:
  virtual ~ExecutionModel() = default;
  // `record_count`: records of the job's RDD. `computed_records`: records of every RDD the job
  // computed, its lineage included (after a restart, the batches since the last RDD checkpoint
  // of a stateful stream are computed again: the work a crash loses).
  virtual Duration job_duration(Time batch_time, size_t record_count,
                                size_t computed_records) const = 0;
};

enum class LogLevel { kInfo, kWarning, kError };

// The events an EngineObserver receives, one per method. The real runtime's journal names each
// (real/journal.cpp) and its reader dispatches on the parsed value with an exhaustive switch, so
// an event added here and forgotten there is a compile error (-Wswitch), not a silent gap.
enum class EngineEvent {
  kLog,                    // log
  kContextStarted,         // on_context_started
  kCheckpointRecovered,    // on_checkpoint_recovered
  kRestart,                // on_restart
  kStreamRestored,         // on_stream_restored
  kCheckpointWritten,      // on_checkpoint_written
  kJobFailed,              // on_job_failed
  kCheckpointUnreadable,   // on_checkpoint_unreadable
  kCheckpointGivenUp,      // on_checkpoint_given_up
  kOffsetRanges,           // on_offset_ranges
  kBlocksAllocated,        // on_blocks_allocated
  kReceivedBlocks,         // on_received_blocks
  kError,                  // on_error
  kFileOperation,          // on_file_operation
  kGracefulStop,           // on_graceful_stop
  kClearCheckpointData,    // on_clear_checkpoint_data
  kCheckpointDataUpdated,  // on_checkpoint_data_updated
};

// A file operation of a process in its checkpoint directory, as it returned. The engine never
// reports these: the harness's observing filesystem (oracle/observing_file_system.h) does, so
// that the protocol oracle judges what the process did to its files, not what it says it did.
struct FileEvent {
  FileOperation operation = FileOperation::kCreate;
  std::string path;
  std::string target;  // rename: the new path
  bool ok = false;
  std::vector<std::string> listing;  // list: the entries' names, a directory's ending in '/'
};

// What a graceful stop (ssc.stop(stopGracefully = true)) did.
struct GracefulStop {
  Time requested_at;
  std::optional<Time> stop_time;             // the timer's last batch (none: it never fired)
  std::optional<Time> last_processed_batch;  // lastProcessedBatch when the waits ended
  bool timed_out = false;                    // a wait hit spark.streaming.gracefulStopTimeout
  bool operator==(const GracefulStop&) const = default;
};

// Engine events that traces, reports and the oracle need (EngineEvent names them). Every method
// is pure: an observer handles every event, so one added here and forgotten there does not
// compile.
class EngineObserver {
 public:
  virtual ~EngineObserver() = default;
  virtual void log(LogLevel level, const std::string& message) = 0;
  // A context started: first time (recovered = false) or from a checkpoint.
  virtual void on_context_started(Time zero_time, bool recovered) = 0;
  // The reader picked `file`, whose content has this time and these pending times.
  virtual void on_checkpoint_recovered(const std::string& file, Time checkpoint_time,
                                       const std::vector<Time>& pending_times) = 0;
  // JobGenerator.restart decided what to run again; `clock`: the clock reading the restart time
  // was computed from.
  virtual void on_restart(Time restart_time, const std::vector<Time>& rescheduled, Time clock) = 0;
  // DStreamCheckpointData.restore ran for this stream (Spark runs it once per stream): it
  // rebuilt an RDD from each of these checkpoint files (RDD time -> file), the stream's
  // checkpointed data.
  virtual void on_stream_restored(int32_t stream_id,
                                  const std::map<Time, std::string>& rdd_files) = 0;
  // The writer renamed a checkpoint into place; `clear_checkpoint_data_later`: it is a batch's
  // completion-time checkpoint, whose completion posts ClearCheckpointData (SPARK-6222).
  virtual void on_checkpoint_written(const std::string& file, Time content_time,
                                     bool clear_checkpoint_data_later) = 0;
  // JobGenerator's ClearCheckpointData(time) runs: old RDD checkpoint files and received blocks
  // of the batches before it may go. `pending_times`: the batches still pending then, and those
  // completed whose completion checkpoint is not written yet (their blocks stay under
  // Fix::kPendingBatchesKeepTheirMetadata).
  virtual void on_clear_checkpoint_data(Time time, const std::vector<Time>& pending_times) = 0;
  // DStreamCheckpointData.update(time) of this stream found these RDDs checkpointed (RDD time ->
  // checkpoint file): they become its checkpoint data, and `time`'s cleanup may delete the files
  // older than the oldest of them. Not called when it found none (the data stays as it was).
  virtual void on_checkpoint_data_updated(int32_t stream_id, Time time,
                                          const std::map<Time, std::string>& rdd_files) = 0;
  // A job of `batch_time` failed (its batch stays pending); reportError follows.
  virtual void on_job_failed(Time batch_time, const Status& error) = 0;
  // getOrCreate skipped checkpoint file `file`: reading or decoding it failed with `error`.
  virtual void on_checkpoint_unreadable(const std::string& file, const Status& error) = 0;
  // The writer gave up on the checkpoint of `content_time` after `attempts` attempts (not called
  // when the writer was stopped); `first_error` is the first attempt's failure.
  virtual void on_checkpoint_given_up(Time content_time, int attempts,
                                      const Status& first_error) = 0;
  // A partitioned-log stream assigned `ranges` to `batch_time`: computed now, or restored from
  // the checkpoint (`restored`).
  virtual void on_offset_ranges(int32_t stream_id, Time batch_time,
                                const std::vector<OffsetRange>& ranges, bool restored) = 0;
  // The ReceivedBlockTracker recorded an allocation of `blocks` to `batch_time` (not on replay).
  virtual void on_blocks_allocated(Time batch_time, const AllocatedBlocks& blocks) = 0;
  // A receiver stream computed `batch_time` from `blocks`; `missing` are allocated blocks whose
  // records are gone (no data write-ahead log, and the process that stored them died).
  virtual void on_received_blocks(int32_t stream_id, Time batch_time,
                                  const std::vector<ReceivedBlockInfo>& blocks,
                                  const std::vector<ReceivedBlockInfo>& missing) = 0;
  // Spark's reportError: a job failed, job generation failed, or similar.
  virtual void on_error(const Status& error) = 0;
  // A file operation in the checkpoint directory returned (see FileEvent).
  virtual void on_file_operation(const FileEvent& event) = 0;
  // A graceful stop ended: the context is stopped.
  virtual void on_graceful_stop(const GracefulStop& stop) = 0;
};

struct EngineEnv {
  Scheduler* scheduler = nullptr;
  FileSystem* fs = nullptr;
  OutputSink* sink = nullptr;
  EngineObserver* observer = nullptr;
  const ExecutionModel* execution = nullptr;
  PartitionedLog* log = nullptr;              // only applications with a log stream need one
  ReceiverSource* receiver_source = nullptr;  // only applications with a receiver stream
  const FunctionRegistry* functions = &FunctionRegistry::Builtins();
  DefectSet defects;
  FixSet fixes;  // known weaknesses fixed (fixes.h)
  // Identifies this process; seeds the name of the RDD checkpoint directory (Spark uses a UUID).
  uint64_t process_uid = 0;
  // The new process's own configuration: on recovery, `spark.master` and the other keys of the
  // reload list come from here, everything else from the checkpoint (Checkpoint.createSparkConf).
  std::map<std::string, std::string> process_conf;
  // A SparkContext already runs in this process with process_conf (Spark's SparkContext.getOrCreate
  // then returns it): a context recovered from a checkpoint takes that conf, not the checkpoint's
  // (StreamingContextSuite "getOrCreate" with a pre-existing SparkContext).
  bool spark_context_active = false;
  // Deliberate difference from Spark, bounding every run: the timer fires no batch after
  // zeroTime + stop_after_batches x batch (0 = never stop), and restart reschedules no time
  // beyond it, so that a simulated run ends when its work is done. A scenario can also stop its
  // application gracefully (StreamingContext::stop_gracefully), as Spark does.
  int64_t stop_after_batches = 0;
};

}  // namespace ckpt
