// `ckptsim list`, `ckptsim defects`, `ckptsim rules` and `ckptsim crash-points`: what there is to
// run, and what the harness checks.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "engine/fixes.h"
#include "oracle/protocol.h"
#include "oracle/structured_oracle.h"
#include "reports/report.h"
#include "sim/defect_catalogue.h"

namespace cli {
namespace {

// The bundled scenarios with their one-line descriptions.
int RunList(const std::vector<sim::Scenario>& scenarios, bool json) {
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const sim::Scenario& s : scenarios) {
      list.push_back({{"name", s.name},
                      {"path", s.path},
                      {"description", s.description},
                      {"source", sim::SourceKindName(s.source.kind())},
                      {"batches", s.batches},
                      {"filesystem", sim::PersistenceModelName(s.filesystem)},
                      {"swarm", !s.swarm.empty()}});
    }
    std::cout
        << nlohmann::json{{"schema_version", reports::kSchemaVersion}, {"scenarios", list}}.dump(2)
        << "\n";
    return kExitPass;
  }
  size_t width = 0;
  for (const sim::Scenario& s : scenarios) width = std::max(width, s.path.size());
  for (const sim::Scenario& s : scenarios) {
    std::printf("%-*s  %s\n", static_cast<int>(width), s.path.c_str(), s.description.c_str());
  }
  std::printf("%zu scenarios\n", scenarios.size());
  return kExitPass;
}

int RunDefects(bool json) {
  nlohmann::json list = nlohmann::json::array();
  for (const sim::CatalogueDefect& d : sim::DefectCatalogue()) {
    list.push_back({{"name", d.name},
                    {"engine", sim::EngineName(d.engine)},
                    {"reverts", d.reverts},
                    {"description", d.description},
                    {"exposed_by", d.exposed_by}});
  }
  if (json) {
    std::cout
        << nlohmann::json{{"schema_version", reports::kSchemaVersion}, {"defects", list}}.dump(2)
        << "\n";
    return kExitPass;
  }
  for (const sim::CatalogueDefect& d : sim::DefectCatalogue()) {
    std::printf("%s (%s)\n  reverts:    %s\n  effect:     %s\n  exposed by: %s\n\n", d.name.c_str(),
                sim::EngineName(d.engine), d.reverts.c_str(), d.description.c_str(),
                d.exposed_by.c_str());
  }
  return kExitPass;
}

// The known weaknesses and the fixes that confirm them (engine/fixes.h).
int RunWeaknesses(bool json) {
  nlohmann::json list = nlohmann::json::array();
  for (const ckpt::FixInfo& f : ckpt::AllFixes()) {
    list.push_back({{"weakness", f.weakness},
                    {"fix", f.name},
                    {"reason", f.reason},
                    {"description", f.description}});
  }
  if (json) {
    std::cout
        << nlohmann::json{{"schema_version", reports::kSchemaVersion}, {"weaknesses", list}}.dump(2)
        << "\n";
    return kExitPass;
  }
  for (const ckpt::FixInfo& f : ckpt::AllFixes()) {
    std::printf("%s\n  why:  %s\n  fix:  --fix %s: %s\n\n", f.weakness, f.reason, f.name,
                f.description);
  }
  std::printf(
      "A failure counts as a known weakness (WARN) only when the same trial passes with its fix; "
      "--strict fails the run on them.\n");
  return kExitPass;
}

// The protocol oracle's rules (oracle/protocol.h).
int RunRules(bool json) {
  std::vector<sim::ProtocolRule> rules = sim::ProtocolRules();
  for (const sim::ProtocolRule& rule : sim::StructuredProtocolRules()) rules.push_back(rule);
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const sim::ProtocolRule& rule : rules) {
      list.push_back({{"name", rule.name}, {"statement", rule.statement}});
    }
    std::cout << nlohmann::json{{"schema_version", reports::kSchemaVersion}, {"rules", list}}.dump(
                     2)
              << "\n";
    return kExitPass;
  }
  for (const sim::ProtocolRule& rule : rules) {
    std::printf("%s\n  %s\n\n", rule.name, rule.statement);
  }
  std::printf(
      "%zu rules (structured.*: the Structured Streaming engine's); a breach is a "
      "protocol_violation naming its rule\n",
      rules.size());
  return kExitPass;
}

