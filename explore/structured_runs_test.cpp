// Structured scenarios that run their driver program more than once (`scheduled_runs`, Spark's
// StartStream after StopStream) and assert what Spark's tests assert beyond the batches: every
// foreachBatch call (`expect_deliveries`), the logs' ids (`expect_logs`) and the query's
// contracted error (`expect_error`). TV3 and TV4 of structured-streaming-notes.md 6 are bundled
// as such scenarios.
#include <gtest/gtest.h>

#include <set>

#include "engine/structured/defects.h"
#include "explore/explorer.h"
#include "explore/mutation.h"
#include "scenario/scenario_writer.h"

namespace sim {
namespace {

Scenario Tv3() {
  ckpt::Result<Scenario> scenario = LoadScenario(
      std::string(CKPTSIM_SOURCE_DIR) + "/scenarios/structured/spark/tv3_one_time_trigger.yaml");
  EXPECT_TRUE(scenario.ok()) << scenario.status().to_string();
  return scenario.ok() ? scenario.value() : Scenario{};
}

// Every kind of failure the uninterrupted run's expectations report.
std::vector<std::string> Mismatches(const Scenario& scenario) {
  std::vector<std::string> found;
  for (const Failure& failure : BuildReference(scenario, RunTrial(scenario, {}, {})).failures) {
    found.push_back(std::string(FailureKindName(failure.kind)) + ": " + failure.detail);
  }
  return found;
}

TEST(ScheduledRuns, TheirFieldsReadAndRoundTripThroughTheWriter) {
  Scenario scenario = Tv3();
  ASSERT_EQ(scenario.scheduled_runs.size(), 4u);
  EXPECT_EQ(scenario.scheduled_runs[1].at.ms, 31000);
  EXPECT_EQ(scenario.scheduled_runs[1].deletes, std::vector<std::string>{"commits/0"});
  EXPECT_EQ(scenario.expect_logs.at("commits"), (std::vector<int64_t>{0, 1}));
  ASSERT_EQ(scenario.expect_deliveries.at("memory").size(), 3u);
  ckpt::Result<Scenario> again = LoadScenarioFromText(ScenarioToYaml(scenario), scenario.path);
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  for (PipelineStep& step : again.value().query.steps) step.origin.clear();
  for (PipelineStep& step : scenario.query.steps) step.origin.clear();
  EXPECT_EQ(again.value(), scenario);
}

TEST(ScheduledRuns, TheReaderRefusesDisorderAndPathsOutsideTheCheckpoint) {
  const std::string head = R"(engine: structured
name: q
source: {kind: log, partitions: 1, appends: [{at_ms: 0, partition: 0, records: [1]}]}
pipeline: [{foreach_batch: out}]
)";
  struct Case {
    std::string yaml;
    std::string error;
  } cases[] = {
      {"scheduled_runs: [{at_ms: 5}, {at_ms: 5}]\n",
       "5:38: scheduled_runs[1].at_ms: runs come at increasing times"},
      {"scheduled_runs: [{at_ms: 5, delete: [../secret]}]\n",
       "scheduled_runs[0].delete: a path relative to the checkpoint directory"},
      {"scheduled_runs: [{at_ms: 5, delete: [/etc/passwd]}]\n",
       "scheduled_runs[0].delete: a path relative to the checkpoint directory"},
      {"scheduled_runs: [{at_ms: 5, when: 1}]\n", "scheduled_runs[0]"},
      {"scheduled_runs: []\n", "scheduled_runs: expected a list of 1 to 1000 runs"},
      {"expect_logs: {offsets: [2, 1]}\n",
       "expect_logs.offsets: batch ids are non-negative and increasing"},
      {"expect_logs: {sources: [0]}\n", "expect_logs"},
      {"expect_deliveries: {other: [{batch: 0, rows: [1]}]}\n",
       "expect_deliveries.other: names no foreach_batch or write_store sink of the query"},
      {"expect_deliveries: {out: [{batch: -1, rows: [1]}]}\n",
       "expect_deliveries.out[0].batch: a batch id is 0 or more"},
  };
  for (const Case& c : cases) {
    ckpt::Result<Scenario> loaded = LoadScenarioFromText(head + c.yaml, "q.yaml");
    ASSERT_FALSE(loaded.ok()) << c.yaml;
    EXPECT_NE(loaded.status().message().find(c.error), std::string::npos)
        << c.yaml << " -> " << loaded.status().message();
  }
}

// TV3's uninterrupted run: four processes, one per run, the second re-running batch 0 after
// its commit was deleted by hand, the last stopped by the contracted division by zero.
TEST(ScheduledRuns, EachRunIsAProcessAndDeletesItsFilesFirst) {
  Scenario scenario = Tv3();
  TrialRun run = RunTrial(scenario, {}, {});
  ASSERT_EQ(run.incarnations.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(run.incarnations[i].started_at, scenario.scheduled_runs[i].at) << i;
  }
  ASSERT_EQ(run.structured.starts.size(), 4u);
  EXPECT_TRUE(run.structured.starts[1].rerun);
  EXPECT_EQ(run.structured.starts[1].first_batch_id, 0);
  ASSERT_EQ(run.incarnations[3].errors.size(), 1u);
  EXPECT_NE(run.incarnations[3].errors[0].message().find("/ by zero"), std::string::npos);
  EXPECT_TRUE(Mismatches(scenario).empty());
}

// A crash's step counts across the runs of one lifetime (exhaustive exploration reaches every
// run), and a run due while a crashed run's restart is pending waits for it: runs never overlap.
TEST(ScheduledRuns, CrashStepsSpanRunsAndARunWaitsForTheRestartBeforeIt) {
  Scenario scenario = Tv3();
  const uint64_t first_run_steps = RunTrial(scenario, {}, {}).incarnations[0].steps;
  TrialSpec later;
  later.crashes.push_back(CrashSpec{CrashBeforeStep{first_run_steps + 1}, ckpt::Duration{0}});
  TrialRun crashed_later = RunTrial(scenario, later, {});
  ASSERT_GE(crashed_later.incarnations.size(), 2u);
  EXPECT_FALSE(crashed_later.incarnations[0].crashed_at.has_value());
  EXPECT_TRUE(crashed_later.incarnations[1].crashed_at.has_value());

  scenario.scheduled_runs[1].at = ckpt::Time{1010};  // due while run 0 is down
  TrialSpec long_down;
  long_down.crashes.push_back(CrashSpec{CrashBeforeStep{1}, ckpt::Duration{5000}});
  TrialRun run = RunTrial(scenario, long_down, {});
  ASSERT_GE(run.incarnations.size(), 3u);
  EXPECT_EQ(run.incarnations[1].started_at.ms, run.incarnations[0].crashed_at->ms + 5000);
  for (const StructuredDelivery& delivery : run.structured.deliveries) {
    if (delivery.incarnation == 1) {
      EXPECT_LE(delivery.at, run.incarnations[2].started_at);
    }
  }
  EXPECT_TRUE(
      CheckTrial(scenario, BuildReference(scenario, RunTrial(scenario, {}, {})).reference, run)
          .empty());
}

// A concurrent run is a second driver on the checkpoint: it starts beside the first, re-runs the
// batch the first commits, and must then fail (V9); with SPARK-26425 reverted it goes on, which
// the single-writer rule and the contracted error both see.
TEST(ScheduledRuns, ASecondDriverOnTheCheckpointMustFail) {
  ckpt::Result<Scenario> loaded = LoadScenario(
      std::string(CKPTSIM_SOURCE_DIR) + "/scenarios/structured/two_drivers_one_checkpoint.yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  const Scenario& scenario = loaded.value();
  TrialRun run = RunTrial(scenario, {}, {});
  ASSERT_EQ(run.incarnations.size(), 2u);
  EXPECT_EQ(run.incarnations[1].started_at.ms, 330);
  EXPECT_TRUE(run.incarnations[0].errors.empty());
  ASSERT_EQ(run.incarnations[1].errors.size(), 1u);
  EXPECT_NE(run.incarnations[1].errors[0].message().find(
                "Concurrent update to the commit log. Multiple streaming jobs detected for 1"),
            std::string::npos);
  EXPECT_TRUE(Mismatches(scenario).empty());

  RunOptions reverted;
  reverted.structured_defects.add(ckpt::structured::Defect::kIgnoreLogAddResults);
  TrialRun zombie = RunTrial(scenario, {}, reverted);
  std::set<std::string> found;
  for (const Failure& failure : BuildReference(scenario, zombie).failures) {
    found.insert(failure.rule.empty() ? FailureKindName(failure.kind) : failure.rule);
  }
  EXPECT_EQ(found, (std::set<std::string>{"structured.single_writer", "expectation_mismatch"}));
}

// A crashed driver restarts in its own scheduled run, with that run's conf: a concurrent run's
// conf is the second driver's only (it once leaked into the first driver's restarts).
TEST(ScheduledRuns, ARestartKeepsTheConfOfTheRunItServes) {
  ckpt::Result<Scenario> loaded = LoadScenario(
      std::string(CKPTSIM_SOURCE_DIR) + "/scenarios/structured/two_drivers_one_checkpoint.yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  Scenario scenario = loaded.value();
  const std::string key = "spark.sql.streaming.minBatchesToRetain";
  scenario.scheduled_runs[0].conf = std::map<std::string, std::string>{{key, "100"}};
  scenario.scheduled_runs[1].conf = std::map<std::string, std::string>{{key, "50"}};
  // The first crash time after the second driver started that hits the first driver.
  for (int64_t at = 331; at < 600; ++at) {
    TrialSpec spec;
    spec.crashes.push_back(CrashSpec{CrashFromTime{ckpt::Time{at}}, ckpt::Duration{10}});
    TrialRun run = RunTrial(scenario, spec, {});
    if (run.incarnations.size() < 3 || !run.incarnations[0].crashed_at) continue;
    EXPECT_EQ(run.incarnations[1].conf.at(key), "50");
    EXPECT_EQ(run.incarnations[2].started_at, *run.incarnations[0].crashed_at + ckpt::Duration{10});
    EXPECT_EQ(run.incarnations[2].conf.at(key), "100") << "crash at " << at;
    return;
  }
  FAIL() << "no crash time hit the first driver while the second ran";
}

// On an object store whose exists() answers from a stale view (stale_exists), the second
// driver's check-then-act misses commits/1 and overwrites it: both drivers go on, the silent
// corruption notes 8.10 permit on such a store, and the single-writer rule sees it. With a
// consistent store the second driver fails as contracted. The rule survives the writer.
TEST(ScheduledRuns, AStaleObjectStoreLetsTwoDriversCommitOneBatchAndTheOracleSeesIt) {
  ckpt::Result<Scenario> loaded = LoadScenario(
      std::string(CKPTSIM_SOURCE_DIR) + "/scenarios/structured/object_store_two_drivers.yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  Scenario scenario = loaded.value();
  TrialRun stale = RunTrial(scenario, {}, {});
  ASSERT_EQ(stale.incarnations.size(), 2u);
  EXPECT_TRUE(stale.incarnations[1].errors.empty());
  std::vector<Failure> failures = BuildReference(scenario, stale).failures;
  ASSERT_FALSE(failures.empty());
  EXPECT_EQ(failures.front().rule, "structured.single_writer");
  EXPECT_NE(ScenarioToYaml(scenario, "").find("kind: stale_exists"), std::string::npos);

  // A stale view of commits/1 before it was written changes no answer: nothing is injected, so
  // nothing marks a process as faulted (which would excuse its errors), and the run is the
  // consistent store's.
  Scenario early = scenario;
  early.faults[0].nth = 1;
  early.faults[0].times = 1;
  TrialRun unchanged = RunTrial(early, {}, {});
  ASSERT_EQ(unchanged.incarnations.size(), 2u);
  for (const IncarnationRecord& incarnation : unchanged.incarnations)
    EXPECT_TRUE(incarnation.injected.empty()) << incarnation.injected.front();
  ASSERT_EQ(unchanged.incarnations[1].errors.size(), 1u);

  scenario.faults.clear();
  TrialRun consistent = RunTrial(scenario, {}, {});
  ASSERT_EQ(consistent.incarnations.size(), 2u);
  ASSERT_EQ(consistent.incarnations[1].errors.size(), 1u);
  EXPECT_NE(consistent.incarnations[1].errors[0].message().find("Multiple streaming jobs detected"),
            std::string::npos);
}

// Each expectation fails when the uninterrupted run does not do what it says.
TEST(ScheduledRuns, EachExpectationSeesItsBreak) {
  Scenario no_purge = Tv3();
  no_purge.scheduled_runs[1].deletes = {"commits/9"};  // batch 0 is not re-run
  Scenario other_error = Tv3();
  other_error.expect_error = "/ by zero (startOffset: [{\"memory\":{\"0\":2}}]";
  Scenario other_logs = Tv3();
  other_logs.expect_logs["offsets"] = {1, 2};
  for (const auto& [scenario, detail] :
       {std::pair{no_purge,
                  "call 1 of memory: expected batch 0 [3, 6], the uninterrupted run "
                  "made batch 1 [2]"},
        std::pair{other_error, "the query was expected to stop with"},
        std::pair{other_logs,
                  "offsets/ was expected to hold [1, 2], the uninterrupted run left "
                  "[0, 1, 2]"}}) {
    std::vector<std::string> found = Mismatches(scenario);
    bool seen = false;
    for (const std::string& failure : found) {
      seen = seen || failure.find(std::string("expectation_mismatch: ") + detail) == 0;
    }
    EXPECT_TRUE(seen) << detail << (found.empty() ? " (no failure)" : " vs " + found[0]);
  }
}

// A mutation campaign that hunted no defect never says its targets were met.
TEST(MutationTargets, ACampaignThatHuntedNothingMeetsNoTarget) {
  MutationReport nothing;
  EXPECT_FALSE(nothing.targets_met());
  MutationReport one;
  one.hunts.emplace_back();
  one.found = 1;
  one.small = 1;
  EXPECT_TRUE(one.targets_met());
}

}  // namespace
}  // namespace sim
