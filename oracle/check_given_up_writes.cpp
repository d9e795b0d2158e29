#include <algorithm>
#include <map>
#include <set>

#include "engine/checkpoint/checkpoint_writer.h"
#include "oracle/check.h"

namespace sim {

// Spark retries a checkpoint write up to 3 times when it fails with an I/O error (SPARK-22429).
void CheckGivenUpWrites(const CheckInput& input, std::vector<Failure>& failures) {
  const TrialRun& run = input.run;
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    for (const GivenUpWrite& write : run.incarnations[i].given_up_writes) {
      if (!write.first_error.is_io_error() || write.attempts >= ckpt::kCheckpointWriteAttempts) {
        continue;
      }
      failures.push_back(
          {FailureKind::kProtocolViolation, write.content_time,
           "incarnation " + std::to_string(i) + " gave up the checkpoint of " +
               write.content_time.to_string() + " after " + std::to_string(write.attempts) +
               " attempt(s) although the first failure was an I/O error (" +
               write.first_error.message() + "); Spark retries up to 3 times (SPARK-22429)"});
    }
  }
}

}  // namespace sim
