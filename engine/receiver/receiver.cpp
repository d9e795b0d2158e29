#include "engine/receiver/receiver.h"

#include <algorithm>

#include "engine/conf.h"
#include "engine/dstream/dstream_graph.h"
#include "engine/streaming_runtime.h"

namespace ckpt {
namespace {

// A write-ahead log under the checkpoint directory, warning through the runtime's observer.
std::unique_ptr<FileBasedWriteAheadLog> MakeLog(const StreamingRuntime* runtime,
                                                const std::string& relative_dir,
                                                Duration rolling_interval) {
  if (runtime->checkpoint_dir.empty()) return nullptr;
  return std::make_unique<FileBasedWriteAheadLog>(
      runtime->env.fs, JoinPath(runtime->checkpoint_dir, relative_dir), rolling_interval,
      runtime->checkpoint_sync,
      [runtime](const std::string& message) { runtime->log(LogLevel::kWarning, message); });
}

}  // namespace

Result<ReceiverSettings> ReceiverSettingsFromConf(const std::map<std::string, std::string>& conf) {
  ReceiverSettings settings;
  auto wal = conf.find("spark.streaming.receiver.writeAheadLog.enable");
  if (wal != conf.end()) {
    if (wal->second != "true" && wal->second != "false") {
      return Status::InvalidArgument(
          "spark.streaming.receiver.writeAheadLog.enable must be true or false, got '" +
          wal->second + "'");
    }
    settings.data_wal = wal->second == "true";
  }
  constexpr Duration kMillisecond{1}, kSecond{1000};
  struct {
    const char* key;
    Duration* value;
    Duration bare_unit;  // the rolling intervals are given in seconds
  } durations[] = {
      {"spark.streaming.blockInterval", &settings.block_interval, kMillisecond},
      {"spark.streaming.driver.writeAheadLog.rollingIntervalSecs", &settings.driver_wal_rolling,
       kSecond},
      {"spark.streaming.receiver.writeAheadLog.rollingIntervalSecs", &settings.receiver_wal_rolling,
       kSecond},
  };
  for (auto& [key, value, bare_unit] : durations) {
    CKPT_ASSIGN_OR_RETURN(Duration parsed, DurationConf(conf, key, *value, bare_unit));
    *value = parsed;
  }
  return settings;
}

// ---- ReceiverInputDStream ----

ReceiverInputDStream::ReceiverInputDStream(DStreamGraph* graph, std::string source)
    : InputDStream(graph, "receiver", {}), source_(std::move(source)) {}

void ReceiverInputDStream::fill_snapshot(StreamSnapshot& snapshot) const {
  snapshot.params["source"] = Value::String(source_);
}

Result<RddPtr> ReceiverInputDStream::compute(Time time) {
  ReceiverTracker* tracker = runtime().receiver_tracker;
  CKPT_ASSERT(tracker, "a receiver stream computed without a receiver tracker");
  std::vector<ReceivedBlockInfo> readable, missing;
  // Spark gives a time before the graph's start an empty BlockRDD.
  if (!graph()->start_time() || time >= *graph()->start_time()) {
    for (ReceivedBlockInfo& block : tracker->blocks_of_batch(time, id())) {
      (tracker->has_data(block) ? readable : missing).push_back(std::move(block));
    }
  }
  if (!missing.empty()) {
    runtime().log(
        LogLevel::kWarning,
        "Some blocks could not be recovered as they were not found in memory. To prevent "
        "such data loss, enable Write Ahead Log (see programming guide for more details.");
  }
  if (runtime().env.observer) {
    runtime().env.observer->on_event(event::ReceivedBlocks{id(), time, readable, missing});
  }
  return make_rdd(time, {}, [tracker, readable]() -> Result<Records> {
    Records records;
    for (const ReceivedBlockInfo& block : readable) {
      Result<Records> data = tracker->read_block(block);
      if (!data.ok()) {
        return data.status()
            .with_context(std::string(kWalRecordUnreadableError) + " " + block.block_id)
            .marked(ErrorMark::kWalRecordUnreadable, block.block_id);
      }
      records.insert(records.end(), data.value().begin(), data.value().end());
    }
    return records;
  });
}

// ---- Receiver ----

// One receiver on an executor: its block generator's timer and its supervisor's store path.
class ReceiverTracker::Receiver {
 public:
  Receiver(ReceiverTracker* tracker, const ReceiverInputDStream* stream)
      : tracker_(tracker), stream_id_(stream->id()), source_(stream->source()) {
    const StreamingRuntime* runtime = tracker->runtime_;
    if (tracker->settings_.data_wal) {
      data_log_ = MakeLog(runtime, "receivedData/" + std::to_string(stream_id_),
                          tracker->settings_.receiver_wal_rolling);
    }
  }

