#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "engine/checkpoint/checkpoint.h"
#include "engine/checkpoint/checkpoint_writer.h"
#include "oracle/check.h"

namespace sim {

namespace {

// A job that failed reading a received block cut before the newest fresh application started:
// a block of an application that died before its first checkpoint, whose driver-log records a
// later recovery replayed (the log directory is shared by every application of the checkpoint
// directory, and readAll reads every file in it).
bool ReadAStaleApplicationsBlock(const TrialRun& run, const Failure& failure) {
  if (!failure.error.has(ckpt::ErrorMark::kWalRecordUnreadable)) return false;
  std::optional<int64_t> block_ms = BlockTimeMs(failure.error.subject());
  if (!block_ms) return false;
  for (size_t i = run.incarnations.size(); i-- > 1;) {
    const IncarnationRecord& incarnation = run.incarnations[i];
    if (incarnation.zero_time && !incarnation.recovered) {
      return *block_ms < incarnation.clock_at_start().ms;
    }
  }
  return false;
}

// Whether recovered process `i` read a stale checkpoint: an earlier recovered process wrote
// checkpoints under names older than the file it read (a new writer names files after the times
// it has seen), and not that file itself, so the reader's order by name passed them over for a
// stale file whose references (RDD files, received data, block log records) that process's
// cleanup deleted.
bool ReadAStaleCheckpoint(const TrialRun& run, size_t i) {
  auto parse = [](const std::string& path) {
    return ckpt::ParseCheckpointName(ckpt::ParentPath(path), ckpt::BaseName(path));
  };
  std::optional<ckpt::CheckpointFile> read = parse(run.incarnations[i].checkpoint_file);
  if (!read) return false;
  for (size_t j = 1; j < i; ++j) {
    bool wrote_older = false, wrote_read = false;
    for (const std::string& path : run.incarnations[j].checkpoints_written) {
      std::optional<ckpt::CheckpointFile> written = parse(path);
      if (!written) continue;
      wrote_older = wrote_older || written->time < read->time;
      wrote_read = wrote_read || written->time == read->time;
    }
    if (wrote_older && !wrote_read) return true;
  }
  return false;
}

// What a stale checkpoint's lost references look like: an RDD checkpoint file missing at start,
// a received block's data gone from the data log when a job reads it, or a batch that reads none
// of the blocks allocated to it (their allocation record cleaned from the block log).
bool LostAReference(const IncarnationRecord& incarnation, const Failure& failure) {
  if (failure.rule == "receiver.reads_allocation" || failure.rule == "rdd.referenced_files_exist") {
    return true;
  }
  if (failure.kind != FailureKind::kRecoveryError) return false;
  if (incarnation.start_error.has(ckpt::ErrorMark::kRddCheckpointMissing)) return true;
  return std::any_of(
      incarnation.errors.begin(), incarnation.errors.end(),
      [](const ckpt::Status& error) { return error.has(ckpt::ErrorMark::kWalRecordUnreadable); });
}

// Whether a process's reader fell back past a checkpoint file it could not read for an I/O
// error (not a torn or corrupt one: that reads no better a second time) and lost a reference:
// the older file it recovered from references what the cleanup after the newer one had deleted
// (a state RDD file, a pending batch's block allocation).
bool FellBackPastTheCleanup(const TrialRun& run, const Failure& failure) {
  return std::any_of(run.incarnations.begin(), run.incarnations.end(), [&](const auto& process) {
    return std::any_of(
               process.unreadable_checkpoints.begin(), process.unreadable_checkpoints.end(),
               [](const ckpt::RejectedCheckpoint& file) { return file.error.is_io_error(); }) &&
           LostAReference(process, failure);
  });
}

// Whether a recovered process computed anew the offset ranges of a batch its checkpoint should
// have restored: one it held pending, or one older than its time (the lineage of a re-run
// batch). clearMetadata had forgotten them while an older batch was still running (a slow batch
// outlasting newer ones under spark.streaming.concurrentJobs > 1).
bool RecomputedAForgottenLogBatch(const TrialRun& run) {
  return std::any_of(run.input_batches.begin(), run.input_batches.end(), [&](const InputBatch& b) {
    bool log_batch = b.block_ids.empty() && !b.ranges.empty();
    const IncarnationRecord& process = run.incarnations.at(b.incarnation);
    const std::vector<Time>& pending = process.pending_times;
    return log_batch && !b.restored && process.recovered &&
           (b.batch_time < process.checkpoint_time ||
            std::find(pending.begin(), pending.end(), b.batch_time) != pending.end());
  });
}

// The receiver's form of the same: a recovered process recomputed a batch older than its
// checkpoint (the lineage of a pending batch's state, the pending batch having outlived the
// cleanup of its parents' blocks) and read none of the blocks its application had allocated to it.
bool RecomputedAForgottenReceiverBatch(const TrialRun& run, const Failure& failure) {
  if (failure.rule != "receiver.reads_allocation" || !failure.batch_time) return false;
  return std::any_of(run.input_batches.begin(), run.input_batches.end(), [&](const InputBatch& b) {
    const IncarnationRecord& process = run.incarnations.at(b.incarnation);
    return b.batch_time == *failure.batch_time && process.recovered &&
           !process.pending_times.empty() && b.batch_time < process.checkpoint_time &&
           b.block_ids.empty();
  });
}

// The same for a batch's data or state: a recovered process held a batch pending (its job had
// failed, on an injected read error say, or was running at the crash) and its re-run failed
// with `mark`: it could not read a block whose data log file the cleanup of a newer batch had
// deleted (kWalRecordUnreadable), or it recomputed state whose RDDs clearMetadata had forgotten,
// from the first batch on, a lineage deeper than a job can run (kLineageTooDeep).
bool RerunOfAPendingBatchFailed(const TrialRun& run, const Failure& failure, ckpt::ErrorMark mark) {
  if (failure.kind != FailureKind::kRecoveryError || !failure.error.has(mark)) return false;
  const std::string error = failure.error.to_string();
  return std::any_of(run.incarnations.begin(), run.incarnations.end(), [&](const auto& process) {
    return process.recovered && !process.pending_times.empty() &&
           std::any_of(process.errors.begin(), process.errors.end(),
                       [&](const ckpt::Status& e) { return e.to_string() == error; });
  });
}

}  // namespace

std::vector<std::string> KnownWeaknesses(const TrialRun& run, const Failure& failure) {
  std::vector<std::string> shapes;
  if (!failure.known_weakness.empty()) shapes.push_back(failure.known_weakness);
  // First of the lost references: the injected read error is the nearer cause, and a trial it
  // leaves failing with its fix on shows the next shape to the rerun.
  if (FellBackPastTheCleanup(run, failure)) shapes.push_back("a fallback past the cleanup");
  if (failure.kind == FailureKind::kRecoveryError && ReadAStaleApplicationsBlock(run, failure)) {
    shapes.push_back("stale block log of an earlier application");
  }
  for (size_t i = 2; i < run.incarnations.size(); ++i) {
    if (LostAReference(run.incarnations[i], failure) && ReadAStaleCheckpoint(run, i)) {
      shapes.push_back("SPARK-19280 family");
      break;
    }
  }
  if (RecomputedAForgottenLogBatch(run) || RecomputedAForgottenReceiverBatch(run, failure) ||
      RerunOfAPendingBatchFailed(run, failure, ckpt::ErrorMark::kWalRecordUnreadable) ||
      RerunOfAPendingBatchFailed(run, failure, ckpt::ErrorMark::kLineageTooDeep)) {
    shapes.push_back("a pending batch's input forgotten");
  }
  return shapes;
}

std::optional<std::string> KnownWeakness(const TrialRun& run, const Failure& failure) {
  std::vector<std::string> shapes = KnownWeaknesses(run, failure);
  if (shapes.empty()) return std::nullopt;
  return shapes.front();
}

}  // namespace sim
