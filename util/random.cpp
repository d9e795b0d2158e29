#include "util/random.h"

#include "engine/runtime/assert.h"
#include "engine/value.h"

namespace sim {

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

Random::Random(uint64_t seed) {
  for (uint64_t& word : state_) word = SplitMix64(seed);
}

uint64_t Random::next_u64() {
  auto rotl = [](uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
  uint64_t result = rotl(state_[1] * 5, 7) * 9;
  uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

uint64_t Random::below(uint64_t bound) {
  CKPT_ASSERT(bound > 0, "Random::below needs a positive bound");
  uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t x;
  do {
    x = next_u64();
  } while (x >= limit);
  return x % bound;
}

int64_t Random::between(int64_t low, int64_t high) {
  CKPT_ASSERT(low <= high, "Random::between needs low <= high");
  return low + static_cast<int64_t>(below(static_cast<uint64_t>(high - low) + 1));
}

bool Random::chance(uint64_t numerator, uint64_t denominator) {
  return below(denominator) < numerator;
}

Random Random::fork(uint64_t stream) const {
  uint64_t mix = state_[0] ^ (state_[1] << 1) ^ (state_[2] << 2) ^ (state_[3] << 3);
  uint64_t seed = mix ^ (stream * 0xD1B54A32D192ED03ULL);
  return Random(SplitMix64(seed));
}

Random Random::fork(std::string_view name) const {
  return fork(ckpt::Fnv1a(name.data(), name.size(), ckpt::kFnvOffset));
}

}  // namespace sim