  void start(std::optional<Time> last_block_time) {
    last_block_time_ = last_block_time;
    position_ = source().acknowledged(source_);
    Duration interval = tracker_->settings_.block_interval;
    Time now = scheduler().now();
    schedule(Time{(now.ms / interval.ms + 1) * interval.ms});
  }

  void stop() {
    if (next_tick_) scheduler().cancel(*next_tick_);
    next_tick_.reset();
    if (data_log_) data_log_->close();
  }

  // BlockGenerator.stop: the block timer's next tick still cuts a block, none after it.
  void stop_after_next_block() {
    if (next_tick_) last_block_time_ = next_tick_time_;
  }
  bool stopped_receiving() const { return !next_tick_; }

  // The block failed to be stored or reported: the receiver restarts where the source's
  // acknowledgements stand, so the unacknowledged records come again.
  void restart_receiving(const std::string& why) {
    tracker_->runtime_->log(LogLevel::kWarning,
                            "Restarting receiver " + std::to_string(stream_id_) + ": " + why);
    position_ = source().acknowledged(source_);
  }

  FileBasedWriteAheadLog* data_log() const { return data_log_.get(); }
  const std::string& source_name() const { return source_; }
  ReceiverSource& source() const { return *tracker_->runtime_->env.receiver_source; }

 private:
  Scheduler& scheduler() const { return *tracker_->runtime_->env.scheduler; }

  void schedule(Time time) {
    next_tick_.reset();
    if (last_block_time_ && time > *last_block_time_) return;
    next_tick_time_ = time;
    next_tick_ = scheduler().schedule_at(time, TaskLabel{Actor::kReceiver, "block"}, [this, time] {
      cut_block(time);
      schedule(time + tracker_->settings_.block_interval);
    });
  }

  // Spark's BlockGenerator: everything that arrived since the last block is one block, named
  // after the start of its interval.
  void cut_block(Time time) {
    int64_t until = source().available(source_);
    if (until <= position_) return;
    ReceivedBlockInfo block;
    block.stream_id = stream_id_;
    block.block_id = "input-" + std::to_string(stream_id_) + "-" +
                     std::to_string((time - tracker_->settings_.block_interval).ms);
    block.record_count = until - position_;
    block.source_from = position_;
    block.source_until = until;
    Records records = source().read(source_, position_, until);
    position_ = until;
    if (data_log_) {
      Result<WalRecordHandle> handle = data_log_->write(EncodeBlockData(records), time);
      if (!handle.ok()) {
        restart_receiving("could not write block " + block.block_id +
                          " to the write ahead log: " + handle.status().to_string());
        return;
      }
      block.wal_handle = handle.value();
    }
    tracker_->report_block(this, std::move(block), std::move(records));
  }

