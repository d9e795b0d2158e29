#include "sim/trial.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <memory>

#include "engine/checkpoint/checkpoint_writer.h"
#include "engine/streaming_context.h"
#include "oracle/observing_file_system.h"
#include "oracle/run_recorder.h"
#include "scenario/application.h"
#include "scenario/scenario_log.h"
#include "scenario/scenario_receiver_source.h"
#include "sim/event_loop.h"
#include "sim/faults.h"
#include "sim/machine.h"
#include "sim/producer.h"
#include "sim/state_probe.h"
#include "sim/structured_trial.h"

namespace sim {
namespace {

using ckpt::Duration;
using ckpt::Result;
using ckpt::Status;
using ckpt::StreamingContext;
using ckpt::Time;

class Simulation : public StepGate {
 public:
  Simulation(const Scenario& scenario, const TrialSpec& spec, const RunOptions& options)
      : scenario_(scenario),
        spec_(spec),
        options_(options),
        fs_(ModelFor(scenario, options)),
        injector_(FaultRulesOf(scenario, options.inject_faults), spec.fault_mask, spec.seed),
        log_(scenario, [this] { return loop_.now(); }),
        receiver_source_(scenario, [this] { return loop_.now(); }),
        execution_(scenario),
        recorder_(&result_, scenario, &log_, &receiver_source_, options.record_trace,
                  [this] { return loop_.now(); }) {
    loop_.set_interleaving(spec.interleaving);
    recorder_.set_record_protocol(options.record_protocol);
    quiet_points_matter_ =
        (options.record_quiet_points || options.prune_against) && PruningApplies(scenario, spec);
    first_process_conf_ = ProcessConf(scenario, /*first=*/true, options.conf);
    restarted_process_conf_ = ProcessConf(scenario, /*first=*/false, options.conf);
    result_.fs_model = fs_.model();
    result_.fixes = options.fixes;
    if (options.observe_state && !scenario.expect_state.empty()) probe_.emplace(scenario);
    result_.state_observed = probe_.has_value();
    auto sync = first_process_conf_.find("ckptsim.checkpoint.sync");
    result_.checkpoint_sync = sync != first_process_conf_.end() && sync->second == "true";
  }

  TrialRun run();

  bool before_mutation(const char* operation, const std::string& path) override {
    if (!alive_) return false;
    return take_step(
        [&] { return current_label_.to_string() + " \u203a " + operation + " " + path; }, operation,
        path);
  }
  bool alive() const override { return alive_; }
  Status fault(const char* operation, const std::string& path, uint64_t bytes) override;

 private:
  // One engine process: its services and its context. Destroyed only between tasks.
  struct Process : public ckpt::OutputSink {
    Process(Simulation* sim, int index, ckpt::Duration clock_offset)
        : sim(sim),
          observer(&sim->recorder_, index,
                   [sim](int32_t stream_id) {
                     return sim->receiver_source_.acknowledged(
                         InputSource(sim->scenario_, stream_id).topic());
                   }),
          scheduler(&sim->loop_, static_cast<OwnerId>(index + 1), clock_offset),
          fs(&sim->fs_, sim),
          observed_fs(&fs, &observer, sim->scenario_.checkpoint_dir) {}
    Status emit(const std::string& output, Time batch_time, const ckpt::Records& records) override {
      if (!sim->alive_) return Status::ProcessDead();
      return sim->record_emission(observer.index(), output, batch_time, records);
    }
    int index() const { return observer.index(); }
    IncarnationRecord& record() { return observer.record(); }

    Simulation* sim;
    IncarnationObserver observer;
    OwnerScheduler scheduler;
    GatedFileSystem fs;
    ObservingFileSystem observed_fs;  // what the engine uses: fs, its operations recorded
    std::unique_ptr<StreamingContext> context;
  };

