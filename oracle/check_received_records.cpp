#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "engine/fixes.h"
#include "oracle/check.h"

namespace sim {

std::optional<int64_t> BlockTimeMs(const std::string& block_id) {
  size_t dash = block_id.rfind('-');
  if (block_id.rfind("input-", 0) != 0 || dash == std::string::npos) return std::nullopt;
  int64_t ms = 0;
  const char* begin = block_id.data() + dash + 1;
  const char* end = block_id.data() + block_id.size();
  auto [parsed_end, error] = std::from_chars(begin, end, ms);
  if (error != std::errc() || parsed_end != end || begin == end) return std::nullopt;
  return ms;
}

namespace {

// Whether block `block_id`'s addition may be in the driver's block log twice: a write of that log
// (an append, its sync or the file's close) failed from the block's time until batch `read_at`
// read it. FileBasedWriteAheadLog.write retries a failed write on a new file, and the failed
// attempt's bytes may be in the old one (known weakness "a block logged twice").
bool MayBeLoggedTwice(const CheckInput& input, const std::string& block_id, Time read_at) {
  std::optional<int64_t> block_ms = BlockTimeMs(block_id);
  if (!block_ms) return false;
  const std::string log_dir = input.scenario.checkpoint_dir + "/receivedBlockMetadata/";
  for (const IncarnationRecord& incarnation : input.run.incarnations) {
    for (const ProtocolEvent& event : incarnation.protocol) {
      const ckpt::FileEvent& file = event.file;
      if (event.kind != ProtocolEvent::Kind::kFile || file.ok || event.at.ms < *block_ms ||
          event.at > read_at || !file.path.starts_with(log_dir)) {
        continue;
      }
      using ckpt::FileOperation;
      if (file.operation == FileOperation::kWrite || file.operation == FileOperation::kSync ||
          file.operation == FileOperation::kClose) {
        return true;
      }
    }
  }
  return false;
}

// Half-open ranges of positions [from, until), merged: the positions none of them covers in
// [0, until), as ranges.
std::vector<std::pair<int64_t, int64_t>> Uncovered(std::vector<std::pair<int64_t, int64_t>> ranges,
                                                   int64_t until) {
  std::sort(ranges.begin(), ranges.end());
  std::vector<std::pair<int64_t, int64_t>> gaps;
  int64_t next = 0;
  for (const auto& [from, to] : ranges) {
    if (next >= until) break;
    if (from > next) gaps.emplace_back(next, std::min(from, until));
    next = std::max(next, to);
  }
  if (next < until) gaps.emplace_back(next, until);
  return gaps;
}

// True when the union of `ranges` holds every position of `range`.
bool Covers(const std::vector<std::pair<int64_t, int64_t>>& ranges,
            std::pair<int64_t, int64_t> range) {
  std::vector<std::pair<int64_t, int64_t>> within;
  for (const auto& [from, until] : ranges) {
    if (until > range.first && from < range.second)
      within.emplace_back(std::max(from, range.first) - range.first, until - range.first);
  }
  return Uncovered(within, range.second - range.first).empty();
}

std::string DescribeRanges(const std::vector<std::pair<int64_t, int64_t>>& ranges) {
  std::string text;
  int64_t count = 0;
  for (const auto& [from, until] : ranges) {
    if (ranges.size() <= 3 || text.empty()) {
      text += (text.empty() ? "" : ", ") +
              ("[" + std::to_string(from) + ", " + std::to_string(until) + ")");
    }
    count += until - from;
  }
  if (ranges.size() > 3) text += " and " + std::to_string(ranges.size() - 1) + " more ranges";
  return std::to_string(count) + " record(s) at source positions " + text;
}

// The source positions of the blocks allocated (in application `app`) to a batch whose receiver
// stream was then never computed: its RDDs were restored from a checkpoint (see the known weakness
// in CheckReceivedRecords).
std::vector<std::pair<int64_t, int64_t>> NeverComputed(const TrialRun& run,
                                                       const Applications& applications, int app,
                                                       int32_t stream_id) {
  std::set<std::pair<int, Time>> computed;  // (incarnation, batch time)
  for (const InputBatch& batch : run.input_batches) {
    if (batch.stream_id == stream_id) computed.emplace(batch.incarnation, batch.batch_time);
  }
  std::vector<std::pair<int64_t, int64_t>> never_read;
  for (const ReceiverAllocation& allocation : run.receiver_allocations) {
    if (allocation.stream_id != stream_id || applications.of[allocation.incarnation] != app ||
        computed.count({allocation.incarnation, allocation.batch_time})) {
      continue;
    }
    for (const ckpt::OffsetRange& range : allocation.ranges) {
      never_read.emplace_back(range.from, range.until);
    }
  }
  return never_read;
}

// Whether application `app` recovered from a checkpoint (replaying every file of the block log
// directory, which all applications of the checkpoint directory share) after an earlier
// application had allocated blocks: that application's allocation records, unless cleaned, take
// the blocks `app` adopted to batches of the earlier application.
bool ReplayedAnEarlierApplicationsAllocations(const TrialRun& run, const Applications& applications,
                                              int app) {
  bool recovered = false;
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    recovered = recovered || (applications.of[i] == app && run.incarnations[i].recovered);
  }
  return recovered && std::any_of(run.receiver_allocations.begin(), run.receiver_allocations.end(),
                                  [&](const ReceiverAllocation& allocation) {
                                    return applications.of[allocation.incarnation] < app;
                                  });
}

// Whether an incarnation of application `app` deleted a block log file (of the driver's
// `receivedBlockMetadata`) that an earlier application had created: after adopting that
// application's blocks from the log without logging them again, its own cleanup deleted their
// only durable record. (Seen in the recorded file events; false when they were not recorded.)
bool DeletedAnEarlierApplicationsBlockLog(const TrialRun& run, const Applications& applications,
                                          int app, const std::string& metadata_dir) {
  std::set<std::string> created_earlier;
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    for (const ProtocolEvent& event : run.incarnations[i].protocol) {
      if (event.kind != ProtocolEvent::Kind::kFile || !event.file.ok ||
          ckpt::ParentPath(event.file.path) != metadata_dir) {
        continue;
      }
      if (applications.of[i] < app && event.file.operation == ckpt::FileOperation::kCreate) {
        created_earlier.insert(event.file.path);
      }
      if (applications.of[i] == app && event.file.operation == ckpt::FileOperation::kDelete &&
          created_earlier.count(event.file.path)) {
        return true;
      }
    }
  }
  return false;
}

