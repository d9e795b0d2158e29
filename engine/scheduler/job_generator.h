// JobGenerator: the timer and event loop that turn batch times into jobs and checkpoints.
//
// Per batch t (Spark's real sequence): GenerateJobs(t) -> DoCheckpoint(t, clearLater=false) ->
// jobs run -> ClearMetadata(t) -> DoCheckpoint(t, clearLater=true) -> (when that checkpoint is
// written) ClearCheckpointData(t). Each event is a task of the generator actor.
#pragma once

#include <optional>
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
  // The first grid point strictly after now, on the grid through `zero_time`.
  Time restart_time(Time zero_time) const;
  // Fires at `start`, then every period, never after `last` (when set).
  void start(Time start, std::optional<Time> last);
  void stop();

 private:
  void schedule(Time time);

  Scheduler* scheduler_;
  Duration period_;
  std::function<void(Time)> callback_;
  std::optional<Time> last_;
  std::optional<TaskId> next_task_;
};

class JobGenerator {
 public:
  // `checkpointing`: metadata checkpoints go to runtime->checkpoint_dir.
  // `recovered`: the checkpoint this context was rebuilt from, if any.
  JobGenerator(StreamingRuntime* runtime, DStreamGraph* graph, JobScheduler* job_scheduler,
               bool checkpointing, const Checkpoint* recovered,
               std::function<Checkpoint(Time)> make_checkpoint);

  // First start or restart from the recovered checkpoint.
  Status start();
  // When the timer fires its last batch (zeroTime + stop_after_batches x batch), if ever.
  std::optional<Time> last_batch_time() const;
  void stop();

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
  // Spark's receiverTracker.cleanupOldBlocksAndBatches(time - max input remember duration).
  void cleanup_old_blocks(Time time);

  StreamingRuntime* runtime_;
  DStreamGraph* graph_;
  JobScheduler* job_scheduler_;
  const Checkpoint* recovered_;
  std::function<Checkpoint(Time)> make_checkpoint_;
  RecurringTimer timer_;
  std::optional<CheckpointWriter> writer_;
  bool stopped_ = false;
};

}  // namespace ckpt
