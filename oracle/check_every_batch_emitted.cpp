#include <algorithm>
#include <map>
#include <set>

#include "oracle/check.h"

namespace sim {

namespace {

// Checks that application `checked` (see ApplicationOf) emitted every batch of its reference.
// `abandoned` explains why an application that is not the last had to finish anyway.
void CheckCompleteness(const CheckInput& input, int checked, const std::string& abandoned,
                       std::vector<Failure>& failures) {
  const Scenario& scenario = input.scenario;
  const ReferenceFor& reference_for = input.reference_for;
  const TrialRun& run = input.run;
  const Applications& applications = input.applications;
  const std::vector<int>& application = applications.of;
  const Reference& reference = reference_for(applications.key_of_application(checked));
  std::optional<Time> zero;
  int last_incarnation = -1;
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    if (application[i] != checked) continue;
    if (!zero) zero = run.incarnations[i].zero_time;
    last_incarnation = static_cast<int>(i);
  }
  if (!zero) {
    failures.push_back({FailureKind::kNoProgress, std::nullopt,
                        "the last application run never started its streams"});
    return;
  }
  std::set<std::pair<std::string, int64_t>> seen;
  for (const Emission& e : run.emissions) {
    if (application[e.incarnation] == checked) seen.insert({e.output, e.batch_time.ms});
  }
  // A batch whose output write failed (injected) stays pending until the next recovery runs it
  // again (SPARK-18905); only a failure in the last incarnation may leave it missing.
  std::map<std::pair<std::string, int64_t>, int> failed_in;
  for (const FailedOutput& f : run.failed_outputs) {
    if (application[f.incarnation] == checked) {
      failed_in[{f.output, f.batch_time.ms}] = f.incarnation;
    }
  }
  // A job an injected I/O error failed is owed the same way, for every output.
  for (const FailedJob& f : run.failed_jobs) {
    if (application[f.incarnation] != checked) continue;
    for (const auto& [output, batches] : reference.outputs) {
      failed_in[{output, f.batch_time.ms}] = f.incarnation;
    }
  }
  for (const auto& [output, batches] : reference.outputs) {
    for (int64_t index = 1; index <= static_cast<int64_t>(batches.size()); ++index) {
      Time time = *zero + scenario.batch_duration * index;
      if (seen.count({output, time.ms}) || reference.silent.count({output, index})) continue;
      auto failed = failed_in.find({output, time.ms});
      if (failed != failed_in.end()) {
        if (failed->second == last_incarnation) continue;
        failures.push_back({FailureKind::kLostBatch, time,
                            "output " + output + " of batch " + std::to_string(time.ms) +
                                " failed in incarnation " + std::to_string(failed->second) +
                                " and no later recovery ran it again"});
        return;
      }
      failures.push_back({FailureKind::kLostBatch, time,
                          "output " + output + " of batch " + std::to_string(time.ms) +
                              " never appeared (expected " + Describe(batches[index - 1]) + ")" +
                              abandoned});
      return;  // the first lost batch says it; the rest follow from it
    }
  }
}

// Applications that a fresh start abandoned although they had written a checkpoint: the
// checkpointed progress is gone, so each must still have emitted all of its batches. The one
// contracted exception: createOnError on, and every checkpoint file unreadable.
void CheckAbandonedApplications(const CheckInput& input, std::vector<Failure>& failures) {
  const Scenario& scenario = input.scenario;
  const TrialRun& run = input.run;
  const Applications& applications = input.applications;
  const std::vector<int>& application = applications.of;
  std::string written;  // the newest checkpoint the current application wrote
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    const IncarnationRecord& incarnation = run.incarnations[i];
    bool fresh_start = i > 0 && incarnation.zero_time && !incarnation.recovered;
    if (fresh_start && !written.empty()) {
      bool excused = scenario.create_on_error && !incarnation.unreadable_checkpoints.empty();
      if (!excused) {
        CheckCompleteness(input, application[i - 1],
                          "; incarnation " + std::to_string(i) + " started afresh although " +
                              written + " had been written: the crash lost the checkpoint",
                          failures);
      }
      written.clear();
    }
    if (!incarnation.checkpoints_written.empty()) written = incarnation.checkpoints_written.back();
  }
}

}  // namespace

void CheckEveryBatchEmitted(const CheckInput& input, std::vector<Failure>& failures) {
  int last = input.applications.of.empty() ? 0 : input.applications.of.back();
  CheckCompleteness(input, last, "", failures);
  CheckAbandonedApplications(input, failures);
}

}  // namespace sim
