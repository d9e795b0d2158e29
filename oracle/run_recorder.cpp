#include "oracle/run_recorder.h"

#include "engine/runtime/assert.h"
#include "scenario/fault_rule.h"

namespace sim {
namespace {

using ckpt::Time;

std::string TimesToString(const std::vector<Time>& times) {
  std::string text = "[";
  for (size_t i = 0; i < times.size(); ++i) text += (i ? ", " : "") + std::to_string(times[i].ms);
  return text + "]";
}

}  // namespace

RunRecorder::RunRecorder(TrialRun* run, const Scenario& scenario, const ScenarioLog* log,
                         const ScenarioReceiverSource* source, bool record_trace,
                         std::function<Time()> clock)
    : run_(run),
      scenario_(scenario),
      log_(log),
      source_(source),
      record_trace_(record_trace),
      clock_(std::move(clock)) {
  run_->protocol_recorded = record_protocol_;
}

void RunRecorder::trace_line(int incarnation, const std::string& text) {
  if (!record_trace_) return;
  run_->trace.push_back("[" + std::to_string(clock_().ms) + " ms] " +
                        (incarnation >= 0 ? "#" + std::to_string(incarnation) + " " : "") + text);
}

void RunRecorder::emission(int incarnation, const std::string& output, Time batch_time,
                           ckpt::Records records, Time at) {
  ckpt::SortRecords(records);
  uint64_t hash = ckpt::kFnvOffset;
  for (const ckpt::Value& v : records) hash = v.digest(hash);
  mix(&hash, sizeof hash);
  mix(&batch_time.ms, sizeof batch_time.ms);
  if (record_trace_) {
    trace_line(incarnation, "output " + output + " @" + std::to_string(batch_time.ms) + " = " +
                                ckpt::RecordsToString(records));
  }
  run_->emissions.push_back(Emission{incarnation, output, batch_time, std::move(records), at});
}

void RunRecorder::input_batch(int incarnation, int32_t stream_id, Time batch_time,
                              const std::vector<ckpt::OffsetRange>& ranges, bool restored) {
  InputBatch batch{incarnation, batch_time, stream_id, ranges, {}, restored, {}, 0};
  const std::string& topic = InputSource(scenario_, stream_id).topic();
  std::string text;
  for (const ckpt::OffsetRange& range : ranges) {
    ckpt::Result<ckpt::Records> records = log_->read(topic, range);
    CKPT_ASSERT(records.ok(), "the log stream assigned a range the log does not have: " +
                                  records.status().to_string());
    batch.records.insert(batch.records.end(), records.value().begin(), records.value().end());
    if (record_trace_) {
      text += " p" + std::to_string(range.partition) + "[" + std::to_string(range.from) + "," +
              std::to_string(range.until) + ")";
    }
    int64_t fields[3] = {range.partition, range.from, range.until};  // no padding bytes
    mix(fields, sizeof fields);
  }
  ckpt::SortRecords(batch.records);
  if (record_trace_) {
    trace_line(incarnation, std::string(restored ? "restored" : "computed") + " offset ranges of " +
                                batch_time.to_string() + ":" + text);
  }
  run_->input_batches.push_back(std::move(batch));
}

void RunRecorder::allocation(int incarnation, Time batch_time, const ckpt::AllocatedBlocks& blocks,
                             const std::function<int64_t(int32_t)>& acknowledged) {
  for (const auto& [stream_id, stream_blocks] : blocks) {
    ReceiverAllocation allocation{
        incarnation, batch_time, stream_id, clock_(), acknowledged(stream_id), {}};
    for (const ckpt::ReceivedBlockInfo& block : stream_blocks) {
      allocation.ranges.push_back(ckpt::OffsetRange{0, block.source_from, block.source_until});
    }
    mix(&allocation.acknowledged, sizeof allocation.acknowledged);
    if (record_trace_) {
      trace_line(incarnation, "allocated blocks to " + batch_time.to_string() + " (source " +
                                  InputSource(scenario_, stream_id).topic() +
                                  " acknowledged up to " + std::to_string(allocation.acknowledged) +
                                  ")");
    }
    run_->receiver_allocations.push_back(std::move(allocation));
  }
}

void RunRecorder::received_blocks(int incarnation, int32_t stream_id, Time batch_time,
                                  const std::vector<ckpt::ReceivedBlockInfo>& blocks,
                                  const std::vector<ckpt::ReceivedBlockInfo>& missing) {
  InputBatch batch{incarnation, batch_time, stream_id, {}, {}, false, {}, missing.size()};
  const std::string& topic = InputSource(scenario_, stream_id).topic();
  std::string text;
  for (const ckpt::ReceivedBlockInfo& block : blocks) {
    batch.ranges.push_back(ckpt::OffsetRange{0, block.source_from, block.source_until});
    batch.block_ids.push_back(block.block_id);
    ckpt::Records records = source_->records(topic, block.source_from, block.source_until);
    batch.records.insert(batch.records.end(), records.begin(), records.end());
    if (record_trace_) {
      text += " " + block.block_id + "[" + std::to_string(block.source_from) + "," +
              std::to_string(block.source_until) + ")";
    }
    mix(block.block_id.data(), block.block_id.size());
  }
  for (const ckpt::ReceivedBlockInfo& block : missing) {
    if (record_trace_) text += " " + block.block_id + " (records gone)";
    mix(block.block_id.data(), block.block_id.size());
  }
  ckpt::SortRecords(batch.records);
  if (record_trace_) {
    trace_line(incarnation, "received blocks of " + batch_time.to_string() + ":" +
                                (text.empty() ? " none" : text));
  }
  run_->input_batches.push_back(std::move(batch));
}

void IncarnationObserver::handle(const ckpt::event::Log& e) {
  if (e.level != ckpt::LogLevel::kInfo) trace([&] { return "log: " + e.message; });
}

void IncarnationObserver::on_event(const ckpt::EngineEventRecord& record) {
  std::visit([this](const auto& event) { handle(event); }, record);
}

ProtocolEvent* IncarnationObserver::protocol_event(ProtocolEvent::Kind kind) {
  if (!recorder_->recording_protocol()) return nullptr;
  std::vector<ProtocolEvent>& events = record().protocol;
  events.push_back(ProtocolEvent{});
  events.back().kind = kind;
  events.back().at = recorder_->now() + record().clock_offset;
  return &events.back();
}

void IncarnationObserver::handle(const ckpt::event::ContextStarted& e) {
  record().zero_time = e.zero_time;
  record().recovered = e.recovered;
  if (ProtocolEvent* event = protocol_event(ProtocolEvent::Kind::kStarted)) {
    event->time = e.zero_time;
    event->recovered = e.recovered;
  }
}

void IncarnationObserver::handle(const ckpt::event::CheckpointRecovered& e) {
  record().checkpoint_file = e.file;
  record().checkpoint_time = e.checkpoint_time;
  record().pending_times = e.pending_times;
  if (ProtocolEvent* event = protocol_event(ProtocolEvent::Kind::kRecovered)) {
    event->path = e.file;
    event->time = e.checkpoint_time;
    event->times = e.pending_times;
  }
  trace([&] {
    return "recovered from " + e.file + " (content time " + e.checkpoint_time.to_string() + ")";
  });
}

void IncarnationObserver::handle(const ckpt::event::Restart& e) {
  record().restart_time = e.restart_time;
  record().rescheduled = e.rescheduled;
  if (ProtocolEvent* event = protocol_event(ProtocolEvent::Kind::kRestart)) {
    event->time = e.restart_time;
    event->times = e.rescheduled;
    event->clock = e.clock;
  }
  trace([&] {
    return "restart at " + e.restart_time.to_string() + ": pending " +
           TimesToString(record().pending_times) + ", rescheduled " + TimesToString(e.rescheduled);
  });
}

void IncarnationObserver::handle(const ckpt::event::CheckpointWritten& e) {
  trace([&] { return "wrote " + e.file + " (content time " + e.content_time.to_string() + ")"; });
  record().checkpoints_written.push_back(e.file);
  if (ProtocolEvent* event = protocol_event(ProtocolEvent::Kind::kWritten)) {
    event->path = e.file;
    event->time = e.content_time;
    event->clear_later = e.clear_checkpoint_data_later;
  }
}

void IncarnationObserver::handle(const ckpt::event::ClearCheckpointData& e) {
  if (ProtocolEvent* event = protocol_event(ProtocolEvent::Kind::kCleared)) {
    event->time = e.time;
    event->times = e.pending_times;
  }
}

void IncarnationObserver::handle(const ckpt::event::CheckpointDataUpdated& e) {
  if (ProtocolEvent* event = protocol_event(ProtocolEvent::Kind::kRddFiles)) {
    event->stream_id = e.stream_id;
    event->time = e.time;
    event->rdd_files = e.rdd_files;
  }
}

void IncarnationObserver::handle(const ckpt::event::StreamRestored& e) {
  ++record().restores[e.stream_id];
  if (ProtocolEvent* event = protocol_event(ProtocolEvent::Kind::kRestored)) {
    event->stream_id = e.stream_id;
    event->rdd_files = e.rdd_files;
  }
}

void IncarnationObserver::handle(const ckpt::event::JobFailed& e) {
  if (e.error.has(ckpt::ErrorMark::kInjected)) {
    recorder_->run().failed_jobs.push_back(FailedJob{index_, e.batch_time});
  }
}

void IncarnationObserver::handle(const ckpt::event::CheckpointGivenUp& e) {
  trace([&] {
    return "gave up the checkpoint of " + e.content_time.to_string() + " after " +
           std::to_string(e.attempts) + " attempt(s); first error: " + e.first_error.to_string();
  });
  record().given_up_writes.push_back(GivenUpWrite{e.content_time, e.attempts, e.first_error});
  if (e.first_error.is_storage_refusal())
    record().storage_refusals.push_back(e.first_error.to_string());
  if (ProtocolEvent* event = protocol_event(ProtocolEvent::Kind::kGivenUp))
    event->time = e.content_time;
}

void IncarnationObserver::handle(const ckpt::GracefulStop& stop) {
  trace([&] {
    auto text = [](std::optional<Time> t) { return t ? t->to_string() : std::string("none"); };
    return "stopped gracefully: stop time " + text(stop.stop_time) + ", last processed batch " +
           text(stop.last_processed_batch) + (stop.timed_out ? ", timed out" : "");
  });
  record().graceful_stop = stop;
}

void IncarnationObserver::handle(const ckpt::event::CheckpointUnreadable& e) {
  ckpt::RejectedCheckpoint rejected{e.file, e.error};
  if (ProtocolEvent* event = protocol_event(ProtocolEvent::Kind::kUnreadable)) {
    event->path = rejected.to_string();
  }
  record().unreadable_checkpoints.push_back(std::move(rejected));
}

void IncarnationObserver::handle(const ckpt::FileEvent& event) {
  if (ProtocolEvent* recorded = protocol_event(ProtocolEvent::Kind::kFile)) recorded->file = event;
}

void IncarnationObserver::handle(const ckpt::event::OffsetRanges& e) {
  recorder_->input_batch(index_, e.stream_id, e.batch_time, e.ranges, e.restored);
}

void IncarnationObserver::handle(const ckpt::event::BlocksAllocated& e) {
  recorder_->allocation(index_, e.batch_time, e.blocks, acknowledged_);
}

void IncarnationObserver::handle(const ckpt::event::ReceivedBlocks& e) {
  recorder_->received_blocks(index_, e.stream_id, e.batch_time, e.blocks, e.missing);
}

void IncarnationObserver::handle(const ckpt::event::Error& e) {
  trace([&] { return "error: " + e.error.to_string(); });
  if (!e.error.has(ckpt::ErrorMark::kInjected)) record().errors.push_back(e.error);
  if (e.error.is_storage_refusal()) record().storage_refusals.push_back(e.error.to_string());
}

void IncarnationObserver::start_failed(const ckpt::Status& error) {
  record().start_error = error;
  if (error.is_storage_refusal()) record().storage_refusals.push_back(error.to_string());
  trace([&] { return "start failed: " + error.to_string(); });
}

}  // namespace sim
