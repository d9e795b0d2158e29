// `ckptsim mutation`: proves the harness finds bugs. Every defect of the catalogue is hunted by
// exhaustive exploration of the scenario that exposes it, and its first failure shrunk.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "explore/mutation.h"
#include "explore/shrink.h"
#include "reports/report.h"
#include "util/shell_quote.h"

namespace cli {
namespace {

// Writes each defect's shrunk counterexample as <dir>/<defect>.yaml.
ckpt::Status WriteRegressions(const sim::MutationReport& report, const std::string& root,
                              const std::string& dir, const sim::ExploreOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return ckpt::Status::IoError(dir + ": " + ec.message());
  for (const sim::DefectHunt& h : report.hunts) {
    if (!h.shrunk()) continue;
    CKPT_ASSIGN_OR_RETURN(sim::Scenario declared, sim::LoadScenario(root + "/" + h.scenario_path));
    std::string name = "regression_" + h.defect;
    std::replace(name.begin(), name.end(), '-', '_');
    std::string file = dir + "/" + h.defect + ".yaml";
    std::string header = "The " + h.defect + " defect (" + h.reverts + "), shrunk by `" +
                         options.binary + " mutation` from trial " + h.token + " of " +
                         h.scenario_path + ".\nPasses on the engine; with --defect " + h.defect +
                         " it fails [" + sim::FailureKindName(h.kind) +
                         "]: " + h.outcome.failure.detail +
                         "\nreproduce: " + sim::ShellQuote(options.binary) + " run " +
                         sim::ShellQuote(file) + " --defect " + h.defect;
    std::string yaml = sim::RegressionScenarioYaml(declared, h.outcome, name,
                                                   "Regression: defect " + h.defect + " (" +
                                                       sim::FailureKindName(h.kind) +
                                                       "), shrunk from " + declared.name,
                                                   header);
    std::ofstream out(file);
    out << yaml;
    if (!out) return ckpt::Status::IoError(file + ": cannot write");
  }
  return ckpt::Status::Ok();
}

int RunMutation(const std::string& root, const std::string& out_path,
                const std::string& regressions, const sim::ExploreOptions& options, bool json) {
  sim::MutationReport report = sim::HuntDefects(root, options);
  nlohmann::json doc = reports::MutationToJson(report);
  if (!out_path.empty()) {
    std::ofstream out(out_path);
    out << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    if (!out) return BadInput(out_path + ": cannot write");
  }
  if (!regressions.empty()) {
    ckpt::Status status = WriteRegressions(report, root, regressions, options);
    if (!status.ok()) return BadInput(status.message());
  }
  if (json) {
    std::cout << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    std::printf("%-36s %7s %9s %-36s %15s %8s %8s %9s\n", "defect", "found", "to first", "found by",
                "failing/outputs", "batches", "crashes", "shrink s");
    for (const sim::DefectHunt& h : report.hunts) {
      if (!h.error.empty()) {
        std::printf("%-36s ERROR %s\n", h.defect.c_str(), h.error.c_str());
        continue;
      }
      auto count = [](const std::optional<uint64_t>& n) {
        return n ? std::to_string(*n) : std::string("ref");
      };
      std::string failing = count(h.failing_trials) + "/" + count(h.failing_trials_outputs_only);
      std::printf("%-36s %7s %8.3fs %-36s %15s %8lld %8llu %8.2fs\n", h.defect.c_str(),
                  h.found ? std::to_string(h.trials_to_first_failure).c_str() : "NO",
                  h.seconds_to_first_failure, h.found ? h.found_by.c_str() : "-",
                  h.found ? failing.c_str() : "-", static_cast<long long>(h.shrunk_batches()),
                  static_cast<unsigned long long>(h.shrunk_crashes()), h.shrink_seconds);
    }
    const sim::MutationTargets& t = report.targets;
    std::printf(
        "\n%llu of %zu defects found (target: all); "
        "median time to the first failure %.3f s "
        "(target <= %.1f s); %llu of %zu shrunk to <= %lld batches and <= %llu crashes "
        "(target >= %.0f%%)\nfailing/outputs: failing trials of the exhaustive exploration, with "
        "the "
        "protocol rules and with the outputs alone (ref: the uncrashed run fails)\n%s\n",
        static_cast<unsigned long long>(report.found), report.hunts.size(),
        report.median_seconds_to_first_failure, t.max_median_seconds,
        static_cast<unsigned long long>(report.small), report.hunts.size(),
        static_cast<long long>(t.max_batches), static_cast<unsigned long long>(t.max_crashes),
        t.min_small_fraction * 100,
        report.targets_met() ? "PASS: every target met" : "FAIL: a target missed");
  }
  return report.targets_met() ? kExitPass : kExitFail;
}

}  // namespace

Command AddMutationCommand(CLI::App& app, const char* binary) {
  struct Flags {
    std::string root = ".", out, regressions;
    int jobs = DefaultJobs();
    bool json = false;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* mutation = app.add_subcommand(
      "mutation", "prove the harness finds bugs: hunt and shrink every defect of the catalogue");
  mutation->add_option("--root", flags->root,
                       "the repository the defects' scenario paths are relative to");
  mutation->add_option("--out", flags->out, "also write the JSON report to FILE");
  mutation->add_option("--regressions", flags->regressions,
                       "write each shrunk counterexample as DIR/<defect>.yaml");
  mutation->add_option("--jobs", flags->jobs, "threads running trials (default: the cores)")
      ->check(CLI::Range(1, 256));
  mutation->add_flag("--json", flags->json, "print the JSON report");
  mutation->footer(
      "Exit 0 when every target holds: every defect found, median time to the first failure\n"
      "<= 1 s, and >= 90% of the counterexamples shrunk to <= 3 batches and <= 2 crashes.\n"
      "Example: ckptsim mutation --out build/mutation.json --regressions scenarios/regressions");
  return {mutation, [flags, binary] {
            sim::ExploreOptions options;
            options.binary = binary;
            options.jobs = flags->jobs;
            return RunMutation(flags->root, flags->out, flags->regressions, options, flags->json);
          }};
}

}  // namespace cli
