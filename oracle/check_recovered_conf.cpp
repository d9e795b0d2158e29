#include <algorithm>
#include <map>
#include <set>

#include "oracle/check.h"

namespace sim {

// Spark's Checkpoint.createSparkConf: a recovered context keeps the checkpoint's conf except the
// reload list, which comes from the new process. Checked on the contexts recovered from the
// application the first process created with the scenario's `conf` (a fresh start after a crash
// creates its application from `restart_conf`).
void CheckRecoveredConf(const CheckInput& input, std::vector<Failure>& failures) {
  const Scenario& scenario = input.scenario;
  const TrialRun& run = input.run;
  const Applications& applications = input.applications;
  if (scenario.expect_conf.empty() || run.incarnations.empty() || !run.incarnations[0].zero_time) {
    return;  // the first process died before it created the application
  }
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    const IncarnationRecord& incarnation = run.incarnations[i];
    if (applications.of[i] != 0 || !incarnation.recovered || !incarnation.start_error.ok() ||
        incarnation.conf.empty()) {
      continue;  // its conf unrecorded (IncarnationRecord::conf)
    }
    for (const auto& [key, want] : scenario.expect_conf) {
      auto got = incarnation.conf.find(key);
      std::optional<std::string> have;
      if (got != incarnation.conf.end()) have = got->second;
      if (have == want) continue;
      auto show = [](const std::optional<std::string>& v) { return v ? "'" + *v + "'" : "absent"; };
      failures.push_back({FailureKind::kProtocolViolation, std::nullopt,
                          "incarnation " + std::to_string(i) + " recovered with " + key + " " +
                              show(have) + ", expected " + show(want)});
      return;
    }
  }
}

}  // namespace sim
