#include "engine/structured/defects.h"

namespace ckpt::structured {

const std::vector<DefectInfo>& AllDefects() {
  static const std::vector<DefectInfo> defects = {
      {Defect::kDeltaRenameFailsIfExists, "delta-rename-fails-if-exists",
       "SPARK-19677: HDFSBackedStateStoreProvider committing a delta over an existing one (today "
       "createAtomic with overwriteIfPossible = true)",
       "the re-run of a batch whose state the crashed attempt had committed fails: the rename of "
       "<N+1>.delta finds the file there (HDFS's rename refuses it)",
       "scenarios/structured/kafka_aggregation_update.yaml"},
      {Defect::kMetadataWrittenInPlace, "metadata-written-in-place",
       "SPARK-26092: StreamMetadata.write through createAtomic",
       "a crash while the first start writes `metadata` leaves a partial file, and every later "
       "start fails reading the query id",
       "scenarios/structured/kafka_foreach_batch.yaml"},
      {Defect::kShufflePartitionsFromSession, "shuffle-partitions-from-session",
       "SPARK-19873: spark.sql.shuffle.partitions pinned in the offset log's metadata and set in "
       "the session on restart",
       "a restart with another spark.sql.shuffle.partitions partitions the keys anew: state is "
       "read from partitions that never held it (missing deltas, or counts that start over)",
       "scenarios/structured/spark/tv7_pinned_shuffle_partitions.yaml"},
      {Defect::kCancelKeepsTempAfterCloseError, "cancel-keeps-temp-after-close-error",
       "SPARK-33384: RenameBasedFSDataOutputStream.cancel deleting the temp file even when closing "
       "it failed",
       "a write whose temp file failed to close leaves that temp file behind for good",
       "scenarios/structured/eio_on_offset_log_close.yaml"},
      {Defect::kPurgeInclusive, "purge-inclusive",
       "SPARK-34383's purge by name (planted off by one: the threshold is exclusive)",
       "purge(N - minBatchesToRetain) also deletes batch N - minBatchesToRetain; with "
       "minBatchesToRetain 1 that is offsets/N-1, so every restart fails reading it (V6)",
       "scenarios/structured/short_retention.yaml"},
      {Defect::kDoubleCommit, "double-commit",
       "SPARK-23004: StateStoreSaveExec committing a store once (a completion guard)",
       "a partition without records commits its store a second time, which fails the batch: "
       "\"Cannot commit after already committed or aborted\"",
       "scenarios/structured/kafka_aggregation_update.yaml"},
      {Defect::kIgnoreLogAddResults, "ignore-log-add-results",
       "SPARK-26425: MicroBatchExecution asserting that commitLog.add wrote the batch, and the "
       "file source failing when its log's add did not",
       "of two drivers on one checkpoint (a zombie after a network partition), the second "
       "re-runs the batch the first commits, then goes on as if its own commit had been written: "
       "neither notices the other, and the checkpoint has two writers",
       "scenarios/structured/two_drivers_one_checkpoint.yaml"},
      {Defect::kLeaveTempOnSkippedRename, "leave-temp-on-skipped-rename",
       "SPARK-19779: deleting the temp file of a state delta whose rename was skipped because the "
       "delta exists (the FileSystem checkpoint file manager, overwriteIfPossible)",
       "every re-run of a batch on an object store leaves the temp files of the deltas it wrote "
       "again behind, for good",
       "scenarios/structured/object_store_aggregation.yaml"},
      {Defect::kKafkaInitialOffsetsLengthHeader, "kafka-initial-offsets-length-header",
       "SPARK-19517: KafkaSource's initial offsets written as a zero byte, v1 and the JSON",
       "sources/0/0 is written with a length header where the version line belongs, so every "
       "restart fails reading it (V2): the query cannot recover from its own checkpoint",
       "scenarios/structured/kafka_foreach_batch.yaml"},
      {Defect::kTrustDeltaRename, "trust-delta-rename",
       "SPARK-40826: a state delta's commit checking its rename "
       "(spark.sql.streaming.checkpoint.renamedFileCheck)",
       "a delta whose rename failed counts as committed, so commits/N promises a state version "
       "whose delta does not exist; loading it fails (V16)",
       "scenarios/structured/eio_on_delta_rename.yaml"},
  };
  return defects;
}

std::vector<std::string> DefectSet::names() const {
  std::vector<std::string> names;
  for (const DefectInfo& info : AllDefects()) {
    if (has(info.defect)) names.push_back(info.name);
  }
  return names;
}

Result<Defect> ParseDefect(const std::string& name) {
  std::string known;
  for (const DefectInfo& info : AllDefects()) {
    if (name == info.name) return info.defect;
    known += (known.empty() ? "" : ", ") + std::string(info.name);
  }
  return Status::InvalidArgument("unknown structured defect '" + name + "' (known: " + known + ")");
}

}  // namespace ckpt::structured
