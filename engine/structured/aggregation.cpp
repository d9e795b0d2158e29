#include "engine/structured/aggregation.h"

#include <algorithm>
#include <vector>

namespace ckpt::structured {

const char* OutputModeName(OutputMode mode) {
  switch (mode) {
    case OutputMode::kAppend:
      return "append";
    case OutputMode::kUpdate:
      return "update";
    case OutputMode::kComplete:
      return "complete";
  }
  return "?";
}

int32_t PartitionOf(const Value& key, int32_t partitions) {
  uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a
  for (char byte : EncodeStateValue(key)) {
    hash ^= static_cast<unsigned char>(byte);
    hash *= 0x100000001b3ULL;
  }
  return static_cast<int32_t>(hash % static_cast<uint64_t>(partitions));
}

StreamingAggregation::StreamingAggregation(CheckpointFileManager* manager,
                                           const std::string& checkpoint_location, ReduceFn reduce,
                                           int32_t partitions, StateStoreConf conf)
    : manager_(manager),
      state_dir_(JoinPath(checkpoint_location, "state/0")),
      reduce_(std::move(reduce)),
      partitions_(partitions),
      conf_(conf) {}

StateStoreProvider& StreamingAggregation::provider(int32_t partition) {
  std::unique_ptr<StateStoreProvider>& slot = providers_[partition];
  if (!slot) {
    slot = std::make_unique<StateStoreProvider>(
        manager_, JoinPath(state_dir_, std::to_string(partition)), 0, partition, conf_);
  }
  return *slot;
}

namespace {

// Whether `key`, an event time, is at or before the watermark (Spark's watermark predicate).
Result<bool> Late(const Value& key, std::optional<int64_t> watermark_ms) {
  if (!watermark_ms) return false;
  if (!key.is_int()) {
    return Status::InvalidArgument("an event time must be an integer (ms), got " + key.to_string());
  }
  return key.as_int() <= *watermark_ms;
}

}  // namespace

Result<Records> StreamingAggregation::run(int64_t batch_id, const Records& input, OutputMode mode,
                                          std::optional<int64_t> watermark_ms) {
  if (mode == OutputMode::kComplete) watermark_ms.reset();
  std::vector<std::map<Value, Records>> groups(static_cast<size_t>(partitions_));
  for (const Value& record : input) {
    if (!record.is_pair()) {
      return Status::InvalidArgument("an aggregation needs (key, value) records, got " +
                                     record.to_string());
    }
    CKPT_ASSIGN_OR_RETURN(bool late, Late(record.first(), watermark_ms));
    if (late) continue;
    groups[static_cast<size_t>(PartitionOf(record.first(), partitions_))][record.first()].push_back(
        record.second());
  }
  Records rows;
  for (int32_t partition = 0; partition < partitions_; ++partition) {
    CKPT_RETURN_IF_ERROR(run_partition(batch_id, partition, groups[static_cast<size_t>(partition)],
                                       mode, watermark_ms, rows));
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

Status StreamingAggregation::run_partition(int64_t batch_id, int32_t partition,
                                           const std::map<Value, Records>& group, OutputMode mode,
                                           std::optional<int64_t> watermark_ms, Records& rows) {
  CKPT_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> store, provider(partition).get_store(batch_id));
  for (const auto& [key, values] : group) {
    std::optional<Value> state = store->get(key);
    for (const Value& value : values) {
      if (!state) {
        state = value;
        continue;
      }
      CKPT_ASSIGN_OR_RETURN(state, reduce_(*state, value));
    }
    CKPT_RETURN_IF_ERROR(store->put(key, *state));
    if (mode == OutputMode::kUpdate) rows.push_back(Value::Pair(key, *state));
  }
  if (watermark_ms) {
    std::vector<std::pair<Value, Value>> evicted;
    for (const auto& [key, state] : store->map()) {
      CKPT_ASSIGN_OR_RETURN(bool late, Late(key, watermark_ms));
      if (late) evicted.emplace_back(key, state);
    }
    for (const auto& [key, state] : evicted) {
      CKPT_RETURN_IF_ERROR(store->remove(key));
      if (mode == OutputMode::kAppend) rows.push_back(Value::Pair(key, state));
    }
  }
  CKPT_RETURN_IF_ERROR(store->commit().status());
  // Defect::kDoubleCommit: a second commit of a partition that had no records.
  if (group.empty() && manager_->defects().has(Defect::kDoubleCommit)) {
    CKPT_RETURN_IF_ERROR(store->commit().status());
  }
  if (mode == OutputMode::kComplete) {
    for (const auto& [key, state] : store->map()) rows.push_back(Value::Pair(key, state));
  }
  return Status::Ok();
}

Status StreamingAggregation::maintain() {
  Status first = Status::Ok();
  for (auto& [partition, provider] : providers_) {
    Status done = provider->do_maintenance();
    if (first.ok() && !done.ok()) first = done.with_context(provider->to_string());
  }
  return first;
}

}  // namespace ckpt::structured
