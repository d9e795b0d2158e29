#include "real/serve.h"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "engine/runtime/assert.h"
#include "engine/runtime/posix_file_system.h"
#include "engine/runtime/wall_clock_scheduler.h"
#include "engine/streaming_context.h"
#include "explore/references.h"
#include "oracle/observing_file_system.h"
#include "oracle/results.h"
#include "real/journal.h"
#include "real/kill_gate.h"
#include "real/serve_structured.h"
#include "real/step_file_system.h"
#include "real/structured_journal.h"
#include "scenario/application.h"
#include "scenario/scenario_log.h"
#include "scenario/scenario_receiver_source.h"
#include "util/read_file.h"

namespace real {
namespace {

using ckpt::Status;
using ckpt::Time;

constexpr int kExitPass = 0;
constexpr int kExitFail = 1;
constexpr int kExitBadInput = 2;

std::string HarnessPath(const std::string& run_directory, const std::string& name) {
  return run_directory + "/" + kHarnessDirectory + "/" + name;
}

// Replaces `path` with `text` atomically (write a temporary file, rename it over): a kill leaves
// the old content or the new, never a mix.
Status ReplaceFile(const std::string& path, const std::string& text) {
  std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << text;
    if (!out.flush()) return Status::IoError("cannot write " + temporary);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    return Status::IoError("cannot rename " + temporary + " to " + path);
  }
  return Status::Ok();
}

// A run directory's own file (journal, timeline, acknowledged position); none when unreadable,
// missing or beyond sim::kMaxInputFileBytes (a hostile directory).
std::optional<std::string> ReadText(const std::string& path) {
  ckpt::Result<std::string> text = sim::ReadWholeFile(path);
  if (!text.ok()) return std::nullopt;
  return std::move(text).value();
}

// The run's time line: the directory's own (a later start), or a new one starting now.
ckpt::Result<ckpt::WallTimeLine> TimeLineOf(const ServeOptions& options) {
  if (options.epoch_unix_ms)
    return ckpt::WallTimeLine{*options.epoch_unix_ms, Time{0}, options.speed};
  std::string path = HarnessPath(options.run_directory, "timeline");
  if (std::optional<std::string> text = ReadText(path)) {
    ckpt::WallTimeLine line;
    std::istringstream in(*text);
    if (!(in >> line.epoch_unix_ms >> line.speed) || line.speed <= 0) {
      return Status::Corruption(path + ": expected '<epoch unix ms> <speed>'");
    }
    return line;
  }
  ckpt::WallTimeLine line{ckpt::UnixNowMs(), Time{0}, options.speed};
  CKPT_RETURN_IF_ERROR(
      ReplaceFile(path, std::to_string(line.epoch_unix_ms) + " " + std::to_string(line.speed)));
  return line;
}

// A receiver source whose acknowledged position is kept in a file of the run directory: the
// source is another system, and a killed driver does not take its state along.
class DurableReceiverSource : public ckpt::ReceiverSource {
 public:
  // REQUIRES: `source` already acknowledged up to the position `path` holds
  // (ReadAcknowledged).
  DurableReceiverSource(sim::ScenarioReceiverSource* source, std::string name, std::string path)
      : source_(source), name_(std::move(name)), path_(std::move(path)) {}
  Status check_exists(const std::string& source) const override {
    return source_->check_exists(source);
  }
  int64_t available(const std::string& source) const override { return source_->available(source); }
  int64_t acknowledged(const std::string& source) const override {
    return source_->acknowledged(source);
  }
  ckpt::Records read(const std::string& source, int64_t from, int64_t until) const override {
    return source_->read(source, from, until);
  }
  void acknowledge(const std::string& source, int64_t until) override {
    source_->acknowledge(source, until);
    Status kept = ReplaceFile(path_, std::to_string(source_->acknowledged(name_)));
    CKPT_ASSERT(kept.ok(), "the receiver source lost an acknowledgement: " + kept.to_string());
  }

 private:
  sim::ScenarioReceiverSource* source_;
  std::string name_;
  std::string path_;
};

// The acknowledged position a receiver source's file holds (0 when there is none yet); the source
// has `records` records in all.
ckpt::Result<int64_t> ReadAcknowledged(const std::string& path, int64_t records) {
  std::optional<std::string> text = ReadText(path);
  if (!text) return int64_t{0};
  int64_t position = 0;
  auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), position);
  if (error != std::errc() || end != text->data() + text->size() || position < 0 ||
      position > records) {
    return Status::Corruption(path + ": expected an acknowledged position");
  }
  return position;
}

// The process's journal, for the assertion handler (a plain function pointer).
JournalWriter* g_journal = nullptr;

[[noreturn]] void JournalAssertion(const char* file, int line, const std::string& message) {
  std::string where = std::string(file) + ":" + std::to_string(line) + ": " + message;
  if (g_journal) g_journal->engine_assert(where);
  std::fprintf(stderr, "ckptsim serve: engine assertion: %s\n", where.c_str());
  std::abort();
}

