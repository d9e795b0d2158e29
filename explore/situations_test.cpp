// The situations bugs hide in (scenarios/situations): a restarted driver whose clock is off the
// crashed one's, a checkpoint directory named like a checkpoint file with stray entries, and a
// graceful stop with metadata checkpoints every other batch. Each test shows the correct engine
// passing there and a reverted fix failing there.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
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
  EXPECT_NE(run.incarnations[0].start_error.to_string().find("scala.MatchError: old-checkpoint-1"),
            std::string::npos)
      << run.incarnations[0].start_error.to_string();
  EXPECT_TRUE(failures.empty());
  scenario.expect_error.clear();
  EXPECT_FALSE(Judge(scenario, "ref", RunOptions{}).empty());
}

// ssc.stop(stopGracefully = true) 400 ms before the last batch: the timer fires once more (3500,
// off the metadata checkpoint grid), the stop waits until that batch is fully processed, and a
// crash anywhere in the stop's waits recovers cleanly (the restarted process is not asked to stop
// again). With the off-grid marking reverted, the stop gives up at its timeout: no_progress.
TEST(Situations, AGracefulStopWaitsForItsLastBatchAndACrashDuringItRecovers) {
  Scenario scenario = testing::LoadBundled("situations/graceful_stop");
  TrialRun ref;
  EXPECT_TRUE(Judge(scenario, "ref", RunOptions{}, &ref).empty());
  ASSERT_EQ(ref.incarnations.size(), 1u);
  ASSERT_TRUE(ref.incarnations[0].graceful_stop.has_value());
  const ckpt::GracefulStop& stop = *ref.incarnations[0].graceful_stop;
  EXPECT_EQ(stop.requested_at, Time{3100});
  EXPECT_EQ(stop.stop_time, Time{3500});
  EXPECT_EQ(stop.last_processed_batch, Time{3500});
  EXPECT_FALSE(stop.timed_out);
  int crashed_while_stopping = 0;
  for (uint64_t step = 0; step < ref.total_steps; ++step) {
    TrialRun run;
    std::vector<Failure> failures =
        Judge(scenario, "c" + std::to_string(step) + "+0", RunOptions{}, &run);
    std::optional<Time> crashed = run.incarnations[0].crashed_at;
    if (!crashed || *crashed <= Time{3100}) continue;
    ++crashed_while_stopping;
    EXPECT_TRUE(failures.empty()) << step << ": " << failures.front().detail;
    EXPECT_FALSE(run.incarnations.back().graceful_stop.has_value()) << step;
  }
  EXPECT_GT(crashed_while_stopping, 10);

  RunOptions defect;
  defect.defects.add(ckpt::Defect::kOffGridBatchNeverProcessed);
  std::vector<Failure> failures = Judge(scenario, "ref", defect);
  ASSERT_FALSE(failures.empty());
  EXPECT_EQ(failures.front().kind, FailureKind::kNoProgress) << failures.front().detail;
  EXPECT_NE(failures.front().detail.find("gracefulStopTimeout"), std::string::npos);
}

// A driver down for 2.5 batches with slow batches: restart reschedules several batches while the
// replayed block log still holds blocks received and logged but never allocated. They go to the
// first rescheduled batch after the last logged allocation (SPARK-5233), and exploration passes
// (the known weaknesses, each confirmed by its fix, aside).
TEST(Situations, RescheduledBatchesGetTheReplayedUnallocatedBlocks) {
  Scenario scenario = testing::LoadBundled("situations/rescheduled_with_unallocated_blocks");
  TrialRun ref = RunTrial(scenario, TrialSpec{}, RunOptions{});
  int seen = 0;
  for (uint64_t step = 0; step < ref.total_steps; ++step) {
    TrialRun run;
    Judge(scenario, "c" + std::to_string(step) + "+2500", RunOptions{}, &run);
    if (run.incarnations.size() < 2 || run.incarnations[1].rescheduled.size() < 2) continue;
    // Blocks of the crashed process allocated by the restart itself, to a rescheduled batch.
    const IncarnationRecord& restarted = run.incarnations[1];
    int64_t received_before = restarted.source_acknowledged_at_start.at(0);
    Time last_logged{-1};
    for (const ReceiverAllocation& allocation : run.receiver_allocations) {
      if (allocation.incarnation == 0) last_logged = std::max(last_logged, allocation.batch_time);
    }
    auto first_after =
        std::upper_bound(restarted.rescheduled.begin(), restarted.rescheduled.end(), last_logged);
    for (const ReceiverAllocation& allocation : run.receiver_allocations) {
      if (allocation.incarnation != 1 || allocation.at != restarted.started_at) continue;
      bool replayed =
          std::any_of(allocation.ranges.begin(), allocation.ranges.end(),
                      [&](const ckpt::OffsetRange& r) { return r.from < received_before; });
      if (!replayed) continue;
      ++seen;
      ASSERT_NE(first_after, restarted.rescheduled.end()) << step;
      EXPECT_EQ(allocation.batch_time, *first_after) << step;
    }
  }
  EXPECT_GT(seen, 5);
  ExploreOptions options;
  EXPECT_EQ(Explore({scenario}, options).failures, 0u);
}

