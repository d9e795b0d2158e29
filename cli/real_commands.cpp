// `ckptsim serve` (the engine as a real process: wall clock, real disk) and `ckptsim crash-real`
// (real processes killed with SIGKILL, restarted and judged by the oracle).
#include <stdlib.h>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <memory>
#include <sstream>

#include "cli/command.h"
#include "real/crash_real.h"
#include "real/serve.h"
#include "reports/console.h"

namespace cli {
namespace {

// The path of this executable, for the children crash-real starts.
std::string SelfPath(const char* argv0) {
  std::error_code error;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::string(argv0) : self.string();
}

int RunCrashReal(const std::vector<sim::Scenario>& scenarios, const sim::ExploreOptions& options,
                 real::CrashRealOptions crash_options, const CommonFlags& flags) {
  if (!flags.fs.empty()) {
    return BadInput(
        "crash-real runs on the real disk: --fs does not apply (cross-validate with "
        "`explore --fs posix`)");
  }
  for (const sim::Scenario& scenario : scenarios) {
    ckpt::Status supported = real::RealRuntimeSupports(scenario);
    if (!supported.ok()) return BadInput(supported.message());
  }
  crash_options.defects = options.run.defects;
  crash_options.structured_defects = options.run.structured_defects;
  crash_options.fixes = options.run.fixes;
  crash_options.conf = options.run.conf;
  crash_options.plugins = options.plugins;
  crash_options.protocol_oracle = options.run.record_protocol;
  crash_options.replay_flags = options.replay_flags;
  crash_options.binary = SelfPath(options.binary.c_str());
  bool own_work_directory = crash_options.work_directory.empty();
  if (own_work_directory) {
    std::string pattern = (std::filesystem::temp_directory_path() / "ckptsim-real-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) return BadInput("cannot create " + pattern);
    crash_options.work_directory = pattern;
  }
  std::error_code error;
  std::filesystem::create_directories(crash_options.work_directory, error);
  if (error) return BadInput(crash_options.work_directory + ": " + error.message());
  ckpt::Result<sim::ExploreResult> explored = real::CrashReal(scenarios, crash_options);
  // Failing runs keep their directories (the failures name them); remove an empty work directory.
  if (own_work_directory) std::filesystem::remove(crash_options.work_directory, error);
  if (!explored.ok()) return BadInput(explored.status().message());  // the environment's failure
  const sim::ExploreResult& result = explored.value();
  std::ostringstream header;
  header << "ckptsim crash-real \u00b7 seed " << crash_options.seed << " \u00b7 "
         << crash_options.kills << " kills per trial \u00b7 speed " << crash_options.speed
         << " \u00b7 defects: "
         << reports::DefectsText(crash_options.defects, crash_options.structured_defects);
  return ReportResult(result, header.str(), 8, flags);
}

struct ServeFlags {
  CommonFlags common;
  std::string path;
  real::ServeOptions options;
  int64_t epoch_unix_ms = -1;
  int64_t kill_at_step = -1, kill_at_writer_step = -1;
};

int RunServe(ServeFlags& flags) {
  sim::ExploreOptions options;
  ckpt::Result<std::vector<sim::Scenario>> scenarios =
      Prepare(flags.common, flags.path, true, nullptr, options);
  if (!scenarios.ok()) return BadInput(scenarios.status().message());
  real::ServeOptions& serve = flags.options;
  serve.defects = options.run.defects;
  serve.structured_defects = options.run.structured_defects;
  serve.fixes = options.run.fixes;
  serve.conf = options.run.conf;
  if (flags.epoch_unix_ms >= 0) serve.epoch_unix_ms = flags.epoch_unix_ms;
  if (flags.kill_at_step >= 0) serve.kill_at_step = static_cast<uint64_t>(flags.kill_at_step);
  if (flags.kill_at_writer_step >= 0) {
    serve.kill_at_writer_step = static_cast<uint64_t>(flags.kill_at_writer_step);
  }
  return real::Serve(scenarios.value().front(), serve);
}

}  // namespace

// 0.01 to 1000 engine ms per wall ms; NaN passes CLI11's Range (every comparison is false).
CLI::Validator FiniteSpeed() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double speed = 0;
        auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), speed);
        if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(speed) ||
            speed < 0.01 || speed > 1000.0) {
          return "a number from 0.01 to 1000 expected, got '" + text + "'";
        }
        return "";
      },
      "FLOAT in [0.01 - 1000]");
}

