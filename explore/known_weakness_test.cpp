// Known weaknesses prove themselves (docs/findings.md): a failure with a known weakness's shape is
// excused (WARN) only when the same trial passes re-run with the weakness's fix, so a new bug of
// the same shape is still a failure.
#include <gtest/gtest.h>

#include <algorithm>

#include "engine/receiver/receiver.h"
#include "explore/explorer.h"
#include "explore/references.h"
#include "scenario/swarm.h"
#include "testing/bundled_scenario.h"

namespace sim {
namespace {

Scenario Load(const std::string& name) { return testing::LoadBundled("basic/" + name); }

// Runs `spec` of `scenario` with `fixes` on and judges it: what FileFailure reruns.
std::pair<TrialRun, std::vector<Failure>> RunJudged(const Scenario& scenario, const TrialSpec& spec,
                                                    const ckpt::FixSet& fixes) {
  RunOptions options;
  options.fixes = fixes;
  TrialRun run = RunTrial(scenario, spec, options);
  std::vector<Failure> failures = References(scenario, options).check(run);
  return {std::move(run), std::move(failures)};
}

// The detail exploration files the trial's first failure with (known weakness or not).
std::string FiledDetail(const Scenario& scenario, const TrialSpec& spec, const TrialRun& run,
                        const Failure& first, uint64_t* failures_filed) {
  ScenarioSummary summary;
  ExploreResult result;
  FileFailure(
      scenario, run, FailingTrial{scenario.name, "", spec.token(), first, "", {}},
      [&](const ckpt::FixSet& fixes) { return RunJudged(scenario, spec, fixes); }, summary, result);
  *failures_filed = summary.failures;
  return result.known_weakness_failing.empty()
             ? result.failing.front().failure.detail
             : result.known_weakness_failing.front().failure.detail;
}

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
// the weakness's fix does not make those trials pass. (The protocol rule rdd.cleanup_files sees
// this bug in the uncrashed run already; judged by outputs alone, as here, it shows only after
// crashes, in the weakness's shape.)
TEST(KnownWeaknesses, APlantedBugThatLooksLikeSpark19280IsAFailure) {
  ExploreOptions options;
  options.strategy = Strategy::kRandom;
  options.trials = 3000;
  options.seed = 5;
  options.run.defects.add(ckpt::Defect::kCleanupReferencedRddFiles);
  options.run.record_protocol = false;
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

// The same weakness with receivers: the stale checkpoint's received blocks were cleaned from the
// data log by the process that wrote newer checkpoints under older names, so a rescheduled batch
// cannot read them. Same shape, and the same fix makes the trial pass.
TEST(KnownWeaknesses, TheSpark19280FamilyAlsoLosesReceivedData) {
  Scenario scenario = testing::LoadBundled("situations/rescheduled_with_unallocated_blocks");
  TrialSpec trial = TrialSpec::ParseToken("c121+3624,c98+3677,c140+296/v28/i715010181").value();
  Scenario variant = ScenarioVariant(scenario, trial.variant);
  RunOptions options;
  TrialRun run = RunTrial(variant, trial, options);
  std::vector<Failure> failures = References(variant, options).check(run);
  ASSERT_FALSE(failures.empty());
  EXPECT_NE(failures.front().detail.find(ckpt::kWalRecordUnreadableError), std::string::npos)
      << failures.front().detail;
  EXPECT_EQ(KnownWeakness(run, failures.front()), "SPARK-19280 family");
  options.fixes.add(ckpt::Fix::kWriterLearnsNewestName);
  EXPECT_TRUE(References(variant, options).check(RunTrial(variant, trial, options)).empty());
}

TEST(KnownWeaknesses, TheStaleNewestNameAfterTwoCrashesIsClassified) {
  Scenario scenario = testing::LoadBundled("basic/running_count");
  References references(scenario, RunOptions{});
  TrialRun run =
      RunTrial(scenario, TrialSpec::ParseToken("c179+1236,c40+1793").value(), RunOptions{});
  std::vector<Failure> failures = references.check(run);
  ASSERT_FALSE(failures.empty());
  EXPECT_EQ(KnownWeakness(run, failures.front()), "SPARK-19280 family");
}

TEST(KnownWeaknesses, ADefectFoundWithOneCrashIsNeverExcused) {
  ExploreOptions options;
  options.run.defects.add(ckpt::Defect::kCleanupReferencedRddFiles);
  ExploreResult result = Explore({testing::LoadBundled("basic/running_count")}, options);
  EXPECT_GT(result.failures, 0u);
  EXPECT_EQ(result.known_weaknesses, 0u);
}

// A fresh start after a crash before the first durable checkpoint used to pass silently against
// a reference started as late as the new application: now the file source's input it lost is a
// known weakness, named with what was lost, that a checkpoint written at start removes.
TEST(KnownWeaknesses, AFreshStartBeforeTheFirstCheckpointThatLosesInputIsWarnWithWhatWasLost) {
  ExploreOptions options;
  Scenario scenario = testing::LoadBundled("spark/checkpointsuite_file_input_stream");
  ExploreResult result = Explore({scenario}, options);
  EXPECT_EQ(result.failures, 0u);
  ASSERT_GT(result.known_weaknesses, 0u);
  EXPECT_EQ(result.known_weaknesses_by_name,
            (std::map<std::string, uint64_t>{
                {"fresh start before the first checkpoint", result.known_weaknesses}}));
  for (const FailingTrial& f : result.known_weakness_failing) {
    EXPECT_EQ(f.failure.kind, FailureKind::kLostRecords);
    EXPECT_EQ(f.failure.detail.rfind("known weakness (fresh start before the first checkpoint, "
                                     "passes with --fix checkpoint-at-start",
                                     0),
              0u)
        << f.failure.detail;
    EXPECT_NE(f.failure.detail.find("files /input/"), std::string::npos) << f.failure.detail;
  }
  // The crash before batch 2000's first checkpoint is durable: files 1 to 3 are lost.
  TrialSpec crash = TrialSpec::ParseToken("c9+3000").value();
  TrialRun run = RunTrial(scenario, crash, options.run);
  std::vector<Failure> failures = References(scenario, options.run).check(run);
  ASSERT_FALSE(failures.empty());
  EXPECT_EQ(failures.front().known_weakness, "fresh start before the first checkpoint");
  EXPECT_NE(failures.front().detail.find("/input/1 (1000 ms), /input/2 (3000 ms), /input/3"),
            std::string::npos)
      << failures.front().detail;
  options.run.fixes.add(ckpt::Fix::kCheckpointAtStart);
  TrialRun fixed = RunTrial(scenario, crash, options.run);
  EXPECT_TRUE(References(scenario, options.run).check(fixed).empty());
}

// What the swarm's concurrentJobs dimension found (docs/findings.md): batches completing out of
// order make a graceful stop give up, and make clearMetadata forget a still-needed batch's offset
// ranges. Each such trial fails with its weakness's shape and passes with its fix. The third,
// from a shard of the 10M-trial sweep: a slow batch completes after newer ones, whose
// ClearMetadata runs before its completion checkpoint, so that checkpoint (named after the newest
// time, content time the slow batch's) keeps only the newest batches' offset ranges, and the
// recovery from it reschedules every later batch from new input. It failed with the fix while the
// fix kept only pending batches' metadata; it now also keeps a completed batch's until its
// completion checkpoint is written.
TEST(KnownWeaknesses, OutOfOrderCompletionsUnderConcurrentJobsPassWithTheirFixes) {
  struct Case {
    const char* scenario;
    const char* token;
    const char* weakness;
    ckpt::Fix fix;
  };
  const Case cases[] = {
      {"situations/graceful_stop", "c106+1450/v125/i717375757",
       "graceful stop after out-of-order completions",
       ckpt::Fix::kLastProcessedBatchNeverRegresses},
      {"basic/partitioned_log", "c108+304,c32+74,c125+589,c10+241,c14+492/v230/i330900801",
       "a pending batch's input forgotten", ckpt::Fix::kPendingBatchesKeepTheirMetadata},
      {"basic/partitioned_log",
       "c166+757,c122+60,c78+599,c23+175,c83+572,c11+59,c38+779,c18+328/v86/i627732611",
       "a pending batch's input forgotten", ckpt::Fix::kPendingBatchesKeepTheirMetadata},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.scenario);
    TrialSpec spec = TrialSpec::ParseToken(c.token).value();
    const Scenario scenario = ScenarioVariant(testing::LoadBundled(c.scenario), spec.variant);
    ASSERT_GT(std::stoi(scenario.conf.at("spark.streaming.concurrentJobs")), 1);
    RunOptions options;
    TrialRun run = RunTrial(scenario, spec, options);
    std::vector<Failure> failures = References(scenario, options).check(run);
    ASSERT_FALSE(failures.empty());
    EXPECT_EQ(KnownWeakness(run, failures.front()), c.weakness) << failures.front().detail;
    options.fixes.add(c.fix);
    TrialRun fixed = RunTrial(scenario, spec, options);
    EXPECT_TRUE(References(scenario, options).check(fixed).empty());
  }
}

// The receiver's form, found by random sweeps of faults/eio_on_block_logs: an injected read error
// fails a job, whose batch stays pending across a ClearCheckpointData whose block cleanup drops
// blocks it needs. The next recovery recomputes it (or a batch of its lineage) and reads none of
// them. The fix keeps what the oldest pending batch needs in the block cleanup too; before it did,
// the second trial (the pending batch itself, its allocation and data deleted) failed with it.
TEST(KnownWeaknesses, AReceiverBatchPendingAcrossACleanupForgetsItsBlocks) {
  const Scenario scenario = testing::LoadBundled("faults/eio_on_block_logs");
  const char* tokens[] = {
      "c178+1588,c130+2393,c50+2155,c17+1041,c29+2512/f29/r239873632/i581086537",
      "c44+3704,c173+1337,c72+3462,c15+1259,c7+2759,c43+1953/f1c/r101689342/i373693402",
  };
  for (const char* token : tokens) {
    SCOPED_TRACE(token);
    TrialSpec spec = TrialSpec::ParseToken(token).value();
    RunOptions options;
    TrialRun run = RunTrial(scenario, spec, options);
    std::vector<Failure> failures = References(scenario, options).check(run);
    ASSERT_FALSE(failures.empty());
    EXPECT_EQ(failures.front().rule, "receiver.reads_allocation") << failures.front().detail;
    EXPECT_EQ(KnownWeakness(run, failures.front()), "a pending batch's input forgotten");
    options.fixes.add(ckpt::Fix::kPendingBatchesKeepTheirMetadata);
    EXPECT_TRUE(References(scenario, options).check(RunTrial(scenario, spec, options)).empty());
  }
}

// A trial the sweep of the swarm's drawn I/O fault found (docs/findings.md): bundled scenario
// `name` with `io_fault_nth: [1, 40]`, run as `token`. Expects its first failure to have the shape
// of `weakness` and the same trial to pass with `fix` on; returns the variant, the unfixed run and
// its failures.
struct JudgedVariant {
  Scenario variant;
  TrialRun run;
  std::vector<Failure> failures;
};
JudgedVariant ExpectConfirmedWithDrawnIoFault(const std::string& name, const std::string& token,
                                              const std::string& weakness, ckpt::Fix fix) {
  Scenario scenario = testing::LoadBundled(name);
  scenario.swarm.io_fault_nth = IntRange{1, 40};
  TrialSpec spec = TrialSpec::ParseToken(token).value();
  Scenario variant = ScenarioVariant(scenario, spec.variant);
  auto [run, failures] = RunJudged(variant, spec, {});
  EXPECT_FALSE(failures.empty());
  if (!failures.empty()) {
    EXPECT_EQ(KnownWeakness(run, failures.front()), weakness) << failures.front().detail;
  }
  ckpt::FixSet fixes;
  fixes.add(fix);
  EXPECT_TRUE(RunJudged(variant, spec, fixes).second.empty());
  return {std::move(variant), std::move(run), std::move(failures)};
}

// An injected read error fails batch 8000's job, so it stays pending; ClearCheckpointData(9000)
// deletes the data log file its blocks are in, and after the next crash its re-run cannot read
// them. The same weakness, pending by a failed job.
TEST(KnownWeaknesses, ABatchPendingAfterAFailedJobLosesItsDataToACleanup) {
  auto [variant, run, failures] = ExpectConfirmedWithDrawnIoFault(
      "spark/jobgeneratorsuite_spark_6222",
      "c359+2783,c121+3731,c182+1146,c23+2868,c16+1545,c76+3185,c55+1812/v211/i52424644",
      "a pending batch's input forgotten", ckpt::Fix::kPendingBatchesKeepTheirMetadata);
  ASSERT_FALSE(failures.empty());
  EXPECT_EQ(failures.front().kind, FailureKind::kRecoveryError) << failures.front().detail;
}

// The state's form, in SPARK-6847's scenario: an injected read error fails batch 12500's job, so
// it stays pending while clearMetadata forgets its state RDDs; after the next crash its re-run
// recomputes the state from the first batch, a lineage deeper than a job can run
// (StackOverflowError).
TEST(KnownWeaknesses, APendingBatchsForgottenStateOverflowsItsLineage) {
  auto [variant, run, failures] = ExpectConfirmedWithDrawnIoFault(
      "spark/checkpointsuite_spark_6847",
      "c872+261,c179+953,c211+571,c303+469,c109+26,c108+1776,c98+1002,c0+1614/v233/i582108609",
      "a pending batch's input forgotten", ckpt::Fix::kPendingBatchesKeepTheirMetadata);
  ASSERT_FALSE(failures.empty());
  EXPECT_TRUE(failures.front().error.has(ckpt::ErrorMark::kLineageTooDeep))
      << failures.front().detail;
}

// The sync of a block's addition record fails, FileBasedWriteAheadLog retries it on a new file,
// and the first file keeps the record too. Recovery queues the block twice and batch 4000 reads
// it twice; replaying each block once confirms it.
TEST(KnownWeaknesses, ABlockWhoseAdditionWasLoggedTwiceIsReadTwice) {
  auto [variant, run, failures] = ExpectConfirmedWithDrawnIoFault(
      "receiver/reliable_receiver_with_wal", "c188+279,c133+1293,c44+620,c54+588/v110/i426176628",
      "a block logged twice", ckpt::Fix::kReplayAddsEachBlockOnce);
  ASSERT_FALSE(failures.empty());
  EXPECT_EQ(failures.front().kind, FailureKind::kUnexpectedDuplicate) << failures.front().detail;
  // The same run without its failed writes on record: the duplicate no longer has the shape.
  for (IncarnationRecord& incarnation : run.incarnations) {
    std::erase_if(incarnation.protocol, [](const ProtocolEvent& event) {
      return event.kind == ProtocolEvent::Kind::kFile && !event.file.ok;
    });
  }
  std::vector<Failure> rejudged = References(variant, {}).check(run);
  ASSERT_FALSE(rejudged.empty());
  EXPECT_EQ(rejudged.front().kind, FailureKind::kUnexpectedDuplicate);
  EXPECT_FALSE(KnownWeakness(run, rejudged.front()).has_value()) << rejudged.front().detail;
}

// An injected read error on the newest checkpoint makes the reader fall back to an older file,
// whose state RDD file the cleanup after the newest one had deleted: recovery fails. Reading the
// file once more confirms it.
TEST(KnownWeaknesses, AFallbackPastTheCleanupFindsAStateRddFileGone) {
  auto [variant, run, failures] = ExpectConfirmedWithDrawnIoFault(
      "spark/checkpointsuite_basic_rdd_checkpoints",
      "c133+1424,c26+746,c55+1319,c6+158/v28/i113322879", "a fallback past the cleanup",
      ckpt::Fix::kReaderRetriesAFailedRead);
  ASSERT_FALSE(failures.empty());
  EXPECT_EQ(failures.front().kind, FailureKind::kRecoveryError) << failures.front().detail;
}

// The receiver's form: the older file holds a pending batch whose block allocation the block
// log's cleanup had deleted, so the batch reads none of its blocks.
TEST(KnownWeaknesses, AFallbackPastTheCleanupFindsABatchsAllocationGone) {
  auto [variant, run, failures] = ExpectConfirmedWithDrawnIoFault(
      "spark/jobgeneratorsuite_spark_6222",
      "c239+1235,c292+43,c165+2067,c83+1200,c2+2923,c93+2340/v12/i413418390",
      "a fallback past the cleanup", ckpt::Fix::kReaderRetriesAFailedRead);
  ASSERT_FALSE(failures.empty());
  EXPECT_EQ(failures.front().rule, "receiver.reads_allocation") << failures.front().detail;
}

// In a scenario that expects losses (an unsafe configuration), the trial passes with the fix when
// it then fails only as the scenario expects: the fallback's recovery error is WARN, not FAIL.
TEST(KnownWeaknesses, AFixThatLeavesOnlyTheExpectedLossesConfirmsTheWeakness) {
  Scenario scenario = testing::LoadBundled("receiver/receiver_without_wal");
  scenario.swarm.io_fault_nth = IntRange{1, 40};
  TrialSpec spec =
      TrialSpec::ParseToken("c295+44,c106+26,c22+657,c45+2247/v163/i655717378").value();
  Scenario variant = ScenarioVariant(scenario, spec.variant);
  auto [run, failures] = RunJudged(variant, spec, {});
  ASSERT_FALSE(failures.empty());
  EXPECT_EQ(failures.front().kind, FailureKind::kRecoveryError) << failures.front().detail;
  ckpt::FixSet fixes;
  fixes.add(ckpt::Fix::kReaderRetriesAFailedRead);
  std::vector<Failure> fixed = RunJudged(variant, spec, fixes).second;
  ASSERT_FALSE(fixed.empty());
  EXPECT_EQ(fixed.front().kind, FailureKind::kLostRecords) << fixed.front().detail;
  uint64_t filed = 0;
  std::string detail = FiledDetail(variant, spec, run, failures.front(), &filed);
  EXPECT_EQ(filed, 0u);
  EXPECT_EQ(detail.rfind("known weakness (a fallback past the cleanup, passes with --fix "
                         "reader-retries-a-failed-read",
                         0),
            0u)
      << detail;
}

// Every fix on at once (what make coverage explores the catalogue with): with checkpoint-at-start
// the writer's listing, from which writer-learns-newest-name learns the newest name, comes before
// the context reports its start. The protocol oracle once missed it there and flagged the name
// learned from the scenario's own checkpoint-1000 (writer.file_name).
TEST(KnownWeaknesses, EveryFixOnAtOnceKeepsEveryRule) {
  ExploreOptions options;
  for (const ckpt::FixInfo& fix : ckpt::AllFixes()) options.run.fixes.add(fix.fix);
  ExploreResult result = Explore(
      {testing::LoadBundled("spark/streamingcontextsuite_getorcreate_create_on_error")}, options);
  EXPECT_EQ(result.failures, 0u);
  for (const FailingTrial& f : result.failing) ADD_FAILURE() << f.token << ": " << f.failure.detail;
}

// A torn newest file makes the same fallback, but reads no better a second time: its failure has
// no known weakness's shape (the scenario expects it).
TEST(KnownWeaknesses, AFallbackPastATornFileIsNoKnownWeakness) {
  Scenario scenario = testing::LoadBundled("faults/torn_newest_checkpoint_stateful");
  auto [run, failures] = RunJudged(scenario, TrialSpec::ParseToken("c153+0").value(), {});
  ASSERT_FALSE(failures.empty());
  EXPECT_EQ(failures.front().kind, FailureKind::kRecoveryError) << failures.front().detail;
  EXPECT_FALSE(KnownWeakness(run, failures.front()).has_value()) << failures.front().detail;
}

// Both block-log fixes confirm a trial whose losses the first one leaves; checks the weakness the
// rerun with the replay fix names, the final WARN text, and that nothing is filed as a failure.
void ExpectBothBlockLogFixesConfirm(const Scenario& scenario, const TrialSpec& spec) {
  auto rerun = [&](const ckpt::FixSet& fixes) { return RunJudged(scenario, spec, fixes); };
  ckpt::FixSet fixes;
  auto [run, failures] = rerun(fixes);
  ASSERT_FALSE(failures.empty());
  EXPECT_EQ(KnownWeakness(run, failures.front()), "received before the first checkpoint");
  fixes.add(ckpt::Fix::kReplayBlockLogWithoutCheckpoint);
  auto [adopted, still] = rerun(fixes);
  ASSERT_FALSE(still.empty());
  EXPECT_EQ(still.front().kind, FailureKind::kLostRecords);
  EXPECT_EQ(KnownWeakness(adopted, still.front()), "stale block log of an earlier application")
      << still.front().detail;
  fixes.add(ckpt::Fix::kFreshApplicationDropsBlockLog);
  EXPECT_TRUE(rerun(fixes).second.empty());

  uint64_t filed = 0;
  std::string detail = FiledDetail(scenario, spec, run, failures.front(), &filed);
  EXPECT_EQ(filed, 0u);
  EXPECT_EQ(
      detail.rfind("known weakness (received before the first checkpoint, passes with --fix "
                   "replay-block-log-without-checkpoint --fix fresh-application-drops-block-log",
                   0),
      0u)
      << detail;
}

// Found by a shard of the 10M-trial sweep: several applications in a row die before their first
// checkpoint, then one recovers. Its blocks were received before the first checkpoint; with that
// weakness fixed (a fresh application adopts the block log's additions) a recovery of the adopting
// application replays the whole shared block log, and the abandoned applications' allocation
// records take the adopted blocks to batches that never run again: the stale block log, a second
// weakness. The trial is WARN only because it passes with both fixes, which the chain finds.
TEST(KnownWeaknesses, BlocksAdoptedByAFreshApplicationNeedBothBlockLogFixes) {
  ExpectBothBlockLogFixesConfirm(
      testing::LoadBundled("regressions/dequeue-before-wal-write"),
      TrialSpec::ParseToken("c38+235,c26+2981,c22+3668,c34+3643/r356507310/i568865320").value());
}

// Shard 6 of the 10M-trial sweep: the adopting application's allocation write fails (injected)
// and it crashes before the next one is durable, so it never records the adopted blocks in a log
// of its own; its ClearCheckpointData then deletes the earlier applications' block log files, the
// blocks' only durable record, and its recovery finds no trace of them. Before the oracle named
// this form of the stale block log, the trial failed with the replay fix on.
TEST(KnownWeaknesses, AnAdopterDeletingTheOnlyRecordOfItsBlocksNeedsBothBlockLogFixes) {
  ExpectBothBlockLogFixesConfirm(
      testing::LoadBundled("receiver/driver_wal_eio_on_allocation"),
      TrialSpec::ParseToken("c30+179,c28+388,c13+3610,c56+3767,c1+718,c20+925,c24+2952,c8+1720,"
                            "c18+3380,c5+3714/r458255709/i646852663")
          .value());
}

// Found by a random sweep of faults/eio_on_block_logs: a trial with two weakness shapes at once,
// a stale checkpoint read after two crashes (SPARK-19280 family) and a batch pending across a
// cleanup. The chain of fixes follows every shape a rerun shows, so the writer's fix, which
// alone leaves the trial failing, is followed by the pending batches' fix, which makes it pass.
TEST(KnownWeaknesses, ATrialWithTwoWeaknessShapesIsConfirmedByBothFixes) {
  const Scenario scenario = testing::LoadBundled("faults/eio_on_block_logs");
  const TrialSpec spec =
      TrialSpec::ParseToken(
          "c20+2484,c173+3765,c73+449,c84+1339,c38+1219/f1d/r599724867/i742854705")
          .value();
  auto [run, failures] = RunJudged(scenario, spec, {});
  ASSERT_FALSE(failures.empty());
  EXPECT_EQ(KnownWeaknesses(run, failures.front()),
            (std::vector<std::string>{"SPARK-19280 family", "a pending batch's input forgotten"}));
  uint64_t filed = 0;
  std::string detail = FiledDetail(scenario, spec, run, failures.front(), &filed);
  EXPECT_EQ(filed, 0u);
  EXPECT_NE(detail.find("passes with --fix writer-learns-newest-name --fix "
                        "pending-batches-keep-their-metadata"),
            std::string::npos)
      << detail;
}

// foreachRDD to stores: every crash trial writes re-run batches again, which an appending store
// keeps twice (WARN, proven by the idempotent-store fix) and an idempotent one absorbs (nothing);
// a bug that loses batches is still a failure beside the weakness.
TEST(KnownWeaknesses, AnAppendingStoreWrittenTwiceIsWarnAndAnIdempotentOneNothing) {
  const Scenario stores = testing::LoadBundled("situations/foreach_rdd_stores");
  ExploreOptions options;
  options.strategy = Strategy::kExhaustive;
  ExploreResult result = Explore({stores}, options);
  EXPECT_EQ(result.failures, 0u);
  ASSERT_GT(result.known_weaknesses, 0u);
  EXPECT_EQ(result.known_weaknesses_by_name.at("at-least-once output to an appending store"),
            result.known_weaknesses);
  EXPECT_NE(result.known_weakness_failing.front().failure.detail.find(
                "to the appending store 'keys_log': Spark's output operations are at least once"),
            std::string::npos)
      << result.known_weakness_failing.front().failure.detail;

  Scenario idempotent = stores;
  for (PipelineStep& step : idempotent.pipeline) {
    OutputArguments* output = step.get<OutputArguments>();
    if (output && output->store == OutputStore::kAppending)
      output->store = OutputStore::kIdempotent;
  }
  ExploreResult quiet = Explore({idempotent}, options);
  EXPECT_EQ(quiet.failures + quiet.known_weaknesses, 0u);
  EXPECT_EQ(quiet.trials, result.trials);

  options.run.defects.add(ckpt::Defect::kSkipDownTimes);
  ExploreResult broken = Explore({stores}, options);
  EXPECT_GT(broken.failures, 0u);
}

}  // namespace
}  // namespace sim
