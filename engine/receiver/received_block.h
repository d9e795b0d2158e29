// What the driver knows of a block of received records (Spark's ReceivedBlockInfo), the events
// its ReceivedBlockTracker writes to the driver write-ahead log, and their codecs.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/status.h"
#include "engine/runtime/time.h"
#include "engine/value.h"

namespace ckpt {

// Where one record of a write-ahead log lies (Spark's FileBasedWriteAheadLogSegment).
struct WalRecordHandle {
  std::string path;
  int64_t offset = 0;
  int64_t length = 0;
  auto operator<=>(const WalRecordHandle&) const = default;
};

// One block a receiver stored. `source_from` and `source_until` are the positions of its records
// in the receiver's source: the metadata a reliable receiver attaches (Spark's metadataOption),
// and what the simulator's oracle uses to tell which records a batch read.
struct ReceivedBlockInfo {
  int32_t stream_id = 0;
  std::string block_id;  // "input-<stream>-<process>-<time>", unique across processes
  int64_t record_count = 0;
  int64_t source_from = 0;
  int64_t source_until = 0;
  // Set when the receiver data write-ahead log holds the records (the block survives the
  // executors); without it they live only in the process's block store.
  std::optional<WalRecordHandle> wal_handle;
  auto operator<=>(const ReceivedBlockInfo&) const = default;
};

using AllocatedBlocks = std::map<int32_t, std::vector<ReceivedBlockInfo>>;  // stream id -> blocks

// Spark's ReceivedBlockTrackerLogEvent: BlockAdditionEvent, BatchAllocationEvent or
// BatchCleanupEvent.
struct ReceivedBlockEvent {
  enum class Kind : uint8_t { kBlockAddition, kBatchAllocation, kBatchCleanup };
  Kind kind = Kind::kBlockAddition;
  ReceivedBlockInfo block;          // addition
  Time batch_time;                  // allocation
  AllocatedBlocks allocated;        // allocation
  std::vector<Time> cleaned_times;  // cleanup
};

// Each is one record of a write-ahead log, framed (engine/checkpoint/frame.h) and Boost-serialized.
std::string EncodeReceivedBlockEvent(const ReceivedBlockEvent& event);
Result<ReceivedBlockEvent> DecodeReceivedBlockEvent(std::string_view bytes);
// A block's records in the receiver data write-ahead log.
std::string EncodeBlockData(const Records& records);
Result<Records> DecodeBlockData(std::string_view bytes);

}  // namespace ckpt
