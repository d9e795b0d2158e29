// Trials, the oracle and the explorer: the oracle flags each kind of broken output, the clean
// engine survives every crash point of the bundled scenarios, each injected defect is found, a
// replay token reproduces its failure, and reruns give identical trace digests.
#include "explore/explorer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>

#include "oracle/divergence.h"
#include "oracle/oracle.h"
#include "sim/trial.h"
#include "testing/bundled_scenario.h"

namespace sim {
namespace {

using ckpt::Time;

// `name` is a file of scenarios/basic, or "folder/name" below scenarios/.
Scenario Load(const std::string& name) {
  return testing::LoadBundled(name.find('/') == std::string::npos ? "basic/" + name : name);
}

class OracleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scenario_ = Load("wordcount");
    clean_ = RunTrial(scenario_, TrialSpec{}, RunOptions{});
    ReferenceOutcome outcome = BuildReference(scenario_, clean_);
    ASSERT_TRUE(outcome.failures.empty()) << outcome.failures.front().detail;
    reference_ = outcome.reference;
  }
  FailureKind FirstKind(const TrialRun& run) {
    std::vector<Failure> failures = CheckTrial(scenario_, reference_, run);
    EXPECT_FALSE(failures.empty());
    return failures.empty() ? FailureKind::kEngineAssert : failures.front().kind;
  }
  Scenario scenario_;
  TrialRun clean_;
  Reference reference_;
};

TEST_F(OracleTest, CleanRunPasses) {
  EXPECT_TRUE(CheckTrial(scenario_, reference_, clean_).empty());
  EXPECT_EQ(clean_.emissions.size(), static_cast<size_t>(scenario_.batches));
}

TEST_F(OracleTest, MissingBatchIsLost) {
  TrialRun run = clean_;
  run.emissions.erase(run.emissions.begin() + 3);
  EXPECT_EQ(FirstKind(run), FailureKind::kLostBatch);
  EXPECT_EQ(CheckTrial(scenario_, reference_, run).front().batch_time, Time{2000});
}

TEST_F(OracleTest, ChangedRecordsDiverge) {
  TrialRun run = clean_;
  run.emissions[0].records.push_back(ckpt::Value::String("extra"));
  EXPECT_EQ(FirstKind(run), FailureKind::kDivergentOutput);
}

TEST_F(OracleTest, SameIncarnationEmittingTwiceIsAnUnexpectedDuplicate) {
  TrialRun run = clean_;
  run.emissions.push_back(run.emissions[5]);
  EXPECT_EQ(FirstKind(run), FailureKind::kUnexpectedDuplicate);
}

TEST_F(OracleTest, UnfinishedRunMakesNoProgressAndEngineErrorsAreRecoveryErrors) {
  TrialRun run = clean_;
  run.quiesced = false;
  EXPECT_EQ(FirstKind(run), FailureKind::kNoProgress);
  run.incarnations[0].errors.push_back(ckpt::Status::IoError("job failed"));
  EXPECT_EQ(FirstKind(run), FailureKind::kRecoveryError);
  run.engine_assert = "x.cpp:1: broken";
  EXPECT_EQ(FirstKind(run), FailureKind::kEngineAssert);
}

TEST_F(OracleTest, ReferenceIsCheckedAgainstTheScenarioExpectations) {
  Scenario expecting = scenario_;
  expecting.expect["counts"].assign(scenario_.batches, ckpt::Records{});
  ReferenceOutcome outcome = BuildReference(expecting, clean_);
  ASSERT_FALSE(outcome.failures.empty());
  EXPECT_EQ(outcome.failures.front().kind, FailureKind::kExpectationMismatch);
  // Replay shows the expectation against what was emitted, not the uncrashed run twice.
  Divergence divergence =
      ExplainDivergence(expecting, outcome.reference, clean_, outcome.failures.front());
  ASSERT_FALSE(divergence.outputs.empty());
  EXPECT_EQ(divergence.outputs.front().rfind("counts: the scenario expects [], the uncrashed run "
                                             "emitted [",
                                             0),
            0u)
      << divergence.outputs.front();
}

