#include "cli/command.h"

#include <signal.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "explore/timeline.h"
#include "reports/console.h"
#include "reports/report.h"
#include "scenario/plugins.h"
#include "scenario/swarm.h"
#include "sim/defect_catalogue.h"
#include "sim/start_check.h"
#include "util/shell_quote.h"

namespace cli {

void AddCommonFlags(CLI::App* command, CommonFlags& flags, unsigned extras) {
  command->add_option("--defect", flags.defects,
                      "switch on a known recovery bug (repeatable; see `ckptsim defects`)");
  command->add_option("--fix", flags.fixes,
                      "switch on the fix of a known weakness (repeatable; see `ckptsim "
                      "weaknesses`)");
  command->add_option("--fs", flags.fs,
                      "filesystem persistence model for every scenario: hdfs, posix, object-store "
                      "or lying-disk (default: the scenario's `filesystem`, else hdfs)");
  command->add_option("--conf", flags.conf, "engine configuration key=value (repeatable)");
  command->add_option("--plugin", flags.plugins,
                      "load a function plugin (a shared library, see engine/plugin.h) in every "
                      "process (repeatable)");
  command->add_flag("--no-scenario-plugins", flags.no_scenario_plugins,
                    "refuse scenarios that name plugins (their code would run): for scenarios "
                    "one does not trust");
  command->add_flag("--no-protocol-oracle", flags.no_protocol_oracle,
                    "judge outputs only, without the protocol rules (for comparison; see "
                    "`ckptsim rules`)");
  if (extras & kStrictFlag) {
    command->add_flag("--strict", flags.strict,
                      "fail the run on known-weakness trials too (WARN; see `ckptsim "
                      "weaknesses`)");
  }
  if (extras & kReportFlags) {
    command->add_flag("--require-complete", flags.require_complete,
                      "fail the run when a budget cut it short (INCOMPLETE)");
  }
  if (extras & kJsonFlag)
    command->add_flag("--json", flags.json, "print one JSON object on stdout");
  if (extras & kReportFlags) {
    command->add_option("--report", flags.report_dir,
                        "keep this run's report (results.json, index.html) in a new directory "
                        "under the store DIR (e.g. ckptsim-store), DIR/latest linked to it and "
                        "DIR/index.html listing every run");
    command->add_option("--junit", flags.junit,
                        "write JUnit XML to FILE: a testsuite per scenario, a testcase per check");
  }
}

namespace {

std::atomic<bool> stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

extern "C" void RequestStop(int /*signal*/) { stop_requested.store(true); }

}  // namespace

const std::atomic<bool>* StopOnInterrupt() {
  struct sigaction action = {};
  action.sa_handler = RequestStop;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;  // the second Ctrl-C gets the default: the process ends
  sigaction(SIGINT, &action, nullptr);
  return &stop_requested;
}

int DefaultJobs() {
  unsigned cores = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp(cores, 1u, 256u));
}

const CLI::Validator& SeedValidator() {
  static const CLI::Validator validator(
      [](std::string& text) -> std::string {
        bool digits = !text.empty() && text.size() <= 20 &&
                      text.find_first_not_of("0123456789") == std::string::npos;
        if (digits && (text.size() < 20 || text <= "18446744073709551615")) return "";
        return "a seed is an integer from 0 to 18446744073709551615, got '" + text + "'";
      },
      "SEED");
  return validator;
}

int BadInput(const std::string& message) {
  std::cerr << "ckptsim: " << message << "\n";
  return kExitBadInput;
}

namespace {

// Turns the common flags into run options, and remembers them for replay commands.
ckpt::Status ToOptions(const CommonFlags& flags, sim::ExploreOptions& options) {
  for (const std::string& name : flags.defects) {
    CKPT_ASSIGN_OR_RETURN(const sim::CatalogueDefect* defect, sim::FindDefect(name));
    defect->add_to(options.run);
    options.replay_flags.push_back("--defect " + sim::ShellQuote(name));
  }
  for (const std::string& name : flags.fixes) {
    CKPT_ASSIGN_OR_RETURN(ckpt::Fix fix, ckpt::ParseFix(name));
    options.run.fixes.add(fix);
    options.replay_flags.push_back("--fix " + sim::ShellQuote(name));
  }
  if (!flags.fs.empty()) {
    CKPT_ASSIGN_OR_RETURN(sim::PersistenceModel model, sim::ParsePersistenceModel(flags.fs));
    options.run.fs_model = model;
    options.replay_flags.push_back("--fs " + sim::ShellQuote(flags.fs));
  }
  if (flags.no_protocol_oracle) {
    options.run.record_protocol = false;
    options.replay_flags.push_back("--no-protocol-oracle");
  }
  for (const std::string& pair : flags.conf) {
    size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      return ckpt::Status::InvalidArgument("--conf expects key=value, got '" + pair + "'");
    }
    options.run.conf[pair.substr(0, eq)] = pair.substr(eq + 1);
    options.replay_flags.push_back("--conf " + sim::ShellQuote(pair));
  }
  for (const std::string& path : flags.plugins) {
    ckpt::Result<std::string> canonical = sim::CanonicalPluginPath(path);
    if (!canonical.ok()) return canonical.status().with_context("--plugin");
    CKPT_RETURN_IF_ERROR(sim::LoadPlugin(canonical.value()).with_context("--plugin"));
    options.plugins.extra.push_back(canonical.value());
    options.replay_flags.push_back("--plugin " + sim::ShellQuote(canonical.value()));
  }
  options.plugins.scenario_plugins_allowed = !flags.no_scenario_plugins;
  if (flags.no_scenario_plugins) options.replay_flags.push_back("--no-scenario-plugins");
  return ckpt::Status::Ok();
}

