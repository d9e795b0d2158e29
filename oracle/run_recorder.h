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

  void log(ckpt::LogLevel level, const std::string& message) override;
  void on_context_started(ckpt::Time zero_time, bool recovered) override;
  void on_checkpoint_recovered(const std::string& file, ckpt::Time time,
                               const std::vector<ckpt::Time>& pending) override;
  void on_restart(ckpt::Time restart_time, const std::vector<ckpt::Time>& rescheduled,
                  ckpt::Time clock) override;
  void on_stream_restored(int32_t stream_id,
                          const std::map<ckpt::Time, std::string>& rdd_files) override;
  void on_checkpoint_written(const std::string& file, ckpt::Time time,
                             bool clear_checkpoint_data_later) override;
  void on_clear_checkpoint_data(ckpt::Time time,
                                const std::vector<ckpt::Time>& pending_times) override;
  void on_checkpoint_data_updated(int32_t stream_id, ckpt::Time time,
                                  const std::map<ckpt::Time, std::string>& rdd_files) override;
  void on_job_failed(ckpt::Time batch_time, const ckpt::Status& error) override;
  void on_checkpoint_unreadable(const std::string& file, const ckpt::Status& error) override;
  void on_checkpoint_given_up(ckpt::Time time, int attempts,
                              const ckpt::Status& first_error) override;
  void on_offset_ranges(int32_t stream_id, ckpt::Time batch_time,
                        const std::vector<ckpt::OffsetRange>& ranges, bool restored) override;
  void on_blocks_allocated(ckpt::Time batch_time, const ckpt::AllocatedBlocks& blocks) override;
  void on_received_blocks(int32_t stream_id, ckpt::Time batch_time,
                          const std::vector<ckpt::ReceivedBlockInfo>& blocks,
                          const std::vector<ckpt::ReceivedBlockInfo>& missing) override;
  void on_error(const ckpt::Status& error) override;
  void on_file_operation(const ckpt::FileEvent& event) override;
  void on_graceful_stop(const ckpt::GracefulStop& stop) override;

  // The process could not start: getOrCreate or start() failed.
  void start_failed(const ckpt::Status& error);

 private:
  // `text()` is formatted only when the run keeps a trace.
  template <typename TextFn>
  void trace(TextFn&& text) {
    if (recorder_->tracing()) recorder_->trace_line(index_, text());
  }
  // Appends a protocol event of `kind` stamped now, unless the recorder keeps none.
  ProtocolEvent* protocol_event(ProtocolEvent::Kind kind);

  RunRecorder* recorder_;
  int index_;
  std::function<int64_t(int32_t)> acknowledged_;
};

}  // namespace sim
