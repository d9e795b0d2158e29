// The engine's events: what an EngineObserver hears, one typed record each.
//
// The engine reports each event as one of these records. The simulator's recorder and the real
// runtime's journal writer visit the same record, and the journal reader rebuilds it from a line
// and hands it to the recorder: one vocabulary, declared once here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "engine/dstream/partitioned_log.h"
#include "engine/receiver/received_block.h"
#include "engine/runtime/file_operation.h"
#include "engine/runtime/status.h"
#include "engine/runtime/time.h"

namespace ckpt {

enum class LogLevel { kInfo, kWarning, kError };

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

namespace event {

// A log line of the engine (its info lines too; observers keep what they need).
struct Log {
  LogLevel level = LogLevel::kInfo;
  std::string message;
};
// A context started: first time (recovered = false) or from a checkpoint.
struct ContextStarted {
  Time zero_time;
  bool recovered = false;
};
// The reader picked `file`, whose content has this time and these pending times.
struct CheckpointRecovered {
  std::string file;
  Time checkpoint_time;
  std::vector<Time> pending_times;
};
// JobGenerator.restart decided what to run again; `clock`: the clock reading the restart time
// was computed from.
struct Restart {
  Time restart_time;
  std::vector<Time> rescheduled;
  Time clock;
};
// DStreamCheckpointData.restore ran for this stream (Spark runs it once per stream): it rebuilt
// an RDD from each of these checkpoint files (RDD time -> file), the stream's checkpointed data.
struct StreamRestored {
  int32_t stream_id = 0;
  std::map<Time, std::string> rdd_files;
};
// The writer renamed a checkpoint into place; `clear_checkpoint_data_later`: it is a batch's
// completion-time checkpoint, whose completion posts ClearCheckpointData (SPARK-6222).
struct CheckpointWritten {
  std::string file;
  Time content_time;
  bool clear_checkpoint_data_later = false;
};
// A job of `batch_time` failed (its batch stays pending); an Error follows.
struct JobFailed {
  Time batch_time;
  Status error;
};
// getOrCreate skipped checkpoint file `file`: reading or decoding it failed with `error`.
struct CheckpointUnreadable {
  std::string file;
  Status error;
};
// The writer gave up on the checkpoint of `content_time` after `attempts` attempts (not reported
// when the writer was stopped); `first_error` is the first attempt's failure.
struct CheckpointGivenUp {
  Time content_time;
  int attempts = 0;
  Status first_error;
};
// A partitioned-log stream assigned `ranges` to `batch_time`: computed now, or restored from the
// checkpoint (`restored`).
struct OffsetRanges {
  int32_t stream_id = 0;
  Time batch_time;
  std::vector<OffsetRange> ranges;
  bool restored = false;
};
// The ReceivedBlockTracker recorded an allocation of `blocks` to `batch_time` (not on replay):
// every receiver stream's list, an empty one too.
struct BlocksAllocated {
  Time batch_time;
  AllocatedBlocks blocks;
};
// A receiver stream computed `batch_time` from `blocks`; `missing` are allocated blocks whose
// records are gone (no data write-ahead log, and the process that stored them died).
struct ReceivedBlocks {
  int32_t stream_id = 0;
  Time batch_time;
  std::vector<ReceivedBlockInfo> blocks;
  std::vector<ReceivedBlockInfo> missing;
};
// Spark's reportError: a job failed, job generation failed, or similar.
struct Error {
  Status error;
};
// JobGenerator's ClearCheckpointData(time) runs: old RDD checkpoint files and received blocks of
// the batches before it may go. `pending_times`: the batches still pending then, and those
// completed whose completion checkpoint is not written yet (their blocks stay under
// Fix::kPendingBatchesKeepTheirMetadata).
struct ClearCheckpointData {
  Time time;
  std::vector<Time> pending_times;
};
// DStreamCheckpointData.update(time) of this stream found these RDDs checkpointed (RDD time ->
// checkpoint file): they become its checkpoint data, and `time`'s cleanup may delete the files
// older than the oldest of them. Not reported when it found none (the data stays as it was).
struct CheckpointDataUpdated {
  int32_t stream_id = 0;
  Time time;
  std::map<Time, std::string> rdd_files;
};

}  // namespace event

// Every engine event, in the order of EngineEvent: a file operation returned (FileEvent) and a
// graceful stop ended, the context stopped (GracefulStop), among them.
using EngineEventRecord =
    std::variant<event::Log, event::ContextStarted, event::CheckpointRecovered, event::Restart,
                 event::StreamRestored, event::CheckpointWritten, event::JobFailed,
                 event::CheckpointUnreadable, event::CheckpointGivenUp, event::OffsetRanges,
                 event::BlocksAllocated, event::ReceivedBlocks, event::Error, FileEvent,
                 GracefulStop, event::ClearCheckpointData, event::CheckpointDataUpdated>;

// The kind of each record, the index of its alternative: the journal names events by it, and its
// reader dispatches on it with an exhaustive switch.
enum class EngineEvent {
  kLog,
  kContextStarted,
  kCheckpointRecovered,
  kRestart,
  kStreamRestored,
  kCheckpointWritten,
  kJobFailed,
  kCheckpointUnreadable,
  kCheckpointGivenUp,
  kOffsetRanges,
  kBlocksAllocated,
  kReceivedBlocks,
  kError,
  kFileOperation,
  kGracefulStop,
  kClearCheckpointData,
  kCheckpointDataUpdated,
};
inline constexpr size_t kEngineEventCount = 17;
static_assert(std::variant_size_v<EngineEventRecord> == kEngineEventCount);
static_assert(static_cast<size_t>(EngineEvent::kCheckpointDataUpdated) + 1 == kEngineEventCount);

// The record type of each kind: the two lists above agree entry by entry.
template <EngineEvent kKind, typename T>
inline constexpr bool kRecordOf =
    std::is_same_v<std::variant_alternative_t<static_cast<size_t>(kKind), EngineEventRecord>, T>;
static_assert(kRecordOf<EngineEvent::kLog, event::Log> &&
              kRecordOf<EngineEvent::kContextStarted, event::ContextStarted> &&
              kRecordOf<EngineEvent::kCheckpointRecovered, event::CheckpointRecovered> &&
              kRecordOf<EngineEvent::kRestart, event::Restart> &&
              kRecordOf<EngineEvent::kStreamRestored, event::StreamRestored> &&
              kRecordOf<EngineEvent::kCheckpointWritten, event::CheckpointWritten> &&
              kRecordOf<EngineEvent::kJobFailed, event::JobFailed> &&
              kRecordOf<EngineEvent::kCheckpointUnreadable, event::CheckpointUnreadable> &&
              kRecordOf<EngineEvent::kCheckpointGivenUp, event::CheckpointGivenUp> &&
              kRecordOf<EngineEvent::kOffsetRanges, event::OffsetRanges> &&
              kRecordOf<EngineEvent::kBlocksAllocated, event::BlocksAllocated> &&
              kRecordOf<EngineEvent::kReceivedBlocks, event::ReceivedBlocks> &&
              kRecordOf<EngineEvent::kError, event::Error> &&
              kRecordOf<EngineEvent::kFileOperation, FileEvent> &&
              kRecordOf<EngineEvent::kGracefulStop, GracefulStop> &&
              kRecordOf<EngineEvent::kClearCheckpointData, event::ClearCheckpointData> &&
              kRecordOf<EngineEvent::kCheckpointDataUpdated, event::CheckpointDataUpdated>);

inline EngineEvent KindOf(const EngineEventRecord& record) {
  return static_cast<EngineEvent>(record.index());
}

// Engine events that traces, reports and the oracle need. An observer handles every record
// (std::visit over it: an alternative added and forgotten does not compile).
class EngineObserver {
 public:
  virtual ~EngineObserver() = default;
  virtual void on_event(const EngineEventRecord& record) = 0;
};

}  // namespace ckpt