TEST(LegitimateReruns, FollowsSparksRescheduleRule) {
  auto times = [](std::vector<Time> v) {
    std::vector<int64_t> ms;
    for (Time t : v) ms.push_back(t.ms);
    return ms;
  };
  ckpt::Duration batch{500};
  EXPECT_EQ(times(LegitimateReruns(Time{1500}, {}, Time{0}, batch, Time{1500})),
            (std::vector<int64_t>{1500}));
  EXPECT_EQ(times(LegitimateReruns(Time{1500}, {}, Time{0}, batch, Time{2000})),
            (std::vector<int64_t>{1500, 2000}));
  EXPECT_EQ(times(LegitimateReruns(Time{2000}, {Time{1000}, Time{1500}, Time{2000}}, Time{0}, batch,
                                   Time{2000})),
            (std::vector<int64_t>{1000, 1500, 2000}));
}

TEST(Trial, TokensRoundTrip) {
  TrialSpec spec{{CrashSpec{CrashBeforeStep{12}, ckpt::Duration{0}},
                  CrashSpec{CrashBeforeStep{7}, ckpt::Duration{1500}}}};
  EXPECT_EQ(spec.token(), "c12+0,c7+1500");
  EXPECT_EQ(TrialSpec::ParseToken(spec.token()).value(), spec);
  EXPECT_TRUE(TrialSpec::ParseToken("ref").value().crashes.empty());
  EXPECT_FALSE(TrialSpec::ParseToken("c12").ok());
  EXPECT_FALSE(TrialSpec::ParseToken("c1+2,").ok());
  EXPECT_FALSE(TrialSpec::ParseToken("x").ok());
}

TEST(Trial, RerunsGiveIdenticalDigestsAndDifferentTrialsDiffer) {
  Scenario scenario = Load("running_count");
  for (const char* token : {"ref", "c142+0", "c300+700,c25+0", "c55+200,c80+0,c3+1000"}) {
    TrialSpec spec = TrialSpec::ParseToken(token).value();
    TrialRun first = RunTrial(scenario, spec, RunOptions{});
    TrialRun second = RunTrial(scenario, spec, RunOptions{});
    EXPECT_EQ(first.digest, second.digest) << token;
    EXPECT_EQ(first.total_steps, second.total_steps) << token;
  }
  EXPECT_NE(RunTrial(scenario, TrialSpec::ParseToken("c142+0").value(), RunOptions{}).digest,
            RunTrial(scenario, TrialSpec::ParseToken("c143+0").value(), RunOptions{}).digest);
}

TEST(Trial, CrashDuringRecoveryIsHandled) {
  Scenario scenario = Load("running_count");
  // Crash at step 150 of the first run, then at step 2 of the recovery (while it sets up its
  // checkpoint directories), then let the third incarnation finish.
  TrialRun run = RunTrial(scenario, TrialSpec::ParseToken("c150+0,c2+0").value(), RunOptions{});
  ASSERT_EQ(run.incarnations.size(), 3u);
  EXPECT_TRUE(run.incarnations[2].recovered);
  TrialRun reference = RunTrial(scenario, TrialSpec{}, RunOptions{});
  EXPECT_TRUE(CheckTrial(scenario, BuildReference(scenario, reference).reference, run).empty());
}

ExploreResult ExploreOne(const std::string& name, const ExploreOptions& options) {
  return Explore({Load(name)}, options);
}

TEST(Explorer, ExhaustiveOnTheCleanEngineFindsNothing) {
  ExploreOptions defaults;
  for (const char* name : {"running_count", "wordcount"}) {
    ExploreResult result = ExploreOne(name, defaults);
    EXPECT_GE(result.crash_points, 200u) << name;
    EXPECT_EQ(result.trials, result.crash_points) << name;
    EXPECT_EQ(result.failures, 0u)
        << name << ": " << (result.failing.empty() ? "" : result.failing.front().failure.detail);
  }
}

struct DefectCase {
  const char* defect;
  const char* scenario;
  FailureKind expected_kind;
};

class DefectTest : public ::testing::TestWithParam<DefectCase> {};

