// The situations bugs hide in (scenarios/situations): a restarted driver whose clock is off the
// crashed one's, and a checkpoint directory named like a checkpoint file with stray entries. Each
// test shows the correct engine passing there and a reverted Spark fix failing there.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "explore/explorer.h"
#include "explore/references.h"
#include "scenario/swarm.h"
#include "testing/bundled_scenario.h"

namespace sim {
namespace {

using ckpt::Time;

std::vector<Failure> Judge(const Scenario& scenario, const std::string& token,
                           const RunOptions& options, TrialRun* out = nullptr) {
  TrialRun run = RunTrial(scenario, TrialSpec::ParseToken(token).value(), options);
  std::vector<Failure> failures = References(scenario, options).check(run);
  if (out) *out = std::move(run);
  return failures;
}

// c13+0 crashes batch 500 after its job emitted, before JobCompleted: the restarted driver's
// clock reads 200 ms, so its restart time is the checkpoint's time (500) and the timer, not
// restart, runs batch 500 again.
TEST(Situations, ARestartedClockBehindReRunsTheCheckpointTimeBatchFromTheTimer) {
  Scenario scenario = testing::LoadBundled("situations/restarted_clock_behind");
  TrialRun run;
  EXPECT_TRUE(Judge(scenario, "c13+0", RunOptions{}, &run).empty());
  ASSERT_EQ(run.incarnations.size(), 2u);
  const IncarnationRecord& restarted = run.incarnations[1];
  EXPECT_EQ(restarted.clock_offset.ms, -400);
  ASSERT_TRUE(restarted.recovered);
  EXPECT_EQ(restarted.checkpoint_time, Time{500});
  EXPECT_EQ(restarted.restart_time, Time{500});
  EXPECT_TRUE(restarted.rescheduled.empty());
  EXPECT_EQ(std::count_if(run.emissions.begin(), run.emissions.end(),
                          [](const Emission& e) { return e.batch_time == Time{500}; }),
            2);
  // SPARK-12122 reverted: restart reschedules the pending 500 too, and it runs twice.
  RunOptions defect;
  defect.defects.add(ckpt::Defect::kReschedulePastRestart);
  std::vector<Failure> failures = Judge(scenario, "c13+0", defect);
  ASSERT_FALSE(failures.empty());
  EXPECT_EQ(failures.front().rule, "restart.reschedule_set") << failures.front().detail;
}

TEST(Situations, NoProcessClockReadsBeforeTimeZero) {
  Scenario scenario = testing::LoadBundled("situations/restarted_clock_behind");
  TrialRun run;
  EXPECT_TRUE(Judge(scenario, "c1+0", RunOptions{}, &run).empty());
  ASSERT_EQ(run.incarnations.size(), 2u);
  EXPECT_EQ(run.incarnations[1].clock_offset.ms, 0);  // started at 0: not 400 ms before it
}

TEST(Situations, RandomExplorationDrawsTheClockOffsetFromItsRange) {
  Scenario scenario = testing::LoadBundled("situations/restarted_clock_behind");
  std::set<int64_t> offsets;
  for (uint64_t variant = 1; variant <= 64; ++variant) {
    int64_t offset = ScenarioVariant(scenario, variant).restart_clock_offset.ms;
    EXPECT_GE(offset, -1300);
    EXPECT_LE(offset, 1300);
    offsets.insert(offset);
  }
  EXPECT_GT(offsets.size(), 32u);
  EXPECT_TRUE(*offsets.begin() < 0 && *offsets.rbegin() > 0);
  ExploreOptions options;
  options.strategy = Strategy::kRandom;
  options.trials = 300;
  options.seed = 7;
  EXPECT_EQ(Explore({scenario}, options).failures, 0u);
}

TEST(Situations, ACheckpointDirectoryNamedLikeACheckpointFileKeepsItsStrayEntriesOut) {
  Scenario scenario = testing::LoadBundled("situations/checkpoint_dir_named_like_a_checkpoint");
  ExploreOptions options;  // a named object: GCC's ASan build warns on the temporary's map
  ExploreResult result = Explore({scenario}, options);
  EXPECT_GT(result.trials, 100u);
  EXPECT_EQ(result.failures, 0u);
  // SPARK-28912 reverted: every file of the directory passes the regex on its path.
  RunOptions defect;
  defect.defects.add(ckpt::Defect::kMatchCheckpointPath);
  std::vector<Failure> failures = Judge(scenario, "ref", defect);
  ASSERT_FALSE(failures.empty());
  EXPECT_NE(failures.front().detail.find("scala.MatchError"), std::string::npos)
      << failures.front().detail;
}

// Residual SPARK-28912: a near-miss name fails every getOrCreate, the first included, and that is
// the scenario's contracted outcome.
TEST(Situations, ANearMissNameFailsEveryStartWithAMatchError) {
  Scenario scenario = testing::LoadBundled("situations/checkpoint_dir_with_near_miss_name");
  TrialRun run;
  std::vector<Failure> failures = Judge(scenario, "ref", RunOptions{}, &run);
  ASSERT_EQ(run.incarnations.size(), 1u);
  EXPECT_NE(run.incarnations[0].start_error.find("scala.MatchError: old-checkpoint-1"),
            std::string::npos)
      << run.incarnations[0].start_error;
  EXPECT_TRUE(failures.empty());
  scenario.expect_error.clear();
  EXPECT_FALSE(Judge(scenario, "ref", RunOptions{}).empty());
}

}  // namespace
}  // namespace sim
