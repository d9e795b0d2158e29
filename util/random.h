// The simulator's only source of randomness: a seeded xoshiro256** generator with our own
// distributions (the standard library's differ between implementations, which would break
// replay across machines). Each component forks its own stream from the trial seed.
#pragma once

#include <cstdint>
#include <string_view>

namespace sim {

class Random {
 public:
  explicit Random(uint64_t seed);

  uint64_t next_u64();
  // Uniform in [0, bound). REQUIRES: bound > 0. Unbiased (rejection sampling).
  uint64_t below(uint64_t bound);
  // Uniform in [low, high]. REQUIRES: low <= high.
  int64_t between(int64_t low, int64_t high);
  // True with probability numerator / denominator.
  bool chance(uint64_t numerator, uint64_t denominator);
  // An independent generator for the sub-stream `stream` (same parent state, same result).
  Random fork(uint64_t stream) const;
  Random fork(std::string_view name) const;

 private:
  uint64_t state_[4];
};

// SplitMix64: the seed expander used for forking and for deriving sub-seeds.
uint64_t SplitMix64(uint64_t& state);

}  // namespace sim