TEST_P(DefectTest, ExhaustiveFindsItAndTheTokenReplaysTheSameKind) {
  ExploreOptions options;
  options.run.defects.add(ckpt::ParseDefect(GetParam().defect).value());
  Scenario scenario = Load(GetParam().scenario);
  ExploreResult result = Explore({scenario}, options);
  ASSERT_GT(result.failures, 0u);
  const FailingTrial& first = result.failing.front();
  EXPECT_EQ(first.failure.kind, GetParam().expected_kind) << first.failure.detail;
  // As `ckptsim replay` does it; "ref" (the uncrashed run itself breaks the contract) included.
  References references(scenario, options.run);
  TrialRun replayed = RunTrial(scenario, TrialSpec::ParseToken(first.token).value(), options.run);
  std::vector<Failure> failures = references.check(replayed);
  ASSERT_FALSE(failures.empty());
  EXPECT_EQ(failures.front().kind, first.failure.kind);
  EXPECT_EQ(failures.front().detail, first.failure.detail);
}

INSTANTIATE_TEST_SUITE_P(
    Catalogue, DefectTest,
    ::testing::Values(
        DefectCase{"skip-pending-times", "running_count", FailureKind::kProtocolViolation},
        DefectCase{"skip-down-times", "wordcount", FailureKind::kProtocolViolation},
        DefectCase{"cleanup-referenced-rdd-files", "running_count",
                   FailureKind::kProtocolViolation},
        DefectCase{"name-by-content-time", "spark/checkpointsuite_two_checkpoints_race",
                   FailureKind::kProtocolViolation},
        DefectCase{"drop-failed-jobset", "spark/failed_job_recovery", FailureKind::kLostBatch},
        DefectCase{"restore-per-output", "spark/checkpointsuite_restore_invoking_times",
                   FailureKind::kProtocolViolation},
        DefectCase{"fail-existing-output", "spark/checkpointsuite_save_as_text_files",
                   FailureKind::kRecoveryError},
        DefectCase{"nearest-marked-only", "spark/checkpointsuite_spark_6847",
                   FailureKind::kRecoveryError},
        DefectCase{"no-retry-after-io-error", "faults/eio_on_rename",
                   FailureKind::kProtocolViolation},
        DefectCase{"offsets-not-checkpointed", "spark/directkafkastreamsuite_offset_recovery",
                   FailureKind::kLostRecords},
        DefectCase{"conf-copied-wholesale", "spark/checkpointsuite_recovery_of_conf",
                   FailureKind::kProtocolViolation},
        DefectCase{"checkpoint-in-place", "running_count", FailureKind::kProtocolViolation},
        DefectCase{"reader-no-fallback", "faults/torn_newest_checkpoint",
                   FailureKind::kRecoveryError},
        DefectCase{"rename-before-sync", "faults/posix_with_sync", FailureKind::kRecoveryError},
        DefectCase{"wal-clear-queue-on-replay", "receiver/reliable_receiver_with_wal",
                   FailureKind::kLostRecords},
        DefectCase{"dequeue-before-wal-write", "receiver/driver_wal_eio_on_allocation",
                   FailureKind::kLostRecords},
        DefectCase{"spark-12122-reschedule-past-restart", "situations/restarted_clock_behind",
                   FailureKind::kProtocolViolation},
        DefectCase{"spark-30199-keep-checkpointed-ports", "situations/recovered_conf_on_yarn",
                   FailureKind::kProtocolViolation},
        DefectCase{"spark-10311-stale-yarn-app-id", "situations/recovered_conf_on_yarn",
                   FailureKind::kProtocolViolation},
        DefectCase{"spark-22294-stale-bind-address", "situations/recovered_conf_on_yarn",
                   FailureKind::kProtocolViolation},
        DefectCase{"spark-23200-stale-pod-names", "situations/recovered_conf_on_kubernetes",
                   FailureKind::kProtocolViolation},
        DefectCase{"spark-28912-match-checkpoint-path",
                   "situations/checkpoint_dir_named_like_a_checkpoint",
                   FailureKind::kRecoveryError},
        DefectCase{"spark-6222-clear-on-every-checkpoint", "faults/slow_checkpoint_store",
                   FailureKind::kProtocolViolation},
        DefectCase{"off-grid-batch-never-processed", "situations/graceful_stop",
                   FailureKind::kNoProgress}),
    [](const auto& info) {
      std::string name = info.param.defect;
      std::erase(name, '-');
      return name;
    });

