#include <map>

#include "engine/fixes.h"
#include "oracle/check.h"

namespace sim {

void CheckOutputStores(const CheckInput& input, std::vector<Failure>& failures) {
  if (input.run.fixes.has(ckpt::Fix::kIdempotentOutputStores)) return;
  for (const std::string& store : input.scenario.appending_stores()) {
    // Non-empty writes per batch time, over every process: the store outlives them all.
    std::map<Time, int> writes;
    for (const Emission& emission : input.run.emissions) {
      if (emission.output == store && !emission.records.empty()) ++writes[emission.batch_time];
    }
    for (const auto& [time, count] : writes) {
      if (count < 2) continue;
      failures.push_back(
          Failure{FailureKind::kUnexpectedDuplicate, time,
                  "batch " + std::to_string(time.ms) + " was written " + std::to_string(count) +
                      " times to the appending store '" + store +
                      "': Spark's output operations are at least once, and recovery ran it again",
                  "at-least-once output to an appending store"});
      break;  // one per store: the rest are the same weakness
    }
  }
}

}  // namespace sim
