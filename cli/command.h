// What every subcommand of the command line shares: exit codes, the common flags, bad-input
// messages, and how a result is printed and written. Each subcommand lives in a file of its own
// (cli/*_command.cpp) and registers itself through one Add...Command function; main.cpp only
// parses and dispatches.
#pragma once

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/runtime/status.h"
#include "explore/explorer.h"
#include "oracle/results.h"
#include "scenario/scenario.h"

namespace cli {

// Exit codes (DESIGN.md section 5): every check holds, a check failed, bad input or usage.
constexpr int kExitPass = 0;
constexpr int kExitFail = 1;
constexpr int kExitBadInput = 2;
// Ctrl-C: the partial result was printed and written (INCOMPLETE); 128 + SIGINT, as shells do.
constexpr int kExitInterrupted = 130;

// Installs the SIGINT handler of a long run: the first Ctrl-C sets the returned flag (the
// explorer stops at the next trial boundary, ExploreOptions::stop_requested); a second one
// interrupts the process as usual.
const std::atomic<bool>* StopOnInterrupt();

// A registered subcommand: its CLI11 node and what runs it once the line is parsed.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

// The flags most subcommands take.
struct CommonFlags {
  std::vector<std::string> defects;
  std::vector<std::string> fixes;
  std::string fs;  // empty: each scenario's own filesystem (hdfs unless it says otherwise)
  std::vector<std::string> conf;
  std::vector<std::string> plugins;
  bool no_scenario_plugins = false;
  bool no_protocol_oracle = false;
  bool strict = false;            // known weaknesses (WARN) fail the run
  bool require_complete = false;  // a run a budget cut short (INCOMPLETE) fails
  bool json = false;
  std::string report_dir;
  std::string junit;
};

// The common flags beyond the engine's (--defect, --fix, --fs, --conf, --no-protocol-oracle)
// that a subcommand takes: a flag it would ignore is not offered, so using it is a usage error.
enum CommonFlagExtras : unsigned {
  kEngineFlagsOnly = 0,
  kJsonFlag = 1,     // --json
  kStrictFlag = 2,   // --strict
  kReportFlags = 4,  // --report, --junit, --require-complete (an exploration's result)
  kAllCommonFlags = kJsonFlag | kStrictFlag | kReportFlags,
};

void AddCommonFlags(CLI::App* command, CommonFlags& flags, unsigned extras);

// --jobs by default: the machine's cores (1 when unknown), at most 256.
int DefaultJobs();

// Checks a --seed: an integer from 0 to 2^64 - 1 (CLI11's range check would print its bound as a
// 300-digit double).
const CLI::Validator& SeedValidator();

// Prints "ckptsim: <message>" on stderr; returns kExitBadInput.
int BadInput(const std::string& message);

// What most subcommands do first: the common flags into `options` (and `binary`, unless null, for
// replay commands), then the scenarios at `path` (a file or a directory; with `one`, exactly one
// scenario). Each scenario must pass Spark's start-time validation (sim/start_check.h): its
// errors are the scenario's, exit 2, not a recovery_error of the engine.
ckpt::Result<std::vector<sim::Scenario>> Prepare(const CommonFlags& flags, const std::string& path,
                                                 bool one, const char* binary,
                                                 sim::ExploreOptions& options);

// The trial `token` names, checked against `declared`'s swarm variants.
ckpt::Result<sim::TrialSpec> TrialOf(const sim::Scenario& declared, const std::string& token);

// Prints the result (table or --json) and writes --report and --junit. `timeline_run`: the run
// options failing trials are replayed with for the report's timelines (none for a merge).
// Returns kExitPass, kExitFail when a check failed, or kExitBadInput when a file cannot be written.
int ReportResult(const sim::ExploreResult& result, const std::string& header,
                 uint64_t max_crash_states, const CommonFlags& flags,
                 const sim::RunOptions* timeline_run = nullptr);

// The subcommands, one per file. `binary` is argv[0], for replay commands.
Command AddRunCommand(CLI::App& app, const char* binary);
Command AddExploreCommand(CLI::App& app, const char* binary);
Command AddReplayCommand(CLI::App& app, const char* binary);
Command AddShrinkCommand(CLI::App& app, const char* binary);
Command AddCrashPointsCommand(CLI::App& app);
Command AddMergeCommand(CLI::App& app);
Command AddMutationCommand(CLI::App& app, const char* binary);
Command AddListCommand(CLI::App& app);
Command AddDefectsCommand(CLI::App& app);
Command AddRulesCommand(CLI::App& app);
Command AddWeaknessesCommand(CLI::App& app);
Command AddStudyIntervalCommand(CLI::App& app);
Command AddServeCommand(CLI::App& app);
Command AddCrashRealCommand(CLI::App& app, const char* binary);
// Hidden: the man page and shell completions from `app`'s definition (run by the build).
Command AddGenerateDocsCommand(CLI::App& app);

}  // namespace cli
