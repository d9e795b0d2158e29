#include "sim/structured_trial.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string_view>

#include "engine/structured/metadata_log.h"
#include "oracle/structured_files.h"
#include "scenario/application.h"
#include "scenario/scenario_log.h"
#include "scenario/structured_application.h"
#include "sim/event_loop.h"
#include "sim/faults.h"
#include "sim/machine.h"
#include "sim/producer.h"

namespace sim {
namespace {

using ckpt::Duration;
using ckpt::Result;
using ckpt::Status;
using ckpt::Time;
namespace ss = ckpt::structured;

// Whether Spark legitimately leaves a temp file behind after injected faults refused `refused`
// on it: its rename or its delete (cancel's), or its close in close() (the stream is terminated
// then, so a later cancel does nothing). A close refused after a refused write is cancel()'s,
// which must delete the file all the same (SPARK-33384). (A crashed process's temp files stay
// too: a dead JVM never cancels.)
bool TempFileMayStay(const std::set<std::string>& refused) {
  return refused.count("rename") || refused.count("delete") ||
         (refused.count("close") && !refused.count("write"));
}

class StructuredSimulation : public StepGate, public ss::BatchSink, public ss::QueryObserver {
 public:
  StructuredSimulation(const Scenario& scenario, const TrialSpec& spec, const RunOptions& options)
      : scenario_(scenario),
        spec_(spec),
        options_(options),
        fs_(ModelFor(scenario, options)),
        injector_(FaultRulesOf(scenario, options.inject_faults), spec.fault_mask, spec.seed),
        log_(scenario, [this] { return loop_.now(); }),
        plan_(StructuredPlanOf(scenario)),
        last_arrival_(LastArrival(scenario)) {
    loop_.set_interleaving(spec.interleaving);
    result_.fs_model = fs_.model();
    result_.fixes = options.fixes;
    result_.protocol_recorded = options.record_protocol;  // --no-protocol-oracle: outputs only
  }

  TrialRun run();

  // StepGate: every mutating call of the process is a step.
  bool before_mutation(const char* operation, const std::string& path) override {
    if (!live()) return false;
    // Labelled as the DStream simulation labels them, so that crash events match alike.
    auto label = [&] { return current_label_.to_string() + " \u203a " + operation + " " + path; };
    if (!take_step(label, operation, path)) return false;
    undo_commit_writer_.reset();
    if (std::string_view(operation) == "rename") note_commit_rename(path);
    if (std::string_view(operation) == "create" && ss::IsTempFileName(ckpt::BaseName(path))) {
      result_.structured.temp_file_creators[path] = index_;
    }
    return true;
  }
  bool alive() const override { return live(); }
  Status fault(const char* operation, const std::string& path, uint64_t bytes) override;

  // BatchSink: the foreachBatch function.
  Status add_batch(const std::string&, int64_t batch_id, const ckpt::Records& records) override {
    if (!live()) return Status::ProcessDead();
    ckpt::Records sorted = records;
    ckpt::SortRecords(sorted);
    mix(&batch_id, sizeof batch_id);
    for (const ckpt::Value& value : sorted) {
      std::string text = value.to_string();
      mix(text.data(), text.size());
    }
    trace_line("foreachBatch(" + std::to_string(batch_id) + ") with " +
               std::to_string(sorted.size()) + " records");
    result_.structured.deliveries.push_back(
        StructuredDelivery{index_, batch_id, std::move(sorted), loop_.now()});
    return Status::Ok();
  }

  // QueryObserver.
  void on_start_offsets(int64_t first_batch_id, bool rerun) override {
    if (!live()) return;
    trace_line(std::string(rerun ? "recovery re-runs batch " : "starts with batch ") +
               std::to_string(first_batch_id));
    NoteStructuredStart(scenario_.checkpoint_dir, index_, first_batch_id, rerun, record(),
                        result_.structured);
  }
  void on_batch_planned(int64_t batch_id, const ss::OffsetSeq& plan) override {
    if (!live()) return;
    trace_line("planned batch " + std::to_string(batch_id) + ": " +
               (plan.offsets.empty() ? "" : plan.offsets[0].value_or("-")));
    result_.structured.plans.push_back(PlanRecord(index_, batch_id, plan));
  }
  void on_batch_committed(int64_t batch_id) override {
    if (!live()) return;
    trace_line("committed batch " + std::to_string(batch_id));
    auto writer = commit_writers_.find(batch_id);
    result_.structured.commits.push_back(StructuredCommit{
        index_, batch_id, writer == commit_writers_.end() ? -1 : writer->second, loop_.now()});
  }
  void on_query_terminated(const Status& error) override;
  void on_warning(const std::string& message) override { trace_line("warning: " + message); }
  void on_no_new_data() override {
    // processAllAvailable returned: the driver program stops the query, at once when the next
    // scheduled run waits for it (StopStream, then StartStream), else once every input arrived.
    const std::vector<ScheduledRun>& runs = scenario_.scheduled_runs;
    bool next_run_waits = next_run_ < runs.size() && !runs[next_run_].concurrent;
    if (live() && (next_run_waits || loop_.now() >= last_arrival_)) process().query->stop();
  }

