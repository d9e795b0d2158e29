// JUnit XML (report.h, RenderJunit): a testsuite per scenario, a testcase per check.
#include <map>
#include <set>

#include "reports/console.h"
#include "reports/report.h"

namespace reports {

namespace {

// What each check holds a run to, by the failure kind that breaks it.
const char* CheckName(sim::FailureKind kind) {
  switch (kind) {
    case sim::FailureKind::kNondeterminism:
      return "replays give the same trace";
    case sim::FailureKind::kEngineAssert:
      return "no engine assertion";
    case sim::FailureKind::kRecoveryError:
      return "recovery without error";
    case sim::FailureKind::kProtocolViolation:
      return "Spark's recovery protocol";
    case sim::FailureKind::kNoProgress:
      return "progress after the last restart";
    case sim::FailureKind::kLostBatch:
      return "no lost batch";
    case sim::FailureKind::kLostRecords:
      return "no lost input records";
    case sim::FailureKind::kDivergentOutput:
      return "outputs equal the uncrashed run's";
    case sim::FailureKind::kUnexpectedDuplicate:
      return "re-runs only where recovery may re-run";
    case sim::FailureKind::kExpectationMismatch:
      return "the scenario's expected outputs";
  }
  return "?";
}

constexpr sim::FailureKind kAllKinds[] = {
    sim::FailureKind::kNondeterminism,      sim::FailureKind::kEngineAssert,
    sim::FailureKind::kRecoveryError,       sim::FailureKind::kProtocolViolation,
    sim::FailureKind::kNoProgress,          sim::FailureKind::kLostBatch,
    sim::FailureKind::kLostRecords,         sim::FailureKind::kDivergentOutput,
    sim::FailureKind::kUnexpectedDuplicate, sim::FailureKind::kExpectationMismatch};

// A testcase per check, each failing one with its first failing trial; counts the failed ones.
std::string CheckCases(const sim::ScenarioSummary& s, const sim::ExploreResult& result,
                       uint64_t& failed_checks) {
  std::map<sim::FailureKind, std::vector<const sim::FailingTrial*>> by_kind;
  for (const sim::FailingTrial& f : result.failing) {
    if (f.scenario == s.name) by_kind[f.failure.kind].push_back(&f);
  }
  std::string cases;
  for (sim::FailureKind kind : kAllKinds) {
    std::string name = std::string(sim::FailureKindName(kind)) + ": " + CheckName(kind);
    cases += "    <testcase classname=\"ckptsim." + EscapeXml(s.name) + "\" name=\"" +
             EscapeXml(name) + "\" time=\"0\"";
    auto failing = by_kind.find(kind);
    if (failing == by_kind.end()) {
      cases += "/>\n";
      continue;
    }
    ++failed_checks;
    const sim::FailingTrial& first = *failing->second.front();
    std::string at = first.failure.batch_time
                         ? " at batch " + std::to_string(first.failure.batch_time->ms) + " ms"
                         : "";
    cases += ">\n      <failure type=\"" + std::string(sim::FailureKindName(kind)) +
             "\" message=\"" +
             EscapeXml(std::string(sim::FailureKindName(kind)) + at + " in " +
                       std::to_string(failing->second.size()) + " of " + std::to_string(s.trials) +
                       " trials") +
             "\">" + EscapeXml(first.failure.detail + "\nreplay: " + first.replay) +
             "</failure>\n    </testcase>\n";
  }
  return cases;
}

// The exploration itself is a testcase (its name stays the same from run to run, as consumers
// track cases by name), carrying the scenario's wall time `time`: the checks were judged together
// on every trial and have no time of their own. What a budget left out is not a check that held:
// the case is then skipped (JUnit's schema has no other word for "not run"); so are known
// weaknesses. Counts the skipped cases.
std::string NotRunCases(const sim::ScenarioSummary& s, const std::string& time, uint64_t& skipped) {
  std::string cases = "    <testcase classname=\"ckptsim." + EscapeXml(s.name) + "\" name=\"" +
                      "exploration complete\" time=\"" + time + "\"";
  if (s.complete()) {
    cases += "/>\n";
  } else {
    ++skipped;
    cases += ">\n      <skipped message=\"" +
             EscapeXml(Verdict(s) + ": " + std::to_string(s.units_explored) + " of " +
                       std::to_string(s.units_planned) +
                       " planned trials ran before a budget cut the run short") +
             "\"/>\n    </testcase>\n";
  }
  if (s.known_weaknesses > 0) {
    ++skipped;
    cases += "    <testcase classname=\"ckptsim." + EscapeXml(s.name) +
             "\" name=\"known weaknesses (docs/findings.md)\" time=\"0\">\n      <skipped "
             "message=\"" +
             std::to_string(s.known_weaknesses) +
             " trials hit a known weakness of the modelled protocol and passed re-run with its "
             "fix (WARN)\"/>\n    </testcase>\n";
  }
  return cases;
}

std::string Property(const std::string& name, const std::string& value) {
  return "      <property name=\"" + name + "\" value=\"" + EscapeXml(value) + "\"/>\n";
}

std::string JunitSuite(const sim::ScenarioSummary& s, const sim::ExploreResult& result) {
  uint64_t failed_checks = 0, skipped = 0;
  std::string time = FormatFixed(static_cast<double>(s.elapsed_ms) / 1000, 3);
  std::string cases = CheckCases(s, result, failed_checks) + NotRunCases(s, time, skipped);
  return "  <testsuite name=\"" + EscapeXml(s.name) + "\" tests=\"" +
         std::to_string(std::size(kAllKinds) + 1 + (s.known_weaknesses > 0 ? 1 : 0)) +
         "\" failures=\"" + std::to_string(failed_checks) + "\" errors=\"0\" skipped=\"" +
         std::to_string(skipped) + "\" time=\"" + time + "\">\n    <properties>\n" +
         Property("path", s.path) + Property("trials", std::to_string(s.trials)) +
         Property("crash_points", std::to_string(s.crash_points)) +
         Property("expected_failures", std::to_string(s.expected_failures)) +
         Property("recovery_restarts", std::to_string(s.recovery.restarts)) +
         Property("recovery_median_at_most_ms", std::to_string(s.recovery.quantile_bound_ms(0.5))) +
         Property("recovery_max_ms", std::to_string(s.recovery.max_ms)) + "    </properties>\n" +
         cases + "  </testsuite>\n";
}

}  // namespace

std::string RenderJunit(const sim::ExploreResult& result) {
  std::string suites;
  uint64_t tests = 0, failures = 0, skipped = 0;
  for (const sim::ScenarioSummary& s : result.scenarios) {
    suites += JunitSuite(s, result);
    tests += std::size(kAllKinds) + 1 + (s.known_weaknesses > 0 ? 1 : 0);
    skipped += (s.known_weaknesses > 0 ? 1 : 0) + (s.complete() ? 0 : 1);
  }
  std::set<std::pair<std::string, sim::FailureKind>> failed;
  for (const sim::FailingTrial& f : result.failing) failed.insert({f.scenario, f.failure.kind});
  failures = failed.size();
  std::string time = FormatFixed(result.elapsed_s, 3);
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"ckptsim " +
         std::string(sim::StrategyName(result.strategy)) + " seed " + std::to_string(result.seed) +
         "\" tests=\"" + std::to_string(tests) + "\" failures=\"" + std::to_string(failures) +
         "\" errors=\"0\" skipped=\"" + std::to_string(skipped) + "\" time=\"" + time + "\">\n" +
         suites + "</testsuites>\n";
}

}  // namespace reports
