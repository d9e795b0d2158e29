#include "sim/event_loop.h"

#include <algorithm>

#include "util/random.h"

namespace sim {

uint64_t EventLoop::rank(OwnerId owner, Time time, ckpt::Actor actor) const {
  if (interleaving_ == 0 || owner == kHarnessOwner) return 0;
  uint64_t state = interleaving_ ^ (static_cast<uint64_t>(time.ms) * 0x9E3779B97F4A7C15ULL);
  SplitMix64(state);
  state ^= static_cast<uint64_t>(actor) + 1;
  return SplitMix64(state) | 1;  // never 0: harness tasks go first
}

TaskId EventLoop::schedule_at(OwnerId owner, Time when, TaskLabel label, Task task) {
  uint64_t sequence = next_sequence_++;
  Time time = std::max(when, now_) + debt_;
  heap_.push_back(
      Entry{time, rank(owner, time, label.actor), sequence, owner, label, std::move(task)});
  std::push_heap(heap_.begin(), heap_.end(), Later);
  return sequence;
}

void EventLoop::discard_dead_top() {
  while (!heap_.empty()) {
    const Entry& top = heap_.front();
    bool dead = dead_owners_.count(top.owner) > 0 ||
                (!cancelled_.empty() && cancelled_.erase(top.sequence) > 0);
    if (!dead) return;
    std::pop_heap(heap_.begin(), heap_.end(), Later);
    heap_.pop_back();
  }
}

std::optional<Time> EventLoop::next_time() {
  discard_dead_top();
  if (heap_.empty()) return std::nullopt;
  return heap_.front().time;
}

std::optional<EventLoop::Entry> EventLoop::pop() {
  while (true) {
    discard_dead_top();
    if (heap_.empty()) return std::nullopt;
    std::pop_heap(heap_.begin(), heap_.end(), Later);
    Entry entry = std::move(heap_.back());
    heap_.pop_back();
    auto busy = busy_until_.find({entry.owner, entry.label.actor});
    if (busy != busy_until_.end() && busy->second > entry.time) {
      // The actor is still blocked in I/O: the task waits until it is free.
      entry.time = busy->second;
      entry.rank = rank(entry.owner, entry.time, entry.label.actor);
      entry.sequence = next_sequence_++;
      heap_.push_back(std::move(entry));
      std::push_heap(heap_.begin(), heap_.end(), Later);
      continue;
    }
    now_ = entry.time;
    debt_ = ckpt::Duration{0};
    return entry;
  }
}

std::optional<Time> EventLoop::sole_task(OwnerId owner, ckpt::Actor actor) const {
  const Entry* live = nullptr;
  for (const Entry& entry : heap_) {
    if (dead_owners_.count(entry.owner) > 0 || cancelled_.count(entry.sequence) > 0) continue;
    if (live) return std::nullopt;
    live = &entry;
  }
  if (!live || live->owner != owner || live->label.actor != actor) return std::nullopt;
  return live->time;
}

void EventLoop::finish_task(const Entry& entry) {
  if (debt_.ms > 0) busy_until_[{entry.owner, entry.label.actor}] = now_ + debt_;
  debt_ = ckpt::Duration{0};
}

}  // namespace sim