// Why records acknowledged before application `app` started were read by none of its batches,
// and the known weakness that explains it ("": none, a failure).
std::pair<const char*, const char*> WhyLostBeforeTheApplication(const CheckInput& input, int app) {
  const TrialRun& run = input.run;
  const Applications& applications = input.applications;
  if (!run.fixes.has(ckpt::Fix::kReplayBlockLogWithoutCheckpoint)) {
    return {
        "were acknowledged by an application that crashed before any checkpoint was durable; "
        "the new application does not replay the block log (Spark recovers it only with a "
        "checkpoint)",
        "received before the first checkpoint"};
  }
  if (ReplayedAnEarlierApplicationsAllocations(run, applications, app)) {
    return {
        "were acknowledged by an earlier application and adopted from the block log by this "
        "one; a recovery of this application replayed the whole shared block log, whose "
        "allocation records of the earlier application took them to batches that never run "
        "again",
        "stale block log of an earlier application"};
  }
  if (DeletedAnEarlierApplicationsBlockLog(
          run, applications, app, input.scenario.checkpoint_dir + "/receivedBlockMetadata")) {
    return {
        "were acknowledged by an earlier application and adopted from the block log by this "
        "one, which logged them in no log of its own: its cleanup deleted the earlier "
        "application's log files, their only durable record, before they were read",
        "stale block log of an earlier application"};
  }
  return {
      "were acknowledged by an earlier application, and this application, which replays the "
      "block log without a checkpoint, read them in no batch",
      ""};
}

