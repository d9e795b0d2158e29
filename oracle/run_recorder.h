// Recording a run for the oracle: what every engine process of a run reports, into a TrialRun.
//
// The simulator records its processes as they run (sim/trial.cpp); crash-real rebuilds the same
// record from the journals of real processes (real/journal.h). Both go through this class, so
// the oracle judges a simulated and a real run alike, and their traces read alike.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/env.h"
#include "oracle/trial_run.h"
#include "scenario/scenario_log.h"
#include "scenario/scenario_receiver_source.h"

namespace sim {

class RunRecorder {
 public:
  // `log` and `source` turn offset ranges and blocks into records (both are pure functions of
  // the scenario: their clocks do not matter here); `scenario` names the topic of each input
  // stream. `clock` stamps trace lines and allocations.
  RunRecorder(TrialRun* run, const Scenario& scenario, const ScenarioLog* log,
              const ScenarioReceiverSource* source, bool record_trace,
              std::function<ckpt::Time()> clock);

  TrialRun& run() { return *run_; }
  ckpt::Time now() const { return clock_(); }
  // `incarnation` < 0: a line of the harness, not of one process.
  void trace_line(int incarnation, const std::string& text);
  // Trace lines cost a formatted string each: a trial that keeps no trace builds none.
  bool tracing() const { return record_trace_; }
  // Protocol events (IncarnationRecord::protocol) are recorded unless this is set to false.
  void set_record_protocol(bool record) { run_->protocol_recorded = record_protocol_ = record; }
  bool recording_protocol() const { return record_protocol_; }
  void mix(const void* data, size_t size) { run_->digest = ckpt::Fnv1a(data, size, run_->digest); }

  // An output's records reached the sink (sorted here) at `at`.
  void emission(int incarnation, const std::string& output, ckpt::Time batch_time,
                ckpt::Records records, ckpt::Time at);
  // A log stream assigned `ranges` to a batch. The records are read from the log here, by offset,
  // rather than taken from the engine's RDD: the oracle's view of the input must not depend on
  // the engine reading its log correctly.
  void input_batch(int incarnation, int32_t stream_id, ckpt::Time batch_time,
                   const std::vector<ckpt::OffsetRange>& ranges, bool restored);
  // `acknowledged(stream id)`: that receiver stream's source's acknowledged position at the
  // allocation. One ReceiverAllocation per receiver stream.
  void allocation(int incarnation, ckpt::Time batch_time, const ckpt::AllocatedBlocks& blocks,
                  const std::function<int64_t(int32_t)>& acknowledged);
  void received_blocks(int incarnation, int32_t stream_id, ckpt::Time batch_time,
                       const std::vector<ckpt::ReceivedBlockInfo>& blocks,
                       const std::vector<ckpt::ReceivedBlockInfo>& missing);

 private:
  TrialRun* run_;
  const Scenario& scenario_;
  const ScenarioLog* log_;
  const ScenarioReceiverSource* source_;
  bool record_trace_;
  bool record_protocol_ = true;
  std::function<ckpt::Time()> clock_;
};

// The EngineObserver of one process incarnation: records what it reports through a RunRecorder
// into run().incarnations[index], which must exist.
class IncarnationObserver : public ckpt::EngineObserver {
 public:
  // `acknowledged(stream id)`: that receiver stream's source's acknowledged position now (for
  // allocations).
  IncarnationObserver(RunRecorder* recorder, int index,
                      std::function<int64_t(int32_t)> acknowledged)
      : recorder_(recorder), index_(index), acknowledged_(std::move(acknowledged)) {}

  int index() const { return index_; }
  IncarnationRecord& record() { return recorder_->run().incarnations[index_]; }

  void on_event(const ckpt::EngineEventRecord& record) override;

  // The process could not start: getOrCreate or start() failed.
  void start_failed(const ckpt::Status& error);

 private:
  // `text()` is formatted only when the run keeps a trace.
  template <typename TextFn>
  void trace(TextFn&& text) {
    if (recorder_->tracing()) recorder_->trace_line(index_, text());
  }
  // One handler per record type (on_event visits the record).
  void handle(const ckpt::event::Log& e);
  void handle(const ckpt::event::ContextStarted& e);
  void handle(const ckpt::event::CheckpointRecovered& e);
  void handle(const ckpt::event::Restart& e);
  void handle(const ckpt::event::StreamRestored& e);
  void handle(const ckpt::event::CheckpointWritten& e);
  void handle(const ckpt::event::JobFailed& e);
  void handle(const ckpt::event::CheckpointUnreadable& e);
  void handle(const ckpt::event::CheckpointGivenUp& e);
  void handle(const ckpt::event::OffsetRanges& e);
  void handle(const ckpt::event::BlocksAllocated& e);
  void handle(const ckpt::event::ReceivedBlocks& e);
  void handle(const ckpt::event::Error& e);
  void handle(const ckpt::FileEvent& event);
  void handle(const ckpt::GracefulStop& stop);
  void handle(const ckpt::event::ClearCheckpointData& e);
  void handle(const ckpt::event::CheckpointDataUpdated& e);
  // Appends a protocol event of `kind` stamped now, unless the recorder keeps none.
  ProtocolEvent* protocol_event(ProtocolEvent::Kind kind);

  RunRecorder* recorder_;
  int index_;
  std::function<int64_t(int32_t)> acknowledged_;
};

}  // namespace sim
