#include "engine/runtime/wall_clock_scheduler.h"

#include <time.h>

#include <cerrno>
#include <cmath>

#include "engine/runtime/assert.h"

namespace ckpt {

// A runaway application (a task that keeps posting tasks) is a bug: stop it loudly.
constexpr size_t kMaxQueuedTasks = 1'000'000;

Time WallTimeLine::at(int64_t unix_ms) const {
  double elapsed_ms = static_cast<double>(unix_ms - epoch_unix_ms) * speed;
  return origin + Duration{static_cast<int64_t>(std::floor(elapsed_ms))};
}

int64_t WallTimeLine::unix_ms_at(Time time) const {
  double wall_ms = static_cast<double>((time - origin).ms) / speed;
  int64_t unix_ms = epoch_unix_ms + static_cast<int64_t>(std::ceil(wall_ms));
  while (at(unix_ms) < time) ++unix_ms;  // rounding: at most a step or two
  return unix_ms;
}

int64_t UnixNowMs() {
  struct timespec now;
  ::clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000 + now.tv_nsec / 1'000'000;
}

Time WallClockScheduler::now() const {
  Time time = line_.at(UnixNowMs());
  if (time > latest_) latest_ = time;
  return latest_;
}

TaskId WallClockScheduler::schedule_at(Time when, TaskLabel label, Task task) {
  CKPT_ASSERT(queue_.size() < kMaxQueuedTasks, "too many queued tasks");
  TaskId id = next_id_++;
  queue_.emplace(Key{when.ms, id}, Entry{label, std::move(task)});
  time_of_[id] = when.ms;
  return id;
}

void WallClockScheduler::cancel(TaskId id) {
  auto queued = time_of_.find(id);
  if (queued == time_of_.end()) return;
  queue_.erase(Key{queued->second, id});
  time_of_.erase(queued);
}

void WallClockScheduler::sleep_until(Time time) const {
  for (Time current = now(); current < time; current = now()) {
    int64_t wait_ms = line_.unix_ms_at(time) - UnixNowMs();
    struct timespec pause = {static_cast<time_t>(wait_ms / 1000),
                             static_cast<long>(wait_ms % 1000) * 1'000'000};
    if (wait_ms <= 0) pause = {0, 200'000};  // the clock stepped back: look again shortly
    while (::nanosleep(&pause, &pause) != 0 && errno == EINTR) {
    }
  }
}

void WallClockScheduler::run(const std::function<void(const TaskLabel&)>& before_task) {
  while (!queue_.empty()) {
    sleep_until(Time{queue_.begin()->first.first});
    // Only tasks post tasks, so the entry slept for is still the first.
    auto first = queue_.begin();
    Entry entry = std::move(first->second);
    time_of_.erase(first->first.second);
    queue_.erase(first);
    if (before_task) before_task(entry.label);
    entry.task();
  }
}

}  // namespace ckpt