 private:
  struct Process {
    Process(StructuredSimulation* sim, int index)
        : scheduler(&sim->loop_, static_cast<OwnerId>(index + 1)), fs(&sim->fs_, sim) {}
    OwnerScheduler scheduler;
    GatedFileSystem fs;
    std::unique_ptr<ss::StreamingQuery> query;
    const ScheduledRun* run = nullptr;  // the scheduled run it serves
    uint64_t steps = 0;                 // it took
  };

  // `label` builds the step's label, only when a record or an event crash needs it.
  template <typename LabelFn>
  bool take_step(LabelFn&& label, const char* what, const std::string& detail);
  void note_commit_rename(const std::string& path);
  // `run`: the scheduled run the process serves (none without scheduled runs); `restart`: it
  // restarts a crashed or faulted process of that run.
  void start_incarnation(Time at, const ScheduledRun* run, bool restart = false);
  void schedule_runs();
  void start_due_run();
  void run_driver_start();
  void end_process(const Status& error);
  void crash_now();
  void schedule_restart(Duration downtime, const ScheduledRun* run);
  void read_final_files();
  IncarnationRecord& record() { return result_.incarnations[index_]; }
  // Whether the process whose task runs (index_) is alive, and that process.
  bool live() const { return live_.count(index_) > 0; }
  Process& process() { return *live_.at(index_); }
  void trace_line(const std::string& text) {
    if (!options_.record_trace) return;
    result_.trace.push_back("[" + std::to_string(loop_.now().ms) + " ms] #" +
                            std::to_string(index_) + " " + text);
  }
  void mix(const void* data, size_t size) {
    result_.digest = ckpt::Fnv1a(data, size, result_.digest);
  }

