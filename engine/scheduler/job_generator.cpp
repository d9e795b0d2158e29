#include "engine/scheduler/job_generator.h"

#include <algorithm>

#include "engine/receiver/receiver.h"

namespace ckpt {

// ---- RecurringTimer ----

Time RecurringTimer::start_time() const {
  int64_t now = scheduler_->now().ms;
  return Time{(now / period_.ms + 1) * period_.ms};
}

Time RecurringTimer::restart_time(Time zero_time, Time now) const {
  int64_t since_zero = (now - zero_time).ms;
  return zero_time + period_ * (since_zero / period_.ms + 1);
}

void RecurringTimer::start(Time start, std::optional<Time> last) {
  last_ = last;
  schedule(start);
}

void RecurringTimer::stop() {
  if (next_task_) scheduler_->cancel(*next_task_);
  next_task_.reset();
  next_time_.reset();
}

std::optional<Time> RecurringTimer::stop_after_next() {
  if (!next_time_) return prev_time_;
  last_ = *next_time_;
  return next_time_;
}

void RecurringTimer::schedule(Time time) {
  if (last_ && time > *last_) {
    next_task_.reset();
    next_time_.reset();
    return;
  }
  next_time_ = time;
  next_task_ = scheduler_->schedule_at(time, TaskLabel{Actor::kTimer, "tick", time}, [this, time] {
    prev_time_ = time;
    callback_(time);
    schedule(time + period_);
  });
}

// ---- JobGenerator ----

JobGenerator::JobGenerator(StreamingRuntime* runtime, DStreamGraph* graph,
                           JobScheduler* job_scheduler, bool checkpointing,
                           Duration checkpoint_duration, const Checkpoint* recovered,
                           std::function<Checkpoint(Time)> make_checkpoint)
    : runtime_(runtime),
      graph_(graph),
      job_scheduler_(job_scheduler),
      recovered_(recovered),
      make_checkpoint_(std::move(make_checkpoint)),
      timer_(
          runtime->env.scheduler, graph->batch_duration(),
          [this](Time time) { post("GenerateJobs", time, [this, time] { generate_jobs(time); }); }),
      checkpoint_duration_(checkpoint_duration) {
  // Spark forces the lazy writer before the event loop starts (SPARK-10125).
  if (checkpointing) {
    writer_.emplace(runtime, runtime->checkpoint_dir, [this](Time time, bool clear_later) {
      on_checkpoint_completion(time, clear_later);
    });
  }
}

Status JobGenerator::start() { return recovered_ ? restart() : start_first_time(); }

void JobGenerator::stop() {
  // Event loop first, writer second (SPARK-14701).
  timer_.stop();
  stopped_ = true;
  if (writer_) writer_->stop({});
}

void JobGenerator::stop_gracefully(Duration timeout,
                                   std::function<void(const GracefulStop&)> on_stopped) {
  Time began = runtime_->env.scheduler->now();
  Time deadline = began + timeout;
  runtime_->log(LogLevel::kInfo, "Stopping JobGenerator gracefully");
  ReceiverTracker* tracker = runtime_->receiver_tracker;
  // Deliberate difference: once our timer fired its last batch (Env::stop_after_batches) nothing
  // will allocate a block any more, where Spark's timer would go on; the wait ends there.
  auto blocks_allocated = [this, tracker] {
    return !tracker || !timer_.has_next() ||
           (tracker->receivers_stopped() && !tracker->has_unallocated_blocks());
  };
  wait_until("stop: wait for blocks", blocks_allocated, deadline, [=, this](bool timed_out) {
    GracefulStop stop{began, timer_.stop_after_next(), std::nullopt, timed_out};
    runtime_->log(LogLevel::kInfo, "Stopped generation timer");
    auto processed = [this, stop_time = stop.stop_time] {
      return last_processed_batch_ && last_processed_batch_ == stop_time;
    };
    Time wait_deadline = timed_out ? runtime_->env.scheduler->now() : deadline;
    wait_until("stop: wait for batches", processed, wait_deadline,
               [=, this](bool batches_timed_out) mutable {
                 stop.timed_out = stop.timed_out || batches_timed_out;
                 stop.last_processed_batch = last_processed_batch_;
                 // graph.stop(), the event loop, then the writer (SPARK-14701).
                 timer_.stop();
                 stopped_ = true;
                 auto done = [stop, on_stopped] { on_stopped(stop); };
                 if (writer_) {
                   writer_->stop(done);
                 } else {
                   done();
                 }
               });
  });
}

void JobGenerator::wait_until(const char* what, std::function<bool()> done, Time deadline,
                              std::function<void(bool timed_out)> then) {
  if (done()) return then(false);
  Scheduler* scheduler = runtime_->env.scheduler;
  if (scheduler->now() >= deadline) {
    runtime_->log(LogLevel::kWarning, "Timed out while stopping the job generator");
    return then(true);
  }
  scheduler->schedule_at(scheduler->now() + Milliseconds(100), TaskLabel{Actor::kDriver, what},
                         [=, this] { wait_until(what, done, deadline, then); });
}

std::optional<Time> JobGenerator::last_batch_time() const {
  if (runtime_->env.stop_after_batches <= 0 || !graph_->zero_time()) return std::nullopt;
  return *graph_->zero_time() + graph_->batch_duration() * runtime_->env.stop_after_batches;
}

Status JobGenerator::start_first_time() {
  Time start = timer_.start_time();
  CKPT_RETURN_IF_ERROR(graph_->start(start - graph_->batch_duration()));
  // Fix::kCheckpointAtStart (not in Spark): a checkpoint before the first batch, durable before
  // the context counts as started, so no crash after start leaves nothing to recover from. A
  // write that fails every attempt is logged by the writer and the start goes on, as in Spark.
  if (writer_ && runtime_->env.fixes.has(Fix::kCheckpointAtStart)) {
    graph_->update_checkpoint_data(start);
    Status written = writer_->write_now(make_checkpoint_(start));
    if (written.code() == StatusCode::kProcessDead) return written;
  }
  if (runtime_->env.observer)
    runtime_->env.observer->on_event(event::ContextStarted{*graph_->zero_time(), false});
  timer_.start(start, last_batch_time());
  runtime_->log(LogLevel::kInfo, "Started JobGenerator at " + start.to_string());
  return Status::Ok();
}

std::vector<Time> JobGenerator::times_to_reschedule(Time restart_time) const {
  const DefectSet& defects = runtime_->env.defects;
  Time checkpoint_time = recovered_->checkpoint_time;
  std::vector<Time> times;
  if (!defects.has(Defect::kSkipPendingTimes)) times = recovered_->pending_times;
  if (!defects.has(Defect::kSkipDownTimes)) {
    for (Time t : checkpoint_time.until(restart_time, graph_->batch_duration())) times.push_back(t);
  }
  std::optional<Time> last = last_batch_time();
  // SPARK-12122: nothing at or after the restart time (the timer will generate those; a clock
  // behind the crashed process's puts pending times there). The defect reverts the filter.
  bool keep_late = defects.has(Defect::kReschedulePastRestart);
  std::erase_if(times,
                [&](Time t) { return (t >= restart_time && !keep_late) || (last && t > *last); });
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  return times;
}

Status JobGenerator::restart() {
  // One clock reading, reported with the decision: a real clock moves between two readings.
  Time now = runtime_->env.scheduler->now();
  Time restart_time = timer_.restart_time(*graph_->zero_time(), now);
  std::vector<Time> times = times_to_reschedule(restart_time);
  if (runtime_->env.observer) {
    runtime_->env.observer->on_event(event::ContextStarted{*graph_->zero_time(), true});
    runtime_->env.observer->on_event(event::Restart{restart_time, times, now});
  }
  for (Time time : times) {
    // Blocks added but not allocated before the failure go to the first rescheduled batch after
    // the last recovered allocation (SPARK-5233); earlier ones keep their recovered blocks.
    bool allocate = !runtime_->env.fixes.has(Fix::kDanglingBlocksToNextBatch);
    if (runtime_->receiver_tracker && allocate) {
      runtime_->receiver_tracker->allocate_blocks_to_batch(time);
    }
    // Not wrapped in a Try as in Spark: a failure aborts start().
    Result<std::vector<Job>> jobs = graph_->generate_jobs(time);
    if (!jobs.ok()) return jobs.status().with_context("rescheduling batch " + time.to_string());
    job_scheduler_->submit_job_set(time, std::move(jobs).value());
  }
  timer_.start(restart_time, last_batch_time());
  runtime_->log(LogLevel::kInfo, "Restarted JobGenerator at " + restart_time.to_string());
  return Status::Ok();
}

void JobGenerator::post(const char* event, Time time, std::function<void()> handler) {
  runtime_->env.scheduler->post(TaskLabel{Actor::kJobGenerator, event, time},
                                [this, handler = std::move(handler)] {
                                  if (!stopped_) handler();
                                });
}

void JobGenerator::on_batch_completion(Time time) {
  post("ClearMetadata", time, [this, time] { clear_metadata(time); });
}

void JobGenerator::on_checkpoint_completion(Time time, bool clear_checkpoint_data_later) {
  if (clear_checkpoint_data_later) completions_awaiting_checkpoint_.erase(time);
  // Only the completion-time checkpoint clears checkpoint data (SPARK-6222; the defect reverts it).
  if (clear_checkpoint_data_later || runtime_->env.defects.has(Defect::kClearOnEveryCheckpoint)) {
    post("ClearCheckpointData", time, [this, time] { clear_checkpoint_data(time); });
  }
}

void JobGenerator::generate_jobs(Time time) {
  if (runtime_->receiver_tracker) runtime_->receiver_tracker->allocate_blocks_to_batch(time);
  Result<std::vector<Job>> jobs = graph_->generate_jobs(time);
  if (jobs.ok()) {
    job_scheduler_->submit_job_set(time, std::move(jobs).value());
  } else if (jobs.status().code() != StatusCode::kProcessDead) {
    // (A process that died inside the generation, e.g. in an action of a transform's function,
    // reports nothing: it is gone.)
    runtime_->report_error(
        jobs.status().with_context("Error generating jobs for time " + time.to_string()));
  }
  post("DoCheckpoint(clearLater=false)", time, [this, time] { do_checkpoint(time, false); });
}

void JobGenerator::do_checkpoint(Time time, bool clear_checkpoint_data_later) {
  if (writer_ && on_checkpoint_grid(time)) {
    graph_->update_checkpoint_data(time);
    writer_->write(make_checkpoint_(time), clear_checkpoint_data_later);
  } else if (clear_checkpoint_data_later &&
             !runtime_->env.defects.has(Defect::kOffGridBatchNeverProcessed)) {
    // No checkpoint at this time, so no ClearCheckpointData will mark it.
    mark_batch_fully_processed(time);
  }
}

bool JobGenerator::on_checkpoint_grid(Time time) const {
  return (time - *graph_->zero_time()).ms % checkpoint_duration_.ms == 0;
}

void JobGenerator::clear_metadata(Time time) {
  // Spark forgets every RDD older than the remember duration, even those a batch still pending
  // needs (with concurrentJobs > 1 an older batch can outlast newer ones), and the input
  // descriptions a checkpoint keeps (offset ranges, file lists) go with them: a recovery that
  // re-runs that batch computes its lineage from new input.
  // Fix::kPendingBatchesKeepTheirMetadata clears only as far as the oldest batch still needing its
  // metadata would (pending, or its completion checkpoint not written yet).
  graph_->clear_metadata(oldest_still_needed(time));
  if (writer_) {
    if (on_checkpoint_grid(time)) completions_awaiting_checkpoint_.insert(time);
    post("DoCheckpoint(clearLater=true)", time, [this, time] { do_checkpoint(time, true); });
  } else {
    cleanup_old_blocks(time);
    mark_batch_fully_processed(time);
  }
}

// A batch needs its metadata while it is pending, and after it completed until its completion
// checkpoint is written: with concurrentJobs > 1 an older batch can complete after newer ones,
// whose ClearMetadata then runs before its DoCheckpoint, and that checkpoint (content time: the
// older batch) is the one a recovery reschedules every later batch from.
std::vector<Time> JobGenerator::times_still_needing_metadata() const {
  std::vector<Time> times = job_scheduler_->pending_times();
  times.insert(times.end(), completions_awaiting_checkpoint_.begin(),
               completions_awaiting_checkpoint_.end());
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  return times;
}

Time JobGenerator::oldest_still_needed(Time time) const {
  if (!runtime_->env.fixes.has(Fix::kPendingBatchesKeepTheirMetadata)) return time;
  std::vector<Time> needed = times_still_needing_metadata();
  return needed.empty() ? time : std::min(time, needed.front());
}

void JobGenerator::clear_checkpoint_data(Time time) {
  if (runtime_->env.observer) {
    runtime_->env.observer->on_event(
        event::ClearCheckpointData{time, times_still_needing_metadata()});
  }
  graph_->clear_checkpoint_data(time);
  cleanup_old_blocks(time);
  mark_batch_fully_processed(time);
}

// Spark assigns whichever batch finished last; Fix::kLastProcessedBatchNeverRegresses keeps the
// newest, so an older batch finishing after the stop time's cannot hold a graceful stop back.
void JobGenerator::mark_batch_fully_processed(Time time) {
  if (runtime_->env.fixes.has(Fix::kLastProcessedBatchNeverRegresses) && last_processed_batch_ &&
      *last_processed_batch_ > time) {
    return;
  }
  last_processed_batch_ = time;
}

// Spark cleans received blocks older than `time` minus the remember duration, those of a batch
// still pending included (a batch whose job failed stays pending, and a recovery runs it again
// from blocks and allocations deleted meanwhile). Fix::kPendingBatchesKeepTheirMetadata keeps
// what the oldest batch still needing its metadata needs, as it does for the generated RDDs.
void JobGenerator::cleanup_old_blocks(Time time) {
  if (!runtime_->receiver_tracker) return;
  Duration remember = runtime_->env.defects.has(Defect::kBlockCleanupIgnoresRemember)
                          ? graph_->batch_duration()
                          : graph_->max_input_remember_duration();
  runtime_->receiver_tracker->cleanup_old_blocks_and_batches(oldest_still_needed(time) - remember);
}

}  // namespace ckpt