TEST(Explorer, RandomExplorationIsDeterministicPerSeed) {
  ExploreOptions options;
  options.strategy = Strategy::kRandom;
  options.trials = 200;
  options.seed = 7;
  options.run.defects.add(ckpt::Defect::kSkipPendingTimes);
  ExploreResult a = ExploreOne("running_count", options);
  ExploreResult b = ExploreOne("running_count", options);
  ASSERT_EQ(a.failing.size(), b.failing.size());
  EXPECT_GT(a.failures, 0u);
  for (size_t i = 0; i < a.failing.size(); ++i) EXPECT_EQ(a.failing[i].token, b.failing[i].token);
  EXPECT_EQ(a.scenarios[0].digest, b.scenarios[0].digest);
  options.seed = 8;
  EXPECT_NE(ExploreOne("running_count", options).scenarios[0].digest, a.scenarios[0].digest);
}

}  // namespace
}  // namespace sim

namespace sim {
namespace {

// The documented consequences of the bundled fault scenarios, read from the trace.
std::vector<std::string> TraceOf(const std::string& name) {
  RunOptions options;
  options.record_trace = true;
  return RunTrial(Load(name), TrialSpec{}, options).trace;
}

bool AnyLine(const std::vector<std::string>& trace,
             const std::function<bool(const std::string&)>& p) {
  return std::any_of(trace.begin(), trace.end(), p);
}

TEST(FaultScenarios, ASlowStoreNamesAFileAfterANewerTimeThanItsContent) {
  std::vector<std::string> trace = TraceOf("faults/slow_checkpoint_store");
  EXPECT_TRUE(AnyLine(trace, [](const std::string& line) {
    long long named = 0, content = 0;
    size_t at = line.find("wrote /checkpoint/checkpoint-");
    return at != std::string::npos &&
           std::sscanf(line.c_str() + at, "wrote /checkpoint/checkpoint-%lld (content time %lld",
                       &named, &content) == 2 &&
           named > content;
  }));
}

TEST(FaultScenarios, ThreeWriteErrorsSkipOneCheckpointAfterThreeAttempts) {
  std::vector<std::string> trace = TraceOf("faults/eio_on_write");
  EXPECT_TRUE(AnyLine(trace, [](const std::string& line) {
    return line.find("gave up the checkpoint of") != std::string::npos &&
           line.find("after 3 attempt(s)") != std::string::npos;
  }));
  EXPECT_TRUE(AnyLine(trace, [](const std::string& line) {
    return line.find("Could not write checkpoint for time") != std::string::npos;
  }));
}

TEST(FaultScenarios, TwoRenameErrorsAreRetriedAndTheCheckpointIsWritten) {
  std::vector<std::string> trace = TraceOf("faults/eio_on_rename");
  EXPECT_TRUE(AnyLine(trace, [](const std::string& line) {
    return line.find("Error in attempt 2 of writing checkpoint") != std::string::npos;
  }));
  EXPECT_FALSE(AnyLine(
      trace, [](const std::string& line) { return line.find("gave up") != std::string::npos; }));
}

}  // namespace
}  // namespace sim

namespace sim {
namespace {

// The log source's contract, "exactly once over the union of batches": a crashed run whose
// down-time batches read other records than the uninterrupted run's still passes, and the
// oracle catches a gap, an overlap and an output that does not follow from what was read.
class LogOracleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scenario_ = Load("partitioned_log");
    references_ = std::make_unique<References>(scenario_, RunOptions{});
    ASSERT_TRUE(references_->base().failures.empty());
    crashed_ = RunTrial(scenario_, TrialSpec{scenario_.crashes}, RunOptions{});
  }
  FailureKind FirstKind(const TrialRun& run) {
    std::vector<Failure> failures = references_->check(run);
    EXPECT_FALSE(failures.empty());
    return failures.empty() ? FailureKind::kEngineAssert : failures.front().kind;
  }
  // The index in crashed_.input_batches of the first batch incarnation 1 computed with records.
  size_t FirstRecoveredBatch() const {
    for (size_t i = 0; i < crashed_.input_batches.size(); ++i) {
      const InputBatch& batch = crashed_.input_batches[i];
      if (batch.incarnation == 1 && !batch.restored && !batch.records.empty()) return i;
    }
    ADD_FAILURE() << "incarnation 1 computed no batch";
    return 0;
  }
  Scenario scenario_;
  std::unique_ptr<References> references_;
  TrialRun crashed_;
};

