#include "engine/structured/defects.h"

namespace ckpt::structured {

const std::vector<DefectInfo>& AllDefects() {
  static const std::vector<DefectInfo> defects = {
      {Defect::kDeltaRenameFailsIfExists, "delta-rename-fails-if-exists",
       "SPARK-19677: HDFSBackedStateStoreProvider committing a delta over an existing one (today "
       "createAtomic with overwriteIfPossible = true)",
       "the re-run of a batch whose state the crashed attempt had committed fails: the rename of "
       "<N+1>.delta finds the file there (HDFS's rename refuses it)",
       "engine/structured/defects_test.cpp: ReRunAfterAStateCommit"},
      {Defect::kMetadataWrittenInPlace, "metadata-written-in-place",
       "SPARK-26092: StreamMetadata.write through createAtomic",
       "a crash while the first start writes `metadata` leaves a partial file, and every later "
       "start fails reading the query id",
       "engine/structured/defects_test.cpp: CrashWhileWritingTheQueryId"},
      {Defect::kShufflePartitionsFromSession, "shuffle-partitions-from-session",
       "SPARK-19873: spark.sql.shuffle.partitions pinned in the offset log's metadata and set in "
       "the session on restart",
       "a restart with another spark.sql.shuffle.partitions partitions the keys anew: state is "
       "read from partitions that never held it (missing deltas, or counts that start over)",
       "engine/structured/defects_test.cpp: RestartWithOtherShufflePartitions"},
      {Defect::kCancelKeepsTempAfterCloseError, "cancel-keeps-temp-after-close-error",
       "SPARK-33384: RenameBasedFSDataOutputStream.cancel deleting the temp file even when closing "
       "it failed",
       "a write whose temp file failed to close leaves that temp file behind for good",
       "engine/structured/defects_test.cpp: CancelAfterAFailedClose"},
      {Defect::kPurgeInclusive, "purge-inclusive",
       "SPARK-34383's purge by name (planted off by one: the threshold is exclusive)",
       "purge(N - minBatchesToRetain) also deletes batch N - minBatchesToRetain; with "
       "minBatchesToRetain 1 that is offsets/N-1, so every restart fails reading it (V6)",
       "engine/structured/defects_test.cpp: PurgeOfTheThresholdBatch"},
      {Defect::kDoubleCommit, "double-commit",
       "SPARK-23004: StateStoreSaveExec committing a store once (a completion guard)",
       "a partition without records commits its store a second time, which fails the batch: "
       "\"Cannot commit after already committed or aborted\"",
       "engine/structured/defects_test.cpp: APartitionWithoutRecordsCommitsTwice"},
      {Defect::kIgnoreLogAddResults, "ignore-log-add-results",
       "SPARK-26425: MicroBatchExecution asserting that commitLog.add wrote the batch, and the "
       "file "
       "source failing when its log's add did not",
       "two drivers on one checkpoint (a zombie after a network partition) both run and commit a "
       "batch, and neither notices the other: the batch's output is delivered twice",
       "engine/structured/defects_test.cpp: TwoDriversOnOneCheckpoint"},
  };
  return defects;
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
