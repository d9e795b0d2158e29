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

OperatorStateStores::OperatorStateStores(CheckpointFileManager* manager,
                                         const std::string& checkpoint_location,
                                         int64_t operator_id, StateStoreConf conf)
    : manager_(manager),
      dir_(JoinPath(checkpoint_location, "state/" + std::to_string(operator_id))),
      operator_id_(operator_id),
      conf_(conf) {}

StateStoreProvider& OperatorStateStores::provider(int32_t partition) {
  std::unique_ptr<StateStoreProvider>& slot = providers_[partition];
  if (!slot) {
    slot = std::make_unique<StateStoreProvider>(manager_, JoinPath(dir_, std::to_string(partition)),
                                                operator_id_, partition, conf_);
  }
  return *slot;
}

Status OperatorStateStores::maintain() {
  Status first = Status::Ok();
  for (auto& [partition, provider] : providers_) {
    Status done = provider->do_maintenance();
    if (first.ok() && !done.ok()) first = done.with_context(provider->to_string());
  }
  return first;
}

Result<bool> LateKey(const Value& key, std::optional<int64_t> watermark_ms) {
  if (!watermark_ms) return false;
  if (!key.is_int()) {
    return Status::InvalidArgument("an event time must be an integer (ms), got " + key.to_string());
  }
  return key.as_int() <= *watermark_ms;
}

StreamingAggregation::StreamingAggregation(CheckpointFileManager* manager,
                                           const std::string& checkpoint_location, ReduceFn reduce,
                                           int32_t partitions, StateStoreConf conf)
    : stores_(manager, checkpoint_location, 0, conf),
      reduce_(std::move(reduce)),
      partitions_(partitions) {}

Result<Records> StreamingAggregation::run(int64_t batch_id, const Records& input, OutputMode mode,
                                          std::optional<int64_t> watermark_ms) {
  if (mode == OutputMode::kComplete) watermark_ms.reset();
  std::vector<std::map<Value, Records>> groups(static_cast<size_t>(partitions_));
  for (const Value& record : input) {
    if (!record.is_pair()) {
      return Status::InvalidArgument("an aggregation needs (key, value) records, got " +
                                     record.to_string());
    }
    CKPT_ASSIGN_OR_RETURN(bool late, LateKey(record.first(), watermark_ms));
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
  CKPT_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> store,
                        stores_.provider(partition).get_store(batch_id));
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
      CKPT_ASSIGN_OR_RETURN(bool late, LateKey(key, watermark_ms));
      if (late) evicted.emplace_back(key, state);
    }
    for (const auto& [key, state] : evicted) {
      CKPT_RETURN_IF_ERROR(store->remove(key));
      if (mode == OutputMode::kAppend) rows.push_back(Value::Pair(key, state));
    }
  }
  CKPT_RETURN_IF_ERROR(store->commit().status());
  // Defect::kDoubleCommit: a second commit of a partition that had no records.
  if (group.empty() && stores_.manager()->defects().has(Defect::kDoubleCommit)) {
    CKPT_RETURN_IF_ERROR(store->commit().status());
  }
  if (mode == OutputMode::kComplete) {
    for (const auto& [key, state] : store->map()) rows.push_back(Value::Pair(key, state));
  }
  return Status::Ok();
}

StreamingDeduplication::StreamingDeduplication(CheckpointFileManager* manager,
                                               const std::string& checkpoint_location,
                                               int32_t partitions, StateStoreConf conf)
    : stores_(manager, checkpoint_location, 0, conf), partitions_(partitions) {}

Result<Records> StreamingDeduplication::run(int64_t batch_id, const Records& input,
                                            std::optional<int64_t> watermark_ms) {
  std::vector<Records> by_partition(static_cast<size_t>(partitions_));
  for (const Value& record : input) {
    if (!record.is_pair()) {
      return Status::InvalidArgument("dropDuplicates needs (key, value) records, got " +
                                     record.to_string());
    }
    by_partition[static_cast<size_t>(PartitionOf(record.first(), partitions_))].push_back(record);
  }
  Records passed;
  for (int32_t partition = 0; partition < partitions_; ++partition) {
    CKPT_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> store,
                          stores_.provider(partition).get_store(batch_id));
    for (const Value& record : by_partition[static_cast<size_t>(partition)]) {
      CKPT_ASSIGN_OR_RETURN(bool late, LateKey(record.first(), watermark_ms));
      if (late || store->get(record.first())) continue;
      CKPT_RETURN_IF_ERROR(store->put(record.first(), Value::None()));
      passed.push_back(record);
    }
    if (watermark_ms) {
      std::vector<Value> evicted;
      for (const auto& [key, seen] : store->map()) {
        CKPT_ASSIGN_OR_RETURN(bool late, LateKey(key, watermark_ms));
        if (late) evicted.push_back(key);
      }
      for (const Value& key : evicted) CKPT_RETURN_IF_ERROR(store->remove(key));
    }
    CKPT_RETURN_IF_ERROR(store->commit().status());
  }
  return passed;
}

}  // namespace ckpt::structured
