#include "engine/runtime/time.h"

#include "engine/runtime/assert.h"

namespace ckpt {

std::vector<Time> Time::until(Time end, Duration step) const {
  CKPT_ASSERT(step.ms > 0, "Time::until needs a positive step");
  std::vector<Time> times;
  for (Time t = *this; t < end; t = t + step) times.push_back(t);
  return times;
}

}  // namespace ckpt
