// The checkpoint-interval study on short horizons: the formulas it compares with, what it
// measures (checkpointing too often or too rarely costs throughput, and a crash loses the work
// since the last checkpoint), determinism, and the scenarios it refuses.
#include "explore/interval_study.h"

#include <gtest/gtest.h>

#include "testing/bundled_scenario.h"

namespace sim {
namespace {

TEST(IntervalStudy, YoungAndDalyOptima) {
  EXPECT_NEAR(YoungOptimum(5, 600), 77.46, 0.01);
  // sqrt(2CM) (1 + sqrt(C/2M)/3 + (C/2M)/9) - C
  EXPECT_NEAR(DalyOptimum(5, 600), 77.4597 * (1 + 0.0645497 / 3 + 0.0041667 / 9) - 5, 0.001);
  EXPECT_EQ(DalyOptimum(300, 100), 100);  // C >= 2M: Daly's optimum is M
}

IntervalStudyOptions ShortStudy() {
  IntervalStudyOptions options;
  options.mtbf = Duration{100'000};
  options.checkpoint_cost = Duration{2'000};
  options.restart = Duration{2'000};
  options.seeds = 2;
  return options;  // Young: sqrt(2 x 2 x 100) = 20 s, 4 batches of 5 s
}

TEST(IntervalStudy, TooFrequentAndTooRareCheckpointsBothCostThroughput) {
  IntervalStudyOptions options = ShortStudy();
  options.interval_batches = {1, 4, 40};
  ckpt::Result<IntervalStudy> study =
      StudyInterval(testing::LoadBundled("study/checkpoint_interval"), options);
  ASSERT_TRUE(study.ok()) << study.status().to_string();
  const std::vector<IntervalPoint>& p = study.value().points;
  ASSERT_EQ(p.size(), 3u);
  EXPECT_NEAR(study.value().batch_work_s, 5.0, 0.01);
  EXPECT_GT(p[1].efficiency, p[0].efficiency + 0.05);  // every batch pays C = 2 s of 5 s
  EXPECT_GT(p[1].efficiency, p[2].efficiency + 0.02);  // a crash loses 100 s of work on average
  EXPECT_LT(p[0].efficiency, 0.8);
  // Recovery recomputes the state since the last RDD checkpoint: longer with rarer checkpoints.
  EXPECT_GT(p[2].recovery_s, p[0].recovery_s + 20);
  EXPECT_GT(p[0].failures, 0);
}

TEST(IntervalStudy, TheSameSeedGivesTheSameStudyWhateverTheThreads) {
  IntervalStudyOptions options = ShortStudy();
  options.interval_batches = {2, 8};
  Scenario scenario = testing::LoadBundled("study/checkpoint_interval");
  IntervalStudy one = StudyInterval(scenario, options).value();
  options.jobs = 2;
  IntervalStudy two = StudyInterval(scenario, options).value();
  ASSERT_EQ(one.points.size(), two.points.size());
  for (size_t i = 0; i < one.points.size(); ++i) {
    EXPECT_EQ(one.points[i].efficiency, two.points[i].efficiency);
    EXPECT_EQ(one.points[i].recovery_s, two.points[i].recovery_s);
  }
  options.seed = 2;
  IntervalStudy other = StudyInterval(scenario, options).value();
  EXPECT_NE(one.points[0].efficiency, other.points[0].efficiency);
}

TEST(IntervalStudy, TheDefaultGridBracketsYoungAndFitsAMinimum) {
  ckpt::Result<IntervalStudy> study =
      StudyInterval(testing::LoadBundled("study/checkpoint_interval"), ShortStudy());
  ASSERT_TRUE(study.ok()) << study.status().to_string();
  const IntervalStudy& s = study.value();
  EXPECT_LT(s.points.front().interval_s, s.young_s);
  EXPECT_GT(s.points.back().interval_s, s.young_s);
  ASSERT_TRUE(s.fitted_optimum_s.has_value());
  EXPECT_GT(*s.fitted_optimum_s, s.points.front().interval_s);
  EXPECT_LT(*s.fitted_optimum_s, s.points.back().interval_s);
}

TEST(IntervalStudy, SaysWhenTheJobIdlesAndHidesCheckpointCosts) {
  IntervalStudyOptions options = ShortStudy();
  options.interval_batches = {4};
  options.seeds = 1;
  Scenario scenario = testing::LoadBundled("study/checkpoint_interval");
  EXPECT_TRUE(StudyInterval(scenario, options).value().saturated);
  scenario.processing.per_computed_record_us = 50'000;  // 2 s of work per 5 s batch
  IntervalStudy idle = StudyInterval(scenario, options).value();
  EXPECT_FALSE(idle.saturated);
  EXPECT_NEAR(idle.batch_work_s, 2.0, 0.01);
}

TEST(IntervalStudy, RefusesWhatItCannotStudy) {
  ckpt::Result<IntervalStudy> stateless =
      StudyInterval(testing::LoadBundled("basic/running_count"), ShortStudy());
  ASSERT_FALSE(stateless.ok());
  EXPECT_NE(stateless.status().message().find("the source must be a log"), std::string::npos)
      << stateless.status().message();
  IntervalStudyOptions zero_interval = ShortStudy();
  zero_interval.interval_batches = {0};
  EXPECT_EQ(StudyInterval(testing::LoadBundled("study/checkpoint_interval"), zero_interval)
                .status()
                .code(),
            ckpt::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sim
