// Swarm testing: variants stay within the declared ranges and Spark's validation rules, are a
// pure function of their number, and random exploration draws them together with 1 to 10 crashes
// and an interleaving, each named by the replay token.
#include "scenario/swarm.h"

#include <gtest/gtest.h>

#include <numeric>
#include <set>

#include "explore/explorer.h"
#include "sim/trial.h"
#include "testing/bundled_scenario.h"

namespace sim {
namespace {

using testing::LoadBundled;

TEST(Swarm, VariantsStayWithinTheRangesAndAreAPureFunctionOfTheirNumber) {
  Scenario scenario = LoadBundled("basic/running_count");
  const SwarmRanges& swarm = scenario.swarm;
  ASSERT_TRUE(swarm.batches && swarm.records_per_batch && swarm.batch_duration_ms &&
              swarm.checkpoint_interval_ms);
  std::set<ckpt::Value> vocabulary;
  for (const ckpt::Records& batch : *scenario.source.held_input())
    vocabulary.insert(batch.begin(), batch.end());
  std::set<int64_t> batch_counts, durations;
  for (uint64_t v = 1; v <= kSwarmVariants; ++v) {
    Scenario variant = ScenarioVariant(scenario, v);
    EXPECT_EQ(variant.batches, ScenarioVariant(scenario, v).batches);
    EXPECT_EQ(variant.source, ScenarioVariant(scenario, v).source);
    EXPECT_GE(variant.batches, swarm.batches->low);
    EXPECT_LE(variant.batches, swarm.batches->high);
    EXPECT_GE(variant.batch_duration.ms, swarm.batch_duration_ms->low);
    EXPECT_LE(variant.batch_duration.ms, swarm.batch_duration_ms->high);
    const Duration interval = *variant.pipeline[1].checkpoint_interval;
    EXPECT_EQ(interval.ms % variant.batch_duration.ms, 0) << "Spark rejects other intervals";
    const std::vector<ckpt::Records>& input = *variant.source.held_input();
    ASSERT_EQ(static_cast<int64_t>(input.size()), variant.batches);
    for (const ckpt::Records& batch : input) {
      EXPECT_LE(static_cast<int64_t>(batch.size()), swarm.records_per_batch->high);
      for (const ckpt::Value& record : batch) EXPECT_TRUE(vocabulary.count(record));
    }
    EXPECT_TRUE(variant.expect.empty());
    batch_counts.insert(variant.batches);
    durations.insert(variant.batch_duration.ms);
  }
  EXPECT_GT(batch_counts.size(), 10u);
  EXPECT_GT(durations.size(), 10u);
  EXPECT_EQ(ScenarioVariant(scenario, 0).source, scenario.source);
}

// io_fault_nth adds one EIO on a drawn operation under the checkpoint directory: across the
// variants every operation is drawn, nth stays within the range, and the scenario's own rules stay.
TEST(Swarm, AnIoFaultRangeAddsOneDrawnFaultUnderTheCheckpointDirectory) {
  Scenario scenario = LoadBundled("basic/running_count");
  scenario.swarm = SwarmRanges{};
  scenario.swarm.io_fault_nth = IntRange{2, 9};
  ASSERT_TRUE(ValidateSwarmRange(scenario, "io_fault_nth").ok());
  std::set<std::string> operations;
  for (uint64_t v = 1; v <= kSwarmVariants; ++v) {
    Scenario variant = ScenarioVariant(scenario, v);
    ASSERT_EQ(variant.faults.size(), scenario.faults.size() + 1);
    const FaultRule& rule = variant.faults.back();
    EXPECT_EQ(rule.kind, FaultKind::kEio);
    EXPECT_EQ(rule.path, "/checkpoint*");
    EXPECT_GE(rule.nth, 2);
    EXPECT_LE(rule.nth, 9);
    EXPECT_EQ(rule, ScenarioVariant(scenario, v).faults.back());
    operations.insert(rule.operation);
  }
  EXPECT_EQ(operations.size(), FaultOperations().size());

  scenario.swarm.io_fault_nth = IntRange{0, 9};
  EXPECT_FALSE(ValidateSwarmRange(scenario, "io_fault_nth").ok());
  scenario.swarm.io_fault_nth = IntRange{1, 9};
  scenario.checkpoint_dir = "";
  EXPECT_FALSE(ValidateSwarmRange(scenario, "io_fault_nth").ok());
}

TEST(Swarm, BatchDurationsDivideTheWindowAndSlide) {
  Scenario scenario = LoadBundled("spark/checkpointsuite_invertible_window");
  std::vector<int64_t> candidates = BatchDurationCandidates(scenario);
  EXPECT_EQ(candidates, (std::vector<int64_t>{250, 500}));
}

TEST(Swarm, RandomTrialsDrawVariantsInterleavingsAndUpToTenCrashes) {
  Scenario scenario = LoadBundled("basic/running_count");
  ExploreOptions options;
  options.strategy = Strategy::kRandom;
  options.trials = 400;
  std::vector<TrialSpec> trials = PlanTrials(scenario, 634, options);
  std::set<size_t> crash_counts;
  std::set<uint64_t> variants;
  for (const TrialSpec& spec : trials) {
    crash_counts.insert(spec.crashes.size());
    variants.insert(spec.variant);
    EXPECT_NE(spec.interleaving, 0u);
    EXPECT_EQ(TrialSpec::ParseToken(spec.token()).value(), spec);
  }
  EXPECT_EQ(*crash_counts.begin(), 1u);
  EXPECT_EQ(*crash_counts.rbegin(), static_cast<size_t>(kMaxRandomCrashes));
  EXPECT_FALSE(variants.count(0));
  EXPECT_GT(variants.size(), 100u);
}

TEST(Swarm, AVariantTrialIsJudgedAgainstItsOwnUncrashedRun) {
  // Variant trials of the clean engine pass; with a defect they fail, so the variants' own
  // references are in use (a judge against the declared scenario would fail them all).
  ExploreOptions options;
  options.strategy = Strategy::kRandom;
  options.trials = 150;
  std::vector<Scenario> scenarios = {LoadBundled("basic/running_count")};
  ExploreResult clean = Explore(scenarios, options);
  EXPECT_EQ(clean.failures, 0u);
  options.run.defects.add(ckpt::Defect::kSkipDownTimes);
  ExploreResult broken = Explore(scenarios, options);
  EXPECT_GT(broken.failures, 0u);
  EXPECT_LT(broken.failures, broken.trials);
  ASSERT_FALSE(broken.failing.empty());
  EXPECT_NE(broken.failing.front().token.find("/v"), std::string::npos);
}

TEST(Swarm, OutputsSilentAtTimesTheSlideSkipsAreNotLost) {
  // The first swarm finding: with a 250 ms batch and a 500 ms slide the windowed output has no
  // job at odd batches, and the oracle once called each of them a lost batch.
  Scenario declared = LoadBundled("spark/checkpointsuite_invertible_window");
  TrialSpec spec = TrialSpec::ParseToken("c35+1849,c95+1816,c51+1636/v115/i431387186").value();
  Scenario variant = ScenarioVariant(declared, spec.variant);
  ASSERT_EQ(variant.batch_duration.ms, 250);
  References references(variant, RunOptions{});
  EXPECT_TRUE(references.base().reference.silent.count({"output", 1}));
  EXPECT_FALSE(references.base().reference.silent.count({"output", 2}));
  std::vector<Failure> failures = references.check(RunTrial(variant, spec, RunOptions{}));
  EXPECT_TRUE(failures.empty()) << failures.front().detail;
  // An emission at a silent time is still caught.
  TrialRun run = RunTrial(variant, TrialSpec{}, RunOptions{});
  run.emissions.push_back(Emission{0, "output", ckpt::Time{250}, {}, ckpt::Time{250}});
  failures = references.check(run);
  ASSERT_FALSE(failures.empty());
  EXPECT_EQ(failures.front().kind, FailureKind::kDivergentOutput);
}

// A structured query's variants vary the knobs a user tunes: the trigger and maxOffsetsPerTrigger
// of the query, and the session confs of its first start and its restarts; DStream ranges are
// refused on it, and its ranges on a DStream application.
TEST(Swarm, AStructuredQueryVariesItsTriggerSourceAndSessionKnobs) {
  Scenario scenario = LoadBundled("structured/kafka_aggregation_update");
  const SwarmRanges& swarm = scenario.swarm;
  ASSERT_TRUE(swarm.trigger_ms && swarm.max_offsets_per_trigger && swarm.shuffle_partitions);
  std::set<int64_t> triggers, partitions;
  for (uint64_t v = 1; v <= kSwarmVariants; ++v) {
    Scenario variant = ScenarioVariant(scenario, v);
    ASSERT_TRUE(variant.query.trigger_interval && variant.query.max_offsets_per_trigger);
    int64_t trigger = variant.query.trigger_interval->ms;
    EXPECT_GE(trigger, swarm.trigger_ms->low);
    EXPECT_LE(trigger, swarm.trigger_ms->high);
    EXPECT_LE(*variant.query.max_offsets_per_trigger, swarm.max_offsets_per_trigger->high);
    int64_t retain = std::stoll(variant.conf.at("spark.sql.streaming.minBatchesToRetain"));
    EXPECT_GE(retain, 1);
    EXPECT_LE(retain, 10);
    triggers.insert(trigger);
    partitions.insert(std::stoll(variant.conf.at("spark.sql.shuffle.partitions")));
    EXPECT_EQ(variant.conf, ScenarioVariant(scenario, v).conf);
  }
  EXPECT_GT(triggers.size(), 10u);
  EXPECT_EQ(partitions, (std::set<int64_t>{1, 2, 3, 4}));

  auto refused = [](const std::string& name, const std::string& field) {
    Scenario s = LoadBundled(name);
    s.swarm = SwarmRanges{};
    for (auto [key, range] : SwarmRanges::Fields(s.swarm)) {
      if (key == field) *range = IntRange{1, 2};
    }
    return ValidateSwarmRange(s, field).message();
  };
  EXPECT_NE(refused("structured/kafka_aggregation_update", "batches").find("varies a DStream"),
            std::string::npos);
  EXPECT_NE(refused("structured/kafka_aggregation_update", "compact_interval")
                .find("needs the file sink"),
            std::string::npos);
  EXPECT_NE(refused("basic/running_count", "trigger_ms").find("engine: structured"),
            std::string::npos);
  EXPECT_EQ(refused("structured/kafka_file_sink", "compact_interval"), "");
}

}  // namespace
}  // namespace sim
