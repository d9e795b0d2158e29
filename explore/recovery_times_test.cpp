// Recovery times over an exploration (oracle/results.h, RecoveryTimes): every restart after a
// crash is timed, or counted as never recovered.
#include <gtest/gtest.h>

#include "explore/explorer.h"
#include "testing/bundled_scenario.h"

namespace sim {
namespace {

ExploreResult ExploreOne(const std::string& name, const ExploreOptions& options) {
  return Explore({testing::LoadBundled(name)}, options);
}

// Each trial's restart is timed from its crash to the first batch completed after it: on the
// clean engine every restart recovers within the run; where an injected I/O error fails the
// restart (the driver stops, as Spark's does), those restarts never recover.
TEST(Explorer, RecoveryTimesCountEveryRestartAndThoseThatNeverRecovered) {
  ExploreOptions defaults;
  ExploreResult clean = ExploreOne("basic/running_count", defaults);
  const RecoveryTimes& times = clean.scenarios[0].recovery;
  EXPECT_EQ(times.restarts, clean.trials);
  EXPECT_EQ(times.never, 0u);
  EXPECT_GT(times.max_ms, 0);
  EXPECT_LE(times.max_ms, 2000);  // within a few 500 ms batches
  uint64_t bucketed = 0;
  for (const auto& [bound, count] : times.at_most_ms) bucketed += count;
  EXPECT_EQ(bucketed, clean.trials);

  ExploreResult faulted = ExploreOne("faults/eio_on_checkpoint_read", defaults);
  EXPECT_EQ(faulted.failures, 0u);
  EXPECT_GT(faulted.scenarios[0].recovery.never, 0u);
  EXPECT_LT(faulted.scenarios[0].recovery.never, faulted.trials / 4);
  EXPECT_EQ(faulted.scenarios[0].recovery.restarts, faulted.trials);
}

// A structured query's restart recovers at its first commit: on the foreachBatch scenario every
// crash before the last batch's commit is followed by one (the re-run, or the next batch); a crash
// after it leaves nothing to commit, and that restart counts as never.
TEST(Explorer, AStructuredRestartRecoversAtItsFirstCommit) {
  ExploreResult explored = ExploreOne("structured/kafka_foreach_batch", ExploreOptions{});
  const RecoveryTimes& times = explored.scenarios[0].recovery;
  EXPECT_EQ(times.restarts, explored.trials);
  EXPECT_GT(times.recovered(), explored.trials * 3 / 4);
  EXPECT_GT(times.max_ms, 0);
  EXPECT_LE(times.max_ms, 2000);  // the downtime and a few 200 ms triggers
}

}  // namespace
}  // namespace sim