  const Scenario& scenario_;
  const TrialSpec& spec_;
  const RunOptions& options_;
  EventLoop loop_;
  SimFs fs_;
  FaultInjector injector_;
  ScenarioLog log_;
  ss::QueryPlan plan_;
  Time last_arrival_;
  // The processes running, by incarnation: one, or more when a scheduled run is concurrent (a
  // second driver on the checkpoint).
  std::map<int, std::unique_ptr<Process>> live_;
  std::vector<std::unique_ptr<Process>> dead_processes_;
  TaskLabel current_label_;  // of the task running
  // Batch id -> the process whose rename put commits/N in place, and the entry before the
  // latest such rename (undone when a fault refuses that rename).
  std::map<int64_t, int> commit_writers_;
  std::optional<std::pair<int64_t, std::optional<int>>> undo_commit_writer_;
  // Path -> the operations on it an injected fault refused.
  std::map<std::string, std::set<std::string>> refused_operations_;
  int index_ = -1;
  // Crashes and restarts so far: crash i hits lifetime i, whose steps count from its start
  // across the scheduled runs it spans (without scheduled runs, a lifetime is a process).
  int lifetime_ = -1;
  int pending_restarts_ = 0;
  size_t next_run_ = 0;  // of scenario_.scheduled_runs, the next to start
  int fault_restarts_ = 0;
  uint64_t step_in_lifetime_ = 0;
  PlannedCrash planned_crash_{nullptr, ""};  // the running lifetime's
  MachineLog machine_log_{[this](const std::string& line) { trace_line(line); },
                          [this](const void* data, size_t size) { mix(data, size); }};
  TrialRun result_;
};

template <typename LabelFn>
bool StructuredSimulation::take_step(LabelFn&& label, const char* what, const std::string& detail) {
  uint64_t step = step_in_lifetime_++;
  ++result_.total_steps;
  auto running = live_.find(index_);
  if (running != live_.end()) ++running->second->steps;
  result_.lifetime_steps[lifetime_] = step_in_lifetime_;
  mix(&step, sizeof step);
  mix(what, std::char_traits<char>::length(what));
  mix(detail.data(), detail.size());
  if (options_.record_steps) {
    result_.steps.push_back(StepRecord{index_, step, loop_.now(), label()});
  }
  if (!planned_crash_.due(step, loop_.now(), planned_crash_.needs_label() ? label() : "")) {
    return true;
  }
  trace_line("CRASH before step " + std::to_string(step) + ": " + label());
  crash_now();
  return false;
}

Status StructuredSimulation::fault(const char* operation, const std::string& path, uint64_t bytes) {
  Status error =
      InjectFault(injector_, fs_, loop_, operation, path, bytes, result_, record(), machine_log_);
  if (IsStaleAnswer(error)) return error;  // an answer, not a refusal
  if (!error.ok()) refused_operations_[path.substr(0, path.find(" -> "))].insert(operation);
  if (!error.ok() && undo_commit_writer_) {
    auto [batch_id, previous] = *undo_commit_writer_;
    if (previous) {
      commit_writers_[batch_id] = *previous;
    } else {
      commit_writers_.erase(batch_id);
    }
  }
  return error;
}

// A rename onto commits/N that finds it free makes the renaming process its writer (a rename
// onto an existing file fails: createAtomic's "fail if exists"). Invariant 10 compares the
// process acknowledging the commit with it.
void StructuredSimulation::note_commit_rename(const std::string& path) {
  std::optional<CommitRename> rename = CommitRenameOf(scenario_.checkpoint_dir, path);
  if (!rename) return;
  Result<bool> taken = fs_.exists(rename->to);
  if (!taken.ok() || taken.value()) return;
  const int64_t batch_id = rename->batch_id;
  auto previous = commit_writers_.find(batch_id);
  undo_commit_writer_.emplace(batch_id, previous == commit_writers_.end()
                                            ? std::nullopt
                                            : std::optional<int>(previous->second));
  commit_writers_[batch_id] = index_;
}

// A process starts: after a crash or a supervisor's restart a new lifetime, at a scheduled run
// the lifetime goes on.
void StructuredSimulation::start_incarnation(Time at, const ScheduledRun* run, bool restart) {
  index_ = static_cast<int>(result_.incarnations.size());
  result_.incarnations.push_back(IncarnationRecord{});
  record().started_at = at;
  live_[index_] = std::make_unique<Process>(this, index_);
  process().run = run;
  if (restart || !run || lifetime_ < 0) {
    ++lifetime_;
    step_in_lifetime_ = 0;
    result_.lifetime_steps.push_back(0);
    planned_crash_ = PlannedCrash(
        static_cast<size_t>(lifetime_) < spec_.crashes.size() ? &spec_.crashes[lifetime_] : nullptr,
        scenario_.checkpoint_dir);
  }
  process().scheduler.schedule_at(at, TaskLabel{ckpt::Actor::kDriver, "start (writeStream.start)"},
                                  [this] { run_driver_start(); });
}

// The job scheduler's runs: each starts at its time, or when the process of the one before ends
// (runs never overlap), after its deletions.
void StructuredSimulation::schedule_runs() {
  for (const ScheduledRun& run : scenario_.scheduled_runs) {
    loop_.schedule_at(kHarnessOwner, std::max(run.at, options_.first_start),
                      TaskLabel{ckpt::Actor::kDriver, "scheduled run"},
                      [this] { start_due_run(); });
  }
}

void StructuredSimulation::start_due_run() {
  if (next_run_ >= scenario_.scheduled_runs.size()) return;
  const ScheduledRun& run = scenario_.scheduled_runs[next_run_];
  if (loop_.now() < std::max(run.at, options_.first_start)) return;
  if (!run.concurrent && (!live_.empty() || pending_restarts_ > 0)) return;
  ++next_run_;
  for (const std::string& relative : run.deletes) {
    std::string path = ckpt::JoinPath(scenario_.checkpoint_dir, relative);
    Status removed = fs_.remove(path, /*recursive=*/true);
    mix(path.data(), path.size());
    trace_line("scheduled run " + std::to_string(next_run_ - 1) + " deletes " + path + " by hand" +
               (removed.ok() ? "" : " (" + removed.to_string() + ")"));
  }
  start_incarnation(loop_.now(), &run);
}

void StructuredSimulation::run_driver_start() {
  ss::QueryEnv env = QueryEnvOf(scenario_, index_, options_.structured_defects);
  env.scheduler = &process().scheduler;
  env.fs = &process().fs;
  env.log = &log_;
  env.sink = this;
  env.observer = this;
  env.file_manager = FileManagerFor(fs_.model());
  ss::QueryOptions query_options = StructuredOptionsOf(
      scenario_, StructuredSession(scenario_, process().run, index_ == 0), options_.conf);
  record().conf = query_options.conf;
  Result<std::unique_ptr<ss::StreamingQuery>> query =
      ss::StreamingQuery::Start(env, plan_, query_options);
  if (!live()) return;  // crashed while starting; the crash scheduled the restart
  if (!query.ok()) {
    record().start_error = query.status();
    trace_line("start failed: " + query.status().to_string());
    return end_process(query.status());
  }
  process().query = std::move(query).value();
}

void StructuredSimulation::on_query_terminated(const Status& error) {
  if (!live()) return;
  trace_line("query terminated" + (error.ok() ? std::string() : ": " + error.to_string()));
  if (!error.ok()) record().errors.push_back(error);
  end_process(error);
}

// The driver program returns: cleanly (the run is over for it), or with the query's error. A
// supervisor restarts a program that a fault of the scenario stopped; any other error is final.
void StructuredSimulation::end_process(const Status& error) {
  record().steps = process().steps;
  loop_.kill_owner(static_cast<OwnerId>(index_ + 1));
  dead_processes_.push_back(std::move(live_.at(index_)));
  live_.erase(index_);
  bool faulted = !record().injected.empty() || error.has(ckpt::ErrorMark::kInjected);
  if (error.ok() || !faulted || fault_restarts_ >= kMaxFaultRestarts) {
    // The next scheduled run may be due already (a harness task, off this process's stack).
    if (next_run_ < scenario_.scheduled_runs.size()) {
      loop_.schedule_at(kHarnessOwner, loop_.now(),
                        TaskLabel{ckpt::Actor::kDriver, "scheduled run"},
                        [this] { start_due_run(); });
    }
    return;
  }
  ++fault_restarts_;
  trace_line("the supervisor restarts the program after the injected fault");
  schedule_restart(scenario_.downtime, dead_processes_.back()->run);
}

void StructuredSimulation::crash_now() {
  record().crashed_at = loop_.now();
  record().steps = process().steps;
  loop_.kill_owner(static_cast<OwnerId>(index_ + 1));
  const CrashSpec& crash = spec_.crashes[lifetime_];
  CrashMachine(fs_, injector_, crash, spec_.seed, index_, result_, record(), machine_log_);
  dead_processes_.push_back(std::move(live_.at(index_)));
  live_.erase(index_);
  schedule_restart(crash.downtime, dead_processes_.back()->run);
}

void StructuredSimulation::schedule_restart(Duration downtime, const ScheduledRun* run) {
  mix(&downtime.ms, sizeof downtime.ms);
  Time restart_at = loop_.now() + downtime;
  ++pending_restarts_;
  loop_.schedule_at(kHarnessOwner, restart_at, TaskLabel{ckpt::Actor::kDriver, "restart"},
                    [this, restart_at, run] {
                      --pending_restarts_;
                      start_incarnation(restart_at, run, /*restart=*/true);
                    });
}

// What the files say once every process ended. Besides a crashed process's, a temp file may stay
// where an injected fault refused its rename or delete (TempFileMayStay).
void StructuredSimulation::read_final_files() {
  OwnerScheduler clock(&loop_, kHarnessOwner);
  FinalFilesReader reader{
      &fs_, FileManagerFor(fs_.model()), &clock,
      [this](const std::string& path) { return TempFileMayStay(refused_operations_[path]); }};
  ReadStructuredFinalFiles(scenario_, reader, result_);
}

TrialRun StructuredSimulation::run() {
  result_.digest = ckpt::kFnvOffset;
  ckpt::AssertHandler previous = ckpt::SetAssertHandlerForThread(&ThrowEngineAssertion);
  try {
    ScheduleProducer(scenario_, fs_, loop_, [this](const std::string& line) { trace_line(line); });
    if (scenario_.scheduled_runs.empty()) {
      start_incarnation(std::max(options_.first_start, scenario_.first_start), nullptr);
    } else {
      schedule_runs();
    }
    result_.quiesced = RunMachine(
        loop_, [this] { return result_.total_steps; }, options_.max_steps,
        [this](const EventLoop::Entry& entry) {
          index_ = static_cast<int>(entry.owner) - 1;  // the process whose task this is
          current_label_ = entry.label;
          mix(&entry.time.ms, sizeof entry.time.ms);
          return take_step([&] { return entry.label.to_string(); }, entry.label.event, "");
        },
        [this](bool) {
          dead_processes_.clear();
          return false;
        },
        machine_log_);
    for (const auto& [index, running] : live_) {
      result_.incarnations[index].steps = running->steps;
    }
    read_final_files();
  } catch (const EngineAssertion& assertion) {
    result_.engine_assert = assertion.message;
    trace_line("engine assertion: " + assertion.message);
  }
  ckpt::SetAssertHandlerForThread(previous);
  result_.end_time = loop_.now();
  return std::move(result_);
}

}  // namespace

TrialRun RunStructuredTrial(const Scenario& scenario, const TrialSpec& spec,
                            const RunOptions& options) {
  StructuredSimulation simulation(scenario, spec, options);
  return simulation.run();
}

}  // namespace sim
