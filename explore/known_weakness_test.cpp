// Known weaknesses prove themselves (docs/findings.md): a failure with a known weakness's shape is
// excused (WARN) only when the same trial passes re-run with the weakness's fix, so a new bug of
// the same shape is still a failure.
#include <gtest/gtest.h>

#include <algorithm>

#include "explore/explorer.h"
#include "testing/bundled_scenario.h"

namespace sim {
namespace {

Scenario Load(const std::string& name) { return testing::LoadBundled("basic/" + name); }

// Known weaknesses prove themselves: on the correct engine, each SPARK-19280-family failure of a
// multi-crash sweep passes once re-run with the writer that learns the newest name, and is WARN.
TEST(KnownWeaknesses, TheSpark19280FamilyIsExcusedOnlyWhenItsFixMakesTheTrialPass) {
  ExploreOptions options;
  options.strategy = Strategy::kRandom;
  options.trials = 1000;
  options.seed = 2026;
  ExploreResult result = Explore({Load("running_count")}, options);
  EXPECT_EQ(result.failures, 0u);
  ASSERT_GT(result.known_weaknesses, 0u);
  EXPECT_EQ(result.weakness_reruns, result.known_weaknesses);
  EXPECT_GT(result.weakness_rerun_steps, 0u);
  for (const FailingTrial& f : result.known_weakness_failing) {
    EXPECT_EQ(f.failure.detail.rfind("known weakness (SPARK-19280 family, passes with --fix "
                                     "writer-learns-newest-name",
                                     0),
              0u)
        << f.failure.detail;
  }
}

// A planted bug that makes recovery fail after several crashes the way the SPARK-19280 family
// does (cleanup deleting RDD files the newest checkpoint references) is a failure, not WARN:
// the weakness's fix does not make those trials pass.
TEST(KnownWeaknesses, APlantedBugThatLooksLikeSpark19280IsAFailure) {
  ExploreOptions options;
  options.strategy = Strategy::kRandom;
  options.trials = 3000;
  options.seed = 5;
  options.run.defects.add(ckpt::Defect::kCleanupReferencedRddFiles);
  ExploreResult result = Explore({Load("running_count")}, options);
  EXPECT_EQ(result.known_weaknesses, 0u);
  auto looks_like = std::find_if(result.failing.begin(), result.failing.end(), [](const auto& f) {
    return f.failure.detail.rfind(
               "looks like the known weakness \"SPARK-19280 family\", but it "
               "still fails with --fix writer-learns-newest-name",
               0) == 0;
  });
  ASSERT_NE(looks_like, result.failing.end());
  EXPECT_EQ(looks_like->failure.kind, FailureKind::kRecoveryError);
}

}  // namespace
}  // namespace sim
