#include "real/crash_real.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string_view>

#include "engine/runtime/posix_file_system.h"
#include "engine/runtime/wall_clock_scheduler.h"
#include "explore/references.h"
#include "real/child_process.h"
#include "real/journal.h"
#include "real/serve.h"
#include "real/structured_journal.h"
#include "sim/trial.h"
#include "util/random.h"
#include "util/read_file.h"
#include "util/shell_quote.h"
#include "util/stopwatch.h"

namespace real {
namespace {

using ckpt::Time;
using sim::Failure;
using sim::FailureKind;

// The journal fd a child writes to (after stdin, stdout and stderr).
constexpr int kChildJournalFd = 3;
// How long a supervisor waits for journal lines before looking at the clock again.
constexpr int kPollMs = 20;

void SleepWallMs(int64_t ms) {
  if (ms <= 0) return;
  struct timespec pause = {static_cast<time_t>(ms / 1000),
                           static_cast<long>(ms % 1000) * 1'000'000};
  while (::nanosleep(&pause, &pause) != 0) {
  }
}

std::string Tail(const std::string& path, size_t bytes) {
  ckpt::Result<std::string> text = sim::ReadWholeFile(path);
  std::string all = text.ok() ? std::move(text).value() : "";
  return all.size() <= bytes ? all : "..." + all.substr(all.size() - bytes);
}

// How one process of a trial ended.
struct ProcessEnd {
  bool killed = false;     // by our SIGKILL
  bool timed_out = false;  // the trial's wall-clock budget ran out
  int wait_status = 0;
};

class Trial {
 public:
  Trial(const sim::Scenario& scenario, const CrashRealOptions& options, std::vector<Kill> plan,
        std::string directory)
      : scenario_(scenario),
        options_(options),
        plan_(std::move(plan)),
        directory_(std::move(directory)),
        line_{ckpt::UnixNowMs(), Time{0}, options.speed} {}

  // Runs processes until one finishes (or fails otherwise); the journal of all of them.
  void run(int64_t budget_wall_ms);

  const std::string& journal() const { return journal_; }
  const ckpt::WallTimeLine& time_line() const { return line_; }
  int kills_delivered() const { return kills_delivered_; }
  // Set when a process ended in a way no kill explains (it aborted, or the budget ran out).
  const std::optional<Failure>& harness_failure() const { return harness_failure_; }

 private:
  std::vector<std::string> arguments(int incarnation) const;
  bool start_run(size_t run, int64_t deadline_ms);
  ProcessEnd supervise(ChildProcess& child, const Kill* kill, int64_t deadline_wall_ms);
  void take_lines(std::string& pending, bool* kill_requested);