// Judges every process that served the directory against the uninterrupted simulated run.
int JudgeJournal(const sim::Scenario& scenario, const std::string& journal_path,
                 const ckpt::WallTimeLine& line, const ServeOptions& options) {
  std::optional<std::string> text = ReadText(journal_path);
  ckpt::Result<sim::TrialRun> run = RunFromJournal(scenario, text.value_or(""), false);
  if (!run.ok()) {
    std::fprintf(stderr, "ckptsim serve: %s: %s\n", journal_path.c_str(),
                 run.status().to_string().c_str());
    return kExitBadInput;
  }
  if (scenario.engine == sim::Engine::kStructured) {
    ReadRunDirectoryFiles(scenario, options.run_directory, line, run.value());
  }
  sim::RunOptions reference_options;
  reference_options.defects = options.defects;
  reference_options.fixes = options.fixes;
  reference_options.structured_defects = options.structured_defects;
  reference_options.conf = options.conf;
  reference_options.inject_faults = false;
  sim::References references(scenario, reference_options);
  run.value().fixes = options.fixes;
  std::vector<sim::Failure> failures = references.check(run.value());
  size_t processes = run.value().incarnations.size();
  if (failures.empty()) {
    std::printf("PASS: the %zu process(es) that served %s kept to the uninterrupted run\n",
                processes, options.run_directory.c_str());
    return kExitPass;
  }
  sim::ScenarioSummary summary;
  sim::ExploreResult filed;
  summary.trials = 1;
  sim::FailingTrial failing;
  failing.failure = failures.front();
  // The processes a person killed cannot be run again the same way with a weakness's fix on.
  sim::FileFailure(scenario, run.value(), std::move(failing), nullptr, summary, filed);
  for (const sim::Failure& f : failures) {
    std::printf("%s [%s]%s: %s\n", summary.failures ? "FAIL" : "expected",
                sim::FailureKindName(f.kind),
                f.batch_time ? (" batch " + std::to_string(f.batch_time->ms)).c_str() : "",
                f.detail.c_str());
  }
  return summary.failures ? kExitFail : kExitPass;
}

// Process `index` of a DStream application: getOrCreate, then its batches until it is done.
void RunDStreamProcess(const sim::Scenario& scenario, const ServeOptions& options, int index,
                       int64_t acknowledged, const std::string& acknowledged_path,
                       ckpt::WallClockScheduler& scheduler, JournalWriter& journal) {
  KillGate gate(options, &journal, /*writes_are_checkpoint_writes=*/false);
  ckpt::PosixFileSystem disk(options.run_directory);
  StepFileSystem fs(&disk, [&gate](ckpt::FileOperation operation, const std::string& path) {
    gate.before_mutation(ckpt::FileOperationName(operation), path);
  });
  sim::ObservingFileSystem observed_fs(&fs, &journal, scenario.checkpoint_dir);
  auto clock = [&scheduler] { return scheduler.now(); };
  sim::ScenarioLog log(scenario, clock);
  sim::ScenarioReceiverSource arrivals(scenario, clock);
  if (acknowledged > 0) arrivals.acknowledge(scenario.source.topic(), acknowledged);
  DurableReceiverSource source(&arrivals, scenario.source.topic(), acknowledged_path);
  journal.set_receiver_source(&source, scenario.source.topic());
  sim::ScenarioExecution execution(scenario);

  ckpt::EngineEnv env;
  env.scheduler = &scheduler;
  env.fs = &observed_fs;
  env.sink = &journal;
  env.observer = &journal;
  env.execution = &execution;
  env.log = &log;
  env.receiver_source = &source;
  env.defects = options.defects;
  env.fixes = options.fixes;
  env.process_uid = static_cast<uint64_t>(index) + 1;
  env.process_conf = sim::ProcessConf(scenario, index == 0, options.conf);
  env.stop_after_batches = scenario.batches;

  journal.process_started(index, scheduler.now(), acknowledged, env.process_conf);
  std::unique_ptr<ckpt::StreamingContext> context;
  scheduler.post(ckpt::TaskLabel{ckpt::Actor::kDriver, "start (getOrCreate)"}, [&] {
    ckpt::Result<std::unique_ptr<ckpt::StreamingContext>> made =
        sim::GetContext(scenario, index, env);
    Status started = made.ok() ? made.value()->start() : made.status();
    // A context whose start failed stays alive: tasks it queued before failing still name it.
    if (made.ok()) context = std::move(made).value();
    if (!started.ok()) {
      journal.start_failed(started);
      return;
    }
    journal.context_conf(context->conf());
    sim::ScheduleGracefulStop(scenario, scheduler, *context);
  });
  scheduler.run([&gate](const ckpt::TaskLabel& label) { gate.before_task(label); });
  journal.finished(scheduler.now(), gate.steps());
}

}  // namespace

