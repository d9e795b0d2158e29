// JobScheduler: the job sets of pending batches and the executor pool that runs their jobs.
//
// A job set stays pending until every one of its jobs has succeeded (SPARK-18905): a failed job
// keeps its batch time in every later checkpoint's pending times.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <vector>

#include "engine/dstream/dstream_graph.h"

namespace ckpt {

class JobScheduler {
 public:
  // `on_batch_completion(t)` runs when every job of batch t has succeeded.
  JobScheduler(StreamingRuntime* runtime, int concurrent_jobs,
               std::function<void(Time)> on_batch_completion);

  // Registers the batch's jobs and queues them for the executors. A batch without jobs is not
  // registered (so it never becomes pending).
  void submit_job_set(Time time, std::vector<Job> jobs);

  // The batch times with unfinished or failed jobs (Spark's getPendingTimes), ascending.
  std::vector<Time> pending_times() const;

  void stop() { stopped_ = true; }

 private:
  struct JobSet {
    size_t job_count = 0;
    size_t succeeded = 0;
  };

  void start_jobs_while_slots_free();
  void start_job(Job job);
  void finish_job(const Job& job, const Status& result);
  void handle_job_completion(Time time, const Status& result);

  StreamingRuntime* runtime_;
  int concurrent_jobs_;
  std::function<void(Time)> on_batch_completion_;
  std::map<Time, JobSet> job_sets_;
  std::deque<Job> waiting_jobs_;
  int running_jobs_ = 0;
  bool stopped_ = false;
};

}  // namespace ckpt