  const sim::Scenario& scenario_;
  const CrashRealOptions& options_;
  std::vector<Kill> plan_;
  std::string directory_;
  ckpt::WallTimeLine line_;
  std::string journal_;
  int kills_delivered_ = 0;
  std::optional<Failure> harness_failure_;
  size_t run_ = 0;  // of the scenario's scheduled runs, the one the processes serve
};

std::vector<std::string> Trial::arguments(int incarnation) const {
  std::ostringstream speed;
  speed << options_.speed;
  std::vector<std::string> args = {options_.binary,
                                   "serve",
                                   scenario_.path,
                                   "--checkpoint-dir",
                                   directory_,
                                   "--speed",
                                   speed.str(),
                                   "--epoch-unix-ms",
                                   std::to_string(line_.epoch_unix_ms),
                                   "--journal-fd",
                                   std::to_string(kChildJournalFd),
                                   "--incarnation",
                                   std::to_string(incarnation),
                                   "--quiet"};
  if (static_cast<size_t>(incarnation) < plan_.size()) {
    const Kill& kill = plan_[static_cast<size_t>(incarnation)];
    if (kill.kind == 'c') args.insert(args.end(), {"--kill-at-step", std::to_string(kill.value)});
    if (kill.kind == 'w') {
      args.insert(args.end(), {"--kill-at-writer-step", std::to_string(kill.value)});
    }
  }
  for (const std::string& name : options_.defects.names()) {
    args.insert(args.end(), {"--defect", name});
  }
  for (const std::string& name : options_.structured_defects.names()) {
    args.insert(args.end(), {"--defect", name});
  }
  for (const std::string& name : options_.fixes.names()) args.insert(args.end(), {"--fix", name});
  for (const auto& [key, value] : options_.conf)
    args.insert(args.end(), {"--conf", key + "=" + value});
  if (!scenario_.scheduled_runs.empty()) {
    args.insert(args.end(), {"--scheduled-run", std::to_string(run_)});
  }
  for (const std::string& plugin : options_.plugins.extra) {
    args.insert(args.end(), {"--plugin", plugin});
  }
  if (!options_.plugins.scenario_plugins_allowed) args.push_back("--no-scenario-plugins");
  return args;
}

// Moves the complete lines of `pending` into the journal; a kill point asks for the kill.
void Trial::take_lines(std::string& pending, bool* kill_requested) {
  size_t end;
  while ((end = pending.find('\n')) != std::string::npos) {
    std::string line = pending.substr(0, end + 1);
    pending.erase(0, end + 1);
    if (IsKillPointLine(line)) *kill_requested = true;
    journal_ += line;
  }
}

ProcessEnd Trial::supervise(ChildProcess& child, const Kill* kill, int64_t deadline_wall_ms) {
  int64_t started_ms = ckpt::UnixNowMs();
  std::optional<int64_t> kill_at_ms;
  if (kill && kill->kind == 't') {
    kill_at_ms = started_ms + static_cast<int64_t>(std::ceil(kill->value / options_.speed));
  }
  ProcessEnd end;
  std::string pending;
  bool closed = false, kill_requested = false;
  while (!closed) {
    pending += child.read_journal(kPollMs, &closed);
    take_lines(pending, &kill_requested);
    int64_t now_ms = ckpt::UnixNowMs();
    if (kill_at_ms && now_ms >= *kill_at_ms) kill_requested = true;
    if (!end.killed && !end.timed_out && now_ms >= deadline_wall_ms) {
      end.timed_out = true;
      child.kill();
    }
    if (kill_requested && !end.killed && !end.timed_out) {
      end.killed = true;
      child.kill();
    }
  }
  // A line cut short by the kill never reached the journal as a whole: dropped (pending).
  end.wait_status = child.wait();
  bool died_of_our_kill = WIFSIGNALED(end.wait_status) && WTERMSIG(end.wait_status) == SIGKILL;
  end.killed = end.killed && died_of_our_kill;  // it may have finished just before the kill
  return end;
}

// The job scheduler of a structured query's scheduled runs (sim/structured_trial.cpp has the
// simulator's): run `run` starts at its time, or when the process before it ended, after its
// deletions by hand. False when the run's deletion failed (a harness failure).
bool Trial::start_run(size_t run, int64_t deadline_ms) {
  const sim::ScheduledRun& scheduled = scenario_.scheduled_runs[run];
  SleepWallMs(std::min(line_.unix_ms_at(scheduled.at), deadline_ms) - ckpt::UnixNowMs());
  ckpt::PosixFileSystem disk(directory_);
  for (const std::string& relative : scheduled.deletes) {
    ckpt::Status removed =
        disk.remove(ckpt::JoinPath(scenario_.checkpoint_dir, relative), /*recursive=*/true);
    if (!removed.ok() && removed.code() != ckpt::StatusCode::kNotFound) {
      harness_failure_ = Failure{FailureKind::kRecoveryError, std::nullopt,
                                 "scheduled run " + std::to_string(run) + " cannot delete " +
                                     relative + ": " + removed.to_string()};
      return false;
    }
  }
  run_ = run;
  return true;
}

void Trial::run(int64_t budget_wall_ms) {
  int64_t deadline_ms = ckpt::UnixNowMs() + budget_wall_ms;
  if (!scenario_.scheduled_runs.empty() && !start_run(0, deadline_ms)) return;
  for (int incarnation = 0;; ++incarnation) {
    std::string harness = directory_ + "/" + kHarnessDirectory + "/";
    std::string stderr_path = harness + "stderr-" + std::to_string(incarnation);
    ckpt::Result<std::unique_ptr<ChildProcess>> child =
        ChildProcess::Spawn(arguments(incarnation), kChildJournalFd,
                            harness + "stdout-" + std::to_string(incarnation), stderr_path);
    if (!child.ok()) {
      harness_failure_ = Failure{FailureKind::kRecoveryError, std::nullopt,
                                 "cannot start a process: " + child.status().to_string()};
      return;
    }
    const Kill* kill =
        static_cast<size_t>(incarnation) < plan_.size() ? &plan_[incarnation] : nullptr;
    int processes_before = ProcessesInJournal(journal_);
    ProcessEnd end = supervise(*child.value(), kill, deadline_ms);
    if (end.killed && !end.timed_out) {
      bool started = ProcessesInJournal(journal_) > processes_before;
      Time at = line_.at(ckpt::UnixNowMs());
      journal_ += started ? KilledLine(at) : UnstartedLine(incarnation, at);
      ++kills_delivered_;
      SleepWallMs(static_cast<int64_t>(std::ceil(scenario_.downtime.ms / options_.speed)));
      continue;
    }
    if (end.timed_out) {
      harness_failure_ =
          Failure{FailureKind::kNoProgress, std::nullopt,
                  "the run did not finish within its " + std::to_string(budget_wall_ms / 1000) +
                      " s wall-clock budget (process " + std::to_string(incarnation) +
                      " was still running)"};
    } else if (!WIFEXITED(end.wait_status) || WEXITSTATUS(end.wait_status) != 0) {
      harness_failure_ = Failure{FailureKind::kEngineAssert, std::nullopt,
                                 "process " + std::to_string(incarnation) + " " +
                                     DescribeWaitStatus(end.wait_status) +
                                     "; its stderr: " + Tail(stderr_path, 400)};
    } else if (run_ + 1 < scenario_.scheduled_runs.size() && start_run(run_ + 1, deadline_ms)) {
      continue;  // the program returned: the next scheduled run starts it again
    }
    return;
  }
}

// The uninterrupted simulated run's length: steps, checkpoint-writer filesystem calls among
// them, and engine time.
struct RunLength {
  uint64_t steps = 0;
  uint64_t writer_steps = 0;
  ckpt::Duration run_time;
};

RunLength MeasureReference(const sim::Scenario& scenario, const sim::RunOptions& options) {
  sim::RunOptions measured = options;
  measured.record_steps = true;
  sim::TrialRun run = sim::RunTrial(scenario, sim::TrialSpec{}, measured);
  RunLength length;
  length.steps = run.steps.size();
  // A structured query's every mutating filesystem call is a writer step (serve's KillGate).
  bool structured = scenario.engine == sim::Engine::kStructured;
  for (const sim::StepRecord& step : run.steps) {
    bool writer = structured || step.label.find("writer \u00b7") != std::string::npos;
    if (writer && step.label.find("\u203a") != std::string::npos) ++length.writer_steps;
  }
  length.run_time = run.end_time - Time{0};
  return length;
}

// The command that runs the same trials again, or with `plan`, that one trial's kills.
std::string ReplayOf(const sim::Scenario& scenario, const CrashRealOptions& options,
                     const std::string& plan = "") {
  std::ostringstream command;
  command << sim::ShellQuote(options.binary) << " crash-real " << sim::ShellQuote(scenario.path);
  if (!plan.empty()) {
    command << " --plan " << sim::ShellQuote(plan);
  } else if (options.plan) {
    command << " --plan " << sim::ShellQuote(PlanToken(*options.plan)) << " --trials "
            << options.trials;
  } else {
    command << " --kills " << options.kills << " --seed " << options.seed << " --trials "
            << options.trials;
  }
  command << " --speed " << options.speed;
  for (const std::string& flag : options.replay_flags) command << " " << flag;
  return command.str();
}

// A fresh run directory for one trial, under the work directory.
ckpt::Result<std::string> MakeRunDirectory(const CrashRealOptions& options,
                                           const sim::Scenario& scenario, uint64_t trial) {
  std::string pattern =
      options.work_directory + "/" + scenario.name + "-" + std::to_string(trial) + "-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) {
    return ckpt::ErrnoStatus(errno, "cannot create a run directory like " + pattern);
  }
  std::string directory(buffer.data());
  CKPT_RETURN_IF_ERROR(PrepareRunDirectory(scenario, directory));
  return directory;
}

// One trial of real processes killed by `plan`, judged against `references`.
struct RealTrial {
  std::vector<Failure> failures;
  sim::TrialRun run;
  int kills = 0;
  std::string directory;  // empty when none could be made
  // The machine's storage refused the run (a full or read-only disk): not a verdict on the
  // engine. Says what refused and where the evidence is, or that it could not be kept.
  std::string storage_refusal;
};

// The first refusal of the storage in `run`, if any.
std::string FirstStorageRefusal(const sim::TrialRun& run) {
  for (const sim::IncarnationRecord& incarnation : run.incarnations) {
    if (!incarnation.storage_refusals.empty()) return incarnation.storage_refusals.front();
  }
  return "";
}

RealTrial RunRealTrial(const sim::Scenario& scenario, const CrashRealOptions& options,
                       const std::vector<Kill>& plan, uint64_t trial, int64_t budget_ms,
                       sim::References& references) {
  RealTrial out;
  ckpt::Result<std::string> directory = MakeRunDirectory(options, scenario, trial);
  if (!directory.ok() && directory.status().is_storage_refusal()) {
    out.storage_refusal = directory.status().to_string();
    return out;
  }
  if (!directory.ok()) {
    out.failures.push_back(
        Failure{FailureKind::kRecoveryError, std::nullopt, directory.status().to_string()});
    return out;
  }
  out.directory = directory.value();
  Trial runner(scenario, options, plan, out.directory);
  runner.run(budget_ms);
  out.kills = runner.kills_delivered();
  // Kept with the run directory, as serve keeps its own: what each process reported.
  std::ofstream journal(out.directory + "/" + kHarnessDirectory + "/journal");
  bool journal_kept = static_cast<bool>(journal << runner.journal() << std::flush);
  ckpt::Result<sim::TrialRun> rebuilt = RunFromJournal(scenario, runner.journal(), false);
  if (rebuilt.ok()) out.storage_refusal = FirstStorageRefusal(rebuilt.value());
  if (!out.storage_refusal.empty()) {
    out.storage_refusal += journal_kept ? " (run directory kept: " + out.directory + ")"
                                        : " (run directory " + out.directory +
                                              " kept without its journal: the disk refused it)";
    return out;
  }
  if (rebuilt.ok()) {
    out.run = std::move(rebuilt).value();
    if (scenario.engine == sim::Engine::kStructured) {
      ReadRunDirectoryFiles(scenario, out.directory, runner.time_line(), out.run);
    }
    out.run.protocol_recorded = options.protocol_oracle;
    out.run.fixes = options.fixes;
    out.failures = references.check(out.run);
  } else {
    out.failures.push_back(Failure{FailureKind::kRecoveryError, std::nullopt,
                                   "the journal is unreadable: " + rebuilt.status().to_string()});
  }
  if (runner.harness_failure()) {
    out.failures.insert(out.failures.begin(), *runner.harness_failure());
  }
  bool keep = options.keep_directories || !out.failures.empty();
  if (!keep) std::filesystem::remove_all(out.directory);
  return out;
}

sim::RunOptions ReferenceOptions(const CrashRealOptions& options) {
  sim::RunOptions reference_options;
  reference_options.defects = options.defects;
  reference_options.fixes = options.fixes;
  reference_options.structured_defects = options.structured_defects;
  reference_options.conf = options.conf;
  reference_options.inject_faults = false;
  return reference_options;
}

// Real processes are not deterministic: a known weakness is confirmed by running the same kill
// plan again with its fix on, in a run directory of its own.
sim::RerunWithFixes RerunReal(const sim::Scenario& scenario, const CrashRealOptions& options,
                              const std::vector<Kill>& plan, uint64_t trial, int64_t budget_ms) {
  return [&, trial, budget_ms](const ckpt::FixSet& fixes) {
    CrashRealOptions fixed = options;
    fixed.fixes.add(fixes);
    sim::References references(scenario, ReferenceOptions(fixed));
    RealTrial rerun = RunRealTrial(scenario, fixed, plan, trial, budget_ms, references);
    if (!rerun.storage_refusal.empty()) {  // it proves nothing either way: not confirmed
      rerun.failures.push_back(Failure{FailureKind::kRecoveryError, std::nullopt,
                                       "the storage refused: " + rerun.storage_refusal});
    }
    return std::make_pair(std::move(rerun.run), std::move(rerun.failures));
  };
}

ckpt::Result<sim::ScenarioSummary> CrashScenario(const sim::Scenario& scenario,
                                                 const CrashRealOptions& options,
                                                 sim::ExploreResult& result) {
  sim::RunOptions reference_options = ReferenceOptions(options);
  sim::References references(scenario, reference_options);
  RunLength length = MeasureReference(scenario, reference_options);
  sim::ScenarioSummary summary;
  summary.name = scenario.name;
  summary.path = scenario.path;
  summary.expect_failures = scenario.expect_failures;
  summary.ref_replay = ReplayOf(scenario, options);
  summary.units_planned = static_cast<uint64_t>(options.trials);
  // Wall-clock budget: four times the application's own length, plus process starts.
  int64_t budget_ms = static_cast<int64_t>(4 * length.run_time.ms / options.speed) + 20'000 +
                      2'000 * static_cast<int64_t>(options.kills);
  for (uint64_t trial = 0; trial < static_cast<uint64_t>(options.trials); ++trial) {
    std::vector<Kill> plan = options.plan ? *options.plan
                                          : PlanKills(scenario, trial, options, length.steps,
                                                      length.writer_steps, length.run_time);
    std::string token = PlanToken(plan);
    RealTrial real = RunRealTrial(scenario, options, plan, trial, budget_ms, references);
    if (!real.storage_refusal.empty()) {
      return ckpt::Status::IoError("the storage under " + options.work_directory +
                                   " refused the run: " + real.storage_refusal);
    }
    ++summary.trials;
    ++summary.units_explored;
    sim::AddRecoveryTimes(real.run, summary.recovery);
    summary.crash_points += static_cast<uint64_t>(real.kills);
    summary.digest += ckpt::Fnv1a(token.data(), token.size(), ckpt::kFnvOffset);
    if (real.failures.empty()) continue;
    Failure first = real.failures.front();
    if (!real.directory.empty()) first.detail += " (run directory kept: " + real.directory + ")";
    sim::FailingTrial failing;
    failing.scenario = scenario.name;
    failing.scenario_path = scenario.path;
    failing.token = token;
    failing.failure = std::move(first);
    failing.replay = ReplayOf(scenario, options, token);
    failing.order = {1, trial};
    sim::FileFailure(scenario, real.run, std::move(failing),
                     RerunReal(scenario, options, plan, trial, budget_ms), summary, result);
  }
  return summary;
}

}  // namespace

