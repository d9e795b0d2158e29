#include "engine/rdd.h"

#include <algorithm>
#include <map>

#include "engine/checkpoint/checkpoint.h"

namespace ckpt {
namespace {
constexpr const char* kPartName = "part-00000";
}  // namespace

Result<std::string> RddCheckpointStore::write(int64_t rdd_id, const Records& records) const {
  std::string rdd_dir = JoinPath(directory, "rdd-" + std::to_string(rdd_id));
  CKPT_RETURN_IF_ERROR(fs->mkdirs(rdd_dir));
  std::string attempt = JoinPath(rdd_dir, std::string(".") + kPartName + "-attempt-0");
  CKPT_RETURN_IF_ERROR(WriteWholeFile(*fs, attempt, EncodeRecords(records), sync));
  CKPT_RETURN_IF_ERROR(fs->rename(attempt, JoinPath(rdd_dir, kPartName)));
  if (sync) {
    CKPT_RETURN_IF_ERROR(fs->sync_dir(rdd_dir));
    CKPT_RETURN_IF_ERROR(fs->sync_dir(directory));
  }
  return rdd_dir;
}

Result<Records> ReadRddCheckpoint(FileSystem& fs, const std::string& checkpoint_path) {
  Result<std::string> bytes = fs.read_file(JoinPath(checkpoint_path, kPartName));
  if (!bytes.ok()) return bytes.status().with_context("reading RDD checkpoint " + checkpoint_path);
  Result<Records> records = DecodeRecords(bytes.value());
  if (!records.ok()) return records.status().with_context("RDD checkpoint " + checkpoint_path);
  return records;
}

Rdd::Rdd(int64_t id, Time time, std::vector<RddPtr> dependencies, ComputeFn compute)
    : id_(id), time_(time), dependencies_(std::move(dependencies)), compute_(std::move(compute)) {}

RddPtr Rdd::FromCheckpoint(int64_t id, Time time, std::string checkpoint_path, FileSystem* fs) {
  std::string path = checkpoint_path;
  auto rdd = std::make_shared<Rdd>(id, time, std::vector<RddPtr>{},
                                   [fs, path]() { return ReadRddCheckpoint(*fs, path); });
  rdd->checkpoint_path_ = std::move(checkpoint_path);
  rdd->do_checkpoint_called_ = true;
  return rdd;
}

Result<const Records*> Rdd::materialize() {
  if (!cached_) {
    CKPT_ASSIGN_OR_RETURN(Records records, compute_());
    cached_ = std::move(records);
  }
  return &*cached_;
}

uint64_t Rdd::content_digest(uint64_t seed) const {
  const char tag = cached_ ? 'm' : is_checkpointed() ? 'f' : 'l';
  seed = Fnv1a(&tag, 1, seed);
  seed = Fnv1a(&time_.ms, sizeof time_.ms, seed);
  if (cached_) {
    for (const Value& record : *cached_) seed = record.digest(seed);
  }
  return seed;
}

int64_t Rdd::lineage_depth(int64_t cap) const {
  // Iterative longest-path search over the DAG, with memoized depths, so that a lineage much
  // deeper than our own stack is measured safely.
  std::map<const Rdd*, int64_t> depth;
  std::vector<std::pair<const Rdd*, size_t>> stack{{this, 0}};
  while (!stack.empty()) {
    auto& [rdd, next_child] = stack.back();
    if (next_child < rdd->dependencies_.size() && static_cast<int64_t>(stack.size()) < cap) {
      const Rdd* child = rdd->dependencies_[next_child++].get();
      if (!depth.count(child)) stack.push_back({child, 0});
      continue;
    }
    int64_t deepest = 0;
    for (const RddPtr& dependency : rdd->dependencies_) {
      auto found = depth.find(dependency.get());
      deepest = std::max(deepest, found == depth.end() ? cap : found->second);
    }
    depth[rdd] = std::min(cap, deepest + 1);
    stack.pop_back();
  }
  return depth[this];
}

Status Rdd::do_checkpoint(const RddCheckpointStore& store, bool all_marked_ancestors) {
  if (do_checkpoint_called_) return Status::Ok();
  do_checkpoint_called_ = true;
  if (!marked_for_checkpoint_ || all_marked_ancestors) {
    for (const RddPtr& dependency : dependencies_)
      CKPT_RETURN_IF_ERROR(dependency->do_checkpoint(store, all_marked_ancestors));
  }
  if (!marked_for_checkpoint_ || store.directory.empty()) return Status::Ok();
  CKPT_ASSIGN_OR_RETURN(const Records* records, materialize());
  CKPT_ASSIGN_OR_RETURN(std::string path, store.write(id_, *records));
  checkpoint_path_ = std::move(path);
  // Lineage truncation: the data now comes from the files (and the in-memory cache).
  dependencies_.clear();
  FileSystem* fs = store.fs;
  std::string checkpoint_path = checkpoint_path_;
  compute_ = [fs, checkpoint_path]() { return ReadRddCheckpoint(*fs, checkpoint_path); };
  return Status::Ok();
}

}  // namespace ckpt
