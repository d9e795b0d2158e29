// The clock and task scheduler seam.
//
// Spark's driver runs several threads (timer, job generator loop, job scheduler loop, job
// executor pool, checkpoint writer). Our engine never starts a thread, never sleeps and never
// blocks: each of those threads is an *actor* that posts tasks to a Scheduler. In simulation the
// Scheduler is a virtual-time event loop (sim/event_loop.h); in production a wall-clock loop.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "engine/runtime/time.h"

namespace ckpt {

// Which of Spark's driver threads a task belongs to. Tasks of one actor run in FIFO order;
// tasks of different actors that are ready at the same time are the interleavings an explorer
// may permute.
enum class Actor : uint8_t {
  kTimer,             // RecurringTimer - JobGenerator
  kJobGenerator,      // the JobGenerator event loop
  kJobScheduler,      // the JobScheduler event loop
  kJobExecutor,       // the streaming-job-executor pool
  kCheckpointWriter,  // the single CheckpointWriter worker
  kDriver,            // the process itself: start, getOrCreate, restart
  kReceiver,          // a receiver on an executor: its block generator and supervisor
  kReceiverTracker,   // the driver's ReceiverTracker endpoint (AddBlock)
};

const char* ActorName(Actor actor);

// A cheap description of a task for crash-point labels and traces, formatted only when needed.
// `event` must point to a string with static storage duration.
struct TaskLabel {
  Actor actor = Actor::kDriver;
  const char* event = "";
  Time batch_time{-1};  // -1 when the task is not about one batch

  std::string to_string() const;  // "batch 1500 · generator · GenerateJobs"
};

using Task = std::function<void()>;
using TaskId = uint64_t;

class Scheduler {
 public:
  virtual ~Scheduler() = default;

  // The current time. Never decreases.
  virtual Time now() const = 0;

  // Runs `task` at `when` (or at now() if `when` is in the past), after every task already
  // scheduled for the same time. Returns an id for cancel().
  virtual TaskId schedule_at(Time when, TaskLabel label, Task task) = 0;

  // Posts `task` to run at now(), after the tasks already due now (an event-loop post).
  TaskId post(TaskLabel label, Task task) { return schedule_at(now(), label, std::move(task)); }

  // Drops a task that has not run yet. Cancelling a task that already ran is a no-op.
  virtual void cancel(TaskId id) = 0;
};

}  // namespace ckpt
