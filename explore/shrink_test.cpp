// Shrinking: a many-crash swarm failure shrinks to a tiny trial of the same kind, written as a
// scenario file whose own crash list reproduces it with the defect and passes without.
#include "explore/shrink.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "explore/explorer.h"
#include "testing/bundled_scenario.h"

namespace sim {
namespace {

using testing::LoadBundled;

// Runs `scenario`'s own crash list (what `ckptsim run` does) and returns its failures.
std::vector<Failure> RunOwnCrashes(const Scenario& scenario, const RunOptions& options) {
  ExploreOptions explore;
  explore.strategy = Strategy::kRun;
  explore.run = options;
  TrialSpec spec = PlanTrials(scenario, 0, explore).front();
  References references(scenario, options);
  return references.check(RunTrial(scenario, spec, options));
}

TEST(Shrink, ASwarmFailureShrinksToATinyScenarioThatRunReproduces) {
  Scenario declared = LoadBundled("basic/running_count");
  RunOptions defect;
  defect.defects.add(ckpt::Defect::kSkipPendingTimes);
  TrialSpec failing =
      TrialSpec::ParseToken(
          "c345+933,c73+636,c13+1023,c62+1823,c64+1100,c18+1825,c34+369,c22+1247/v154/i654474434")
          .value();
  ShrinkOutcome outcome = Shrink(declared, failing, FailureKind::kProtocolViolation, defect);
  ASSERT_TRUE(outcome.reproduced);
  EXPECT_EQ(outcome.failure.kind, FailureKind::kProtocolViolation);
  EXPECT_LE(outcome.scenario.batches, 3);
  EXPECT_EQ(outcome.spec.crashes.size(), 1u);
  EXPECT_EQ(outcome.spec.variant, 0u);
  EXPECT_EQ(outcome.spec.interleaving, 0u);

  std::string path = (std::filesystem::temp_directory_path() /
                      ("ckptsim_shrunk_" + std::to_string(::getpid()) + ".yaml"))
                         .string();
  std::string yaml = RegressionScenarioYaml(declared, outcome, "pending", "d", "a note");
  EXPECT_EQ(yaml.rfind("# a note\n", 0), 0u);
  std::ofstream(path) << yaml;
  ckpt::Result<Scenario> written = LoadScenario(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(written.ok()) << written.status().to_string() << "\n" << yaml;
  EXPECT_EQ(written.value().batches, outcome.scenario.batches);
  EXPECT_EQ(written.value().source, outcome.scenario.source);
  EXPECT_TRUE(written.value().swarm.empty());
  std::vector<Failure> with_defect = RunOwnCrashes(written.value(), defect);
  ASSERT_FALSE(with_defect.empty());
  EXPECT_EQ(with_defect.front().kind, FailureKind::kProtocolViolation);
  EXPECT_TRUE(RunOwnCrashes(written.value(), RunOptions{}).empty());
}

TEST(Shrink, FaultRulesThatDoNotMatterAreDroppedAndNumericStringsStayStrings) {
  Scenario declared = LoadBundled("faults/eio_on_rename");
  RunOptions defect;
  defect.defects.add(ckpt::Defect::kNoRetryAfterIoError);
  ExploreOptions options;
  options.run = defect;
  ExploreResult found = Explore({declared}, options);
  ASSERT_FALSE(found.failing.empty());
  const FailingTrial& first = found.failing.front();
  ShrinkOutcome outcome =
      Shrink(declared, TrialSpec::ParseToken(first.token).value(), first.failure.kind, defect);
  ASSERT_TRUE(outcome.reproduced);
  EXPECT_LE(outcome.scenario.faults.size(), declared.faults.size());
  EXPECT_LE(outcome.scenario.batches, declared.batches);

  Scenario numeric = outcome.scenario;
  numeric.source.of = SequenceInput{{{ckpt::Value::String("12"), ckpt::Value::Int(12)}}};
  ShrinkOutcome renamed = outcome;
  renamed.scenario = numeric;
  std::string yaml = RegressionScenarioYaml(declared, renamed, "n", "d", "");
  std::string path = (std::filesystem::temp_directory_path() /
                      ("ckptsim_numeric_" + std::to_string(::getpid()) + ".yaml"))
                         .string();
  std::ofstream(path) << yaml;
  ckpt::Result<Scenario> written = LoadScenario(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(written.ok()) << written.status().to_string();
  EXPECT_EQ(written.value().source, numeric.source) << yaml;
}

TEST(Shrink, APassingTrialIsNotReproduced) {
  ShrinkOutcome outcome =
      Shrink(LoadBundled("basic/running_count"), TrialSpec::ParseToken("c40+0").value(),
             FailureKind::kLostBatch, RunOptions{});
  EXPECT_FALSE(outcome.reproduced);
  EXPECT_EQ(outcome.attempts, 1u);
}

}  // namespace
}  // namespace sim
