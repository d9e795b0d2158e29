// ReceivedBlockTracker: the driver's record of the blocks receivers stored, which batch each was
// allocated to, and its write-ahead log of both (Spark's ReceivedBlockTracker).
//
// Every change is first written to the driver WAL, and applied only if that write succeeded:
//   add:      BlockAdditionEvent, then the block joins its stream's unallocated queue;
//   allocate: for a time after the last allocation only, BatchAllocationEvent with a copy of the
//             queues, then the queues are cleared (SPARK-23991: not before the write);
//   cleanup:  BatchCleanupEvent for the allocations older than a threshold, then they are
//             dropped and old log files deleted.
// A tracker built to recover replays the log: additions enqueue, an allocation removes exactly
// its blocks from the queues (SPARK-23438) and records the allocation, a cleanup drops them.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "engine/receiver/received_block.h"
#include "engine/receiver/write_ahead_log.h"

namespace ckpt {

struct StreamingRuntime;

class ReceivedBlockTracker {
 public:
  // `wal`: the driver WAL, nullptr when there is no checkpoint directory (then nothing is
  // logged and every write "succeeds"). `recover`: replay it (Spark: a checkpoint was present).
  // `additions_only`: replay only block additions, every block unallocated (a new application
  // recovering an abandoned one's blocks, Fix::kReplayBlockLogWithoutCheckpoint: the abandoned
  // application's batches will never run again).
  ReceivedBlockTracker(const StreamingRuntime* runtime, std::vector<int32_t> stream_ids,
                       std::unique_ptr<FileBasedWriteAheadLog> wal, bool recover,
                       bool additions_only = false);

  // Spark's addBlock runs on an RPC thread that waits for the WAL write and then enqueues; the
  // job generator may allocate in between. The two halves are apart so that the caller can let
  // other tasks run between them, as the batched WAL's writer thread let them in Spark.
  // First half: false when the BlockAdditionEvent could not be written (the receiver sees the
  // block unacknowledged).
  bool write_block_addition(const ReceivedBlockInfo& block);
  // Second half: the block joins its stream's unallocated queue.
  void enqueue(ReceivedBlockInfo block);

  // Allocates every unallocated block to `batch_time` (a no-op at or before the last allocation:
  // a batch run again after recovery keeps its recovered blocks). True when an allocation was
  // recorded now.
  bool allocate_blocks_to_batch(Time batch_time);
  // Fix::kFreshApplicationDropsBlockLog: logs the blocks adopted from the log this application
  // found (an abandoned application's; its queues) again in a log of its own, then deletes the
  // files it found, so that no later recovery replays the abandoned application's records. When
  // a block cannot be logged again the old files stay (a warning).
  Status restart_log();
  // Ok, or the error its block log met listing the files of earlier processes (FileBasedWrite-
  // AheadLog::opened) or reading them to recover; Ok without a log.
  Status log_status() const {
    if (wal_ && !wal_->opened().ok()) return wal_->opened();
    return recovered_;
  }
  // The blocks allocated to `batch_time` for `stream_id` (empty when none).
  std::vector<ReceivedBlockInfo> blocks_of_batch(Time batch_time, int32_t stream_id) const;
  // Drops the allocations older than `threshold`. REQUIRES: threshold < now (Spark's R6).
  void cleanup_old_batches(Time threshold);

  const std::deque<ReceivedBlockInfo>& unallocated(int32_t stream_id) const;
  bool has_unallocated_blocks() const;
  std::optional<Time> last_allocated_batch_time() const { return last_allocated_; }
  const std::map<Time, AllocatedBlocks>& allocations() const { return allocated_; }
  const std::vector<int32_t>& stream_ids() const { return stream_ids_; }
  void stop();

 private:
  bool write_to_log(const ReceivedBlockEvent& event);
  Status recover_past_events();
  void replay(const ReceivedBlockEvent& event);
  std::deque<ReceivedBlockInfo>& queue(int32_t stream_id) { return queues_[stream_id]; }

  const StreamingRuntime* runtime_;
  std::vector<int32_t> stream_ids_;
  std::unique_ptr<FileBasedWriteAheadLog> wal_;
  std::map<int32_t, std::deque<ReceivedBlockInfo>> queues_;
  std::map<Time, AllocatedBlocks> allocated_;
  std::optional<Time> last_allocated_;
  bool additions_only_ = false;
  Status recovered_;  // see log_status()
};

}  // namespace ckpt
