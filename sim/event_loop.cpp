#include "sim/event_loop.h"

#include <algorithm>

namespace sim {

TaskId EventLoop::schedule_at(OwnerId owner, Time when, TaskLabel label, Task task) {
  uint64_t sequence = next_sequence_++;
  heap_.push_back(Entry{std::max(when, now_), sequence, owner, label, std::move(task)});
  std::push_heap(heap_.begin(), heap_.end(), Later);
  return sequence;
}

std::optional<EventLoop::Entry> EventLoop::pop() {
  while (!heap_.empty()) {
    std::pop_heap(heap_.begin(), heap_.end(), Later);
    Entry entry = std::move(heap_.back());
    heap_.pop_back();
    if (dead_owners_.count(entry.owner)) continue;
    if (!cancelled_.empty() && cancelled_.erase(entry.sequence)) continue;
    now_ = entry.time;
    return entry;
  }
  return std::nullopt;
}

}  // namespace sim
