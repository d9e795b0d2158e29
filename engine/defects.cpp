#include "engine/defects.h"

namespace ckpt {

const std::vector<DefectInfo>& AllDefects() {
  static const std::vector<DefectInfo> defects = {
      {Defect::kSkipPendingTimes, "skip-pending-times",
       "JobGenerator.restart rescheduling the checkpoint's pendingTimes (SPARK-18905 relies on it)",
       "restart reschedules only [checkpointTime, restartTime): batches that were pending when "
       "the checkpoint was taken and older than it are never run again",
       "scenarios/basic/running_count.yaml"},
      {Defect::kSkipDownTimes, "skip-down-times",
       "JobGenerator.restart rescheduling the down times [checkpointTime, restartTime)",
       "restart reschedules only the pending times: the checkpoint-time batch and the batches "
       "that fell due while the driver was down are lost",
       "scenarios/basic/wordcount.yaml"},
      {Defect::kCleanupReferencedRddFiles, "cleanup-referenced-rdd-files",
       "DStreamCheckpointData.cleanup deleting only files strictly older than the oldest file "
       "the durable checkpoint references",
       "ClearCheckpointData also deletes the oldest RDD file the newest checkpoint still "
       "references, so recovery fails with a missing RDD checkpoint file",
       "scenarios/basic/running_count.yaml"},
      {Defect::kNameByContentTime, "name-by-content-time",
       "SPARK-11740: CheckpointWriter naming files after latestCheckpointTime",
       "each file is named after its own checkpoint time: with slow batches the completion "
       "checkpoint of an older batch lands under an older name than the generation checkpoint "
       "of a newer one, recovery reads the newer-named file, and the RDD files it references "
       "may already be gone",
       "scenarios/spark/checkpointsuite_two_checkpoints_race.yaml"},
      {Defect::kDropFailedJobSet, "drop-failed-jobset",
       "SPARK-18905: JobScheduler keeping a job set until all its jobs succeed",
       "a batch whose job failed is dropped from the pending times, so recovery never runs it "
       "again and its output is lost",
       "scenarios/spark/failed_job_recovery.yaml"},
      {Defect::kRestorePerOutput, "restore-per-output",
       "SPARK-11749: DStream.restoreCheckpointData restoring each stream once",
       "restoreCheckpointData runs once per output path through a shared stream, rebuilding "
       "its RDDs several times",
       "scenarios/spark/checkpointsuite_restore_invoking_times.yaml"},
      {Defect::kFailExistingOutput, "fail-existing-output",
       "SPARK-4835: streaming jobs disabling Hadoop's output-spec validation",
       "saveAsTextFiles fails when the batch's output directory exists, so the batch that "
       "recovery runs again fails",
       "scenarios/spark/checkpointsuite_save_as_text_files.yaml"},
      {Defect::kNearestMarkedOnly, "nearest-marked-only",
       "SPARK-6847: streaming jobs checkpointing all marked ancestors",
       "RDD checkpointing stops at the nearest marked RDD, so a marked state RDD upstream of "
       "another is never written and its lineage grows until jobs fail (StackOverflowError)",
       "scenarios/spark/checkpointsuite_spark_6847.yaml"},
      {Defect::kNoRetryAfterIoError, "no-retry-after-io-error",
       "SPARK-22429: CheckpointWriteHandler recreating its FileSystem inside the retry loop",
       "after an I/O error the writer's FileSystem is null, so the retry fails with a "
       "NullPointerException and a checkpoint that one transient error hit is lost",
       "scenarios/faults/eio_on_rename.yaml"},
      {Defect::kOffsetsNotCheckpointed, "offsets-not-checkpointed",
       "DirectKafkaInputDStream serializing currentOffsets with the graph (a plain, non-transient "
       "field), so that down-time batches continue where the checkpointed batches stopped",
       "the recovered log stream knows no position and resumes at the log end offsets "
       "(auto.offset.reset=latest): the records between the checkpointed position and the "
       "restart are never read",
       "scenarios/spark/directkafkastreamsuite_offset_recovery.yaml"},
      {Defect::kConfCopiedWholesale, "conf-copied-wholesale",
       "SPARK-6331 (and SPARK-6304, SPARK-10311, SPARK-30199): Checkpoint.createSparkConf "
       "removing the driver's address and ports and reloading the master and the other keys of "
       "the reload list from the new process",
       "the recovered context keeps the checkpoint's conf as it was: a stale master URL, the old "
       "driver host and port, the old application id",
       "scenarios/spark/checkpointsuite_recovery_of_conf.yaml"},
      {Defect::kCheckpointInPlace, "checkpoint-in-place",
       "CheckpointWriter writing to a temp file and renaming it into place (the atomic-rename "
       "protocol that DESIGN.md's writer steps describe)",
       "checkpoint-<T> is created and written where it lies: a crash during the write leaves a "
       "partial file under a checkpoint name, and when no older file exists recovery fails with "
       "\"Failed to read checkpoint\" instead of starting afresh",
       "scenarios/basic/running_count.yaml"},
      {Defect::kReaderNoFallback, "reader-no-fallback",
       "CheckpointReader.read trying older checkpoint files when the newest fails to read",
       "only the newest checkpoint file is tried: one torn or corrupted file stops recovery "
       "although an older, intact checkpoint is there",
       "scenarios/faults/torn_newest_checkpoint.yaml"},
      {Defect::kRenameBeforeSync, "rename-before-sync",
       "ckptsim.checkpoint.sync's order: sync the temp file, rename it, sync the directory",
       "the temp file is renamed into place and the directory synced before its data is synced: "
       "on posix storage a crash can leave a durable checkpoint name over data that never "
       "reached the disk",
       "scenarios/faults/posix_with_sync.yaml"},
      {Defect::kWalClearQueueOnReplay, "wal-clear-queue-on-replay",
       "SPARK-23438: ReceivedBlockTracker's WAL replay removing only the allocated blocks from "
       "the unallocated queues",
       "replaying a BatchAllocationEvent clears the whole queue: a block whose addition reached "
       "the log before a concurrent allocation but joined the queue after it is dropped at "
       "recovery, and its acknowledged records are lost",
       "scenarios/receiver/reliable_receiver_with_wal.yaml"},
      {Defect::kDequeueBeforeWalWrite, "dequeue-before-wal-write",
       "SPARK-23991: allocateBlocksToBatch clearing the queues only after the BatchAllocationEvent "
       "is written",
       "the blocks are dequeued before the allocation is written to the driver WAL: when that "
       "write fails they belong to no batch and their records are lost",
       "scenarios/receiver/driver_wal_eio_on_allocation.yaml"},
      {Defect::kReschedulePastRestart, "spark-12122-reschedule-past-restart",
       "SPARK-12122: JobGenerator.restart rescheduling only times before the restart time",
       "restart reschedules every pending time, also those at or after the restart time: when "
       "the restarted driver's clock is behind the crashed one's, the timer generates those "
       "batches again and each runs twice",
       "scenarios/situations/restarted_clock_behind.yaml"},
      {Defect::kKeepCheckpointedPorts, "spark-30199-keep-checkpointed-ports",
       "SPARK-30199: Checkpoint.createSparkConf removing and reloading spark.ui.port and "
       "spark.blockManager.port",
       "a recovered application keeps the crashed driver's UI and block manager ports, which "
       "the new driver may not be able to bind",
       "scenarios/situations/recovered_conf_on_yarn.yaml"},
      {Defect::kStaleYarnAppId, "spark-10311-stale-yarn-app-id",
       "SPARK-10311: Checkpoint.createSparkConf reloading spark.yarn.app.id and "
       "spark.yarn.app.attemptId",
       "a recovered application reports the crashed attempt's YARN application and attempt ids "
       "instead of the new ones",
       "scenarios/situations/recovered_conf_on_yarn.yaml"},
      {Defect::kStaleBindAddress, "spark-22294-stale-bind-address",
       "SPARK-22294: Checkpoint.createSparkConf removing and reloading spark.driver.bindAddress",
       "a recovered application binds its driver to the crashed driver's address, which the "
       "new driver's host may not have",
       "scenarios/situations/recovered_conf_on_yarn.yaml"},
      {Defect::kStalePodNames, "spark-23200-stale-pod-names",
       "SPARK-23200: Checkpoint.createSparkConf removing and reloading "
       "spark.kubernetes.driver.pod.name and spark.kubernetes.executor.podNamePrefix",
       "a recovered application on Kubernetes names the crashed driver's pod as its own and "
       "gives its executors the old pod name prefix",
       "scenarios/situations/recovered_conf_on_kubernetes.yaml"},
      {Defect::kMatchCheckpointPath, "spark-28912-match-checkpoint-path",
       "SPARK-28912: Checkpoint.getCheckpointFiles matching the checkpoint regex on file names",
       "the reader matches the regex on each file's full path: in a checkpoint directory whose "
       "own path looks like a checkpoint file, every file passes, and the first that is no "
       "checkpoint file fails the sort (MatchError), so recovery fails",
       "scenarios/situations/checkpoint_dir_named_like_a_checkpoint.yaml"},
      {Defect::kClearOnEveryCheckpoint, "spark-6222-clear-on-every-checkpoint",
       "SPARK-6222: only the completion-time checkpoint posting ClearCheckpointData",
       "every checkpoint, the generation-time one of a newer batch included, clears old "
       "checkpoint data: RDD checkpoint files and received blocks that a slow batch still "
       "running, or a recovery re-running it, needs are deleted",
       "scenarios/faults/slow_checkpoint_store.yaml"},
      {Defect::kOffGridBatchNeverProcessed, "off-grid-batch-never-processed",
       "JobGenerator.doCheckpoint marking a batch off the metadata checkpoint grid fully "
       "processed (the else branch beside the write)",
       "with a metadata checkpoint interval longer than the batch, a batch that gets no "
       "checkpoint never becomes lastProcessedBatch: a graceful stop whose last batch is off the "
       "grid waits until spark.streaming.gracefulStopTimeout and stops without having seen it "
       "finish",
       "scenarios/situations/graceful_stop.yaml"},
      {Defect::kBlockCleanupIgnoresRemember, "block-cleanup-ignores-remember",
       "JobGenerator.clearCheckpointData cleaning received blocks before t minus the input "
       "streams' longest remember duration (getMaxInputStreamRememberDuration)",
       "ClearCheckpointData(t) cleans the block allocations and block log files before t minus "
       "one batch: a window or a stateful stream that still needs an older batch's blocks, or a "
       "recovery re-running it, finds its allocation gone",
       "scenarios/receiver/reliable_receiver_with_wal.yaml"},
  };
  return defects;
}

Result<Defect> ParseDefect(const std::string& name) {
  std::string known;
  for (const DefectInfo& info : AllDefects()) {
    if (name == info.name) return info.defect;
    known += (known.empty() ? "" : ", ") + std::string(info.name);
  }
  return Status::InvalidArgument("unknown defect '" + name + "' (known: " + known + ")");
}

std::vector<std::string> DefectSet::names() const {
  std::vector<std::string> names;
  for (const DefectInfo& info : AllDefects()) {
    if (has(info.defect)) names.emplace_back(info.name);
  }
  return names;
}

}  // namespace ckpt
