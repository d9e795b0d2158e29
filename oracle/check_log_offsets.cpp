#include <algorithm>
#include <map>
#include <set>

#include "oracle/check.h"

namespace sim {

// Exactly once over the union of batches: within each application, the offset ranges of each log
// stream's batches (each batch's last assignment) cover every partition from 0 with no gap and no
// overlap.
void CheckLogOffsets(const CheckInput& input, std::vector<Failure>& failures) {
  const TrialRun& run = input.run;
  const Applications& applications = input.applications;
  // (application, stream) -> batch time -> (ranges, incarnation) of its last assignment
  std::map<std::pair<int, int32_t>, std::map<Time, std::pair<std::vector<ckpt::OffsetRange>, int>>>
      assigned;
  for (const InputBatch& batch : run.input_batches) {
    if (InputSource(input.scenario, batch.stream_id).kind() != SourceKind::kLog) continue;
    assigned[{applications.of[batch.incarnation], batch.stream_id}][batch.batch_time] = {
        batch.ranges, batch.incarnation};
  }
  for (const auto& [app_and_stream, batches] : assigned) {
    const std::string stream = StreamPrefix(input.scenario, app_and_stream.second);
    std::map<int32_t, std::pair<int64_t, Time>> next;  // partition -> (next offset, read by)
    for (const auto& [time, assignment] : batches) {
      for (const ckpt::OffsetRange& range : assignment.first) {
        auto [expected, previous] = next.count(range.partition)
                                        ? next[range.partition]
                                        : std::pair<int64_t, Time>{0, Time{-1}};
        std::string where = stream + "partition " + std::to_string(range.partition) + ": batch " +
                            std::to_string(time.ms) + " (incarnation " +
                            std::to_string(assignment.second) + ") read offsets [" +
                            std::to_string(range.from) + ", " + std::to_string(range.until) + ")";
        std::string before =
            previous.ms < 0 ? "no earlier batch" : "batch " + std::to_string(previous.ms);
        if (range.from > expected) {
          failures.push_back({FailureKind::kLostRecords, time,
                              where + ", but " + before + " stopped at " +
                                  std::to_string(expected) + ": offsets [" +
                                  std::to_string(expected) + ", " + std::to_string(range.from) +
                                  ") were read by no batch"});
          return;
        }
        if (range.from < expected && range.count() > 0) {
          failures.push_back(
              {FailureKind::kUnexpectedDuplicate, time,
               where + ", but " + before + " had already read up to " + std::to_string(expected)});
          return;
        }
        next[range.partition] = {std::max(expected, range.until), time};
      }
    }
  }
}

}  // namespace sim
