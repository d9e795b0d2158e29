// The scenario features of docs/scenarios.md that reach the harness: expect_all_runs (Spark's
// cross-restart assertions, judged over every process of a trial) and crashes placed at named
// engine events (resolved to the step they fired at, which replays them).
#include <gtest/gtest.h>

#include <algorithm>

#include "explore/explorer.h"
#include "explore/references.h"
#include "oracle/oracle.h"
#include "sim/trial.h"
#include "testing/bundled_scenario.h"

namespace sim {
namespace {

Scenario Load(const std::string& name) { return testing::LoadBundled(name); }

// expect_all_runs: each assertion holds of the clean run, and each breaks, naming its origin, when
// the emissions over all processes break it.
TEST(RunExpectations, JudgeEveryProcessesEmissions) {
  const Scenario scenario_ = testing::LoadBundled("basic/wordcount");
  const TrialRun clean_ = RunTrial(scenario_, TrialSpec{}, RunOptions{});
  const Reference reference_ = BuildReference(scenario_, clean_).reference;
  const ckpt::Value a_four = ckpt::Value::Pair(ckpt::Value::String("a"), ckpt::Value::Int(4));
  const ckpt::Records last = clean_.emissions.back().records;
  Scenario expecting = scenario_;
  expecting.expect_all_runs = {{"counts", RunExpectation::Kind::kContains, {a_four}, "w.yaml:40:5"},
                               {"counts", RunExpectation::Kind::kLastBatch, last, "w.yaml:41:5"}};
  EXPECT_TRUE(CheckTrial(expecting, reference_, clean_).empty());

  TrialRun run = clean_;
  for (Emission& emission : run.emissions) std::erase(emission.records, a_four);
  run.emissions.back().records.push_back(a_four);  // the last batch now differs too
  std::vector<Failure> failures = CheckTrial(expecting, reference_, run);
  std::vector<std::string> details;
  for (const Failure& f : failures) {
    if (f.kind == FailureKind::kExpectationMismatch) details.push_back(f.detail);
  }
  ASSERT_EQ(details.size(), 1u);  // a_four is in the last batch: contains still holds
  EXPECT_NE(details[0].find("w.yaml:41:5: expect_all_runs.counts.last_batch"), std::string::npos)
      << details[0];

  expecting.expect_all_runs = {{"counts", RunExpectation::Kind::kDistinct, {a_four}, "w.yaml:9:3"}};
  failures = CheckTrial(expecting, reference_, clean_);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_NE(failures[0].detail.find("w.yaml:9:3: expect_all_runs.counts.distinct [(a,4)]: the "
                                    "processes emitted the distinct records ["),
            std::string::npos)
      << failures[0].detail;
  // A batch emitted twice leaves the distinct set as it was (other checks judge the duplicate).
  expecting.expect_all_runs[0].records.clear();
  for (const Emission& emission : clean_.emissions) {
    for (const ckpt::Value& v : emission.records) expecting.expect_all_runs[0].records.push_back(v);
  }
  ckpt::SortRecords(expecting.expect_all_runs[0].records);
  TrialRun rerun = clean_;
  rerun.emissions.push_back(rerun.emissions[3]);
  for (const Failure& f : CheckTrial(expecting, reference_, rerun)) {
    EXPECT_NE(f.kind, FailureKind::kExpectationMismatch) << f.detail;
  }
}

// Crashes placed at named events: each fires at its event (the label of the step before it, or of
// its own step), and the token `run` prints names the step it fired at, which replays the trial.
TEST(Trial, CrashesPlacedAtEventsFireThereAndReplayByStep) {
  Scenario scenario = Load("basic/running_count");
  using Kind = CrashEvent::Kind;
  struct Case {
    CrashEvent event;
    int label_offset;  // the matched step: the one before the crash (after) or its own (before)
    const char* label_end;
  };
  const Case cases[] = {
      {{Kind::kCheckpointWritten, "1500", 1, true},
       -1,
       "rename /checkpoint/temp -> /checkpoint/checkpoint-1500"},
      {{Kind::kRename, "/checkpoint/checkpoint-1000", 2, false},
       0,
       "rename /checkpoint/checkpoint-1000 -> /checkpoint/checkpoint-1000.bk"},
      {{Kind::kBatchCompleted, "2000", 1, false},
       0,
       "batch 2000 \u00b7 generator \u00b7 ClearMetadata"},
      {{Kind::kCleanup, "2500", 1, true},
       -1,
       "batch 2500 \u00b7 generator \u00b7 ClearCheckpointData"},
  };
  for (const Case& c : cases) {
    TrialSpec spec;
    spec.crashes = {CrashSpec{c.event, ckpt::Duration{700}}};
    SCOPED_TRACE(spec.token());
    RunOptions options;
    options.record_steps = true;
    TrialRun run = RunTrial(scenario, spec, options);
    ASSERT_TRUE(run.incarnations.at(0).crashed_at.has_value());
    uint64_t fired = run.incarnations[0].steps - 1;
    auto matched = std::find_if(run.steps.begin(), run.steps.end(), [&](const StepRecord& step) {
      return step.incarnation == 0 && step.step == fired + static_cast<uint64_t>(c.label_offset);
    });
    ASSERT_NE(matched, run.steps.end());
    EXPECT_TRUE(matched->label.ends_with(c.label_end)) << matched->label;
    std::string token = ResolvedRunToken(spec, run);
    EXPECT_EQ(token, "c" + std::to_string(fired) + "+700");
    EXPECT_FALSE(TrialSpec::ParseToken(spec.token()).ok()) << "an unresolved event is no token";
    EXPECT_EQ(RunTrial(scenario, TrialSpec::ParseToken(token).value(), RunOptions{}).digest,
              RunTrial(scenario, spec, RunOptions{}).digest);
  }
  // An event that never happens: no crash, and a token whose crash does not fire either.
  TrialSpec never;
  never.crashes = {CrashSpec{CrashEvent{Kind::kCleanup, "99999"}, ckpt::Duration{0}}};
  TrialRun run = RunTrial(scenario, never, RunOptions{});
  EXPECT_FALSE(run.incarnations.at(0).crashed_at.has_value());
  TrialRun replayed =
      RunTrial(scenario, TrialSpec::ParseToken(ResolvedRunToken(never, run)).value(), RunOptions{});
  EXPECT_FALSE(replayed.incarnations.at(0).crashed_at.has_value());
  EXPECT_EQ(replayed.digest, run.digest);
}

TEST(Trial, WalWriteEventsCountTheWriteAheadLogsWrites) {
  const CrashEvent third_write{CrashEvent::Kind::kWalWrite, "", 3, false};
  EXPECT_FALSE(CrashEventMatches(
      third_write, "receiver \u00b7 block \u203a create /checkpoint/receivedData/0/log-250-1250",
      "/checkpoint"));
  EXPECT_TRUE(CrashEventMatches(
      third_write, "receiver \u00b7 block \u203a write /checkpoint/receivedData/0/log-250-1250",
      "/checkpoint"));
  EXPECT_TRUE(CrashEventMatches(third_write,
                                "batch 500 \u00b7 generator \u00b7 GenerateJobs \u203a write "
                                "/ck/receivedBlockMetadata/log-0-1000",
                                "/ck"));
  Scenario scenario = Load("receiver/reliable_receiver_with_wal");
  TrialSpec spec;
  spec.crashes = {CrashSpec{third_write, ckpt::Duration{0}}};
  RunOptions options;
  options.record_steps = true;
  TrialRun run = RunTrial(scenario, spec, options);
  ASSERT_TRUE(run.incarnations.at(0).crashed_at.has_value());
  int writes_before = 0;
  for (const StepRecord& step : run.steps) {
    if (step.incarnation != 0 || step.step >= run.incarnations[0].steps - 1) continue;
    if (CrashEventMatches(third_write, step.label, "/checkpoint")) ++writes_before;
  }
  EXPECT_EQ(writes_before, 2);
}

// An action inside a transform runs again when recovery recomputes an older batch's RDD from its
// lineage (Spark calls the transform function again): its sink may see that batch again, with
// the same records, but not different ones.
TEST(TransformActions, RecomputedOlderBatchesMayEmitAgainButNotDifferently) {
  Scenario scenario = Load("situations/transform_with_two_sources");
  Reference reference =
      BuildReference(scenario, RunTrial(scenario, TrialSpec{}, RunOptions{})).reference;
  for (uint64_t step = 40; step < 120; ++step) {
    TrialSpec spec = TrialSpec::ParseToken("c" + std::to_string(step) + "+0").value();
    TrialRun run = RunTrial(scenario, spec, RunOptions{});
    auto again = std::find_if(run.emissions.begin(), run.emissions.end(), [&](const Emission& e) {
      return e.incarnation == 1 && e.output == "/out/attributed" &&
             e.batch_time < run.incarnations.at(1).checkpoint_time;
    });
    if (again == run.emissions.end()) continue;
    EXPECT_TRUE(CheckTrial(scenario, reference, run).empty()) << spec.token();
    again->records.push_back(ckpt::Value::String("extra"));
    std::vector<Failure> failures = CheckTrial(scenario, reference, run);
    ASSERT_FALSE(failures.empty());
    EXPECT_EQ(failures.front().kind, FailureKind::kDivergentOutput) << failures.front().detail;
    return;
  }
  FAIL() << "no trial re-emitted an older batch through the transform's action";
}

// expect_state: judged on the scenario's own trial, at its events, in the processes it names; a
// wrong expectation names its line and what the engine held; one whose event never happens in
// its process fails; and an engine that cleans up too early (SPARK-6222 reverted) breaks them.
TEST(StateExpectations, HoldOnTheOwnTrialAndNameTheirLineWhenBroken) {
  const Scenario port = Load("spark/checkpointsuite_basic_rdd_checkpoints");
  ASSERT_EQ(port.expect_state.size(), 5u);
  ExploreOptions options;
  options.strategy = Strategy::kRun;
  EXPECT_EQ(Explore({port}, options).failures, 0u);

  Scenario wrong = port;
  wrong.expect_state[1].fields["streams.state.checkpoint_data_times"] = "[2000, 4000]";
  wrong.expect_state[4].process = 1;  // its event happens in process 2
  ExploreResult result = Explore({wrong}, options);
  ASSERT_EQ(result.failing.size(), 1u);
  RunOptions observing;
  observing.observe_state = true;
  TrialRun run = RunTrial(wrong, TrialSpec{wrong.crashes}, observing);
  std::vector<std::string> details;
  for (const Failure& f : References(wrong, RunOptions{}).check(run)) details.push_back(f.detail);
  ASSERT_EQ(details.size(), 2u);
  EXPECT_NE(details[0].find(wrong.expect_state[1].origin +
                            ": expect_state[1] (after cleanup 4000, process 0): "
                            "streams.state.checkpoint_data_times in process 0: expected "
                            "[2000, 4000], was [3000, 4000]"),
            std::string::npos)
      << details[0];
  EXPECT_NE(details[1].find("expect_state[4] (before batch_completed 5000, process 1): its event "
                            "never happened in that process"),
            std::string::npos)
      << details[1];
  // Exploration's trials are not the test's run: they do not observe.
  options.strategy = Strategy::kExhaustive;
  EXPECT_EQ(Explore({wrong}, options).failures, 0u);

  options.strategy = Strategy::kRun;
  options.run.defects.add(ckpt::Defect::kClearOnEveryCheckpoint);
  options.run.record_protocol = false;
  ExploreResult broken = Explore({port}, options);
  ASSERT_EQ(broken.failing.size(), 1u);
  EXPECT_NE(broken.failing[0].failure.detail.find("expect_state["), std::string::npos)
      << broken.failing[0].failure.detail;
}

// rdd_files_present reads the disk (CheckpointSuite's "the checkpoint files exist"): an engine
// whose cleanup deletes a file its checkpoint data still references shows it at once, in the
// first process, although the data's times are unchanged.
TEST(StateExpectations, RddFilesPresentSeesAFileDeletedUnderTheCheckpointData) {
  const Scenario port = Load("spark/checkpointsuite_basic_rdd_checkpoints");
  RunOptions observing;
  observing.observe_state = true;
  observing.defects.add(ckpt::Defect::kCleanupReferencedRddFiles);
  TrialRun run = RunTrial(port, TrialSpec{port.crashes}, observing);
  std::vector<std::string> details;
  for (const Failure& f : References(port, RunOptions{}).check(run)) {
    if (f.kind == FailureKind::kExpectationMismatch) details.push_back(f.detail);
  }
  std::string all;
  for (const std::string& detail : details) all += detail + "\n";
  EXPECT_EQ(all.find("checkpoint_data_times"), std::string::npos) << all;
  EXPECT_NE(all.find("expect_state[0] (after cleanup 2000, process 0): "
                     "streams.state.rdd_files_present in process 0: expected [1000, 2000], was "),
            std::string::npos)
      << all;
}

// A file stream's options: newFilesOnly = false takes a file older than the context (its
// modification time set back), newFilesOnly = true does not, and a path filter keeps the names it
// accepts; the filter is checkpointed with the graph, so a recovered stream filters alike.
TEST(FileStreamOptions, NewFilesOnlyOldModificationTimesAndAPathFilter) {
  auto first_batch = [](const Scenario& scenario, const TrialSpec& spec) {
    TrialRun run = RunTrial(scenario, spec, RunOptions{});
    return run.emissions.empty() ? ckpt::Records{} : run.emissions.front().records;
  };
  const Scenario all = Load("spark/inputstreamssuite_file_stream_new_files_only_false");
  const ckpt::Value zero = ckpt::Value::String("0"), one = ckpt::Value::String("1");
  EXPECT_EQ(first_batch(all, TrialSpec{}), (ckpt::Records{zero, one}));
  Scenario new_only = all;
  new_only.source.get<FileInput>()->new_files_only = true;
  EXPECT_EQ(first_batch(new_only, TrialSpec{}), (ckpt::Records{one}));

  Scenario filtered = all;
  filtered.source.get<FileInput>()->path_filter = {"ends_with", {ckpt::Value::String("3")}};
  filtered.expect.clear();  // the unfiltered test's
  filtered.expect_all_runs.clear();
  TrialRun run = RunTrial(filtered, TrialSpec{}, RunOptions{});
  ckpt::Records emitted;
  for (const Emission& e : run.emissions)
    emitted.insert(emitted.end(), e.records.begin(), e.records.end());
  EXPECT_EQ(emitted, (ckpt::Records{ckpt::Value::String("3")}));
  // Recovered after the first checkpoints, the stream still filters.
  ExploreOptions options;
  options.strategy = Strategy::kExhaustive;
  EXPECT_EQ(Explore({filtered}, options).failures, 0u);
}

}  // namespace
}  // namespace sim
