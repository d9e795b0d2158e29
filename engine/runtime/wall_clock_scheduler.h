// The Scheduler seam on the wall clock: the engine as a real process.
//
//   WallClockScheduler scheduler(WallTimeLine{epoch_unix_ms, Time{0}, /*speed=*/1});
//   ... StreamingContext::GetOrCreate(env, ...) posts its first tasks ...
//   scheduler.run(nullptr);  // returns when the application has nothing left to do
//
// Engine time is a linear map of the system clock, as Spark's is System.currentTimeMillis:
// time = origin + (unix_ms - epoch_unix_ms) x speed. Processes that share a time line share
// their batch times, so a process started after a kill continues the killed one's time line,
// down time included. `speed` > 1 runs an application faster than real time (a deliberate
// difference from Spark, for tests: a 500 ms batch takes 50 ms at speed 10); 1 is real time.
//
// One thread: run() runs the tasks on the calling thread in (time, sequence) order, sleeping
// until each is due. Production only: it reads the clock and sleeps, so nothing that runs under
// simulation may use it (the simulator's scheduler is sim::EventLoop).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <utility>

#include "engine/runtime/scheduler.h"

namespace ckpt {

struct WallTimeLine {
  int64_t epoch_unix_ms = 0;  // the wall-clock instant that is engine time `origin`
  Time origin;
  double speed = 1;  // engine milliseconds per wall-clock millisecond; > 0

  Time at(int64_t unix_ms) const;
  // The first wall-clock millisecond at which engine time reaches `time`.
  int64_t unix_ms_at(Time time) const;
};

// Milliseconds since the Unix epoch on the system clock.
int64_t UnixNowMs();

class WallClockScheduler : public Scheduler {
 public:
  explicit WallClockScheduler(WallTimeLine line) : line_(line) {}

  // The time line's time now, never less than an earlier answer (the system clock may step back).
  Time now() const override;
  TaskId schedule_at(Time when, TaskLabel label, Task task) override;
  void cancel(TaskId id) override;

  // Runs tasks as they come due until none is left. `before_task`, when set, sees each task's
  // label just before the task runs (crash-point counting; it may end the process).
  void run(const std::function<void(const TaskLabel&)>& before_task);

  size_t pending_tasks() const { return queue_.size(); }

 private:
  struct Entry {
    TaskLabel label;
    Task task;
  };
  using Key = std::pair<int64_t, TaskId>;  // (time ms, sequence): FIFO among equal times

  // Sleeps until engine time reaches `time`.
  void sleep_until(Time time) const;

  WallTimeLine line_;
  mutable Time latest_;
  TaskId next_id_ = 1;
  std::map<Key, Entry> queue_;
  std::map<TaskId, int64_t> time_of_;  // id -> time of a queued task, for cancel()
};

}  // namespace ckpt
