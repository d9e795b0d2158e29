#include "oracle/check.h"

namespace sim {
namespace {

// "after checkpoint_written 1500 (2nd)".
std::string EventText(const CrashEvent& event) {
  std::string text =
      std::string(event.after ? "after " : "before ") + CrashEventKindName(event.kind) + " " +
      (event.kind == CrashEvent::Kind::kWalWrite ? std::to_string(event.nth) : event.argument);
  if (event.kind != CrashEvent::Kind::kWalWrite && event.nth > 1) {
    text += " (match " + std::to_string(event.nth) + ")";
  }
  return text;
}

}  // namespace

void CheckStateExpectations(const CheckInput& input, std::vector<Failure>& failures) {
  const std::vector<StateExpectation>& expectations = input.scenario.expect_state;
  for (size_t i = 0; i < expectations.size(); ++i) {
    const StateExpectation& expectation = expectations[i];
    std::string where = (expectation.origin.empty() ? "" : expectation.origin + ": ") +
                        "expect_state[" + std::to_string(i) + "] (" + EventText(expectation.event) +
                        (expectation.process ? ", process " + std::to_string(*expectation.process)
                                             : std::string()) +
                        ")";
    bool observed = false;
    for (const StateObservation& observation : input.run.state_observations) {
      if (observation.expectation != i) continue;
      observed = true;
      for (const auto& [field, expected] : expectation.fields) {
        const std::string& actual = observation.fields.at(field);
        if (actual == expected) continue;
        failures.push_back({FailureKind::kExpectationMismatch, std::nullopt,
                            where + ": " + field + " in process " +
                                std::to_string(observation.incarnation) + ": expected " + expected +
                                ", was " + actual});
      }
    }
    if (!observed) {
      failures.push_back({FailureKind::kExpectationMismatch, std::nullopt,
                          where + ": its event never happened" +
                              (expectation.process ? " in that process" : std::string())});
    }
  }
}

}  // namespace sim
