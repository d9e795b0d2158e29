#include "engine/scheduler/job_scheduler.h"

namespace ckpt {

JobScheduler::JobScheduler(StreamingRuntime* runtime, int concurrent_jobs,
                           std::function<void(Time)> on_batch_completion)
    : runtime_(runtime),
      concurrent_jobs_(concurrent_jobs),
      on_batch_completion_(std::move(on_batch_completion)) {
  CKPT_ASSERT(concurrent_jobs_ >= 1, "concurrentJobs must be at least 1");
}

void JobScheduler::submit_job_set(Time time, std::vector<Job> jobs) {
  if (jobs.empty()) {
    runtime_->log(LogLevel::kInfo, "No jobs added for time " + time.to_string());
    return;
  }
  job_sets_[time] = JobSet{jobs.size(), 0};
  for (Job& job : jobs) waiting_jobs_.push_back(std::move(job));
  start_jobs_while_slots_free();
}

std::vector<Time> JobScheduler::pending_times() const {
  std::vector<Time> times;
  for (const auto& [time, job_set] : job_sets_) times.push_back(time);
  return times;
}

void JobScheduler::start_jobs_while_slots_free() {
  while (!stopped_ && running_jobs_ < concurrent_jobs_ && !waiting_jobs_.empty()) {
    Job job = std::move(waiting_jobs_.front());
    waiting_jobs_.pop_front();
    start_job(std::move(job));
  }
}

// The executor computes the job's data when it starts; how long the job then takes is the
// execution model's answer; its output becomes visible when it ends.
void JobScheduler::start_job(Job job) {
  ++running_jobs_;
  int64_t limit = runtime_->max_lineage_depth;
  uint64_t computed_before = runtime_->records_computed;
  Result<const Records*> records =
      job.rdd->lineage_depth(limit + 1) > limit
          ? Result<const Records*>(
                Status::IllegalState("java.lang.StackOverflowError: the lineage of RDD " +
                                     std::to_string(job.rdd->id()) + " is deeper than " +
                                     std::to_string(limit) + " (ckptsim.lineage.max_depth)")
                    .marked(ErrorMark::kLineageTooDeep))
          : job.rdd->materialize();
  Duration duration{0};
  if (records.ok()) {
    duration = runtime_->env.execution->job_duration(job.time, records.value()->size(),
                                                     runtime_->records_computed - computed_before);
  }
  Status start_status = records.status();
  Scheduler& scheduler = *runtime_->env.scheduler;
  scheduler.schedule_at(scheduler.now() + duration,
                        TaskLabel{Actor::kJobExecutor, "run job", job.time},
                        [this, job, start_status] {
                          if (stopped_) return;  // stop(false) interrupts running jobs
                          Status result = start_status;
                          if (result.ok()) result = job.output->run_job(job.time, *job.rdd);
                          finish_job(job, result);
                        });
}

void JobScheduler::finish_job(const Job& job, const Status& result) {
  --running_jobs_;
  Time time = job.time;
  runtime_->env.scheduler->post(TaskLabel{Actor::kJobScheduler, "JobCompleted", time},
                                [this, time, result] { handle_job_completion(time, result); });
  start_jobs_while_slots_free();
}

void JobScheduler::handle_job_completion(Time time, const Status& result) {
  if (stopped_) return;
  auto it = job_sets_.find(time);
  CKPT_ASSERT(it != job_sets_.end(), "completion of a job whose batch is not pending");
  if (!result.ok()) {
    if (runtime_->env.observer) runtime_->env.observer->on_event(event::JobFailed{time, result});
    runtime_->report_error(result.with_context("job of batch " + time.to_string() + " failed"));
    // drop-failed-jobset reverts SPARK-18905: a failed job counts as done.
    if (!runtime_->env.defects.has(Defect::kDropFailedJobSet)) return;
  }
  if (++it->second.succeeded < it->second.job_count) return;
  job_sets_.erase(it);
  on_batch_completion_(time);
}

}  // namespace ckpt