TEST_F(LogOracleTest, DownTimeBatchesReadOtherRecordsAndStillPass) {
  EXPECT_TRUE(references_->check(crashed_).empty());
  // The rate-limited catch-up after 700 ms of downtime changes what some batches summed.
  const Reference& base = references_->base().reference;
  bool differs = false;
  for (const Emission& e : crashed_.emissions) {
    int64_t index = e.batch_time.ms / scenario_.batch_duration.ms;
    if (e.output == "batch_sums" && base.outputs.at("batch_sums")[index - 1] != e.records) {
      differs = true;
    }
  }
  EXPECT_TRUE(differs);
}

TEST_F(LogOracleTest, AGapIsLostRecords) {
  TrialRun run = crashed_;
  run.input_batches[FirstRecoveredBatch()].ranges[0].from += 1;
  EXPECT_EQ(FirstKind(run), FailureKind::kLostRecords);
}

TEST_F(LogOracleTest, AnOverlapIsADuplicate) {
  TrialRun run = crashed_;
  ckpt::OffsetRange& range = run.input_batches[FirstRecoveredBatch()].ranges[0];
  ASSERT_GT(range.from, 0);
  range.from -= 1;
  EXPECT_EQ(FirstKind(run), FailureKind::kUnexpectedDuplicate);
}

TEST_F(LogOracleTest, AnOutputThatDoesNotFollowFromTheRecordsReadDiverges) {
  TrialRun run = crashed_;
  auto last = std::find_if(run.emissions.rbegin(), run.emissions.rend(),
                           [](const Emission& e) { return e.output == "totals"; });
  ASSERT_NE(last, run.emissions.rend());
  last->records = {ckpt::Value::Pair(ckpt::Value::String("total"), ckpt::Value::Int(1))};
  EXPECT_EQ(FirstKind(run), FailureKind::kDivergentOutput);
}

TEST(LogScenarios, TheRecoveredRunCountsEveryRecordOnce) {
  Scenario scenario = Load("spark/directkafkastreamsuite_offset_recovery");
  TrialRun run = RunTrial(scenario, TrialSpec{scenario.crashes}, RunOptions{});
  ASSERT_FALSE(run.emissions.empty());
  EXPECT_EQ(ckpt::RecordsToString(run.emissions.back().records), "[(key,210)]");
  ASSERT_EQ(run.incarnations.size(), 2u);
  EXPECT_TRUE(run.incarnations[1].recovered);
  // The first down-time batch continues at the checkpointed offset 10.
  auto first_recovered =
      std::find_if(run.input_batches.begin(), run.input_batches.end(),
                   [](const InputBatch& b) { return b.incarnation == 1 && !b.restored; });
  ASSERT_NE(first_recovered, run.input_batches.end());
  EXPECT_EQ(first_recovered->ranges[0].from, 10);
}

}  // namespace
}  // namespace sim

