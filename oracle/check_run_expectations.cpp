#include <algorithm>
#include <iterator>

#include "oracle/check.h"

namespace sim {
namespace {

// What one output's emissions over all processes hold, in the forms the assertions compare.
struct EmittedOverAllRuns {
  ckpt::Records distinct;  // sorted, each record once
  std::optional<Time> latest_batch;
  ckpt::Records latest_batch_records;  // its last emission
};

EmittedOverAllRuns Collect(const TrialRun& run, const std::string& output) {
  EmittedOverAllRuns emitted;
  for (const Emission& emission : run.emissions) {
    if (emission.output != output) continue;
    emitted.distinct.insert(emitted.distinct.end(), emission.records.begin(),
                            emission.records.end());
    if (!emitted.latest_batch || emission.batch_time >= *emitted.latest_batch) {
      emitted.latest_batch = emission.batch_time;
      emitted.latest_batch_records = emission.records;
    }
  }
  ckpt::SortRecords(emitted.distinct);
  emitted.distinct.erase(std::unique(emitted.distinct.begin(), emitted.distinct.end()),
                         emitted.distinct.end());
  return emitted;
}

// Records of `a` not in `b` (both sorted).
ckpt::Records Missing(const ckpt::Records& a, const ckpt::Records& b) {
  ckpt::Records out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

// Why `expected` does not hold of `emitted`, or "" when it holds.
std::string Mismatch(const RunExpectation& expected, const EmittedOverAllRuns& emitted) {
  ckpt::Records want = expected.records;
  switch (expected.kind) {
    case RunExpectation::Kind::kDistinct: {
      want.erase(std::unique(want.begin(), want.end()), want.end());
      if (want == emitted.distinct) return "";
      return "the processes emitted the distinct records " + Describe(emitted.distinct) +
             " (missing " + Describe(Missing(want, emitted.distinct)) + ", unexpected " +
             Describe(Missing(emitted.distinct, want)) + ")";
    }
    case RunExpectation::Kind::kContains: {
      ckpt::Records missing = Missing(want, emitted.distinct);
      if (missing.empty()) return "";
      return "no process emitted " + Describe(missing);
    }
    case RunExpectation::Kind::kLastBatch:
      if (emitted.latest_batch && want == emitted.latest_batch_records) return "";
      if (!emitted.latest_batch) return "no process emitted anything";
      return "the last emission of the latest batch (" + emitted.latest_batch->to_string() +
             ") holds " + Describe(emitted.latest_batch_records);
  }
  return "";
}

}  // namespace

void CheckRunExpectations(const CheckInput& input, std::vector<Failure>& failures) {
  // Spark's cross-restart assertions are about one application recovered across its restarts.
  // A run whose first process died before it created the application, or that started afresh
  // after a crash, began another one later: what input that lost, the fresh-start check judges.
  const TrialRun& run = input.run;
  if (run.incarnations.empty() || !run.incarnations[0].zero_time ||
      input.applications.starts.size() > 1) {
    return;
  }
  for (const RunExpectation& expected : input.scenario.expect_all_runs) {
    std::string mismatch = Mismatch(expected, Collect(input.run, expected.output));
    if (mismatch.empty()) continue;
    failures.push_back({FailureKind::kExpectationMismatch, std::nullopt,
                        (expected.origin.empty() ? "" : expected.origin + ": ") +
                            "expect_all_runs." + expected.output + "." +
                            RunExpectationKindName(expected.kind) + " " +
                            Describe(expected.records) + ": " + mismatch});
  }
}

}  // namespace sim
