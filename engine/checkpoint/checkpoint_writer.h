// CheckpointWriter: Spark's asynchronous metadata checkpoint writer.
//
// write() serializes at once (on the job generator's "thread") and queues the bytes for the
// single writer worker; the file I/O happens later, as a task of the writer actor. The queue holds
// at most 1000 writes besides the one running; a write beyond that is dropped and logged.
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/checkpoint/checkpoint.h"
#include "engine/streaming_runtime.h"

namespace ckpt {

inline constexpr size_t kCheckpointWriterQueueCapacity = 1000;
inline constexpr int kCheckpointWriteAttempts = 3;
inline constexpr size_t kCheckpointFilesToKeep = 10;
// How long stop() lets queued writes run (Spark's awaitTermination(10, SECONDS)).
inline constexpr Duration kCheckpointWriterStopTimeout{10'000};

class CheckpointWriter {
 public:
  // Called after a successful write with the checkpoint's own (content) time.
  using CompletionCallback = std::function<void(Time checkpoint_time, bool clear_later)>;

  CheckpointWriter(StreamingRuntime* runtime, std::string checkpoint_dir,
                   CompletionCallback on_completion);

  // Queues `checkpoint` for writing. Never fails: a rejected write is logged and dropped.
  void write(const Checkpoint& checkpoint, bool clear_checkpoint_data_later);

  // Writes `checkpoint` at once, as part of the caller's task, with the usual name, retries and
  // retention, and reports it like a queued write (Fix::kCheckpointAtStart). The error when it
  // was not written (kProcessDead when the process died meanwhile).
  Status write_now(const Checkpoint& checkpoint);

  // Spark's stop(): no write is accepted any more; the queued ones still run, for up to 10 s of
  // the clock (executor.awaitTermination); then whatever is left is dropped and a running retry
  // loop stops (shutdownNow, stopped = true). `then` (may be empty) runs once the writer is
  // stopped. Idempotent: a later call only runs its `then` once the first stop is done.
  void stop(std::function<void()> then);

  size_t queued() const { return queue_.size(); }

 private:
  struct Handle {
    Time checkpoint_time;
    std::string bytes;
    bool clear_later = false;
  };

  void schedule_worker();
  // The end of stop(): drops what is left and runs the callbacks.
  void finish_stop();
  void run_next();
  // One CheckpointWriteHandler.run(): Ok when the checkpoint was written, else why not.
  Status run_handler(const Handle& handle);
  // One attempt of the retry loop; `named_file` receives the file it writes to.
  Status attempt_write(const Handle& handle, std::string* named_file);
  // The time the file of `handle` is named after (fails only when Fix::kWriterLearnsNewestName
  // cannot list the directory).
  Result<Time> name_time(const Handle& handle);
  Status delete_old_checkpoint_files();
  void report_given_up(const Handle& handle, int attempts, const Status& first_error);

  StreamingRuntime* runtime_;
  std::string dir_;
  CompletionCallback on_completion_;
  std::deque<Handle> queue_;
  bool worker_busy_ = false;
  bool shutting_down_ = false;  // stop() was called: no new writes
  bool stopped_ = false;        // stop() is done: nothing runs any more
  std::optional<TaskId> stop_deadline_;
  std::vector<std::function<void()>> on_stopped_;
  std::optional<Time> latest_checkpoint_time_;
};

// A checkpoint file the reader tried and could not use.
struct RejectedCheckpoint {
  std::string path;
  Status error;
  std::string to_string() const { return path + ": " + error.to_string(); }
};

struct CheckpointReadOutcome {
  std::optional<Checkpoint> checkpoint;      // none: no checkpoint (or all unreadable and ignored)
  std::string file;                          // the file the checkpoint came from
  std::vector<RejectedCheckpoint> failures;  // every file tried and rejected, newest first
};

// The text every failed read starts with (Spark's); the error is marked
// ErrorMark::kCheckpointUnreadable, by which the oracle recognises the contracted stop of a
// corrupted directory.
inline constexpr std::string_view kCheckpointUnreadableError =
    "Failed to read checkpoint from directory";

// Spark's CheckpointReader.read: newest file first (.bk before the plain file of the same time,
// counted from the newest end), the first that reads and validates wins. When every file fails:
// an error "Failed to read checkpoint from directory <dir>" unless `ignore_read_error`.
// Fix::kReaderRetriesAFailedRead: a file whose read fails with an I/O error is read once more
// before the next older file is tried.
Result<CheckpointReadOutcome> ReadCheckpoint(FileSystem& fs, const std::string& dir,
                                             bool ignore_read_error, DefectSet defects = {},
                                             FixSet fixes = {});
// The error of a read that found checkpoint files and could use none of them.
// REQUIRES: !outcome.failures.empty().
Status CheckpointReadError(const std::string& dir, const CheckpointReadOutcome& outcome);

}  // namespace ckpt
