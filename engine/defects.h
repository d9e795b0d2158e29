// Injectable recovery defects: each one switches a real Spark fix off at run time.
//
// The harness is only worth trusting if it finds these. Every entry names the bug whose fix it
// reverts and the bundled scenario that exposes it; `ckptsim defects` prints the catalogue.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/runtime/status.h"

namespace ckpt {

enum class Defect : uint8_t {
  kSkipPendingTimes,             // restart ignores the checkpoint's pending times
  kSkipDownTimes,                // restart reschedules only the pending times
  kCleanupReferencedRddFiles,    // cleanup(t) also deletes files the checkpoint of t references
  kNameByContentTime,            // SPARK-11740 reverted: files named after their own time
  kDropFailedJobSet,             // SPARK-18905 reverted: a failed job's batch stops being pending
  kRestorePerOutput,             // SPARK-11749 reverted: restore() runs once per output path
  kFailExistingOutput,           // SPARK-4835 reverted: saveAs*Files fails on an existing output
  kNearestMarkedOnly,            // SPARK-6847 reverted: only the nearest marked RDD is written
  kNoRetryAfterIoError,          // SPARK-22429 reverted: no retry after an I/O error
  kOffsetsNotCheckpointed,       // a log stream's currentOffsets not kept in the checkpoint
  kConfCopiedWholesale,          // SPARK-6331 reverted: the recovered conf copied as it was
  kCheckpointInPlace,            // the writer writes checkpoint-<T> in place (no temp, no rename)
  kReaderNoFallback,             // the reader tries only the newest checkpoint file
  kRenameBeforeSync,             // with sync on: the temp file is synced after its rename
  kWalClearQueueOnReplay,        // SPARK-23438 reverted: WAL replay of an allocation clears queues
  kDequeueBeforeWalWrite,        // SPARK-23991 reverted: blocks dequeued before the WAL write
  kReschedulePastRestart,        // SPARK-12122 reverted: restart reschedules times >= restart
  kKeepCheckpointedPorts,        // SPARK-30199 reverted: UI and block manager ports recovered
  kStaleYarnAppId,               // SPARK-10311 reverted: YARN app and attempt ids not reloaded
  kStaleBindAddress,             // SPARK-22294 reverted: spark.driver.bindAddress recovered
  kStalePodNames,                // SPARK-23200 reverted: Kubernetes pod names recovered
  kMatchCheckpointPath,          // SPARK-28912 reverted: the reader matches names in full paths
  kClearOnEveryCheckpoint,       // SPARK-6222 reverted: every checkpoint clears checkpoint data
  kOffGridBatchNeverProcessed,   // an off-grid batch never becomes lastProcessedBatch
  kBlockCleanupIgnoresRemember,  // block logs cleaned before t - batch, not t - remember
};

struct DefectInfo {
  Defect defect;
  const char* name;
  const char* reverts;      // the bug (and fix) this defect undoes
  const char* description;  // what goes wrong
  const char* exposed_by;   // a bundled scenario whose exploration finds it
};

const std::vector<DefectInfo>& AllDefects();
// InvalidArgument listing the known names when `name` is not one.
Result<Defect> ParseDefect(const std::string& name);

class DefectSet {
 public:
  void add(Defect defect) { bits_ |= Bit(defect); }
  bool has(Defect defect) const { return (bits_ & Bit(defect)) != 0; }
  bool empty() const { return bits_ == 0; }
  std::vector<std::string> names() const;

 private:
  static uint64_t Bit(Defect defect) { return uint64_t{1} << static_cast<unsigned>(defect); }
  uint64_t bits_ = 0;
};

}  // namespace ckpt
