// A batch's dataset (Spark's RDD), reduced to what checkpoint recovery depends on: lazy
// computation from a lineage, persistence (cached once computed), and reliable RDD checkpointing
// that writes the data to files and truncates the lineage.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/runtime/file_system.h"
#include "engine/runtime/time.h"
#include "engine/value.h"

namespace ckpt {

class Rdd;
using RddPtr = std::shared_ptr<Rdd>;

// Writes RDD checkpoint files: Spark's ReliableCheckpointRDD.writeRDDToCheckpointDirectory.
struct RddCheckpointStore {
  FileSystem* fs = nullptr;
  std::string directory;  // <checkpoint dir>/<uuid>; empty when RDD checkpointing is off
  bool sync = false;      // ckptsim.checkpoint.sync

  // Writes `records` as <directory>/rdd-<id>/part-00000 (through a temporary part file and a
  // rename, as Spark does) and returns the RDD's checkpoint path <directory>/rdd-<id>.
  Result<std::string> write(int64_t rdd_id, const Records& records) const;
};

// Reads the data of a checkpointed RDD. NotFound or Corruption on a bad file.
Result<Records> ReadRddCheckpoint(FileSystem& fs, const std::string& checkpoint_path);

class Rdd {
 public:
  using ComputeFn = std::function<Result<Records>()>;

  Rdd(int64_t id, Time time, std::vector<RddPtr> dependencies, ComputeFn compute);
  // An RDD whose data lives in checkpoint files (Spark's sc.checkpointFile).
  static RddPtr FromCheckpoint(int64_t id, Time time, std::string checkpoint_path, FileSystem* fs);

  int64_t id() const { return id_; }
  Time time() const { return time_; }

  // The records, computed (or read back) once and then cached.
  Result<const Records*> materialize();

  void mark_for_checkpoint() { marked_for_checkpoint_ = true; }
  bool marked_for_checkpoint() const { return marked_for_checkpoint_; }
  bool is_checkpointed() const { return !checkpoint_path_.empty(); }
  const std::string& checkpoint_path() const { return checkpoint_path_; }

  // Spark's RDD.doCheckpoint at the end of a job. Writes this RDD if marked; with
  // `all_marked_ancestors` (streaming jobs set it, SPARK-6847) a marked RDD first walks into its
  // ancestors too, without it the walk stops at the nearest marked RDD. Runs once per RDD.
  Status do_checkpoint(const RddCheckpointStore& store, bool all_marked_ancestors);

  // The length of the longest dependency chain from this RDD, counting at most `cap` levels.
  // Checkpointing truncates the lineage, so it stays bounded unless a marked RDD is never written.
  int64_t lineage_depth(int64_t cap) const;

  // What this RDD holds, for state digests: its records when materialized; otherwise whether
  // they would be read from a checkpoint file or computed. Ids and file names are left out (they
  // differ between a recovered process and an uncrashed one holding the same data).
  uint64_t content_digest(uint64_t seed) const;

 private:
  int64_t id_;
  Time time_;
  std::vector<RddPtr> dependencies_;
  ComputeFn compute_;
  std::optional<Records> cached_;
  bool marked_for_checkpoint_ = false;
  bool do_checkpoint_called_ = false;
  std::string checkpoint_path_;
};

}  // namespace ckpt