Command AddServeCommand(CLI::App& app) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* serve = app.add_subcommand(
      "serve", "run a scenario's application as a real process: wall clock, real disk");
  serve->add_option("scenario", flags->path, "scenario file")->required();
  serve
      ->add_option("--checkpoint-dir", flags->options.run_directory,
                   "the run directory: the engine's filesystem root (the scenario's checkpoint "
                   "directory lies below it) and the run's journal; start again to recover")
      ->required();
  serve
      ->add_option("--speed", flags->options.speed,
                   "engine milliseconds per wall-clock millisecond (1: real time; a later "
                   "start keeps the directory's)")
      ->check(FiniteSpeed());
  serve->add_flag("--quiet", flags->options.quiet, "print nothing but errors and the verdict");
  // The parent's wiring of a crash-real child, not for people.
  serve->add_option("--epoch-unix-ms", flags->epoch_unix_ms)->group("");
  serve->add_option("--journal-fd", flags->options.journal_fd)->group("");
  serve->add_option("--incarnation", flags->options.incarnation)->group("");
  serve->add_option("--scheduled-run", flags->options.scheduled_run)->group("");
  serve->add_option("--kill-at-step", flags->kill_at_step)->group("");
  serve->add_option("--kill-at-writer-step", flags->kill_at_writer_step)->group("");
  serve->add_option("--defect", flags->common.defects,
                    "switch on a known recovery bug (repeatable)");
  serve->add_option("--fix", flags->common.fixes,
                    "switch on the fix of a known weakness (repeatable)");
  serve->add_option("--conf", flags->common.conf, "engine configuration key=value (repeatable)");
  serve->add_option("--plugin", flags->common.plugins, "load a function plugin (repeatable)");
  serve->add_flag("--no-scenario-plugins", flags->common.no_scenario_plugins,
                  "refuse a scenario that names plugins");
  serve->footer(
      "Example:\n"
      "  ckptsim serve scenarios/basic/running_count.yaml --checkpoint-dir /tmp/run --speed 10\n"
      "  (kill it with kill -9, run the same command again: it recovers, and at the end judges\n"
      "  every process's outputs against the uninterrupted run)");
  return {serve, [flags] { return RunServe(*flags); }};
}

Command AddCrashRealCommand(CLI::App& app, const char* binary) {
  struct Flags {
    CommonFlags common;
    std::string path;
    real::CrashRealOptions options;
    std::string plan;
  };
  auto flags = std::make_shared<Flags>();
  real::CrashRealOptions& crash_options = flags->options;
  CLI::App* crash_real = app.add_subcommand(
      "crash-real", "kill real engine processes with SIGKILL, restart them, check the outputs");
  crash_real->add_option("scenario", flags->path, "scenario file or directory")->required();
  crash_real->add_option("--kills", crash_options.kills, "kills per trial")
      ->check(CLI::Range(0, 10000));
  crash_real->add_option("--trials", crash_options.trials, "runs per scenario")
      ->check(CLI::Range(1, 100000));
  crash_real->add_option("--seed", crash_options.seed, "the seed the kill plans are drawn from")
      ->check(SeedValidator());
  crash_real
      ->add_option("--speed", crash_options.speed,
                   "engine milliseconds per wall-clock millisecond (default 10)")
      ->check(FiniteSpeed());
  crash_real->add_option("--work-dir", crash_options.work_directory,
                         "where run directories go (default: a new directory under $TMPDIR)");
  crash_real->add_flag("--keep", crash_options.keep_directories,
                       "keep every run directory (failing runs' are always kept)");
  crash_real
      ->add_option("--plan", flags->plan,
                   "run this kill plan (a failing trial's, e.g. real:c12,w3,t450) in every trial "
                   "instead of --kills drawn from --seed")
      ->excludes("--kills")
      ->excludes("--seed");
  AddCommonFlags(crash_real, flags->common, kAllCommonFlags);
  crash_real->footer(
      "Examples:\n"
      "  ckptsim crash-real scenarios/basic/running_count.yaml --kills 20\n"
      "  ckptsim crash-real scenarios/basic/running_count.yaml --kills 20 --defect "
      "skip-pending-times --json");
  return {crash_real, [flags, binary] {
            sim::ExploreOptions options;
            ckpt::Result<std::vector<sim::Scenario>> scenarios =
                Prepare(flags->common, flags->path, false, binary, options);
            if (!scenarios.ok()) return BadInput(scenarios.status().message());
            if (!flags->plan.empty()) {
              ckpt::Result<std::vector<real::Kill>> plan = real::ParsePlanToken(flags->plan);
              if (!plan.ok()) return BadInput(plan.status().message());
              flags->options.plan = plan.value();
              flags->options.kills = static_cast<int>(plan.value().size());
            }
            return RunCrashReal(scenarios.value(), options, flags->options, flags->common);
          }};
}

}  // namespace cli