Status RealRuntimeSupports(const sim::Scenario& scenario) {
  for (const sim::ScheduledRun& run : scenario.scheduled_runs) {
    if (run.concurrent) {
      return Status::Unsupported(scenario.path +
                                 ": the real runtime runs one driver program at a time (a "
                                 "concurrent scheduled run stays in the simulator)");
    }
  }
  if (scenario.source.kind() == sim::SourceKind::kFile) {
    return Status::Unsupported(scenario.path +
                               ": the real runtime has no producer for a file source yet");
  }
  for (const sim::NamedSource& source : scenario.sources) {
    if (source.kind() == sim::SourceKind::kFile || source.kind() == sim::SourceKind::kReceiver) {
      return Status::Unsupported(scenario.path + ": the real runtime feeds a " +
                                 sim::SourceKindName(source.kind()) +
                                 " source only as the main source (named source " + source.name +
                                 " stays in the simulator)");
    }
  }
  if (scenario.first_start.ms != 0) {
    return Status::Unsupported(scenario.path + ": the real runtime starts at once (start_ms)");
  }
  if (scenario.restart_clock_offset.ms != 0) {
    return Status::Unsupported(scenario.path +
                               ": real processes share one host's clock (restart_clock_offset_ms)");
  }
  if (!scenario.processing.failing_batches.empty()) {
    return Status::Unsupported(scenario.path +
                               ": the real runtime cannot refuse output writes (failing_batches)");
  }
  return Status::Ok();
}

Status PrepareRunDirectory(const sim::Scenario& scenario, const std::string& run_directory) {
  ckpt::PosixFileSystem fs(run_directory);
  CKPT_RETURN_IF_ERROR(fs.mkdirs(std::string("/") + kHarnessDirectory));
  for (const sim::InitialFile& file : scenario.initial_files) {
    CKPT_RETURN_IF_ERROR(fs.mkdirs(ckpt::ParentPath(file.path)));
    CKPT_RETURN_IF_ERROR(ckpt::WriteWholeFile(fs, file.path, file.content, /*sync=*/true));
  }
  return Status::Ok();
}

int Serve(const sim::Scenario& scenario, const ServeOptions& options) {
  Status supported = RealRuntimeSupports(scenario);
  if (supported.ok() && !scenario.scheduled_runs.empty() &&
      (options.scheduled_run < 0 ||
       static_cast<size_t>(options.scheduled_run) >= scenario.scheduled_runs.size())) {
    supported =
        Status::Unsupported(scenario.path +
                            ": scheduled_runs need a supervisor that starts each run at its time: "
                            "`ckptsim crash-real` (or the simulator)");
  }
  if (!supported.ok()) {
    std::fprintf(stderr, "ckptsim serve: %s\n", supported.message().c_str());
    return kExitBadInput;
  }
  std::error_code made;
  std::filesystem::create_directories(options.run_directory, made);
  if (made) {
    std::fprintf(stderr, "ckptsim serve: %s: %s\n", options.run_directory.c_str(),
                 made.message().c_str());
    return kExitBadInput;
  }
  std::string journal_path = HarnessPath(options.run_directory, "journal");
  bool first_ever = options.incarnation < 0 && !ReadText(journal_path);
  if (first_ever) {
    Status prepared = PrepareRunDirectory(scenario, options.run_directory);
    if (!prepared.ok()) {
      std::fprintf(stderr, "ckptsim serve: %s\n", prepared.to_string().c_str());
      return kExitBadInput;
    }
  }
  ckpt::Result<ckpt::WallTimeLine> line = TimeLineOf(options);
  std::string acknowledged_path = HarnessPath(options.run_directory, "acknowledged");
  int64_t arrived_records = 0;
  if (const auto* receiver = scenario.source.get<sim::ReceiverInput>()) {
    for (const sim::LogAppend& append : receiver->appends) {
      arrived_records += static_cast<int64_t>(append.records.size());
    }
  }
  ckpt::Result<int64_t> acknowledged = ReadAcknowledged(acknowledged_path, arrived_records);
  if (!acknowledged.ok()) {
    std::fprintf(stderr, "ckptsim serve: %s\n", acknowledged.status().to_string().c_str());
    return kExitBadInput;
  }
  int journal_fd = options.journal_fd;
  if (journal_fd < 0) {
    // Never through a link: the run directory may be hostile (docs/hardening.md).
    journal_fd =
        ::open(journal_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  }
  if (!line.ok() || journal_fd < 0) {
    std::fprintf(
        stderr, "ckptsim serve: %s\n",
        line.ok() ? ("cannot open " + journal_path).c_str() : line.status().to_string().c_str());
    return kExitBadInput;
  }
  int index = options.incarnation >= 0 ? options.incarnation
                                       : ProcessesInJournal(ReadText(journal_path).value_or(""));

  ckpt::WallClockScheduler scheduler(line.value());
  JournalWriter journal(journal_fd);
  journal.set_clock(&scheduler);
  if (!options.quiet) journal.set_echo(stdout);
  g_journal = &journal;
  ckpt::SetAssertHandlerForThread(&JournalAssertion);
  if (scenario.engine == sim::Engine::kStructured) {
    RunStructuredProcess(scenario, options, index, scheduler, journal);
  } else {
    RunDStreamProcess(scenario, options, index, acknowledged.value(), acknowledged_path, scheduler,
                      journal);
  }
  if (options.journal_fd >= 0) return kExitPass;  // crash-real judges the whole run
  ::close(journal_fd);
  return JudgeJournal(scenario, journal_path, line.value(), options);
}

}  // namespace real