std::vector<Kill> PlanKills(const sim::Scenario& scenario, uint64_t trial,
                            const CrashRealOptions& options, uint64_t steps, uint64_t writer_steps,
                            ckpt::Duration run_time) {
  sim::Random random = sim::Random(options.seed).fork(scenario.name).fork(trial);
  uint64_t share = static_cast<uint64_t>(options.kills) + 1;
  uint64_t step_span = std::max<uint64_t>(1, 2 * steps / share);
  uint64_t writer_span = std::max<uint64_t>(1, 2 * writer_steps / share);
  uint64_t time_span = std::max<uint64_t>(1, 2 * static_cast<uint64_t>(run_time.ms) / share);
  std::vector<Kill> plan;
  for (int k = 0; k < options.kills; ++k) {
    switch (random.below(5)) {
      case 0:
      case 1:
        plan.push_back(Kill{'c', random.below(step_span)});
        break;
      case 2:
      case 3:
        plan.push_back(Kill{'w', random.below(writer_span)});
        break;
      default:
        plan.push_back(Kill{'t', random.below(time_span)});
    }
  }
  return plan;
}

std::string PlanToken(const std::vector<Kill>& plan) {
  std::string token = "real:";
  for (size_t i = 0; i < plan.size(); ++i) {
    token += (i ? "," : "") + std::string(1, plan[i].kind) + std::to_string(plan[i].value);
  }
  return plan.empty() ? "real:none" : token;
}

