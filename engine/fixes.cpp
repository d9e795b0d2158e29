#include "engine/fixes.h"

namespace ckpt {

const std::vector<FixInfo>& AllFixes() {
  static const std::vector<FixInfo> fixes = {
      {Fix::kWriterLearnsNewestName, "writer-learns-newest-name", "SPARK-19280 family",
       "SPARK-19280 (closed without a fix): a new process's CheckpointWriter starts with no "
       "latestCheckpointTime, so after a recovery it names checkpoints after older times than a "
       "stale file already in the directory",
       "before its first write, the writer sets latestCheckpointTime to the newest time among "
       "the directory's checkpoint files, so no file it writes is older by name than one there"},
      {Fix::kReplayBlockLogWithoutCheckpoint, "replay-block-log-without-checkpoint",
       "received before the first checkpoint",
       "ReceivedBlockTracker(recoverFromWriteAheadLog = isCheckpointPresent): a driver that dies "
       "before its first checkpoint is durable leaves acknowledged blocks that the next "
       "application never reads",
       "the block log is replayed whenever it exists, with or without a checkpoint (its additions "
       "only, every block unallocated), and the receivers' data-log cleanup keeps the files of "
       "blocks that are unallocated or allocated to a batch not yet cleaned up"},
      {Fix::kDanglingBlocksToNextBatch, "dangling-blocks-to-next-batch",
       "dangling blocks allocated to a restored batch",
       "SPARK-5233: restart allocates recovered unallocated blocks to the first rescheduled "
       "batch, whose RDDs may be restored from the checkpoint, so no job reads them",
       "restart allocates no blocks to rescheduled batches (they keep their logged allocations); "
       "the dangling blocks go to the first batch the timer generates"},
      {Fix::kFreshApplicationDropsBlockLog, "fresh-application-drops-block-log",
       "stale block log of an earlier application",
       "the block log directory is shared by every application of a checkpoint directory and "
       "readAll reads every file in it, so a later recovery replays an abandoned application's "
       "blocks",
       "an application that starts afresh logs the blocks it adopted (with "
       "replay-block-log-without-checkpoint) again in a log of its own, then deletes the block "
       "log files it found"},
      {Fix::kCheckpointAtStart, "checkpoint-at-start", "fresh start before the first checkpoint",
       "the first metadata checkpoint is written after the first batch is generated: a driver "
       "that dies before it is durable leaves nothing to recover from, so getOrCreate starts a "
       "new application, and a file stream (newFilesOnly) ignores every file older than its "
       "start, including those the dead application had not finished",
       "start() writes a checkpoint (content time: the first batch time, nothing pending) and "
       "waits for it before the timer starts, so a crash after start recovers and reschedules "
       "every batch from the first"},
      {Fix::kLastProcessedBatchNeverRegresses, "last-processed-batch-never-regresses",
       "graceful stop after out-of-order completions",
       "markBatchFullyProcessed sets lastProcessedBatch to whichever batch finished last, and a "
       "graceful stop waits until it equals the stop time: when an older batch finishes after the "
       "stop time's batch (spark.streaming.concurrentJobs > 1, or an off-grid batch marked at its "
       "completion while an older batch's checkpoint is still being written), the stop waits for "
       "spark.streaming.gracefulStopTimeout and gives up",
       "markBatchFullyProcessed keeps the newest batch time it was given (lastProcessedBatch never "
       "goes back)"},
      {Fix::kPendingBatchesKeepTheirMetadata, "pending-batches-keep-their-metadata",
       "a pending batch's input forgotten",
       "clearMetadata(t) forgets every generated RDD older than t minus the remember duration, "
       "with the input description a checkpoint would keep (a log stream's offset ranges, a file "
       "stream's file lists), even for a batch still pending: with "
       "spark.streaming.concurrentJobs > 1 an older slow batch outlasts it, and a recovery then "
       "computes that batch from new input",
       "clearMetadata(t) and the received-block cleanup of ClearCheckpointData(t) clear only what "
       "they would for the oldest batch still pending or whose completion checkpoint is not "
       "written yet (t itself when there is none older)"},
      {Fix::kReplayAddsEachBlockOnce, "replay-adds-each-block-once", "a block logged twice",
       "FileBasedWriteAheadLog.write retries a failed write on a new file, and the failed "
       "attempt's record may still be in the old one (its bytes were written before the flush "
       "failed, and closing the writer keeps them): the driver's block log then holds a block's "
       "addition twice, and recoverPastEvents queues the block once per record, so it is "
       "allocated, and read, twice",
       "replaying the driver's block log queues a block only once, whatever the number of its "
       "addition records"},
      {Fix::kReaderRetriesAFailedRead, "reader-retries-a-failed-read",
       "a fallback past the cleanup",
       "CheckpointReader.read moves on to the next older file on any error, a transient I/O "
       "error included, and ClearCheckpointData after the newest checkpoint has already deleted "
       "what older checkpoints reference (state RDD files, a pending batch's block allocations): "
       "recovery from the older file then fails or reads the wrong blocks",
       "the reader reads a file that failed with an I/O error once more before it tries an older "
       "one (a file the disk tore reads no better: that form needs a cleanup that keeps what "
       "every retained checkpoint references, not built)"},
      {Fix::kIdempotentOutputStores, "idempotent-output-stores",
       "at-least-once output to an appending store",
       "Spark's output operations are at least once (its documented guarantee): a batch that "
       "recovery runs again, the checkpoint-time batch and those pending or due while the driver "
       "was down, is written again, and a store that appends every write keeps it twice",
       "every store a foreach_rdd writes to keeps one write per batch time, the last (the user's "
       "fix: writes keyed by batch time, or a transactional commit of batch time and output)"},
  };
  return fixes;
}

Result<Fix> ParseFix(const std::string& name) {
  std::string known;
  for (const FixInfo& info : AllFixes()) {
    if (name == info.name) return info.fix;
    known += (known.empty() ? "" : ", ") + std::string(info.name);
  }
  return Status::InvalidArgument("unknown fix '" + name + "' (known: " + known + ")");
}

const FixInfo* FixForWeakness(const std::string& weakness) {
  for (const FixInfo& info : AllFixes()) {
    if (weakness == info.weakness) return &info;
  }
  return nullptr;
}

std::vector<std::string> FixSet::names() const {
  std::vector<std::string> names;
  for (const FixInfo& info : AllFixes()) {
    if (has(info.fix)) names.emplace_back(info.name);
  }
  return names;
}

}  // namespace ckpt