namespace sim {
namespace {

// Threads and shards change how trials are scheduled, never what the exploration reports.
void ExpectSameResult(const ExploreResult& a, const ExploreResult& b) {
  ASSERT_EQ(a.scenarios.size(), b.scenarios.size());
  EXPECT_EQ(a.trials, b.trials);
  EXPECT_EQ(a.failures, b.failures);
  for (size_t i = 0; i < a.scenarios.size(); ++i) {
    EXPECT_EQ(a.scenarios[i].digest, b.scenarios[i].digest);
    EXPECT_EQ(a.scenarios[i].crash_states_explored, b.scenarios[i].crash_states_explored);
    EXPECT_EQ(a.scenarios[i].recovery.restarts, b.scenarios[i].recovery.restarts);
    EXPECT_EQ(a.scenarios[i].recovery.never, b.scenarios[i].recovery.never);
    EXPECT_EQ(a.scenarios[i].recovery.max_ms, b.scenarios[i].recovery.max_ms);
    EXPECT_EQ(a.scenarios[i].recovery.at_most_ms, b.scenarios[i].recovery.at_most_ms);
    ASSERT_EQ(a.scenarios[i].levels.size(), b.scenarios[i].levels.size());
    for (size_t d = 0; d < a.scenarios[i].levels.size(); ++d) {
      EXPECT_EQ(a.scenarios[i].levels[d].planned, b.scenarios[i].levels[d].planned);
      EXPECT_EQ(a.scenarios[i].levels[d].explored, b.scenarios[i].levels[d].explored);
    }
  }
  ASSERT_EQ(a.failing.size(), b.failing.size());
  for (size_t i = 0; i < a.failing.size(); ++i) {
    EXPECT_EQ(a.failing[i].token, b.failing[i].token);
    EXPECT_EQ(a.failing[i].failure.detail, b.failing[i].failure.detail);
  }
}

void ExpectJobsAndShardsAgree(const std::vector<Scenario>& scenarios, ExploreOptions options) {
  ExploreResult whole = Explore(scenarios, options);
  EXPECT_GT(whole.failures, 0u);
  options.jobs = 2;
  ExpectSameResult(whole, Explore(scenarios, options));
  std::vector<ExploreResult> shards;
  options.shard_count = 3;
  for (uint64_t i = 0; i < 3; ++i) {
    options.shard_index = i;
    shards.push_back(Explore(scenarios, options));
  }
  ckpt::Result<ExploreResult> merged = MergeResults(shards);
  ASSERT_TRUE(merged.ok()) << merged.status().to_string();
  ExpectSameResult(whole, merged.value());
}

TEST(ParallelExploration, DepthTwoWithThreadsAndShardsEqualsOneThread) {
  ExploreOptions options;
  options.depth = 2;
  options.run.defects.add(ckpt::Defect::kSkipDownTimes);
  ExpectJobsAndShardsAgree({Load("spark/checkpointsuite_map_reducebykey")}, options);
}

TEST(ParallelExploration, RandomWithThreadsAndShardsEqualsOneThread) {
  ExploreOptions options;
  options.strategy = Strategy::kRandom;
  options.trials = 150;
  options.run.defects.add(ckpt::Defect::kSkipPendingTimes);
  ExpectJobsAndShardsAgree({Load("running_count"), Load("faults/posix_without_sync")}, options);
}

TEST(ParallelExploration, MergeRejectsPartsOfOtherRuns) {
  ExploreOptions options;
  options.shard_count = 2;
  std::vector<Scenario> scenarios = {Load("wordcount")};
  ExploreResult part = Explore(scenarios, options);
  EXPECT_EQ(MergeResults({part}).status().message(), "shard 1/2 is missing");
  EXPECT_EQ(MergeResults({part, part}).status().message(),
            "shard 0/2 is given twice or is out of range");
  options.shard_index = 1;
  options.seed = 2;
  EXPECT_NE(MergeResults({part, Explore(scenarios, options)}).status().message().find("not shards"),
            std::string::npos);
}

TEST(DepthAndBudget, DepthTwoCrashesAgainDuringRecoveryAndTheBudgetSaysWhatIsLeft) {
  ExploreOptions options;
  options.depth = 2;
  options.max_trials = 300;
  ExploreResult result = ExploreOne("spark/checkpointsuite_map_reducebykey", options);
  const ScenarioSummary& s = result.scenarios[0];
  ASSERT_EQ(s.levels.size(), 2u);
  EXPECT_EQ(s.levels[0].explored, s.levels[0].planned);
  EXPECT_GT(s.levels[1].planned, s.levels[1].explored);
  EXPECT_EQ(s.trials, 300u);
  EXPECT_EQ(s.levels[0].explored + s.levels[1].explored, 300u);
  EXPECT_EQ(result.failures, 0u);
}

TEST(DepthAndBudget, DepthTwoFailuresCarryTheSecondCrashInTheirToken) {
  ExploreOptions options;
  options.run.defects.add(ckpt::Defect::kCleanupReferencedRddFiles);
  // Judged by outputs alone: rule rdd.cleanup_files fails this defect's uncrashed run already.
  options.run.record_protocol = false;
  options.jobs = 2;
  Scenario scenario = Load("spark/checkpointsuite_updatestatebykey");
  uint64_t depth_one = Explore({scenario}, options).failures;
  options.depth = 2;
  ExploreResult deeper = Explore({scenario}, options);
  EXPECT_GT(deeper.failures, depth_one);
  ASSERT_FALSE(deeper.failing.empty());
  const FailingTrial& last = deeper.failing.back();
  EXPECT_EQ(last.order[0], 2u);
  EXPECT_EQ(TrialSpec::ParseToken(last.token).value().crashes.size(), 2u);
  // The token replays the same failure.
  References references(scenario, options.run);
  TrialRun replayed = RunTrial(scenario, TrialSpec::ParseToken(last.token).value(), options.run);
  ASSERT_FALSE(references.check(replayed).empty());
  EXPECT_EQ(references.check(replayed).front().detail, last.failure.detail);
}

TEST(Determinism, TheSelfCheckRerunsASampleAndFindsNoMismatch) {
  ExploreOptions options;
  options.check_determinism = true;
  ExploreResult result = ExploreOne("running_count", options);
  EXPECT_GT(result.scenarios[0].determinism_checked, result.trials / (2 * kDeterminismSample));
  EXPECT_EQ(result.determinism_mismatches, 0u);
}

}  // namespace
}  // namespace sim