ckpt::Result<std::vector<Kill>> ParsePlanToken(const std::string& token) {
  auto bad = [&token] {
    return ckpt::Status::InvalidArgument(
        "--plan expects real:none or real: and kills such as "
        "c12,w3,t450 (step, writer step, engine ms), got '" +
        token + "'");
  };
  std::vector<Kill> plan;
  if (token == "real:none") return plan;
  if (!token.starts_with("real:") || token.size() == 5) return bad();
  std::string_view rest = std::string_view(token).substr(5);
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view kill = rest.substr(0, comma);
    uint64_t value = 0;
    if (kill.size() < 2 || kill.size() > 20 ||
        std::string_view("cwt").find(kill[0]) == std::string_view::npos) {
      return bad();
    }
    auto [end, error] = std::from_chars(kill.data() + 1, kill.data() + kill.size(), value);
    if (error != std::errc() || end != kill.data() + kill.size() || plan.size() == 10'000) {
      return bad();
    }
    plan.push_back(Kill{kill[0], value});
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
    if (rest.empty()) return bad();
  }
  return plan;
}

ckpt::Result<sim::ExploreResult> CrashReal(const std::vector<sim::Scenario>& scenarios,
                                           const CrashRealOptions& options) {
  sim::Stopwatch stopwatch;
  sim::ExploreResult result;
  result.strategy = sim::Strategy::kCrashReal;
  result.seed = options.seed;
  for (const sim::Scenario& scenario : scenarios) {
    sim::Stopwatch scenario_stopwatch;
    CKPT_ASSIGN_OR_RETURN(sim::ScenarioSummary summary, CrashScenario(scenario, options, result));
    summary.elapsed_ms = scenario_stopwatch.elapsed_ms();
    sim::AddToTotals(summary, result);
    result.scenarios.push_back(std::move(summary));
  }
  result.elapsed_s = stopwatch.elapsed_s();
  return result;
}

}  // namespace real
