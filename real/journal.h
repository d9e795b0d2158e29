// The journal of real engine processes: what each reports, as JSON lines written to a file
// descriptor outside it (a pipe to `ckptsim crash-real`, or the append-only journal file of a
// `ckptsim serve` run directory).
//
// Every line is a single write(2) of one whole line, so a SIGKILL leaves whole lines behind: what
// write() accepted belongs to the kernel, which a killed process does not take along (a torn last
// line, possible only in a file, is skipped by the reader). A line looks like
//   {"e":"emit","output":"counts","time":1500,"at":1612,"records":[["a",{"i":2}]]}
// Records: a string is a JSON string, an int {"i":n}, a double {"d":<its 64 bits>} (exact), a pair
// a two-element array.
//
// RunFromJournal rebuilds, from the lines of every process of a run, the TrialRun the oracle
// judges, through the RunRecorder the simulator uses: a real run and a simulated one are checked
// by the same code.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "engine/env.h"
#include "oracle/trial_run.h"
#include "scenario/scenario.h"

namespace real {

// Writes journal lines to `fd` (not owned). Write errors are fatal to the process: a journal
// that silently lost lines would make the oracle judge a run that did not happen.
class JournalWriter : public ckpt::OutputSink, public ckpt::EngineObserver {
 public:
  explicit JournalWriter(int fd) : fd_(fd) {}

  // A process begins: incarnation `index`, at engine time `at`, its receiver source (if any)
  // acknowledged up to `source_acknowledged`.
  // `conf`: the process's own SparkConf (the protocol rule conf.reload judges the recovered
  // context's conf against it).
  void process_started(int index, ckpt::Time at, int64_t source_acknowledged,
                       const std::map<std::string, std::string>& conf);
  // The started context's conf.
  void context_conf(const std::map<std::string, std::string>& conf);
  void start_failed(const ckpt::Status& error);
  // The process stops before its step `step` (`label`) and waits to be killed.
  void kill_point(uint64_t step, const std::string& label);
  // The process ran out of tasks at `at` after `steps` steps: the application is done.
  void finished(ckpt::Time at, uint64_t steps);
  void engine_assert(const std::string& message);

  ckpt::Status emit(const std::string& output, ckpt::Time batch_time,
                    const ckpt::Records& records) override;
  void on_event(const ckpt::EngineEventRecord& record) override;

  // A line of another event vocabulary (real/structured_journal.h): {"e": event, "at": now,
  // then `fields` in their order}.
  void write_fields(const char* event, nlohmann::ordered_json fields);

  // The time `emit` stamps on records and allocations use (the process's scheduler).
  void set_clock(const ckpt::Scheduler* scheduler) { scheduler_ = scheduler; }
  // Also prints the events a person watching wants (outputs, recovery, checkpoints, errors).
  void set_echo(std::FILE* out) { echo_ = out; }
  // The receiver source whose acknowledged position allocations carry (none: 0).
  void set_receiver_source(const ckpt::ReceiverSource* source, std::string name) {
    source_ = source;
    source_name_ = std::move(name);
  }

 private:
  // One line per record type (on_event visits the record).
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
  void write_line(const std::string& line);
  // An engine event's line: its name and the time first, then `fields` in their order.
  void write_event(ckpt::EngineEvent event, nlohmann::ordered_json fields);
  void echo(const std::string& text);
  ckpt::Time now() const { return scheduler_ ? scheduler_->now() : ckpt::Time{0}; }

  int fd_;
  const ckpt::Scheduler* scheduler_ = nullptr;
  const ckpt::ReceiverSource* source_ = nullptr;
  std::string source_name_;
  std::FILE* echo_ = nullptr;
};

// True when `line` is a kill_point line (a process waiting to be killed).
bool IsKillPointLine(std::string_view line);
// How many processes wrote to `journal` (its process lines).
int ProcessesInJournal(std::string_view journal);

// A journal line the supervising harness adds: it killed the process at engine time `at`.
std::string KilledLine(ckpt::Time at);
// The harness's line for process `index`, killed at `at` before it wrote its first line (a kill
// that lands while the process is still starting up).
std::string UnstartedLine(int index, ckpt::Time at);

// Rebuilds the run of `scenario` from `journal`: the lines of every process in order, each
// process's beginning with its process_started line. A process followed by another without
// having finished crashed (at its KilledLine's time when present); the run quiesced when the last
// process finished. A torn last line is skipped; any other malformed line is Corruption naming
// its line number.
ckpt::Result<sim::TrialRun> RunFromJournal(const sim::Scenario& scenario, std::string_view journal,
                                           bool record_trace);

}  // namespace real
