// Receiver-based input (Spark's ReceiverInputDStream, ReceiverTracker and the receivers it runs on
// the executors).
//
// A receiver pulls records from a reliable source (engine/receiver/receiver_source.h) and, every
// block interval, stores what arrived as one block:
//   1. with the receiver write-ahead log on, the block's records go to
//      <checkpoint>/receivedData/<stream id>; always, to the process's block store (the
//      executors' memory, which dies with the driver);
//   2. the driver's ReceivedBlockTracker writes the BlockAdditionEvent to its own log;
//   3. then, in a later task (the RPC thread waking up from the log write), the block joins the
//      unallocated queue and the receiver acknowledges its records to the source.
// A failed step drops the block unacknowledged, and the receiver resumes at the source's
// acknowledged position (the records come again: at least once).
//
// Each batch, the JobGenerator allocates the queued blocks to the batch, and the stream reads them
// from the block store or, after a driver failure, from the data log. Blocks that are in neither
// are left out with a warning: their records are lost (SPARK-10210's filter).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/dstream/input_dstreams.h"
#include "engine/receiver/received_block_tracker.h"

namespace ckpt {

// What a batch's job fails with when a received block's records cannot be read back (followed by
// the block id). The error is marked ErrorMark::kWalRecordUnreadable with the block id as its
// subject, by which the oracle recognises a stale application's block.
inline constexpr std::string_view kWalRecordUnreadableError =
    "Could not read data from write ahead log record";

// The driver's block log, below the checkpoint directory (Spark's receivedBlockMetadata).
inline constexpr char kBlockMetadataLogDirectory[] = "receivedBlockMetadata";

class ReceiverTracker;

// Spark's ReceiverInputDStream over a named source of the environment's ReceiverSource.
class ReceiverInputDStream : public InputDStream {
 public:
  ReceiverInputDStream(DStreamGraph* graph, std::string source);
  const std::string& source() const { return source_; }

 protected:
  Result<RddPtr> compute(Time time) override;
  void fill_snapshot(StreamSnapshot& snapshot) const override;

 private:
  std::string source_;
};

// The receiver settings of a context's conf.
struct ReceiverSettings {
  bool data_wal = false;                // spark.streaming.receiver.writeAheadLog.enable
  Duration block_interval{200};         // spark.streaming.blockInterval
  Duration driver_wal_rolling{60'000};  // spark.streaming.driver.writeAheadLog.rollingIntervalSecs
  Duration receiver_wal_rolling{
      60'000};  // spark.streaming.receiver.writeAheadLog.rollingIntervalSecs
};

class ReceiverTracker {
 public:
  // `recover`: a checkpoint was present, so the driver log is replayed (Spark recovers the
  // ReceivedBlockTracker only then). REQUIRES: streams non-empty, and a checkpoint directory
  // when settings.data_wal.
  ReceiverTracker(StreamingRuntime* runtime, std::vector<ReceiverInputDStream*> streams,
                  const ReceiverSettings& settings, bool recover, bool additions_only = false);
  ~ReceiverTracker();

  // Launches one receiver per stream; none stores a block after `last_block_time` (when set).
  void start(std::optional<Time> last_block_time);
  void stop();
  // The receivers' graceful stop (ReceiverTracker.stop(graceful = true) before the generator's):
  // each block generator cuts one more block at its next tick, then stores none.
  void stop_receiving();
  // Every receiver has cut its last block and every block it reported has been added.
  bool receivers_stopped() const;
  // Spark's hasUnallocatedBlocks.
  bool has_unallocated_blocks() const { return blocks_.has_unallocated_blocks(); }
  const ReceivedBlockTracker& block_tracker() const { return blocks_; }
  // Closes the driver's block log (ReceivedBlockTracker.stop) once nothing will be allocated.
  void stop_block_log() { blocks_.stop(); }
  // See ReceivedBlockTracker::restart_log.
  Status restart_block_log() { return blocks_.restart_log(); }
  // See ReceivedBlockTracker::log_status: an error fails the start, as Spark's
  // ReceivedBlockTracker constructor throws it.
  Status block_log_status() const { return blocks_.log_status(); }

  bool allocate_blocks_to_batch(Time batch_time) {
    return blocks_.allocate_blocks_to_batch(batch_time);
  }
  std::vector<ReceivedBlockInfo> blocks_of_batch(Time batch_time, int32_t stream_id) const {
    return blocks_.blocks_of_batch(batch_time, stream_id);
  }
  // Spark's cleanupOldBlocksAndBatches: drops the allocations before `threshold` (and their
  // blocks from the block store), and tells the receivers to clean their data logs.
  void cleanup_old_blocks_and_batches(Time threshold);

  // True when the records of `block` can be read: in the block store or in the data log.
  bool has_data(const ReceivedBlockInfo& block) const;
  Result<Records> read_block(const ReceivedBlockInfo& block) const;

 private:
  // The data log files holding a block that is unallocated or still allocated to a batch.
  std::set<std::string> data_files_in_use() const;
  class Receiver;
  friend class Receiver;
  // Steps 2 and 3 of storing a block (see the file comment).
  void report_block(Receiver* receiver, ReceivedBlockInfo block, Records records);

  StreamingRuntime* runtime_;
  ReceiverSettings settings_;
  ReceivedBlockTracker blocks_;
  std::vector<std::unique_ptr<Receiver>> receivers_;
  std::map<std::string, Records> block_store_;  // block id -> records (executor memory)
  int64_t blocks_in_flight_ = 0;                // reported, their AddBlock not yet handled
};

// The receiver settings of `conf`; InvalidArgument on a malformed value.
Result<ReceiverSettings> ReceiverSettingsFromConf(const std::map<std::string, std::string>& conf);

}  // namespace ckpt
