// Wall time for reports only (a run's elapsed_s, a scenario's elapsed_ms, a defect's seconds to
// its first failure). The one place the harness's layers read a wall clock: nothing measured here
// ever reaches a simulation, which runs on virtual time.
#pragma once

#include <chrono>
#include <cstdint>

namespace sim {

class Stopwatch {
 public:
  Stopwatch() : started_(Clock::now()) {}
  void restart() { started_ = Clock::now(); }
  double elapsed_s() const {
    return std::chrono::duration<double>(Clock::now() - started_).count();
  }
  uint64_t elapsed_ms() const {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_);
    return static_cast<uint64_t>(ms.count());
  }

 private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point started_;
};

}  // namespace sim
