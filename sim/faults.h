// The fault injector: decides, deterministically from a trial's seed, which operations the fault
// rules of a scenario (scenario/fault_rule.h) make fail, slow or corrupt.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/runtime/status.h"
#include "engine/runtime/time.h"
#include "scenario/fault_rule.h"
#include "util/random.h"

namespace sim {

// Decides the faults of one trial. Occurrences are counted over the whole trial (every
// incarnation), so a rule's nth occurrence is the same in a replay.
// What a stale_exists rule makes an exists() call meet: NotFound, marked injected. The gated
// filesystem answers false on it; it is no error of the call.
// The object store rename's own HEAD of its destination: only stale_exists rules see it (it is
// no call of the engine's, so eio and latency rules pass it by).
inline constexpr const char* kRenameHead = "rename.exists";
inline bool IsStaleAnswer(const ckpt::Status& status) {
  return status.code() == ckpt::StatusCode::kNotFound && status.has(ckpt::ErrorMark::kInjected);
}

class FaultInjector {
 public:
  // `active` says which rules take part (the random explorer draws subsets); `seed` decides
  // probabilities, flipped bits and garbage.
  FaultInjector(const std::vector<FaultRule>& rules, uint64_t active, uint64_t seed);

  struct Decision {
    ckpt::Status error;                // Ok, or the injected error
    ckpt::Duration latency;            // virtual time the operation takes
    std::optional<uint64_t> flip_bit;  // read: flip this bit (modulo the file's bits) first
    std::string stale;                 // exists: answer false, for this rule (its description)
  };
  // `used_bytes`: what the files hold now (enospc); `bytes`: what a write adds.
  Decision decide(const std::string& operation, const std::string& path, uint64_t used_bytes,
                  uint64_t bytes);
  // The torn_write rules' paths: at a crash, the newest matching file is torn.
  std::vector<const FaultRule*> torn_write_rules() const;
  bool has_enospc() const;
  bool empty() const { return rules_.empty(); }

 private:
  struct Active {
    const FaultRule* rule;
    int64_t occurrences = 0;
    Random random;
  };
  std::vector<Active> rules_;
};

}  // namespace sim
