#include "oracle/oracle.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "engine/checkpoint/checkpoint.h"
#include "engine/checkpoint/checkpoint_writer.h"
#include "util/named_enum.h"

namespace sim {

int64_t BatchIndex(Time time, Time zero_time, ckpt::Duration batch) {
  ckpt::Duration since = time - zero_time;
  if (since.ms <= 0 || !since.is_multiple_of(batch)) return 0;
  return since.ms / batch.ms;
}

namespace {

using ckpt::Time;

std::string Describe(const ckpt::Records& records) { return ckpt::RecordsToString(records); }

// Which application run each incarnation belongs to: a new one begins at every incarnation whose
// context started fresh. One that died before its context started belongs to the previous one.
std::vector<int> ApplicationOf(const TrialRun& run) {
  std::vector<int> application(run.incarnations.size(), 0);
  int current = -1;
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    const IncarnationRecord& incarnation = run.incarnations[i];
    if (incarnation.zero_time && !incarnation.recovered) ++current;
    application[i] = std::max(current, 0);
  }
  return application;
}

// When each application (see ApplicationOf) started its context afresh.
std::vector<Time> ApplicationStarts(const TrialRun& run, const std::vector<int>& application) {
  std::vector<Time> starts;
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    const IncarnationRecord& incarnation = run.incarnations[i];
    if (static_cast<size_t>(application[i]) >= starts.size()) {
      starts.resize(application[i] + 1, incarnation.started_at);
    }
    if (incarnation.zero_time && !incarnation.recovered) {
      starts[application[i]] = incarnation.started_at;
    }
  }
  return starts;
}

// The batch input each incarnation of a log- or receiver-source run saw: per application, every
// batch's latest assignment up to and including that incarnation.
std::vector<std::vector<ckpt::Records>> IncarnationBatchInputs(
    const Scenario& scenario, const TrialRun& run, const std::vector<int>& application) {
  std::vector<std::vector<ckpt::Records>> inputs(run.incarnations.size());
  std::map<int, std::vector<ckpt::Records>> current;  // application -> batch input so far
  std::map<int, Time> zero;                           // application -> zero time
  size_t next = 0;
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    int app = application[i];
    std::vector<ckpt::Records>& input = current[app];
    input.resize(scenario.batches);
    if (run.incarnations[i].zero_time && !zero.count(app))
      zero[app] = *run.incarnations[i].zero_time;
    for (; next < run.input_batches.size() &&
           run.input_batches[next].incarnation == static_cast<int>(i);
         ++next) {
      const InputBatch& batch = run.input_batches[next];
      int64_t index = BatchIndex(batch.batch_time, zero.count(app) ? zero[app] : Time{0},
                                 scenario.batch_duration);
      if (index >= 1 && index <= scenario.batches) input[index - 1] = batch.records;
    }
    inputs[i] = input;
  }
  return inputs;
}

// Which application each incarnation belongs to, when each application started, and the
// reference each incarnation's outputs are compared with.
struct Applications {
  Applications(const Scenario& scenario, const TrialRun& run)
      : of(ApplicationOf(run)), starts(ApplicationStarts(run, of)) {
    bool by_input = InputDependsOnTiming(scenario);
    std::vector<std::vector<ckpt::Records>> inputs;
    if (by_input) inputs = IncarnationBatchInputs(scenario, run, of);
    for (size_t i = 0; i < run.incarnations.size(); ++i) {
      keys.push_back(ReferenceKey{starts[of[i]],
                                  by_input ? std::optional(std::move(inputs[i])) : std::nullopt});
    }
  }
  // The key of application `app`: that of its last incarnation.
  const ReferenceKey& key_of_application(int app) const {
    for (size_t i = of.size(); i-- > 0;) {
      if (of[i] == app) return keys[i];
    }
    return keys.front();
  }
  std::vector<int> of;
  std::vector<Time> starts;
  std::vector<ReferenceKey> keys;  // per incarnation
};