// The source ranges the blocks of `last` (batch time -> its last computation) cover; nullopt, with
// an unexpected_duplicate in `failures`, when a block was read twice (by two batches or by one).
std::optional<std::vector<std::pair<int64_t, int64_t>>> RangesReadOnce(
    const CheckInput& input, const std::string& stream,
    const std::map<Time, const InputBatch*>& last, std::vector<Failure>& failures) {
  std::map<std::string, Time> read_by;  // block id -> the batch that read it
  std::vector<std::pair<int64_t, int64_t>> covered;
  for (const auto& [time, batch] : last) {
    for (size_t i = 0; i < batch->block_ids.size(); ++i) {
      const std::string& block = batch->block_ids[i];
      auto [first, inserted] = read_by.emplace(block, time);
      if (!inserted) {
        failures.push_back(
            {FailureKind::kUnexpectedDuplicate, time,
             stream + "block " + block + " was read by batch " + first->second.to_string() +
                 " and again by batch " + time.to_string(),
             MayBeLoggedTwice(input, block, first->second) ? "a block logged twice" : ""});
        return std::nullopt;
      }
      covered.emplace_back(batch->ranges[i].from, batch->ranges[i].until);
    }
  }
  return covered;
}

// At least once over the last application's batches of receiver stream `stream_id`.
void CheckReceivedRecordsOf(const CheckInput& input, int32_t stream_id,
                            std::vector<Failure>& failures) {
  const TrialRun& run = input.run;
  const Applications& applications = input.applications;
  const std::string stream = StreamPrefix(input.scenario, stream_id);
  int app = applications.of.back();
  std::map<Time, const InputBatch*> last;  // batch time -> its last computation
  for (const InputBatch& batch : run.input_batches) {
    if (batch.stream_id == stream_id && applications.of[batch.incarnation] == app) {
      last[batch.batch_time] = &batch;
    }
  }
  std::optional<std::vector<std::pair<int64_t, int64_t>>> covered =
      RangesReadOnce(input, stream, last, failures);
  if (!covered) return;
  const ReceiverAllocation* final_allocation = nullptr;
  for (const ReceiverAllocation& allocation : run.receiver_allocations) {
    if (allocation.stream_id == stream_id && applications.of[allocation.incarnation] == app) {
      final_allocation = &allocation;
    }
  }
  if (!final_allocation) return;
  size_t first_incarnation = 0;
  while (applications.of[first_incarnation] != app) ++first_incarnation;
  const std::map<int32_t, int64_t>& at_start =
      run.incarnations[first_incarnation].source_acknowledged_at_start;
  int64_t earlier = at_start.count(stream_id) ? at_start.at(stream_id) : 0;
  std::vector<std::pair<int64_t, int64_t>> never_read =
      NeverComputed(run, applications, app, stream_id);
  std::vector<std::pair<int64_t, int64_t>> before, restored, during;
  for (const auto& [from, until] : Uncovered(*covered, final_allocation->acknowledged)) {
    if (from < earlier) before.emplace_back(from, std::min(until, earlier));
    if (until <= earlier) continue;
    std::pair<int64_t, int64_t> gap{std::max(from, earlier), until};
    (Covers(never_read, gap) ? restored : during).push_back(gap);
  }
  Time at = final_allocation->batch_time;
  // Known weaknesses come after any loss of the application's own (same kind and time: the sort
  // keeps them behind it).
  auto lost = [&](const std::vector<std::pair<int64_t, int64_t>>& ranges, const std::string& why,
                  const char* known_weakness) {
    if (ranges.empty()) return;
    failures.push_back({FailureKind::kLostRecords, at, stream + DescribeRanges(ranges) + " " + why,
                        known_weakness});
  };
  lost(during,
       "were acknowledged to the source and read by no batch (the last allocation, to batch " +
           at.to_string() + ", came after " + std::to_string(final_allocation->acknowledged) +
           " records were acknowledged)",
       "");
  lost(restored,
       "were allocated after recovery to a rescheduled batch whose RDDs were restored from a "
       "checkpoint, so no job read them (the blocks the failed process had not allocated go to "
       "the first rescheduled batch after the last logged allocation, SPARK-5233)",
       "dangling blocks allocated to a restored batch");
  auto [why_before, weakness_before] = WhyLostBeforeTheApplication(input, app);
  lost(before, why_before, weakness_before);
}

}  // namespace

// At least once over the last application's batches of each receiver stream (see
// RecoveryContract).
void CheckReceivedRecords(const CheckInput& input, std::vector<Failure>& failures) {
  if (input.run.incarnations.empty()) return;
  for (int32_t id = 0; id < InputStreamCount(input.scenario); ++id) {
    if (InputSource(input.scenario, id).kind() == SourceKind::kReceiver) {
      CheckReceivedRecordsOf(input, id, failures);
    }
  }
}

}  // namespace sim
