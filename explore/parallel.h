// Whole simulations on several threads. Each simulation stays on one thread (DESIGN.md: one
// thread per simulation); results come back in index order, so nothing downstream depends on the
// number of threads.
#pragma once

#include <algorithm>
#include <atomic>
#include <functional>
#include <thread>
#include <vector>

namespace sim {

// one(0) ... one(count - 1) on up to `jobs` threads; results[i] = one(i).
template <typename T>
std::vector<T> RunInParallel(size_t count, int jobs, const std::function<T(size_t)>& one) {
  std::vector<T> results(count);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < count; i = next++) results[i] = one(i);
  };
  size_t threads = std::min<size_t>(std::max(jobs, 1), count);
  if (threads <= 1) {
    work();
    return results;
  }
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) pool.emplace_back(work);
  for (std::thread& thread : pool) thread.join();
  return results;
}

}  // namespace sim