void CheckEmissions(const Scenario& scenario, const ReferenceFor& reference_for,
                    const TrialRun& run, const Applications& applications,
                    std::vector<Failure>& failures) {
  const std::vector<int>& application = applications.of;
  // Each incarnation's reference, looked up once (a log source's key holds every batch's input).
  std::vector<const Reference*> references(run.incarnations.size(), nullptr);
  // (application, output, time) -> incarnations that emitted it.
  std::map<std::tuple<int, std::string, int64_t>, std::vector<int>> emitted_by;
  for (const Emission& e : run.emissions) {
    const IncarnationRecord& incarnation = run.incarnations[e.incarnation];
    Time zero = incarnation.zero_time.value_or(Time{0});
    int64_t index = BatchIndex(e.batch_time, zero, scenario.batch_duration);
    const Reference*& cached = references[e.incarnation];
    if (!cached) cached = &reference_for(applications.keys[e.incarnation]);
    const Reference& reference = *cached;
    auto expected = reference.outputs.find(e.output);
    if (index < 1 || index > scenario.batches || expected == reference.outputs.end() ||
        reference.silent.count({e.output, index}) > 0) {
      failures.push_back(
          {FailureKind::kDivergentOutput, e.batch_time,
           "output " + e.output + " emitted for a batch time the reference run " + "never had"});
      continue;
    }
    const ckpt::Records& want = expected->second[index - 1];
    if (e.records != want) {
      failures.push_back({FailureKind::kDivergentOutput, e.batch_time,
                          "output " + e.output + " of batch " + std::to_string(e.batch_time.ms) +
                              ": expected " + Describe(want) + ", got " + Describe(e.records) +
                              " (incarnation " + std::to_string(e.incarnation) + ")"});
    }
    auto& emitters = emitted_by[{application[e.incarnation], e.output, e.batch_time.ms}];
    if (!emitters.empty()) {
      std::string why;
      if (std::find(emitters.begin(), emitters.end(), e.incarnation) != emitters.end()) {
        why = "emitted twice by incarnation " + std::to_string(e.incarnation);
      } else if (!incarnation.recovered) {
        why = "emitted again by a fresh start";
      } else {
        std::vector<Time> reruns =
            LegitimateReruns(incarnation.checkpoint_time, incarnation.pending_times, zero,
                             scenario.batch_duration, incarnation.started_at);
        if (!std::binary_search(reruns.begin(), reruns.end(), e.batch_time)) {
          why = "emitted again by incarnation " + std::to_string(e.incarnation) +
                ", which recovered from checkpoint time " +
                std::to_string(incarnation.checkpoint_time.ms) + " and had no reason to re-run it";
        }
      }
      if (!why.empty()) {
        failures.push_back(
            {FailureKind::kUnexpectedDuplicate, e.batch_time,
             "output " + e.output + " of batch " + std::to_string(e.batch_time.ms) + " " + why});
      }
    }
    emitters.push_back(e.incarnation);
  }
}

// Checks that application `checked` (see ApplicationOf) emitted every batch of its reference.
// `abandoned` explains why an application that is not the last had to finish anyway.
void CheckCompleteness(const Scenario& scenario, const ReferenceFor& reference_for,
                       const TrialRun& run, const Applications& applications, int checked,
                       const std::string& abandoned, std::vector<Failure>& failures) {
  const std::vector<int>& application = applications.of;
  const Reference& reference = reference_for(applications.key_of_application(checked));
  std::optional<Time> zero;
  int last_incarnation = -1;
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    if (application[i] != checked) continue;
    if (!zero) zero = run.incarnations[i].zero_time;
    last_incarnation = static_cast<int>(i);
  }
  if (!zero) {
    failures.push_back({FailureKind::kNoProgress, std::nullopt,
                        "the last application run never started its streams"});
    return;
  }
  std::set<std::pair<std::string, int64_t>> seen;
  for (const Emission& e : run.emissions) {
    if (application[e.incarnation] == checked) seen.insert({e.output, e.batch_time.ms});
  }
  // A batch whose output write failed (injected) stays pending until the next recovery runs it
  // again (SPARK-18905); only a failure in the last incarnation may leave it missing.
  std::map<std::pair<std::string, int64_t>, int> failed_in;
  for (const FailedOutput& f : run.failed_outputs) {
    if (application[f.incarnation] == checked) {
      failed_in[{f.output, f.batch_time.ms}] = f.incarnation;
    }
  }
  // A job an injected I/O error failed is owed the same way, for every output.
  for (const FailedJob& f : run.failed_jobs) {
    if (application[f.incarnation] != checked) continue;
    for (const auto& [output, batches] : reference.outputs) {
      failed_in[{output, f.batch_time.ms}] = f.incarnation;
    }
  }
  for (const auto& [output, batches] : reference.outputs) {
    for (int64_t index = 1; index <= static_cast<int64_t>(batches.size()); ++index) {
      Time time = *zero + scenario.batch_duration * index;
      if (seen.count({output, time.ms}) || reference.silent.count({output, index})) continue;
      auto failed = failed_in.find({output, time.ms});
      if (failed != failed_in.end()) {
        if (failed->second == last_incarnation) continue;
        failures.push_back({FailureKind::kLostBatch, time,
                            "output " + output + " of batch " + std::to_string(time.ms) +
                                " failed in incarnation " + std::to_string(failed->second) +
                                " and no later recovery ran it again"});
        return;
      }
      failures.push_back({FailureKind::kLostBatch, time,
                          "output " + output + " of batch " + std::to_string(time.ms) +
                              " never appeared (expected " + Describe(batches[index - 1]) + ")" +
                              abandoned});
      return;  // the first lost batch says it; the rest follow from it
    }
  }
}

