// `ckptsim run` (each scenario's own crashes and expectations) and `ckptsim explore` (its crash
// points, exhaustively or at random): one execution, two command lines.
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <memory>
#include <string_view>

#include "cli/command.h"
#include "reports/console.h"

namespace cli {
namespace {

struct ExploreFlags {
  CommonFlags common;
  std::string path;
  std::string strategy = "exhaustive";
  uint64_t trials = 1000, seed = 1, max_crash_states = 8, max_trials = 0;
  int depth = 1, jobs = DefaultJobs();
  std::string shard;
  bool check_determinism = false;
  bool prune = false;
  bool yes = false;  // run even when the estimate says it takes hours
  // Options only one strategy uses, to refuse them with the other.
  CLI::Option* trials_option = nullptr;
  CLI::Option* depth_option = nullptr;
};

// "I/N" into the options' shard: decimal digits only (no sign, no blanks), 0 <= I < N.
ckpt::Status ParseShard(const std::string& shard, sim::ExploreOptions& options) {
  auto bad = [&shard] {
    return ckpt::Status::InvalidArgument("--shard expects I/N with 0 <= I < N, got '" + shard +
                                         "'");
  };
  size_t slash = shard.find('/');
  if (slash == std::string::npos) return bad();
  uint64_t parts[2] = {0, 0};
  std::string_view texts[2] = {std::string_view(shard).substr(0, slash),
                               std::string_view(shard).substr(slash + 1)};
  for (int i = 0; i < 2; ++i) {
    const std::string_view text = texts[i];
    if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) {
      return bad();
    }
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parts[i]);
    if (error != std::errc() || end != text.data() + text.size()) return bad();
  }
  if (parts[1] == 0 || parts[0] >= parts[1]) return bad();
  options.shard_index = parts[0];
  options.shard_count = parts[1];
  return ckpt::Status::Ok();
}

// A flag the chosen strategy would ignore is a usage error, not silence.
ckpt::Status CheckStrategyFlags(const ExploreFlags& flags, sim::Strategy strategy) {
  if (strategy == sim::Strategy::kExhaustive && flags.trials_option &&
      flags.trials_option->count() > 0) {
    return ckpt::Status::InvalidArgument(
        "--trials applies to --strategy random; the exhaustive strategy runs every crash point "
        "(--max-trials sets a budget)");
  }
  if (strategy == sim::Strategy::kRandom && flags.depth_option && flags.depth_option->count() > 0) {
    return ckpt::Status::InvalidArgument(
        "--depth applies to --strategy exhaustive; random trials draw 1 to 10 crashes each");
  }
  return ckpt::Status::Ok();
}

// A run planned so long that nobody means it by accident is refused without --yes or a budget.
// The rate is an order of magnitude measured on the catalogue (docs/explorer.md).
constexpr double kLongRunSeconds = 3600;
constexpr double kTrialsPerSecondPerThread = 2000;

ckpt::Status CheckRunLength(const std::vector<sim::Scenario>& scenarios,
                            const sim::ExploreOptions& options, bool yes) {
  if (yes || options.max_trials > 0 || options.strategy == sim::Strategy::kRun) {
    return ckpt::Status::Ok();
  }
  double trials = 0;
  for (const sim::Scenario& scenario : scenarios) {
    if (options.strategy == sim::Strategy::kRandom) {
      trials += static_cast<double>(options.trials);
      continue;
    }
    // Depth d crashes again at every step of each recovery: about steps^d / d! trials.
    double steps = static_cast<double>(sim::RunTrial(scenario, {}, options.run).total_steps);
    double level = steps;
    for (int depth = 1; depth <= options.depth; level *= steps / ++depth) trials += level;
  }
  trials /= static_cast<double>(options.shard_count);
  double seconds = trials / (kTrialsPerSecondPerThread * options.jobs);
  if (seconds <= kLongRunSeconds) return ckpt::Status::Ok();
  char planned[32];
  std::snprintf(planned, sizeof planned, "%.3g", trials);
  return ckpt::Status::InvalidArgument(std::string("this run plans about ") + planned +
                                       " trials, about " + reports::HumanDuration(seconds) +
                                       " at ~2,000 trials/s per thread: add --yes to run it, a "
                                       "budget (--max-trials N), or --shard I/N to split it");
}

