// JobGenerator: the timer and event loop that turn batch times into jobs and checkpoints.
//
// Per batch t (Spark's real sequence): GenerateJobs(t) -> DoCheckpoint(t, clearLater=false) ->
// jobs run -> ClearMetadata(t) -> DoCheckpoint(t, clearLater=true) -> (when that checkpoint is
// written) ClearCheckpointData(t). Each event is a task of the generator actor.
#pragma once

#include <optional>
#include <set>
#include <vector>

#include "engine/checkpoint/checkpoint.h"
#include "engine/checkpoint/checkpoint_writer.h"
#include "engine/dstream/dstream_graph.h"
#include "engine/scheduler/job_scheduler.h"

namespace ckpt {

class StreamingContext;

// Spark's RecurringTimer: fires at every multiple of the period from its start time.
class RecurringTimer {
 public:
  RecurringTimer(Scheduler* scheduler, Duration period, std::function<void(Time)> callback)
      : scheduler_(scheduler), period_(period), callback_(std::move(callback)) {}

  // The first period multiple strictly after now.
  Time start_time() const;
  // The first grid point strictly after `now`, on the grid through `zero_time`.
  Time restart_time(Time zero_time, Time now) const;
  // Fires at `start`, then every period, never after `last` (when set).
  void start(Time start, std::optional<Time> last);
  // stop(interruptTimer = true): no further callback.
  void stop();
  // Spark's stop(interruptTimer = false): the callback already due still fires, none after it.
  // Returns the time of the last callback the timer will have made (none: it never fired and
  // nothing is due).
  std::optional<Time> stop_after_next();
  // A callback is still due.
  bool has_next() const { return next_time_.has_value(); }

 private:
  void schedule(Time time);

  Scheduler* scheduler_;
  Duration period_;
  std::function<void(Time)> callback_;
  std::optional<Time> last_;
  std::optional<TaskId> next_task_;
  std::optional<Time> next_time_;  // of next_task_
  std::optional<Time> prev_time_;  // the last callback's
};

class JobGenerator {
 public:
  // `checkpointing`: metadata checkpoints go to runtime->checkpoint_dir.
  // `recovered`: the checkpoint this context was rebuilt from, if any.
  // `checkpoint_duration`: ssc.checkpointDuration, a positive multiple of the batch duration.
  JobGenerator(StreamingRuntime* runtime, DStreamGraph* graph, JobScheduler* job_scheduler,
               bool checkpointing, Duration checkpoint_duration, const Checkpoint* recovered,
               std::function<Checkpoint(Time)> make_checkpoint);

  // First start or restart from the recovered checkpoint.
  Status start();
  // When the timer fires its last batch (zeroTime + stop_after_batches x batch), if ever.
  std::optional<Time> last_batch_time() const;
  // Spark's stop(processReceivedData = false): timer, event loop, then the writer (which still
  // runs its queued writes, see CheckpointWriter::stop).
  void stop();
  // Spark's stop(processReceivedData = true), in virtual time. Waits, polling every 100 ms as
  // Spark does, until the receivers are stopped and their blocks all allocated; stops the timer
  // after its next tick (stopTime); waits until lastProcessedBatch equals stopTime. Both waits
  // end at `timeout` after the stop began (spark.streaming.gracefulStopTimeout), with a warning.
  // Then stops the event loop and the writer, and calls `on_stopped` with what happened.
  void stop_gracefully(Duration timeout, std::function<void(const GracefulStop&)> on_stopped);
  // ssc.checkpointDuration: metadata checkpoints are written at the batch times on its grid.
  Duration checkpoint_duration() const { return checkpoint_duration_; }

  // Posted by the job scheduler and the writer.
  void on_batch_completion(Time time);
  void on_checkpoint_completion(Time time, bool clear_checkpoint_data_later);

 private:
  Status start_first_time();
  Status restart();
  std::vector<Time> times_to_reschedule(Time restart_time) const;

  void post(const char* event, Time time, std::function<void()> handler);
  void generate_jobs(Time time);
  void do_checkpoint(Time time, bool clear_checkpoint_data_later);
  void clear_metadata(Time time);
  void clear_checkpoint_data(Time time);
  // Spark's markBatchFullyProcessed: lastProcessedBatch = time (the graceful stop waits on it).
  void mark_batch_fully_processed(Time time);
  // Whether `time` is on ssc.checkpointDuration's grid from the zero time.
  bool on_checkpoint_grid(Time time) const;
  // Polls `done` every 100 ms until it holds or `deadline` passed, then calls `then(timed_out)`.
  void wait_until(const char* what, std::function<bool()> done, Time deadline,
                  std::function<void(bool timed_out)> then);
  // Spark's receiverTracker.cleanupOldBlocksAndBatches(time - max input remember duration).
  void cleanup_old_blocks(Time time);
  // The batches pending, and those completed whose completion checkpoint is not written yet.
  std::vector<Time> times_still_needing_metadata() const;
  // What the metadata cleanups of `time` clear as of: `time`, or under
  // Fix::kPendingBatchesKeepTheirMetadata the oldest batch still needing its metadata if older.
  Time oldest_still_needed(Time time) const;

  StreamingRuntime* runtime_;
  DStreamGraph* graph_;
  JobScheduler* job_scheduler_;
  const Checkpoint* recovered_;
  std::function<Checkpoint(Time)> make_checkpoint_;
  RecurringTimer timer_;
  std::optional<CheckpointWriter> writer_;
  Duration checkpoint_duration_;
  std::optional<Time> last_processed_batch_;
  // Batches whose ClearMetadata ran and whose completion checkpoint (DoCheckpoint, clearLater)
  // has not completed yet.
  std::set<Time> completions_awaiting_checkpoint_;
  bool stopped_ = false;
};

}  // namespace ckpt