  template <typename LabelFn>
  bool take_step(LabelFn&& label, const char* what, const std::string& detail);
  bool converged_at_quiet_point();
  void start_incarnation(Time at);
  void run_driver_start();
  void record_intact_checkpoint_files();
  void crash_now();
  Status record_emission(int incarnation, const std::string& output, Time time,
                         const ckpt::Records& records);
  void schedule_producer();
  // Whether the crash planned for `incarnation` comes before its step `step` (labelled `label`);
  // counts the matches of an event crash.
  template <typename LabelFn>
  bool crash_due(int incarnation, uint64_t step, LabelFn&& label);
  void trace_line(const std::string& text) {
    recorder_.trace_line(process_ ? process_->index() : -1, text);
  }
  void mix(const void* data, size_t size) { recorder_.mix(data, size); }

  const Scenario& scenario_;
  const TrialSpec& spec_;
  const RunOptions& options_;
  EventLoop loop_;
  SimFs fs_;
  FaultInjector injector_;
  ScenarioLog log_;
  ScenarioReceiverSource receiver_source_;
  ScenarioExecution execution_;
  std::map<std::string, std::string> first_process_conf_;
  std::map<std::string, std::string> restarted_process_conf_;
  std::map<std::pair<std::string, int64_t>, int> output_attempts_;  // (output, time) -> writes
  std::unique_ptr<Process> process_;
  std::vector<std::unique_ptr<Process>> dead_processes_;
  bool alive_ = false;
  uint64_t step_in_incarnation_ = 0;
  PlannedCrash planned_crash_{nullptr, ""};  // this incarnation's
  MachineLog machine_log_{[this](const std::string& line) { trace_line(line); },
                          [this](const void* data, size_t size) { mix(data, size); }};
  TaskLabel current_label_;
  TrialRun result_;
  RunRecorder recorder_;
  bool quiet_points_matter_ = false;
  std::optional<StateProbe> probe_;  // with expect_state
};

// At a quiet point of the last incarnation (no crash left to come), records the state digest and,
// when it equals the uncrashed run's at the same tick, stops: from equal states at the same time
// the two runs go on alike (PruningApplies), so the rest of the outputs are the uncrashed run's.
bool Simulation::converged_at_quiet_point() {
  if (!alive_ || !process_ || !process_->context) return false;
  if (static_cast<size_t>(process_->index()) < spec_.crashes.size()) return false;
  std::optional<Time> tick =
      loop_.sole_task(static_cast<OwnerId>(process_->index() + 1), ckpt::Actor::kTimer);
  if (!tick) return false;
  uint64_t digest = process_->context->state_digest();
  // The checkpoint files present steer the writer's later renames to .bk and deletions: equal
  // names keep the two runs' remaining steps equal too (the pruned cost is then exact).
  ckpt::Result<std::vector<ckpt::FileStatus>> files = fs_.list(scenario_.checkpoint_dir);
  for (const ckpt::FileStatus& file :
       files.ok() ? files.value() : std::vector<ckpt::FileStatus>{}) {
    if (!file.is_directory) digest = ckpt::Fnv1a(file.name.data(), file.name.size(), digest);
  }
  if (options_.record_quiet_points) {
    result_.quiet_points[tick->ms] = QuietPoint{digest, result_.total_steps};
  }
  const PruneTarget* target = options_.prune_against;
  if (!target) return false;
  auto point = target->quiet_points.find(tick->ms);
  if (point == target->quiet_points.end() || point->second.state_digest != digest) return false;
  for (const Emission& e : target->emissions) {
    if (e.batch_time < *tick) continue;
    result_.emissions.push_back(e);
    result_.emissions.back().incarnation = process_->index();
  }
  result_.pruned_at = loop_.now();
  result_.pruned_steps = target->total_steps - point->second.steps_before;
  mix(&result_.pruned_steps, sizeof result_.pruned_steps);
  trace_line("converged: the state before the tick at " + tick->to_string() +
             " equals the uncrashed run's; its remaining " + std::to_string(result_.pruned_steps) +
             " steps and outputs stand for the rest");
  return true;
}

template <typename LabelFn>
bool Simulation::take_step(LabelFn&& label, const char* what, const std::string& detail) {
  int incarnation = process_->index();
  uint64_t step = step_in_incarnation_++;
  ++result_.total_steps;
  mix(&step, sizeof step);
  mix(what, std::char_traits<char>::length(what));
  mix(detail.data(), detail.size());
  if (options_.record_steps) {
    result_.steps.push_back(StepRecord{incarnation, step, loop_.now(), label()});
  }
  if (probe_) {
    probe_->before_step(label(), process_->context.get(), fs_, result_.state_observations);
  }
  if (crash_due(incarnation, step, label)) {
    trace_line("CRASH before step " + std::to_string(step) + ": " + label());
    crash_now();
    return false;
  }
  return true;
}

Status Simulation::fault(const char* operation, const std::string& path, uint64_t bytes) {
  return InjectFault(injector_, fs_, loop_, operation, path, bytes, result_, process_->record(),
                     machine_log_);
}

template <typename LabelFn>
bool Simulation::crash_due(int incarnation, uint64_t step, LabelFn&& label) {
  if (static_cast<size_t>(incarnation) >= spec_.crashes.size()) return false;
  // Only an event crash needs the label (built on demand: most steps have no event to match).
  if (!planned_crash_.needs_label()) return planned_crash_.due(step, loop_.now(), "");
  return planned_crash_.due(step, loop_.now(), label());
}

Status Simulation::record_emission(int incarnation, const std::string& output, Time time,
                                   const ckpt::Records& records) {
  auto failing = scenario_.processing.failing_batches.find(time.ms / scenario_.batch_duration.ms);
  int attempt = output_attempts_[{output, time.ms}]++;
  if (failing != scenario_.processing.failing_batches.end() && attempt < failing->second) {
    trace_line("output " + output + " @" + std::to_string(time.ms) + " refused (" +
               kInjectedFailure + ", attempt " + std::to_string(attempt + 1) + ")");
    mix(&time.ms, sizeof time.ms);
    ckpt::Records sorted = records;
    ckpt::SortRecords(sorted);
    result_.failed_outputs.push_back(FailedOutput{incarnation, output, time, std::move(sorted)});
    return Status::IoError(std::string(kInjectedFailure) + ": the sink refused output " + output +
                           " of batch " + time.to_string())
        .marked(ckpt::ErrorMark::kInjected);
  }
  recorder_.emission(incarnation, output, time, records, loop_.now());
  return Status::Ok();
}

void Simulation::schedule_producer() {
  ScheduleProducer(scenario_, fs_, loop_, [this](const std::string& line) { trace_line(line); });
}

void Simulation::start_incarnation(Time at) {
  int index = static_cast<int>(result_.incarnations.size());
  result_.incarnations.push_back(IncarnationRecord{});
  result_.incarnations.back().started_at = at;
  for (int32_t id = 0; id < InputStreamCount(scenario_); ++id) {
    const SourceSpec& source = InputSource(scenario_, id);
    if (source.kind() != SourceKind::kReceiver) continue;
    result_.incarnations.back().source_acknowledged_at_start[id] =
        receiver_source_.acknowledged(source.topic());
  }
  // A restarted process's clock is the scenario's offset off the first one's, but never before
  // time 0 (a process clock reads no negative time).
  ckpt::Duration offset{0};
  if (index > 0) offset = std::max(scenario_.restart_clock_offset, Time{0} - at);
  result_.incarnations.back().clock_offset = offset;
  if (offset.ms != 0) {
    mix(&offset.ms, sizeof offset.ms);
    trace_line("process " + std::to_string(index) + " starts with its clock " +
               std::to_string(offset.ms) + " ms off the first process's");
  }
  process_ = std::make_unique<Process>(this, index, offset);
  alive_ = true;
  step_in_incarnation_ = 0;
  planned_crash_ = PlannedCrash(
      static_cast<size_t>(index) < spec_.crashes.size() ? &spec_.crashes[index] : nullptr,
      scenario_.checkpoint_dir);
  if (probe_) probe_->start_incarnation(index);
  process_->scheduler.schedule_at(at + offset,
                                  TaskLabel{ckpt::Actor::kDriver, "start (getOrCreate)"},
                                  [this] { run_driver_start(); });
}

void Simulation::run_driver_start() {
  ckpt::EngineEnv env;
  env.scheduler = &process_->scheduler;
  env.fs = &process_->observed_fs;
  env.sink = process_.get();
  env.observer = &process_->observer;
  env.execution = &execution_;
  env.defects = options_.defects;
  env.fixes = options_.fixes;
  env.process_uid = static_cast<uint64_t>(process_->index()) + 1;
  env.log = &log_;
  env.receiver_source = &receiver_source_;
  env.process_conf = process_->index() == 0 ? first_process_conf_ : restarted_process_conf_;
  env.stop_after_batches = scenario_.batches;
  Result<std::unique_ptr<StreamingContext>> context = GetContext(scenario_, process_->index(), env);
  Status started = context.ok() ? context.value()->start() : context.status();
  if (!alive_) return;  // crashed during start-up; the crash already scheduled the restart
  // A context whose start failed has stopped its components (Spark's S4), but tasks it queued
  // before failing (the jobs of batches rescheduled first) still name it: it lives as long as
  // its process, as the object does in the JVM.
  if (context.ok()) process_->context = std::move(context).value();
  if (!started.ok()) {
    record_intact_checkpoint_files();
    process_->observer.start_failed(started);
    return;
  }
  // Only expect_conf and the protocol rule conf.reload look at them: no copy otherwise.
  if (!scenario_.expect_conf.empty() || options_.record_protocol) {
    process_->record().conf = process_->context->conf();
  }
  if (options_.record_protocol) process_->record().process_conf = env.process_conf;
  ScheduleGracefulStop(scenario_, process_->scheduler, *process_->context);
}

// A failed start changed no checkpoint file: what the directory holds now, it held at the start.
void Simulation::record_intact_checkpoint_files() {
  if (scenario_.checkpoint_dir.empty()) return;
  Result<std::vector<ckpt::CheckpointFile>> present =
      ckpt::ListCheckpointFiles(fs_, scenario_.checkpoint_dir);
  if (!present.ok()) return;
  for (const ckpt::CheckpointFile& file : present.value()) {
    if (!fs_.corrupted_by_fault(file.path)) {
      process_->record().intact_checkpoint_files.push_back(file.path);
    }
  }
}

void Simulation::crash_now() {
  alive_ = false;
  IncarnationRecord& record = process_->record();
  record.crashed_at = loop_.now();
  record.steps = step_in_incarnation_;
  loop_.kill_owner(static_cast<OwnerId>(process_->index() + 1));
  const CrashSpec& crash = spec_.crashes[process_->index()];
  CrashMachine(fs_, injector_, crash, spec_.seed, process_->index(), result_, record, machine_log_);
  Duration downtime = crash.downtime;
  mix(&downtime.ms, sizeof downtime.ms);
  // The process may be inside one of its own tasks: destroy it only after that task returns.
  dead_processes_.push_back(std::move(process_));
  Time restart_at = loop_.now() + downtime;
  loop_.schedule_at(kHarnessOwner, restart_at, TaskLabel{ckpt::Actor::kDriver, "restart"},
                    [this, restart_at] { start_incarnation(restart_at); });
}

TrialRun Simulation::run() {
  result_.digest = ckpt::kFnvOffset;
  ckpt::AssertHandler previous = ckpt::SetAssertHandlerForThread(&ThrowEngineAssertion);
  try {
    schedule_producer();
    start_incarnation(std::max(options_.first_start, scenario_.first_start));
    result_.quiesced = RunMachine(
        loop_, [this] { return result_.total_steps; }, options_.max_steps,
        [this](const EventLoop::Entry& entry) {
          current_label_ = entry.label;
          mix(&entry.time.ms, sizeof entry.time.ms);
          return take_step([&] { return current_label_.to_string(); }, entry.label.event, "");
        },
        [this](bool ran) {
          dead_processes_.clear();
          return ran && quiet_points_matter_ && converged_at_quiet_point();
        },
        machine_log_);
  } catch (const EngineAssertion& assertion) {
    result_.engine_assert = assertion.message;
    trace_line("engine assertion: " + assertion.message);
  }
  ckpt::SetAssertHandlerForThread(previous);
  if (process_ && alive_) process_->record().steps = step_in_incarnation_;
  result_.end_time = loop_.now();
  return std::move(result_);
}

}  // namespace

bool PruningApplies(const Scenario& scenario, const TrialSpec& spec) {
  bool writes_files = std::any_of(
      scenario.pipeline.begin(), scenario.pipeline.end(),
      [](const PipelineStep& step) { return step.operation == Operation::kSaveAsTextFiles; });
  bool produced_input = std::any_of(scenario.sources.begin(), scenario.sources.end(),
                                    [](const NamedSource& source) { return source.produced(); });
  return (scenario.source.kind() == SourceKind::kSequence ||
          scenario.source.kind() == SourceKind::kConstant) &&
         !produced_input && !writes_files && scenario.processing.failing_batches.empty() &&
         scenario.faults.empty() && spec.interleaving == 0 &&
         scenario.restart_clock_offset.ms == 0 &&
         !scenario.graceful_stop_lead;  // a stop's outcome is judged at its end
}

std::string TrialSpec::token() const {
  std::string token = crashes.empty() ? "ref" : "";
  for (const CrashSpec& crash : crashes) {
    if (!token.empty()) token += ",";
    if (const auto* event = std::get_if<CrashEvent>(&crash.placement)) {
      // No step until it fired (ResolvedRunToken): not a replayable token.
      token += std::string(event->after ? "after(" : "before(") + CrashEventKindName(event->kind) +
               " " + event->argument + " #" + std::to_string(event->nth) + ")";
    } else if (const auto* from = std::get_if<CrashFromTime>(&crash.placement)) {
      token += "t" + std::to_string(from->at.ms);
    } else {
      token += "c" + std::to_string(std::get<CrashBeforeStep>(crash.placement).step);
    }
    token += "+" + std::to_string(crash.downtime.ms);
    if (crash.state != 0) token += "s" + std::to_string(crash.state);
  }
  if (fault_mask != ~uint64_t{0}) {
    char hex[24];
    std::snprintf(hex, sizeof hex, "/f%llx", static_cast<unsigned long long>(fault_mask));
    token += hex;
  }
  if (seed != 0) token += "/r" + std::to_string(seed);
  if (variant != 0) token += "/v" + std::to_string(variant);
  if (interleaving != 0) token += "/i" + std::to_string(interleaving);
  return token;
}

bool CrashEventMatches(const CrashEvent& event, const std::string& label,
                       const std::string& checkpoint_dir) {
  const std::string& argument = event.argument;
  auto in_batch = [&] { return label.starts_with("batch " + argument + " \u00b7 "); };
  const bool rename = label.find(" \u203a rename ") != std::string::npos;
  switch (event.kind) {
    case CrashEvent::Kind::kCheckpointWritten:
      return rename && label.ends_with("-> " + checkpoint_dir + "/checkpoint-" + argument);
    case CrashEvent::Kind::kRename:
      return rename && (label.ends_with("-> " + argument) ||
                        label.find(" rename " + argument + " -> ") != std::string::npos);
    case CrashEvent::Kind::kBatchCompleted:
      // The job set's completion is what schedules ClearMetadata (JobGenerator.onBatchCompletion).
      return in_batch() && label.ends_with(" \u00b7 ClearMetadata");
    case CrashEvent::Kind::kCleanup:
      return in_batch() && label.ends_with(" \u00b7 ClearCheckpointData");
    case CrashEvent::Kind::kWalWrite:
      return label.find(" \u203a write ") != std::string::npos &&
             (label.find(checkpoint_dir + "/receivedBlockMetadata/") != std::string::npos ||
              label.find(checkpoint_dir + "/receivedData/") != std::string::npos);
  }
  return false;
}

std::string ResolvedRunToken(TrialSpec spec, const TrialRun& run) {
  for (size_t i = 0; i < spec.crashes.size(); ++i) {
    CrashSpec& crash = spec.crashes[i];
    if (!std::holds_alternative<CrashEvent>(crash.placement)) continue;
    // A crash that fired before step k left k + 1 steps counted; one that never fired is placed
    // past the incarnation's last step, where it does not fire either.
    const IncarnationRecord* incarnation =
        i < run.incarnations.size() ? &run.incarnations[i] : nullptr;
    bool fired = incarnation && incarnation->crashed_at;
    crash.placement = CrashBeforeStep{!incarnation ? 0
                                      : fired      ? incarnation->steps - 1
                                                   : incarnation->steps};
  }
  return spec.token();
}

namespace {

// Reads digits (base 10 or 16) at `pos`; false when there are none or they overflow.
bool ReadNumber(const std::string& text, size_t& pos, int base, uint64_t& value) {
  const char* begin = text.data() + pos;
  auto [end, error] = std::from_chars(begin, text.data() + text.size(), value, base);
  if (error != std::errc() || end == begin) return false;
  pos += static_cast<size_t>(end - begin);
  return true;
}

bool ParseCrash(const std::string& text, size_t& pos, CrashSpec& crash) {
  char kind = text[pos++];
  uint64_t point = 0, downtime = 0;
  if ((kind != 'c' && kind != 't') || !ReadNumber(text, pos, 10, point) || pos >= text.size() ||
      text[pos++] != '+' || !ReadNumber(text, pos, 10, downtime) ||
      downtime > uint64_t{INT64_MAX} || point > uint64_t{INT64_MAX}) {
    return false;
  }
  if (kind == 'c') crash.placement = CrashBeforeStep{point};
  if (kind == 't') crash.placement = CrashFromTime{Time{static_cast<int64_t>(point)}};
  crash.downtime = Duration{static_cast<int64_t>(downtime)};
  if (pos < text.size() && text[pos] == 's') return ReadNumber(text, ++pos, 10, crash.state);
  return true;
}

}  // namespace

Result<TrialSpec> TrialSpec::ParseToken(const std::string& token) {
  auto bad = [&token] {
    return Status::InvalidArgument(
        "bad replay token '" + token +
        "' (expected ref, or c<step>+<downtime_ms>[s<state>] / t<time_ms>+<downtime_ms>[s<state>] "
        "joined by ',', then optionally /f<fault mask in hex>, /r<seed>, /v<variant>, "
        "/i<interleaving>)");
  };
  TrialSpec spec;
  size_t pos = 0;
  if (token.compare(0, 3, "ref") == 0) {
    pos = 3;
  } else {
    do {
      CrashSpec crash;
      if (pos >= token.size() || !ParseCrash(token, pos, crash)) return bad();
      spec.crashes.push_back(crash);
    } while (pos < token.size() && token[pos] == ',' && ++pos);
  }
  if (token.compare(pos, 2, "/f") == 0) {
    pos += 2;
    if (!ReadNumber(token, pos, 16, spec.fault_mask)) return bad();
  }
  for (auto [tag, field] : {std::pair{"/r", &spec.seed}, std::pair{"/v", &spec.variant},
                            std::pair{"/i", &spec.interleaving}}) {
    if (token.compare(pos, 2, tag) != 0) continue;
    pos += 2;
    if (!ReadNumber(token, pos, 10, *field)) return bad();
  }
  if (pos != token.size()) return bad();
  return spec;
}

PersistenceModel ModelFor(const Scenario& scenario, const RunOptions& options) {
  return options.fs_model.value_or(scenario.filesystem);
}

TrialRun RunTrial(const Scenario& scenario, const TrialSpec& spec, const RunOptions& options) {
  if (scenario.engine == Engine::kStructured) return RunStructuredTrial(scenario, spec, options);
  Simulation simulation(scenario, spec, options);
  return simulation.run();
}

}  // namespace sim