namespace sim {
namespace {

std::vector<std::pair<std::string, FailureKind>> Failing(const ExploreResult& result) {
  std::vector<std::pair<std::string, FailureKind>> out;
  for (const FailingTrial& f : result.failing) out.emplace_back(f.token, f.failure.kind);
  return out;
}

TEST(Pruning, StopsConvergedTrialsWithTheSameVerdictsAndExactUnprunedCost) {
  for (const char* defect : {"", "skip-pending-times", "cleanup-referenced-rdd-files"}) {
    ExploreOptions options;
    if (*defect) options.run.defects.add(ckpt::ParseDefect(defect).value());
    // Judged by outputs alone, the cleanup defect fails only some crashed trials (the protocol
    // rule rdd.cleanup_files fails its uncrashed run, leaving nothing to prune).
    options.run.record_protocol = std::string(defect) != "cleanup-referenced-rdd-files";
    ExploreResult full = ExploreOne("running_count", options);
    options.prune = true;
    ExploreResult pruned = ExploreOne("running_count", options);
    EXPECT_EQ(Failing(pruned), Failing(full)) << defect;
    EXPECT_GT(pruned.trials_pruned, *defect ? 0 : pruned.trials / 2) << defect;
    EXPECT_LT(pruned.steps_run, full.steps_run) << defect;
    // What a pruned trial skips is exactly what the uncrashed run did from the same state.
    EXPECT_EQ(pruned.steps_unpruned, full.steps_run) << defect;
    EXPECT_EQ(full.steps_unpruned, full.steps_run);
    EXPECT_EQ(full.trials_pruned, 0u);
  }
}

TEST(Pruning, DepthTwoStillCrashesAtTheStepsAPrunedRecoverySkipped) {
  ExploreOptions options;
  options.depth = 2;
  options.max_trials = 3000;
  options.run.defects.add(ckpt::Defect::kSkipDownTimes);
  ExploreResult full = ExploreOne("running_count", options);
  options.prune = true;
  ExploreResult pruned = ExploreOne("running_count", options);
  ASSERT_EQ(pruned.scenarios[0].levels.size(), 2u);
  EXPECT_EQ(pruned.scenarios[0].levels[1].planned, full.scenarios[0].levels[1].planned);
  EXPECT_EQ(Failing(pruned), Failing(full));
  EXPECT_EQ(pruned.steps_unpruned, full.steps_run);
  EXPECT_GT(pruned.trials_pruned, 0u);
}

TEST(Pruning, AppliesOnlyWhereTheFutureDependsOnTheComparedStateAlone) {
  Scenario running = Load("running_count");
  TrialSpec fifo = TrialSpec::ParseToken("c40+0").value();
  EXPECT_TRUE(PruningApplies(running, fifo));
  EXPECT_FALSE(PruningApplies(running, TrialSpec::ParseToken("c40+0/i5").value()));
  EXPECT_FALSE(PruningApplies(Load("faults/eio_on_rename"), fifo));
  EXPECT_FALSE(PruningApplies(Load("spark/checkpointsuite_save_as_text_files"), fifo));
  EXPECT_FALSE(PruningApplies(Load("partitioned_log"), fifo));
  EXPECT_FALSE(PruningApplies(Load("spark/failed_job_recovery"), fifo));

  References references(running, [] {
    RunOptions o;
    o.record_quiet_points = true;
    return o;
  }());
  ASSERT_FALSE(references.prune_target().quiet_points.empty());
  RunOptions options;
  options.record_trace = true;
  options.prune_against = &references.prune_target();
  TrialRun run = RunTrial(running, fifo, options);
  ASSERT_TRUE(run.pruned_at.has_value());
  EXPECT_GT(run.pruned_steps, 0u);
  EXPECT_TRUE(references.check(run).empty());
  EXPECT_NE(run.trace.back().find("converged"), std::string::npos) << run.trace.back();
}

}  // namespace
}  // namespace sim
