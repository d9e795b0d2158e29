// The discrete-event loop: virtual time, one thread, deterministic order.
//
// Tasks run in (time, sequence) order: ties go to the task scheduled first, like FoundationDB's
// FIFO counter. With an interleaving seed, tasks of different actors ready at the same virtual
// time run in an order drawn from the seed (per time and actor), while each actor keeps FIFO
// order: a thread's own events never overtake each other, but the job generator, the job
// executors and the checkpoint writer race as their threads do in Spark. Harness tasks (restarts,
// producers) keep FIFO order ahead of them. Every task belongs to an owner (a process incarnation,
// or the harness); killing an owner drops all of its tasks at once, which is what a process crash
// does to its threads.
//
// Latency: a task may charge() virtual time for slow I/O. Its effects still happen when it runs,
// but what it schedules afterwards happens that much later, and its actor (one of a process's
// "threads") runs nothing else until the time is up: a thread blocked in I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "engine/runtime/scheduler.h"

namespace sim {

using ckpt::Task;
using ckpt::TaskId;
using ckpt::TaskLabel;
using ckpt::Time;

using OwnerId = uint32_t;
inline constexpr OwnerId kHarnessOwner = 0;

class EventLoop {
 public:
  struct Entry {
    Time time;
    uint64_t rank;  // ties at one time: 0 without an interleaving seed
    uint64_t sequence;
    OwnerId owner;
    TaskLabel label;
    Task task;
  };

  Time now() const { return now_; }
  // 0 (the default) keeps FIFO order among tasks ready at the same time.
  void set_interleaving(uint64_t seed) { interleaving_ = seed; }
  TaskId schedule_at(OwnerId owner, Time when, TaskLabel label, Task task);
  void cancel(TaskId id) { cancelled_.insert(id); }
  // Drops every task of `owner`, now and later (and forgets the running task's latency).
  void kill_owner(OwnerId owner) {
    dead_owners_.insert(owner);
    debt_ = ckpt::Duration{0};
  }

  // The running task spends `latency` more in I/O.
  void charge(ckpt::Duration latency) { debt_ = debt_ + latency; }
  // Ends the running task `entry`: its actor stays busy for the latency it charged.
  void finish_task(const Entry& entry);

  // Removes and returns the next live task, advancing the clock to its time; none when idle.
  std::optional<Entry> pop();
  // When the only live task is one of `owner`'s `actor`: its time (convergence pruning asks
  // whether a process has nothing left but its timer's next tick). O(tasks).
  std::optional<Time> sole_task(OwnerId owner, ckpt::Actor actor) const;

  // The time of the next live task, without running it; none when idle.
  std::optional<Time> next_time();

 private:
  // Drops dead and cancelled tasks from the top of the heap.
  void discard_dead_top();
  static bool Later(const Entry& a, const Entry& b) {
    if (a.time != b.time) return a.time > b.time;
    return a.rank != b.rank ? a.rank > b.rank : a.sequence > b.sequence;
  }
  uint64_t rank(OwnerId owner, Time time, ckpt::Actor actor) const;

  Time now_{0};
  ckpt::Duration debt_{0};  // latency charged by the running task
  std::map<std::pair<OwnerId, ckpt::Actor>, Time> busy_until_;
  uint64_t next_sequence_ = 1;
  uint64_t interleaving_ = 0;
  std::vector<Entry> heap_;  // a binary heap ordered by Later
  std::set<TaskId> cancelled_;
  std::set<OwnerId> dead_owners_;
};

// The engine's Scheduler seam for one owner, whose clock reads `clock_offset` off the loop's
// (a restarted process on another host, or a clock stepped back or forward).
class OwnerScheduler : public ckpt::Scheduler {
 public:
  OwnerScheduler(EventLoop* loop, OwnerId owner, ckpt::Duration clock_offset = ckpt::Duration{0})
      : loop_(loop), owner_(owner), clock_offset_(clock_offset) {}
  Time now() const override { return loop_->now() + clock_offset_; }
  TaskId schedule_at(Time when, TaskLabel label, Task task) override {
    return loop_->schedule_at(owner_, when - clock_offset_, label, std::move(task));
  }
  void cancel(TaskId id) override { loop_->cancel(id); }

 private:
  EventLoop* loop_;
  OwnerId owner_;
  ckpt::Duration clock_offset_;
};

}  // namespace sim
