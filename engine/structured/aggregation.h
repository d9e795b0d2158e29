// A streaming aggregation, the stateful operator of our structured queries (StateStoreSaveExec
// over keyed input, structured-streaming-notes.md 2.5 R3a): records are (key, value) pairs; each
// key's values are folded with a registered reduce function into the key's state. The keys are
// hash-partitioned into the shuffle partitions pinned in the offset log, and each partition keeps
// its state in its own store, `<checkpoint>/state/0/<partition>`: batch N loads version N and
// commits version N+1, every partition, even one without records.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "engine/functions.h"
#include "engine/structured/state_store.h"

namespace ckpt::structured {

enum class OutputMode {
  kAppend,    // only new rows (not allowed with an aggregation without a watermark)
  kUpdate,    // the rows of the keys this batch updated
  kComplete,  // every key's row, every batch
};
// "append", "update", "complete".
const char* OutputModeName(OutputMode mode);

// The shuffle partition of `key` among `partitions` (deliberately not Spark's Murmur3 of an
// UnsafeRow: a hash of our value encoding, stable across processes).
int32_t PartitionOf(const Value& key, int32_t partitions);

// The state stores of one stateful operator: a provider per shuffle partition, under
// `<checkpoint>/state/<operator>/<partition>`, made when a batch first needs it.
class OperatorStateStores {
 public:
  OperatorStateStores(CheckpointFileManager* manager, const std::string& checkpoint_location,
                      int64_t operator_id, StateStoreConf conf);
  StateStoreProvider& provider(int32_t partition);
  // The maintenance thread's pass over the providers this process loaded. Spark logs a failure
  // and goes on; the first one is returned for that.
  Status maintain();
  CheckpointFileManager* manager() const { return manager_; }

 private:
  CheckpointFileManager* manager_;
  std::string dir_;
  int64_t operator_id_;
  StateStoreConf conf_;
  std::map<int32_t, std::unique_ptr<StateStoreProvider>> providers_;
};

// Whether `key`, an event time, is at or before the watermark (Spark's watermark predicate);
// an error when it is not an integer.
Result<bool> LateKey(const Value& key, std::optional<int64_t> watermark_ms);

class StreamingAggregation {
 public:
  StreamingAggregation(CheckpointFileManager* manager, const std::string& checkpoint_location,
                       ReduceFn reduce, int32_t partitions, StateStoreConf conf);

  // Runs batch `batch_id` over `input` (pairs; anything else is an error) and commits every
  // partition's version batch_id + 1; returns the rows `mode` emits, ordered by key.
  // With `watermark_ms` (the batch's, from its offset log entry), a key is an event time (an
  // integer in ms: a window's end) and a key at or before the watermark is late: its input rows
  // are dropped and its state evicted (Update and Append; Complete keeps every key). Append
  // emits the evicted rows, each once; Update the rows this batch updated and kept.
  Result<Records> run(int64_t batch_id, const Records& input, OutputMode mode,
                      std::optional<int64_t> watermark_ms = std::nullopt);

  Status maintain() { return stores_.maintain(); }

 private:
  // The rows of one partition's batch: its state updated (late rows dropped), evicted, committed.
  Status run_partition(int64_t batch_id, int32_t partition, const std::map<Value, Records>& group,
                       OutputMode mode, std::optional<int64_t> watermark_ms, Records& rows);

  OperatorStateStores stores_;
  ReduceFn reduce_;
  int32_t partitions_;
};

// dropDuplicates on a stream (StreamingDeduplicateExec): the first (key, value) record of each key
// passes, later ones are dropped; the keys seen are the operator's state. With a watermark, a
// key is an event time: rows at or before the watermark are dropped as late and such keys
// evicted.
class StreamingDeduplication {
 public:
  StreamingDeduplication(CheckpointFileManager* manager, const std::string& checkpoint_location,
                         int32_t partitions, StateStoreConf conf);
  // Runs batch `batch_id` (committing every partition's version batch_id + 1); the records that
  // pass, partition by partition, each partition's in input order.
  Result<Records> run(int64_t batch_id, const Records& input,
                      std::optional<int64_t> watermark_ms = std::nullopt);
  Status maintain() { return stores_.maintain(); }

 private:
  OperatorStateStores stores_;
  int32_t partitions_;
};

}  // namespace ckpt::structured