  ReceiverTracker* tracker_;
  int32_t stream_id_;
  std::string source_;
  std::unique_ptr<FileBasedWriteAheadLog> data_log_;
  std::optional<Time> last_block_time_;
  std::optional<TaskId> next_tick_;
  Time next_tick_time_;   // of next_tick_
  int64_t position_ = 0;  // the next record to take from the source
};

// ---- ReceiverTracker ----

namespace {

std::vector<int32_t> StreamIds(const std::vector<ReceiverInputDStream*>& streams) {
  std::vector<int32_t> ids;
  for (const ReceiverInputDStream* stream : streams) ids.push_back(stream->id());
  return ids;
}

}  // namespace

ReceiverTracker::ReceiverTracker(StreamingRuntime* runtime,
                                 std::vector<ReceiverInputDStream*> streams,
                                 const ReceiverSettings& settings, bool recover,
                                 bool additions_only)
    : runtime_(runtime),
      settings_(settings),
      blocks_(runtime, StreamIds(streams),
              MakeLog(runtime, kBlockMetadataLogDirectory, settings.driver_wal_rolling), recover,
              additions_only) {
  CKPT_ASSERT(!streams.empty(), "a receiver tracker without receiver streams");
  CKPT_ASSERT(runtime->env.receiver_source, "receiver streams need a receiver source");
  for (const ReceiverInputDStream* stream : streams) {
    receivers_.push_back(std::make_unique<Receiver>(this, stream));
  }
}

ReceiverTracker::~ReceiverTracker() = default;

void ReceiverTracker::start(std::optional<Time> last_block_time) {
  for (const auto& receiver : receivers_) receiver->start(last_block_time);
}

void ReceiverTracker::stop() {
  for (const auto& receiver : receivers_) receiver->stop();
  blocks_.stop();
}

void ReceiverTracker::stop_receiving() {
  for (const auto& receiver : receivers_) receiver->stop_after_next_block();
}

bool ReceiverTracker::receivers_stopped() const {
  return blocks_in_flight_ == 0 &&
         std::all_of(receivers_.begin(), receivers_.end(),
                     [](const auto& receiver) { return receiver->stopped_receiving(); });
}

void ReceiverTracker::report_block(Receiver* receiver, ReceivedBlockInfo block, Records records) {
  block_store_[block.block_id] = std::move(records);
  if (!blocks_.write_block_addition(block)) {
    block_store_.erase(block.block_id);
    receiver->restart_receiving("Error reporting block " + block.block_id);
    return;
  }
  ++blocks_in_flight_;
  runtime_->env.scheduler->post(TaskLabel{Actor::kReceiverTracker, "AddBlock"},
                                [this, receiver, block = std::move(block)] {
                                  --blocks_in_flight_;
                                  int64_t until = block.source_until;
                                  blocks_.enqueue(block);
                                  receiver->source().acknowledge(receiver->source_name(), until);
                                });
}

void ReceiverTracker::cleanup_old_blocks_and_batches(Time threshold) {
  std::vector<std::pair<Time, std::string>> old_blocks;
  for (const auto& [time, streams] : blocks_.allocations()) {
    if (time >= threshold) break;
    for (const auto& [id, blocks] : streams) {
      for (const ReceivedBlockInfo& block : blocks) old_blocks.emplace_back(time, block.block_id);
    }
  }
  blocks_.cleanup_old_batches(threshold);
  for (const auto& [time, block_id] : old_blocks) {
    if (!blocks_.allocations().count(time)) block_store_.erase(block_id);
  }
  // Fix::kReplayBlockLogWithoutCheckpoint adopts an abandoned application's blocks, received long
  // before the batch that reads them: their data must outlive the time-based cleanup.
  std::set<std::string> keep;
  if (runtime_->env.fixes.has(Fix::kReplayBlockLogWithoutCheckpoint)) keep = data_files_in_use();
  for (const auto& receiver : receivers_) {
    if (receiver->data_log()) receiver->data_log()->clean(threshold, keep);
  }
}

std::set<std::string> ReceiverTracker::data_files_in_use() const {
  std::set<std::string> files;
  auto add = [&files](const ReceivedBlockInfo& block) {
    if (block.wal_handle) files.insert(block.wal_handle->path);
  };
  for (const auto& [time, streams] : blocks_.allocations()) {
    for (const auto& [id, blocks] : streams) std::for_each(blocks.begin(), blocks.end(), add);
  }
  for (int32_t stream_id : blocks_.stream_ids()) {
    const std::deque<ReceivedBlockInfo>& queue = blocks_.unallocated(stream_id);
    std::for_each(queue.begin(), queue.end(), add);
  }
  return files;
}

bool ReceiverTracker::has_data(const ReceivedBlockInfo& block) const {
  return block_store_.count(block.block_id) > 0 || block.wal_handle.has_value();
}

Result<Records> ReceiverTracker::read_block(const ReceivedBlockInfo& block) const {
  auto stored = block_store_.find(block.block_id);
  if (stored != block_store_.end()) return stored->second;
  if (!block.wal_handle) return Status::NotFound("block " + block.block_id + " not found");
  // Spark's WriteAheadLogBackedBlockRDD reads the segment with a random reader.
  CKPT_ASSIGN_OR_RETURN(std::string bytes,
                        ReadWriteAheadLogRecord(*runtime_->env.fs, *block.wal_handle));
  return DecodeBlockData(bytes);
}

}  // namespace ckpt
