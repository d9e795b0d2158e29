// Fixes of the known weaknesses of the modelled protocol (docs/findings.md): the opposite of a
// defect. Each one switches on, at run time, the smallest change that removes a weakness Spark
// never fixed; the harness excuses a failure as a known weakness only when the same trial passes
// with that weakness's fix on (explore/explorer.cpp), so a new bug that merely looks like a
// known weakness is still a failure. `ckptsim weaknesses` prints this catalogue.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/runtime/status.h"

namespace ckpt {

enum class Fix : uint8_t {
  kWriterLearnsNewestName,            // SPARK-19280 family
  kReplayBlockLogWithoutCheckpoint,   // received before the first checkpoint
  kDanglingBlocksToNextBatch,         // dangling blocks allocated to a restored batch
  kFreshApplicationDropsBlockLog,     // stale block log of an earlier application
  kCheckpointAtStart,                 // fresh start before the first checkpoint
  kLastProcessedBatchNeverRegresses,  // graceful stop after out-of-order completions
  kPendingBatchesKeepTheirMetadata,   // a pending batch's input forgotten
  kReplayAddsEachBlockOnce,           // a block logged twice
  kReaderRetriesAFailedRead,          // a fallback past the cleanup
  // At-least-once output: not the engine's but the external store's. The engine never reads it;
  // the oracle judges appending stores (`store: appending`) as idempotent ones when it is on.
  kIdempotentOutputStores,
};

struct FixInfo {
  Fix fix;
  const char* name;         // the --fix value
  const char* weakness;     // the known weakness it removes, as the oracle names it
  const char* reason;       // the JIRA or the reason Spark has the weakness
  const char* description;  // what the fix changes
};

const std::vector<FixInfo>& AllFixes();
// InvalidArgument listing the known names when `name` is not one.
Result<Fix> ParseFix(const std::string& name);
// The fix of the known weakness named `weakness`, if there is one.
const FixInfo* FixForWeakness(const std::string& weakness);

class FixSet {
 public:
  void add(Fix fix) { bits_ |= Bit(fix); }
  void add(const FixSet& other) { bits_ |= other.bits_; }
  bool has(Fix fix) const { return (bits_ & Bit(fix)) != 0; }
  bool empty() const { return bits_ == 0; }
  std::vector<std::string> names() const;

 private:
  static uint64_t Bit(Fix fix) { return uint64_t{1} << static_cast<unsigned>(fix); }
  uint64_t bits_ = 0;
};

}  // namespace ckpt