// The contract of I/O faults at start: an injected I/O error that escapes getOrCreate (here the
// reader's listing) stops the driver, and the trial is judged on what ran before. It excuses
// nothing else: a file the reader skipped that no fault touched is the engine's failure, and a
// reader that gives up after an injected read error while an older file is there breaks
// reader.fallback.
TEST(Situations, AnInjectedIoErrorThatFailsTheStartStopsTheDriverAndExcusesNothingElse) {
  Scenario scenario = testing::LoadBundled("faults/eio_on_checkpoint_directory");
  uint64_t steps = RunTrial(scenario, TrialSpec{}, RunOptions{}).total_steps;
  std::optional<TrialRun> stopped;
  for (uint64_t step = 1; step < steps && !stopped; ++step) {
    TrialRun run;
    EXPECT_TRUE(Judge(scenario, "c" + std::to_string(step) + "+0", RunOptions{}, &run).empty());
    bool failed_start = run.incarnations.size() > 1 &&
                        run.incarnations[1].start_error.has(ckpt::ErrorMark::kInjected);
    if (failed_start) stopped = std::move(run);
  }
  ASSERT_TRUE(stopped) << "some crash must restart into the injected listing error";
  TrialRun excused = *stopped;
  stopped->incarnations[1].unreadable_checkpoints.push_back(
      {scenario.checkpoint_dir + "/checkpoint-500", ckpt::Status::Corruption("bad")});
  std::vector<Failure> failures = References(scenario, RunOptions{}).check(*stopped);
  ASSERT_FALSE(failures.empty());
  EXPECT_EQ(failures.front().kind, FailureKind::kRecoveryError) << failures.front().detail;
  // The mark decides, not the message: the same error without it is the engine's failure.
  excused.incarnations[1].start_error = ckpt::Status::WithCode(
      excused.incarnations[1].start_error.code(), excused.incarnations[1].start_error.message());
  failures = References(scenario, RunOptions{}).check(excused);
  ASSERT_FALSE(failures.empty());
  EXPECT_EQ(failures.front().kind, FailureKind::kRecoveryError) << failures.front().detail;

  Scenario read = testing::LoadBundled("faults/eio_on_checkpoint_read");
  ExploreOptions options;
  options.run.defects.add(ckpt::Defect::kReaderNoFallback);
  EXPECT_GT(Explore({read}, options).failures, 0u);
}

// The same contract where the files the reader skipped were never the engine's to read: the
// scenario's own corrupted initial file (createOnError skips it, then a drawn I/O error fails the
// new context's mkdirs), and queueStream checkpoints, each skipped with the scenario's expected
// error but the one a drawn read error failed (the reader reports that one last). A skipped file
// that failed otherwise is still the engine's failure.
TEST(Situations, AFaultedStartPastFilesUnreadableByDesignIsTheContractedStop) {
  const std::pair<const char*, const char*> trials[] = {
      {"spark/streamingcontextsuite_getorcreate_create_on_error", "c22+240/v84/i924560758"},
      // The initial file moved to checkpoint-1000.bk by the writer's second write of that name.
      {"spark/streamingcontextsuite_getorcreate_create_on_error",
       "c35+437,c70+1610,c16+595,c10+914,c15+1422,c15+73,c21+1932/v113/i855359552"},
      {"spark/streamingcontextsuite_queuestream",
       "c7+899,c35+130,c24+27,c20+941,c9+276/v111/i897998617"}};
  for (const auto& [name, token] : trials) {
    Scenario scenario = testing::LoadBundled(name);
    scenario.swarm.io_fault_nth = IntRange{1, 40};
    scenario = ScenarioVariant(scenario, TrialSpec::ParseToken(token).value().variant);
    TrialRun run;
    EXPECT_TRUE(Judge(scenario, token, RunOptions{}, &run).empty()) << name;
    ASSERT_GE(run.incarnations.size(), 2u);
    IncarnationRecord& stopped = run.incarnations.back();
    EXPECT_FALSE(stopped.start_error.ok()) << name;
    ASSERT_FALSE(stopped.unreadable_checkpoints.empty()) << name;
    stopped.unreadable_checkpoints.push_back(
        {scenario.checkpoint_dir + "/checkpoint-99500", ckpt::Status::IoError("not injected")});
    EXPECT_FALSE(References(scenario, RunOptions{}).check(run).empty()) << name;
  }
  // The initial file is followed through renames: once the writer moved it to .bk, its old path
  // holds something else (here nothing yet, later the engine's own checkpoint-1000), and a file
  // there the reader could not read is not excused.
  Scenario scenario = testing::LoadBundled(trials[1].first);
  scenario.swarm.io_fault_nth = IntRange{1, 40};
  scenario = ScenarioVariant(scenario, TrialSpec::ParseToken(trials[1].second).value().variant);
  TrialRun run;
  EXPECT_TRUE(Judge(scenario, trials[1].second, RunOptions{}, &run).empty());
  run.incarnations.back().unreadable_checkpoints.push_back(
      {scenario.checkpoint_dir + "/checkpoint-1000", ckpt::Status::Corruption("not a fault's")});
  EXPECT_FALSE(References(scenario, RunOptions{}).check(run).empty());
}

// The driver's block log could not list its directory at a restart: Spark's ReceivedBlockTracker
// throws from its constructor, so the start fails with that error (before, the log went on
// without the files it could not list, and never cleaned them: receiver.log_cleanup found it).
TEST(Situations, ABlockLogThatCannotListItsFilesFailsTheStart) {
  Scenario scenario = testing::LoadBundled("faults/eio_on_block_logs");
  uint64_t steps = RunTrial(scenario, TrialSpec{}, RunOptions{}).total_steps;
  int stopped = 0;
  for (uint64_t step = 1; step < steps; ++step) {
    TrialRun run;
    EXPECT_TRUE(Judge(scenario, "c" + std::to_string(step) + "+0", RunOptions{}, &run).empty());
    stopped += run.incarnations.size() > 1 &&
               run.incarnations[1].start_error.to_string().find(
                   "listing write ahead log directory") != std::string::npos;
  }
  EXPECT_GT(stopped, 0);
}

}  // namespace
}  // namespace sim