// Applications that a fresh start abandoned although they had written a checkpoint: the
// checkpointed progress is gone, so each must still have emitted all of its batches. The one
// contracted exception: createOnError on, and every checkpoint file unreadable.
void CheckAbandonedApplications(const Scenario& scenario, const ReferenceFor& reference_for,
                                const TrialRun& run, const Applications& applications,
                                std::vector<Failure>& failures) {
  const std::vector<int>& application = applications.of;
  std::string written;  // the newest checkpoint the current application wrote
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    const IncarnationRecord& incarnation = run.incarnations[i];
    bool fresh_start = i > 0 && incarnation.zero_time && !incarnation.recovered;
    if (fresh_start && !written.empty()) {
      bool excused = scenario.create_on_error && !incarnation.unreadable_checkpoints.empty();
      if (!excused) {
        CheckCompleteness(scenario, reference_for, run, applications, application[i - 1],
                          "; incarnation " + std::to_string(i) + " started afresh although " +
                              written + " had been written: the crash lost the checkpoint",
                          failures);
      }
      written.clear();
    }
    if (!incarnation.checkpoints_written.empty()) written = incarnation.checkpoints_written.back();
  }
}

// Exactly once over the union of batches: within each application, the offset ranges of the
// batches (each batch's last assignment) cover every partition from 0 with no gap and no overlap.
void CheckLogOffsets(const TrialRun& run, const Applications& applications,
                     std::vector<Failure>& failures) {
  // application -> batch time -> (ranges, incarnation) of its last assignment
  std::map<int, std::map<Time, std::pair<std::vector<ckpt::OffsetRange>, int>>> assigned;
  for (const InputBatch& batch : run.input_batches) {
    assigned[applications.of[batch.incarnation]][batch.batch_time] = {batch.ranges,
                                                                      batch.incarnation};
  }
  for (const auto& [app, batches] : assigned) {
    std::map<int32_t, std::pair<int64_t, Time>> next;  // partition -> (next offset, read by)
    for (const auto& [time, assignment] : batches) {
      for (const ckpt::OffsetRange& range : assignment.first) {
        auto [expected, previous] = next.count(range.partition)
                                        ? next[range.partition]
                                        : std::pair<int64_t, Time>{0, Time{-1}};
        std::string where = "partition " + std::to_string(range.partition) + ": batch " +
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

// At least once over the last application's batches (see RecoveryContract).
void CheckReceivedRecords(const TrialRun& run, const Applications& applications,
                          std::vector<Failure>& failures) {
  if (run.incarnations.empty()) return;
  int app = applications.of.back();
  std::map<Time, const InputBatch*> last;  // batch time -> its last computation
  for (const InputBatch& batch : run.input_batches) {
    if (applications.of[batch.incarnation] == app) last[batch.batch_time] = &batch;
  }
  std::map<std::string, Time> read_by;  // block id -> the batch that read it
  std::vector<std::pair<int64_t, int64_t>> covered;
  for (const auto& [time, batch] : last) {
    for (size_t i = 0; i < batch->block_ids.size(); ++i) {
      auto [first, inserted] = read_by.emplace(batch->block_ids[i], time);
      if (!inserted) {
        failures.push_back({FailureKind::kUnexpectedDuplicate, time,
                            "block " + batch->block_ids[i] + " was read by batch " +
                                first->second.to_string() + " and again by batch " +
                                time.to_string()});
        return;
      }
      covered.emplace_back(batch->ranges[i].from, batch->ranges[i].until);
    }
  }
  const ReceiverAllocation* final_allocation = nullptr;
  for (const ReceiverAllocation& allocation : run.receiver_allocations) {
    if (applications.of[allocation.incarnation] == app) final_allocation = &allocation;
  }
  if (!final_allocation) return;
  size_t first_incarnation = 0;
  while (applications.of[first_incarnation] != app) ++first_incarnation;
  int64_t earlier = run.incarnations[first_incarnation].source_acknowledged_at_start;
  // Blocks allocated to a batch whose receiver stream was then never computed: its RDDs were
  // restored from a checkpoint (see the known weakness below).
  std::set<std::pair<int, Time>> computed;  // (incarnation, batch time)
  for (const InputBatch& batch : run.input_batches) {
    computed.emplace(batch.incarnation, batch.batch_time);
  }
  std::vector<std::pair<int64_t, int64_t>> never_read;
  for (const ReceiverAllocation& allocation : run.receiver_allocations) {
    if (applications.of[allocation.incarnation] != app ||
        computed.count({allocation.incarnation, allocation.batch_time})) {
      continue;
    }
    for (const ckpt::OffsetRange& range : allocation.ranges) {
      never_read.emplace_back(range.from, range.until);
    }
  }
  std::vector<std::pair<int64_t, int64_t>> before, restored, during;
  for (const auto& [from, until] : Uncovered(covered, final_allocation->acknowledged)) {
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
    failures.push_back(
        {FailureKind::kLostRecords, at, DescribeRanges(ranges) + " " + why, known_weakness});
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
  lost(before,
       "were acknowledged by an application that crashed before any checkpoint was durable; the "
       "new application does not replay the block log (Spark recovers it only with a "
       "checkpoint)",
       "received before the first checkpoint");
}

// Spark's Checkpoint.createSparkConf: a recovered context keeps the checkpoint's conf except the
// reload list, which comes from the new process. Checked on the contexts recovered from the
// application the first process created with the scenario's `conf` (a fresh start after a crash
// creates its application from `restart_conf`).
void CheckRecoveredConf(const Scenario& scenario, const TrialRun& run,
                        const Applications& applications, std::vector<Failure>& failures) {
  if (scenario.expect_conf.empty() || run.incarnations.empty() || !run.incarnations[0].zero_time) {
    return;  // the first process died before it created the application
  }
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    const IncarnationRecord& incarnation = run.incarnations[i];
    if (applications.of[i] != 0 || !incarnation.recovered || !incarnation.start_error.empty()) {
      continue;
    }
    for (const auto& [key, want] : scenario.expect_conf) {
      auto got = incarnation.conf.find(key);
      std::optional<std::string> have;
      if (got != incarnation.conf.end()) have = got->second;
      if (have == want) continue;
      auto show = [](const std::optional<std::string>& v) { return v ? "'" + *v + "'" : "absent"; };
      failures.push_back({FailureKind::kProtocolViolation, std::nullopt,
                          "incarnation " + std::to_string(i) + " recovered with " + key + " " +
                              show(have) + ", expected " + show(want)});
      return;
    }
  }
}

// Spark retries a checkpoint write up to 3 times when it fails with an I/O error (SPARK-22429).
void CheckGivenUpWrites(const TrialRun& run, std::vector<Failure>& failures) {
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

// When a crash dropped unsynced data, says so on the first failure: on posix and lying-disk
// that is where the protocol's missing sync shows.
void AddDurabilityNote(const TrialRun& run, std::vector<Failure>& failures) {
  if (failures.empty()) return;
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    const std::vector<std::string>& lost = run.incarnations[i].lost_at_crash;
    if (lost.empty()) continue;
    // A checkpoint file's loss tells the story best.
    auto example = std::find_if(lost.begin(), lost.end(), [](const std::string& line) {
      return line.find("/checkpoint-") != std::string::npos;
    });
    std::string note = " [the crash of incarnation " + std::to_string(i) + " on " +
                       PersistenceModelName(run.fs_model) + " storage left " +
                       std::to_string(lost.size()) + " unsynced change(s) lost or mangled, e.g. " +
                       (example == lost.end() ? lost.front() : *example);
    if (run.fs_model == PersistenceModel::kLyingDisk) {
      note += "; this disk ignores sync";
    } else if (run.fs_model == PersistenceModel::kPosix && !run.checkpoint_sync) {
      note += "; the checkpoint files were never synced: set ckptsim.checkpoint.sync=true";
    }
    failures.front().detail += note + "]";
    return;
  }
}

int Severity(FailureKind kind) { return static_cast<int>(kind); }

// The contract of corruption faults with createOnError off: when an injected fault mangled every
// checkpoint file in the directory, getOrCreate stops with "Failed to read checkpoint". (A reader
// that gave up while an intact file was there breaks the contract.)
bool EveryCheckpointCorruptedByFaults(const IncarnationRecord& incarnation) {
  return incarnation.start_error.find("Failed to read checkpoint from directory") !=
             std::string::npos &&
         incarnation.intact_checkpoint_files.empty();
}

}  // namespace

ckpt::Result<FailureKind> ParseFailureKind(const std::string& name) {
  return ParseNamed(
      name,
      {FailureKind::kNondeterminism, FailureKind::kEngineAssert, FailureKind::kRecoveryError,
       FailureKind::kProtocolViolation, FailureKind::kNoProgress, FailureKind::kLostBatch,
       FailureKind::kLostRecords, FailureKind::kDivergentOutput, FailureKind::kUnexpectedDuplicate,
       FailureKind::kExpectationMismatch},
      FailureKindName, "failure kind");
}

const char* FailureKindName(FailureKind kind) {
  switch (kind) {
    case FailureKind::kNondeterminism:
      return "nondeterminism";
    case FailureKind::kLostBatch:
      return "lost_batch";
    case FailureKind::kLostRecords:
      return "lost_records";
    case FailureKind::kDivergentOutput:
      return "divergent_output";
    case FailureKind::kUnexpectedDuplicate:
      return "unexpected_duplicate";
    case FailureKind::kNoProgress:
      return "no_progress";
    case FailureKind::kRecoveryError:
      return "recovery_error";
    case FailureKind::kEngineAssert:
      return "engine_assert";
    case FailureKind::kExpectationMismatch:
      return "expectation_mismatch";
    case FailureKind::kProtocolViolation:
      return "protocol_violation";
  }
  return "?";
}

std::vector<Time> LegitimateReruns(Time checkpoint_time, const std::vector<Time>& pending_times,
                                   Time zero_time, ckpt::Duration batch, Time now) {
  Time restart_time = zero_time + batch * ((now - zero_time).ms / batch.ms + 1);
  std::vector<Time> times = checkpoint_time.until(restart_time, batch);
  times.insert(times.end(), pending_times.begin(), pending_times.end());
  std::erase_if(times, [&](Time t) { return t >= restart_time; });
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  return times;
}

ReferenceOutcome BuildReference(const Scenario& scenario, const TrialRun& run) {
  ReferenceOutcome outcome;
  Reference& reference = outcome.reference;
  reference.steps = run.total_steps;
  reference.digest = run.digest;
  for (const std::string& output : scenario.output_names()) {
    reference.outputs[output].assign(scenario.batches, ckpt::Records{});
  }
  // A write that failed (injected) shows what the batch's output is; a later success overrides.
  Time zero = run.incarnations.empty() ? Time{0} : run.incarnations[0].zero_time.value_or(Time{0});
  auto record = [&](const std::string& output, Time time, const ckpt::Records& records) {
    int64_t index = BatchIndex(time, zero, scenario.batch_duration);
    if (index < 1 || index > scenario.batches) return;
    reference.outputs[output][index - 1] = records;
    reference.silent.erase({output, index});
  };
  for (const std::string& output : scenario.output_names()) {
    for (int64_t index = 1; index <= scenario.batches; ++index) {
      reference.silent.insert({output, index});
    }
  }
  for (const FailedOutput& f : run.failed_outputs) record(f.output, f.batch_time, f.records);
  for (const Emission& e : run.emissions) record(e.output, e.batch_time, e.records);
  // An uncrashed run is held to the same contract, against itself.
  outcome.failures = CheckTrial(scenario, reference, run);
  for (const auto& [output, expected_batches] : scenario.expect) {
    for (size_t i = 0; i < expected_batches.size(); ++i) {
      ckpt::Records want = expected_batches[i];
      ckpt::SortRecords(want);
      const ckpt::Records& got = reference.outputs[output][i];
      if (want != got) {
        Time time = zero + scenario.batch_duration * static_cast<int64_t>(i + 1);
        outcome.failures.push_back({FailureKind::kExpectationMismatch, time,
                                    "output " + output + " of batch " + std::to_string(time.ms) +
                                        ": the scenario expects " + Describe(want) +
                                        ", the uninterrupted run gave " + Describe(got)});
        break;
      }
    }
  }
  return outcome;
}

std::string RecoveryContract(const Scenario& scenario, const TrialRun& run) {
  if (!scenario.expect_failures.empty()) return "unsafe configuration: failures expected";
  if (!scenario.expect_error.empty()) return "stop with a clear error";
  bool faulted = !run.corrupted_by_faults.empty() || !run.failed_jobs.empty();
  for (const IncarnationRecord& incarnation : run.incarnations) {
    faulted = faulted || !incarnation.injected.empty() || !incarnation.lost_at_crash.empty();
  }
  return faulted ? "recover with re-executed batches only" : "recover exactly";
}

bool StartTimeMatters(const Scenario& scenario) { return scenario.source_kind == "file"; }

bool InputDependsOnTiming(const Scenario& scenario) {
  return scenario.source_kind == "log" || scenario.source_kind == "receiver";
}

// A job that failed reading a received block cut before the newest fresh application started:
// a block of an application that died before its first checkpoint, whose driver-log records a
// later recovery replayed (the log directory is shared by every application of the checkpoint
// directory, and readAll reads every file in it).
bool ReadAStaleApplicationsBlock(const TrialRun& run, const Failure& failure) {
  static const std::string kMarker = "Could not read data from write ahead log record input-";
  size_t at = failure.detail.find(kMarker);
  if (at == std::string::npos) return false;
  size_t dash = failure.detail.find('-', at + kMarker.size());
  if (dash == std::string::npos) return false;
  int64_t block_ms = 0;
  const char* begin = failure.detail.data() + dash + 1;
  auto [end, error] =
      std::from_chars(begin, failure.detail.data() + failure.detail.size(), block_ms);
  if (error != std::errc() || end == begin) return false;
  for (size_t i = run.incarnations.size(); i-- > 1;) {
    const IncarnationRecord& incarnation = run.incarnations[i];
    if (incarnation.zero_time && !incarnation.recovered) {
      return block_ms < incarnation.started_at.ms;
    }
  }
  return false;
}

std::optional<std::string> KnownWeakness(const TrialRun& run, const Failure& failure) {
  if (!failure.known_weakness.empty()) return failure.known_weakness;
  if (failure.kind != FailureKind::kRecoveryError) return std::nullopt;
  if (ReadAStaleApplicationsBlock(run, failure)) return "stale block log of an earlier application";
  auto parse = [](const std::string& path) {
    return ckpt::ParseCheckpointName(ckpt::ParentPath(path), ckpt::BaseName(path));
  };
  for (size_t i = 2; i < run.incarnations.size(); ++i) {
    const IncarnationRecord& incarnation = run.incarnations[i];
    std::optional<ckpt::CheckpointFile> read = parse(incarnation.checkpoint_file);
    if (!read ||
        incarnation.start_error.find("Checkpoint directory does not exist") == std::string::npos) {
      continue;
    }
    // An earlier recovered process wrote checkpoints under names older than the file this one
    // read (a new writer names files after the times it has seen), and not that file itself, so
    // the reader's order by name passed them over for a stale file whose RDD files that
    // process's cleanup deleted.
    for (size_t j = 1; j < i; ++j) {
      bool wrote_older = false, wrote_read = false;
      for (const std::string& path : run.incarnations[j].checkpoints_written) {
        std::optional<ckpt::CheckpointFile> written = parse(path);
        if (!written) continue;
        wrote_older = wrote_older || written->time < read->time;
        wrote_read = wrote_read || written->time == read->time;
      }
      if (wrote_older && !wrote_read) return "SPARK-19280 family";
    }
  }
  return std::nullopt;
}

std::vector<ckpt::Records> BatchInput(const Scenario& scenario, const TrialRun& run) {
  std::vector<int> application(run.incarnations.size(), 0);
  std::vector<std::vector<ckpt::Records>> inputs =
      IncarnationBatchInputs(scenario, run, application);
  return inputs.empty() ? std::vector<ckpt::Records>(scenario.batches) : inputs.back();
}

std::vector<Failure> CheckTrial(const Scenario& scenario, const Reference& reference,
                                const TrialRun& run, bool require_expected_error) {
  return CheckTrial(
      scenario, [&reference](const ReferenceKey&) -> const Reference& { return reference; }, run,
      require_expected_error);
}

std::vector<Failure> CheckTrial(const Scenario& scenario, const ReferenceFor& reference_for,
                                const TrialRun& run, bool require_expected_error) {
  std::vector<Failure> failures;
  if (!run.engine_assert.empty()) {
    failures.push_back({FailureKind::kEngineAssert, std::nullopt, run.engine_assert});
    return failures;
  }
  bool expected_error_seen = false;
  bool contracted_stop = false;
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    const IncarnationRecord& incarnation = run.incarnations[i];
    std::string who = "incarnation " + std::to_string(i);
    for (const auto& [stream_id, restores] : incarnation.restores) {
      if (restores <= 1) continue;
      failures.push_back({FailureKind::kProtocolViolation, std::nullopt,
                          who + " restored the checkpoint data of stream " +
                              std::to_string(stream_id) + " " + std::to_string(restores) +
                              " times (Spark restores each stream once, SPARK-11749)"});
    }
    if (!scenario.expect_error.empty() &&
        incarnation.start_error.find(scenario.expect_error) != std::string::npos) {
      expected_error_seen = true;  // the contracted outcome: recovery stops with this error
    } else if (EveryCheckpointCorruptedByFaults(incarnation)) {
      contracted_stop = true;
    } else if (!incarnation.start_error.empty()) {
      failures.push_back({FailureKind::kRecoveryError, std::nullopt,
                          who + " could not start: " + incarnation.start_error});
    }
    for (const std::string& error : incarnation.errors) {
      failures.push_back({FailureKind::kRecoveryError, std::nullopt, who + ": " + error});
    }
  }
  if (!run.quiesced) {
    failures.push_back(
        {FailureKind::kNoProgress, std::nullopt, "the run did not finish within its step budget"});
  }
  if (require_expected_error && !scenario.expect_error.empty() && !expected_error_seen) {
    failures.push_back(
        {FailureKind::kExpectationMismatch, std::nullopt,
         "recovery was expected to fail with \"" + scenario.expect_error + "\" and did not"});
  }
  Applications applications(scenario, run);
  if (scenario.source_kind == "log") CheckLogOffsets(run, applications, failures);
  if (scenario.source_kind == "receiver") CheckReceivedRecords(run, applications, failures);
  CheckRecoveredConf(scenario, run, applications, failures);
  CheckEmissions(scenario, reference_for, run, applications, failures);
  bool stopped = expected_error_seen || contracted_stop ||
                 std::any_of(failures.begin(), failures.end(), [](const Failure& f) {
                   return f.kind == FailureKind::kRecoveryError;
                 });
  if (!stopped) {
    int last = applications.of.empty() ? 0 : applications.of.back();
    CheckCompleteness(scenario, reference_for, run, applications, last, "", failures);
    CheckAbandonedApplications(scenario, reference_for, run, applications, failures);
  }
  CheckGivenUpWrites(run, failures);
  std::stable_sort(failures.begin(), failures.end(), [](const Failure& a, const Failure& b) {
    if (Severity(a.kind) != Severity(b.kind)) return Severity(a.kind) < Severity(b.kind);
    return a.batch_time.value_or(Time{-1}) < b.batch_time.value_or(Time{-1});
  });
  if (!failures.empty()) {
    std::string contract = RecoveryContract(scenario, run);
    failures.front().detail =
        (scenario.expect_failures.empty() ? "breaks \"" + contract + "\": " : contract + ": ") +
        failures.front().detail;
  }
  AddDurabilityNote(run, failures);
  return failures;
}

}  // namespace sim
