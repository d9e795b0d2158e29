// `ckptsim study-interval`: a stateful scenario's checkpoint interval swept under random driver
// failures, against Young's and Daly's optima.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "cli/command.h"
#include "explore/interval_study.h"
#include "reports/report.h"

namespace cli {
namespace {

struct StudyFlags {
  double mtbf_s = 600, checkpoint_cost_s = 5, restart_s = 10, horizon_s = 0;
  std::vector<int64_t> intervals;
  int seeds = 4;
  uint64_t seed = 1;
  int jobs = DefaultJobs();
  std::string report_dir;
  std::string out;  // refused: --out names a file everywhere, the study writes a directory
  bool json = false;
};

ckpt::Duration SecondsToDuration(double seconds) {
  return ckpt::Duration{static_cast<int64_t>(std::llround(seconds * 1000))};
}

int RunStudyInterval(const std::string& path, const StudyFlags& flags) {
  if (!flags.out.empty()) {
    return BadInput(
        "--out names a file in every command; the study writes three files: use "
        "--report DIR");
  }
  ckpt::Result<sim::Scenario> scenario = sim::LoadScenario(path);
  if (!scenario.ok()) return BadInput(scenario.status().message());
  sim::IntervalStudyOptions options;
  options.mtbf = SecondsToDuration(flags.mtbf_s);
  options.checkpoint_cost = SecondsToDuration(flags.checkpoint_cost_s);
  options.restart = SecondsToDuration(flags.restart_s);
  options.horizon = SecondsToDuration(flags.horizon_s);
  options.interval_batches = flags.intervals;
  options.seeds = flags.seeds;
  options.seed = flags.seed;
  options.jobs = flags.jobs;
  ckpt::Result<sim::IntervalStudy> study = sim::StudyInterval(scenario.value(), options);
  if (!study.ok()) return BadInput(study.status().message());
  std::string table = reports::RenderIntervalTable(study.value());
  nlohmann::json json = reports::IntervalStudyToJson(study.value());
  if (!flags.report_dir.empty()) {
    std::error_code error;
    std::filesystem::create_directories(flags.report_dir, error);
    if (error) return BadInput("cannot create " + flags.report_dir + ": " + error.message());
    std::ofstream(flags.report_dir + "/study.md") << table;
    std::ofstream(flags.report_dir + "/study.json") << json.dump(2) << "\n";
    std::ofstream(flags.report_dir + "/plot.svg") << reports::RenderIntervalSvg(study.value());
  }
  if (flags.json) {
    std::printf("%s\n", json.dump(2).c_str());
  } else {
    std::printf("%s", table.c_str());
    if (!flags.report_dir.empty()) {
      std::printf("\nWrote %s/study.md, study.json and plot.svg\n", flags.report_dir.c_str());
    }
  }
  return kExitPass;
}

}  // namespace

Command AddStudyIntervalCommand(CLI::App& app) {
  auto flags = std::make_shared<StudyFlags>();
  auto path = std::make_shared<std::string>();
  CLI::App* study = app.add_subcommand(
      "study-interval",
      "sweep a stateful scenario's checkpoint interval under random driver failures and compare "
      "the best interval with Young's and Daly's");
  study->add_option("scenario", *path, "scenario file (a log source and a stateful step)")
      ->required();
  study->add_option("--mtbf-s", flags->mtbf_s, "mean time between driver failures (M)")
      ->check(CLI::PositiveNumber);
  study
      ->add_option("--checkpoint-cost-s", flags->checkpoint_cost_s,
                   "the checkpoint store's latency for one state RDD checkpoint (C)")
      ->check(CLI::PositiveNumber);
  study->add_option("--restart-s", flags->restart_s, "down time after each failure (R)")
      ->check(CLI::NonNegativeNumber);
  study->add_option("--horizon-s", flags->horizon_s, "virtual time per run (default: 40 x MTBF)");
  study
      ->add_option("--intervals", flags->intervals,
                   "checkpoint intervals in batches (default: a grid from Young's / 4 to x 4)")
      ->delimiter(',');
  study->add_option("--seeds", flags->seeds, "failure histories per interval")
      ->check(CLI::Range(1, 1000));
  study->add_option("--seed", flags->seed, "the seed the failure histories are forked from")
      ->check(SeedValidator());
  study->add_option("--jobs", flags->jobs, "threads running simulations (default: the cores)")
      ->check(CLI::Range(1, 256));
  study->add_option("--report", flags->report_dir,
                    "write study.md, study.json and plot.svg into DIR");
  study->add_option("--out", flags->out, "(refused: use --report DIR)")->group("");
  study->add_flag("--json", flags->json, "print JSON");
  study->footer(
      "Example:\n"
      "  ckptsim study-interval scenarios/study/checkpoint_interval.yaml --mtbf-s 600 \\\n"
      "      --checkpoint-cost-s 5 --jobs 2 --report build/study");
  return {study, [flags, path] { return RunStudyInterval(*path, *flags); }};
}

}  // namespace cli