int RunExploration(const ExploreFlags& flags, sim::Strategy strategy, const char* binary) {
  sim::ExploreOptions options;
  options.seed = flags.seed;
  options.trials = flags.trials;
  options.max_crash_states = flags.max_crash_states;
  options.depth = flags.depth;
  options.max_trials = flags.max_trials;
  options.jobs = flags.jobs;
  options.check_determinism = flags.check_determinism;
  options.prune = flags.prune;
  if (!flags.shard.empty()) {
    ckpt::Status shard = ParseShard(flags.shard, options);
    if (!shard.ok()) return BadInput(shard.message());
  }
  ckpt::Status strategy_flags = CheckStrategyFlags(flags, strategy);
  if (!strategy_flags.ok()) return BadInput(strategy_flags.message());
  ckpt::Result<std::vector<sim::Scenario>> scenarios =
      Prepare(flags.common, flags.path, false, binary, options);
  if (!scenarios.ok()) return BadInput(scenarios.status().message());
  options.strategy = strategy;
  ckpt::Status length = CheckRunLength(scenarios.value(), options, flags.yes);
  if (!length.ok()) return BadInput(length.message());
  options.stop_requested = StopOnInterrupt();
  bool show_progress = !flags.common.json && ::isatty(STDOUT_FILENO) == 1;
  if (show_progress) options.on_progress = reports::ProgressLine();
  sim::ExploreResult result = sim::Explore(scenarios.value(), options);
  if (show_progress) std::printf("\r\033[K");  // the report replaces the progress line
  return ReportResult(result, reports::Header(result, options), options.max_crash_states,
                      flags.common, &options.run);
}

void AddExploreOptions(CLI::App* explore, ExploreFlags& flags) {
  explore->add_option("--strategy", flags.strategy, "exhaustive or random")
      ->check(CLI::IsMember({"exhaustive", "random"}));
  flags.trials_option = explore->add_option("--trials", flags.trials, "random: trials per scenario")
                            ->check(CLI::PositiveNumber);
  explore->add_option("--seed", flags.seed, "random: the seed every trial is forked from")
      ->check(SeedValidator());
  explore
      ->add_option("--max-crash-states", flags.max_crash_states,
                   "exhaustive: durable filesystem states explored per crash step (posix, "
                   "lying-disk)")
      ->check(CLI::PositiveNumber);
  flags.depth_option =
      explore
          ->add_option("--depth", flags.depth,
                       "exhaustive: crashes per trial; 2 and 3 crash again at every step of each "
                       "recovery")
          ->check(CLI::Range(1, 3));
  explore->add_option("--max-trials", flags.max_trials,
                      "per scenario (and shard): start no trial after this many (0: no budget); "
                      "the report says what was not explored");
  explore
      ->add_option("--jobs", flags.jobs,
                   "threads running trials (default: the cores; results do not depend on it)")
      ->check(CLI::Range(1, 256));
  explore->add_option("--shard", flags.shard,
                      "I/N: run only slice I of N (depth-1 steps or random trials with index "
                      "mod N = I); combine the slices with `ckptsim merge`");
  explore->add_flag("--prune", flags.prune,
                    "stop a trial once its last process's state equals the uncrashed run's at the "
                    "same batch (sequence and constant sources without faults, FIFO "
                    "interleaving); the report gives the steps run and the unpruned cost");
  explore->add_flag("--yes", flags.yes,
                    "run even when the plan takes more than an hour by the estimate (without it "
                    "and without --max-trials such a run is refused)");
  explore->add_flag("--check-determinism", flags.check_determinism,
                    "rerun every 16th trial (by token hash) and compare trace digests");
}

}  // namespace

Command AddRunCommand(CLI::App& app, const char* binary) {
  auto run_flags = std::make_shared<ExploreFlags>();
  CLI::App* run =
      app.add_subcommand("run", "run scenarios with their own crashes and expectations");
  run->add_option("scenario", run_flags->path, "scenario file or directory")->required();
  AddCommonFlags(run, run_flags->common, kAllCommonFlags);
  run->footer(
      "Examples:\n"
      "  ckptsim run scenarios/spark                      Spark's recovery tests, their own "
      "crashes\n"
      "  ckptsim run scenarios/regressions/skip-pending-times.yaml --defect skip-pending-times");
  return {run,
          [run_flags, binary] { return RunExploration(*run_flags, sim::Strategy::kRun, binary); }};
}

Command AddExploreCommand(CLI::App& app, const char* binary) {
  auto flags = std::make_shared<ExploreFlags>();
  CLI::App* explore = app.add_subcommand("explore", "explore crash points of scenarios");
  explore->add_option("scenario", flags->path, "scenario file or directory")->required();
  AddExploreOptions(explore, *flags);
  AddCommonFlags(explore, flags->common, kAllCommonFlags);
  explore->footer(
      "Examples:\n"
      "  ckptsim explore scenarios/basic --strategy random --trials 500 --seed 7\n"
      "  ckptsim explore scenarios/basic/running_count.yaml --depth 2 --jobs 2\n"
      "  ckptsim explore scenarios/ --shard 0/4 --json > shard0.json   (one per index)\n"
      "  ckptsim merge shard*.json");
  return {explore, [flags, binary] {
            return RunExploration(*flags,
                                  flags->strategy == "exhaustive" ? sim::Strategy::kExhaustive
                                                                  : sim::Strategy::kRandom,
                                  binary);
          }};
}

}  // namespace cli