// Whether `scenario` contracts the start-time refusal `started` (its expect_error names it).
bool RefusalExpected(const sim::Scenario& scenario, const ckpt::Status& started) {
  return !scenario.expect_error.empty() &&
         started.message().find(scenario.expect_error) != std::string::npos;
}

}  // namespace

ckpt::Result<std::vector<sim::Scenario>> Prepare(const CommonFlags& flags, const std::string& path,
                                                 bool one, const char* binary,
                                                 sim::ExploreOptions& options) {
  if (binary) options.binary = binary;
  CKPT_RETURN_IF_ERROR(ToOptions(flags, options));
  CKPT_ASSIGN_OR_RETURN(std::vector<sim::Scenario> scenarios, sim::LoadScenarios(path, options.plugins));
  if (one && scenarios.size() != 1) {
    return ckpt::Status::InvalidArgument(path + ": give one scenario file");
  }
  for (const sim::Scenario& scenario : scenarios) {
    ckpt::Status started = sim::CheckApplicationStarts(scenario);
    // A scenario may contract Spark's refusal to start (expect_error): its trials then check it.
    if (!started.ok() && !RefusalExpected(scenario, started)) return started;
  }
  return scenarios;
}

ckpt::Result<sim::TrialSpec> TrialOf(const sim::Scenario& declared, const std::string& token) {
  ckpt::Result<sim::TrialSpec> spec = sim::TrialSpec::ParseToken(token);
  if (!spec.ok()) return spec;
  uint64_t variant = spec.value().variant;
  if (variant > sim::kSwarmVariants || (variant != 0 && declared.swarm.empty())) {
    return ckpt::Status::InvalidArgument(
        "token '" + token + "' names swarm variant " + std::to_string(variant) + ", which " +
        declared.name +
        (declared.swarm.empty()
             ? " does not have (it declares no swarm ranges)"
             : " does not have (variants are 1.." + std::to_string(sim::kSwarmVariants) + ")"));
  }
  return spec;
}

namespace {

// The timelines the HTML report draws: the first failing trial of each scenario and kind, at most
// kTimelinesDrawn, then one known-weakness trial and one expected failure, each replayed with
// `run` (the exploration's defects, filesystem and conf).
constexpr size_t kTimelinesDrawn = 12;
std::vector<sim::Timeline> Timelines(const sim::ExploreResult& result, const sim::RunOptions& run) {
  std::vector<sim::Timeline> timelines;
  std::map<std::string, sim::Scenario> scenarios;  // by path
  auto draw = [&](const sim::FailingTrial& f, sim::FiledAs filed_as) {
    auto it = scenarios.find(f.scenario_path);
    if (it == scenarios.end()) {
      ckpt::Result<sim::Scenario> loaded = sim::LoadScenario(f.scenario_path);
      if (!loaded.ok()) return;
      it = scenarios.emplace(f.scenario_path, std::move(loaded).value()).first;
    }
    ckpt::Result<sim::Timeline> timeline = sim::BuildTimeline(it->second, f, run);
    if (!timeline.ok()) return;
    timeline.value().filed_as = filed_as;
    timelines.push_back(std::move(timeline).value());
  };
  std::set<std::pair<std::string, sim::FailureKind>> drawn;
  for (const sim::FailingTrial& f : result.failing) {
    if (timelines.size() < kTimelinesDrawn && f.token != "ref" &&
        drawn.insert({f.scenario, f.failure.kind}).second) {
      draw(f, sim::FiledAs::kFailure);
    }
  }
  for (auto [trials, filed_as] :
       {std::pair{&result.known_weakness_failing, sim::FiledAs::kKnownWeakness},
        std::pair{&result.expected_failing, sim::FiledAs::kExpectedFailure}}) {
    auto first = std::find_if(trials->begin(), trials->end(),
                              [](const sim::FailingTrial& f) { return f.token != "ref"; });
    if (first != trials->end()) draw(*first, filed_as);
  }
  return timelines;
}

}  // namespace

int ReportResult(const sim::ExploreResult& result, const std::string& header,
                 uint64_t max_crash_states, const CommonFlags& flags,
                 const sim::RunOptions* timeline_run) {
  if (flags.json) {
    std::cout << reports::ResultToJson(result).dump(2, ' ', false,
                                                    nlohmann::json::error_handler_t::replace)
              << "\n";
  } else {
    reports::PrintTable(result, header, max_crash_states);
  }
  if (!flags.report_dir.empty()) {
    // A merge has no run options to replay with: its report has no timelines.
    // The wall clock only names the run's directory.
    ckpt::Result<std::string> written = reports::WriteReportToStore(
        flags.report_dir, std::time(nullptr), result, header,
        timeline_run ? Timelines(result, *timeline_run) : std::vector<sim::Timeline>{});
    if (!written.ok()) return BadInput(written.status().to_string());
    if (!flags.json) {
      std::printf("report: %s/index.html (every run: %s/index.html)\n", written.value().c_str(),
                  flags.report_dir.c_str());
    }
  }
  if (!flags.junit.empty()) {
    std::ofstream junit(flags.junit);
    junit << reports::RenderJunit(result);
    if (!junit) return BadInput("cannot write " + flags.junit);
  }
  if (result.interrupted) return kExitInterrupted;
  if (result.failures > 0) return kExitFail;
  if (flags.require_complete && !result.complete()) return kExitFail;
  return flags.strict && result.known_weaknesses > 0 ? kExitFail : kExitPass;
}

}  // namespace cli
