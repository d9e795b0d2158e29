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

Result<Records> StreamingAggregation::run(int64_t batch_id, const Records& input, OutputMode mode) {
  std::vector<std::map<Value, Records>> groups(static_cast<size_t>(partitions_));
  for (const Value& record : input) {
    if (!record.is_pair()) {
      return Status::InvalidArgument("an aggregation needs (key, value) records, got " +
                                     record.to_string());
    }
    groups[static_cast<size_t>(PartitionOf(record.first(), partitions_))][record.first()].push_back(
        record.second());
  }
  Records rows;
  for (int32_t partition = 0; partition < partitions_; ++partition) {
    CKPT_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> store,
                          provider(partition).get_store(batch_id));
    for (const auto& [key, values] : groups[static_cast<size_t>(partition)]) {
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
    CKPT_RETURN_IF_ERROR(store->commit().status());
    // Defect::kDoubleCommit: a second commit of a partition that had no records.
    if (groups[static_cast<size_t>(partition)].empty() &&
        manager_->defects().has(Defect::kDoubleCommit)) {
      CKPT_RETURN_IF_ERROR(store->commit().status());
    }
    if (mode == OutputMode::kComplete) {
      for (const auto& [key, state] : store->map()) rows.push_back(Value::Pair(key, state));
    }
  }
  std::sort(rows.begin(), rows.end());
  return rows;
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
