#include "engine/receiver/received_block_tracker.h"

#include <algorithm>
#include <set>

#include "engine/streaming_runtime.h"

namespace ckpt {

ReceivedBlockTracker::ReceivedBlockTracker(const StreamingRuntime* runtime,
                                           std::vector<int32_t> stream_ids,
                                           std::unique_ptr<FileBasedWriteAheadLog> wal,
                                           bool recover, bool additions_only)
    : runtime_(runtime),
      stream_ids_(std::move(stream_ids)),
      wal_(std::move(wal)),
      additions_only_(additions_only) {
  for (int32_t id : stream_ids_) queues_[id];
  if (recover && wal_ && wal_->opened().ok()) recovered_ = recover_past_events();
}

bool ReceivedBlockTracker::write_to_log(const ReceivedBlockEvent& event) {
  if (!wal_) return true;
  Result<WalRecordHandle> written =
      wal_->write(EncodeReceivedBlockEvent(event), runtime_->env.scheduler->now());
  if (written.ok()) return true;
  runtime_->log(LogLevel::kWarning,
                "Exception thrown while writing record to the write ahead log: " +
                    written.status().to_string());
  return false;
}

bool ReceivedBlockTracker::write_block_addition(const ReceivedBlockInfo& block) {
  ReceivedBlockEvent event;
  event.kind = ReceivedBlockEvent::Kind::kBlockAddition;
  event.block = block;
  return write_to_log(event);
}

void ReceivedBlockTracker::enqueue(ReceivedBlockInfo block) {
  CKPT_ASSERT(queues_.count(block.stream_id), "a block of an unknown receiver stream");
  queue(block.stream_id).push_back(std::move(block));
}

bool ReceivedBlockTracker::allocate_blocks_to_batch(Time batch_time) {
  if (last_allocated_ && batch_time <= *last_allocated_) {
    runtime_->log(LogLevel::kInfo, "Possibly processed batch " + batch_time.to_string() +
                                       " needs to be processed again in WAL recovery");
    return false;
  }
  ReceivedBlockEvent event;
  event.kind = ReceivedBlockEvent::Kind::kBatchAllocation;
  event.batch_time = batch_time;
  for (auto& [id, blocks] : queues_) {
    event.allocated[id].assign(blocks.begin(), blocks.end());
  }
  // dequeue-before-wal-write reverts SPARK-23991: the queues are emptied before the write, so a
  // failed write loses their blocks.
  bool dequeue_first = runtime_->env.defects.has(Defect::kDequeueBeforeWalWrite);
  if (dequeue_first) {
    for (auto& [id, blocks] : queues_) blocks.clear();
  }
  if (!write_to_log(event)) {
    runtime_->log(LogLevel::kInfo, "Possibly processed batch " + batch_time.to_string() +
                                       " needs to be processed again in WAL recovery");
    return false;
  }
  if (!dequeue_first) {
    for (auto& [id, blocks] : queues_) blocks.clear();
  }
  last_allocated_ = batch_time;
  const AllocatedBlocks& allocated = allocated_[batch_time] = std::move(event.allocated);
  if (runtime_->env.observer)
    runtime_->env.observer->on_event(event::BlocksAllocated{batch_time, allocated});
  return true;
}

std::vector<ReceivedBlockInfo> ReceivedBlockTracker::blocks_of_batch(Time batch_time,
                                                                     int32_t stream_id) const {
  auto batch = allocated_.find(batch_time);
  if (batch == allocated_.end()) return {};
  auto blocks = batch->second.find(stream_id);
  return blocks == batch->second.end() ? std::vector<ReceivedBlockInfo>{} : blocks->second;
}

void ReceivedBlockTracker::cleanup_old_batches(Time threshold) {
  CKPT_ASSERT(threshold < runtime_->env.scheduler->now(), "requirement failed: cleanup threshold " +
                                                              threshold.to_string() +
                                                              " is not before the current time");
  ReceivedBlockEvent event;
  event.kind = ReceivedBlockEvent::Kind::kBatchCleanup;
  for (const auto& [time, blocks] : allocated_) {
    if (time < threshold) event.cleaned_times.push_back(time);
  }
  if (!write_to_log(event)) {
    runtime_->log(LogLevel::kWarning,
                  "Failed to acknowledge batch clean up in the Write Ahead Log.");
    return;
  }
  for (Time time : event.cleaned_times) allocated_.erase(time);
  if (wal_) wal_->clean(threshold);
}

const std::deque<ReceivedBlockInfo>& ReceivedBlockTracker::unallocated(int32_t stream_id) const {
  static const std::deque<ReceivedBlockInfo> kNone;
  auto it = queues_.find(stream_id);
  return it == queues_.end() ? kNone : it->second;
}

bool ReceivedBlockTracker::has_unallocated_blocks() const {
  return std::any_of(queues_.begin(), queues_.end(),
                     [](const auto& entry) { return !entry.second.empty(); });
}

Status ReceivedBlockTracker::restart_log() {
  if (!wal_) return Status::Ok();
  // Log the adopted blocks again before deleting the files they came from, so that a crash in
  // between loses none (the next replay then reads some additions twice and keeps each once).
  // When a write fails the old files stay: they still hold what could not be logged again.
  std::vector<std::string> abandoned = wal_->file_paths();
  for (const auto& [id, blocks] : queues_) {
    for (const ReceivedBlockInfo& block : blocks) {
      if (!write_block_addition(block)) {
        runtime_->log(LogLevel::kWarning, "Could not log the adopted block " + block.block_id +
                                              " again; keeping the block log it came from");
        return Status::Ok();
      }
    }
  }
  return wal_->remove_files(abandoned);
}

void ReceivedBlockTracker::stop() {
  if (wal_) wal_->close();
}

Status ReceivedBlockTracker::recover_past_events() {
  CKPT_ASSIGN_OR_RETURN(std::vector<std::string> records, wal_->read_all());
  for (const std::string& record : records) {
    Result<ReceivedBlockEvent> event = DecodeReceivedBlockEvent(record);
    if (!event.ok()) {
      // The log's own frame was intact, so this is a record of another format: skip it.
      runtime_->log(LogLevel::kWarning,
                    "Skipping an undecodable received block event: " + event.status().to_string());
      continue;
    }
    replay(event.value());
  }
  return Status::Ok();
}

void ReceivedBlockTracker::replay(const ReceivedBlockEvent& event) {
  if (additions_only_ && event.kind != ReceivedBlockEvent::Kind::kBlockAddition) return;
  switch (event.kind) {
    case ReceivedBlockEvent::Kind::kBlockAddition: {
      if (!queues_.count(event.block.stream_id)) break;
      // A block's addition is logged twice when a write retried on a new file had reached the
      // old one too (Spark queues it twice: the known weakness that
      // Fix::kReplayAddsEachBlockOnce removes), or when Fix::kFreshApplicationDropsBlockLog
      // logged an adopted block again and crashed before deleting the old log.
      std::deque<ReceivedBlockInfo>& blocks = queue(event.block.stream_id);
      const FixSet& fixes = runtime_->env.fixes;
      bool queued = (fixes.has(Fix::kReplayAddsEachBlockOnce) ||
                     fixes.has(Fix::kFreshApplicationDropsBlockLog)) &&
                    std::any_of(blocks.begin(), blocks.end(), [&](const ReceivedBlockInfo& b) {
                      return b.block_id == event.block.block_id;
                    });
      if (!queued) blocks.push_back(event.block);
      break;
    }
    case ReceivedBlockEvent::Kind::kBatchAllocation: {
      // wal-clear-queue-on-replay reverts SPARK-23438: the whole queue is cleared, dropping the
      // blocks added to the log before this allocation but enqueued after it.
      bool clear_all = runtime_->env.defects.has(Defect::kWalClearQueueOnReplay);
      for (auto& [id, blocks] : queues_) {
        if (clear_all) {
          blocks.clear();
          continue;
        }
        auto allocated = event.allocated.find(id);
        if (allocated == event.allocated.end()) continue;
        std::set<std::string> ids;
        for (const ReceivedBlockInfo& block : allocated->second) ids.insert(block.block_id);
        std::erase_if(blocks, [&ids](const ReceivedBlockInfo& b) { return ids.count(b.block_id); });
      }
      allocated_[event.batch_time] = event.allocated;
      last_allocated_ = event.batch_time;
      break;
    }
    case ReceivedBlockEvent::Kind::kBatchCleanup:
      for (Time time : event.cleaned_times) allocated_.erase(time);
      break;
  }
}

}  // namespace ckpt
