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