int RunCrashPoints(const sim::Scenario& scenario, const sim::ExploreOptions& options, bool json) {
  sim::RunOptions run_options = options.run;
  run_options.record_steps = true;
  sim::TrialRun run = sim::RunTrial(scenario, sim::TrialSpec{}, run_options);
  if (json) {
    nlohmann::json steps = nlohmann::json::array();
    for (const sim::StepRecord& s : run.steps) {
      steps.push_back({{"step", s.step}, {"time_ms", s.time.ms}, {"label", s.label}});
    }
    std::cout << nlohmann::json{{"schema_version", reports::kSchemaVersion},
                                {"scenario", scenario.name},
                                {"crash_points", run.steps.size()},
                                {"steps", steps}}
                     .dump(2)
              << "\n";
    return kExitPass;
  }
  std::printf("%6s %10s  %s\n", "step", "time ms", "label");
  for (const sim::StepRecord& s : run.steps) {
    std::printf("%6llu %10lld  %s\n", static_cast<unsigned long long>(s.step),
                static_cast<long long>(s.time.ms), s.label.c_str());
  }
  std::printf("%zu crash points\n", run.steps.size());
  return kExitPass;
}

}  // namespace

Command AddListCommand(CLI::App& app) {
  struct Flags {
    std::string path = "scenarios";
    bool json = false;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* list = app.add_subcommand("list", "list scenarios with their one-line descriptions");
  list->add_option("scenario", flags->path, "scenario file or directory (default: scenarios)");
  list->add_flag("--json", flags->json, "print JSON");
  list->footer("Example: ckptsim list scenarios/faults");
  return {list, [flags] {
            ckpt::Result<std::vector<sim::Scenario>> listed = sim::LoadScenarios(flags->path);
            if (!listed.ok()) return BadInput(listed.status().message());
            return RunList(listed.value(), flags->json);
          }};
}

Command AddDefectsCommand(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  CLI::App* defects = app.add_subcommand("defects", "list the injectable defects");
  defects->add_flag("--json", *json, "print JSON");
  defects->footer("Example: ckptsim defects --json");
  return {defects, [json] { return RunDefects(*json); }};
}

Command AddWeaknessesCommand(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  CLI::App* weaknesses =
      app.add_subcommand("weaknesses", "list the known weaknesses and the fixes that confirm them");
  weaknesses->add_flag("--json", *json, "print JSON");
  weaknesses->footer("Example: ckptsim weaknesses --json");
  return {weaknesses, [json] { return RunWeaknesses(*json); }};
}

Command AddRulesCommand(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  CLI::App* rules = app.add_subcommand("rules", "list the protocol oracle's rules");
  rules->add_flag("--json", *json, "print JSON");
  rules->footer("Example: ckptsim rules --json");
  return {rules, [json] { return RunRules(*json); }};
}

Command AddCrashPointsCommand(CLI::App& app) {
  struct Flags {
    CommonFlags common;
    std::string path;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* points =
      app.add_subcommand("crash-points", "list the labelled steps of the uninterrupted run");
  points->add_option("scenario", flags->path, "scenario file")->required();
  AddCommonFlags(points, flags->common, kJsonFlag);
  points->footer("Example: ckptsim crash-points scenarios/basic/running_count.yaml --json");
  return {points, [flags] {
            sim::ExploreOptions options;
            ckpt::Result<std::vector<sim::Scenario>> scenarios =
                Prepare(flags->common, flags->path, true, nullptr, options);
            if (!scenarios.ok()) return BadInput(scenarios.status().message());
            return RunCrashPoints(scenarios.value().front(), options, flags->common.json);
          }};
}

}  // namespace cli
