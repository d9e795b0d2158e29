// The protocol oracle (oracle/protocol.h) judged on itself: recorded runs of the bundled
// scenarios keep every rule, before and after a crash at any step; and each rule, broken in an
// otherwise real recorded run, is reported under its own name.
#include "oracle/protocol.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <limits>

#include "oracle/check.h"
#include "oracle/protocol_spec.h"
#include "scenario/swarm.h"
#include "sim/start_check.h"
#include "sim/trial.h"
#include "testing/bundled_scenario.h"

namespace sim {
namespace {

using ckpt::FileOperation;
using ckpt::Time;
using Kind = ProtocolEvent::Kind;

std::vector<Failure> Violations(const Scenario& scenario, const TrialRun& run) {
  std::vector<Failure> failures;
  CheckProtocol(scenario, run, ApplicationOf(run), failures);
  return failures;
}

std::string Describe(const std::vector<Failure>& failures) {
  std::string text;
  for (const Failure& f : failures) text += f.detail + "\n";
  return text;
}

// Whether `failures` hold a breach of `rule` (and nothing but protocol violations).
bool Breaks(const std::vector<Failure>& failures, const std::string& rule) {
  return std::any_of(failures.begin(), failures.end(), [&](const Failure& f) {
    return f.kind == FailureKind::kProtocolViolation &&
           f.detail.find("rule " + rule + " ") != std::string::npos;
  });
}

TrialRun Crashed(const Scenario& scenario, const std::string& token) {
  ckpt::Result<TrialSpec> spec = TrialSpec::ParseToken(token);
  EXPECT_TRUE(spec.ok());
  return RunTrial(scenario, spec.value(), RunOptions{});
}

// The first event of incarnation `i` that `match` accepts.
ProtocolEvent* Find(TrialRun& run, size_t i,
                    const std::function<bool(const ProtocolEvent&)>& match) {
  for (ProtocolEvent& event : run.incarnations.at(i).protocol) {
    if (match(event)) return &event;
  }
  return nullptr;
}

bool IsFile(const ProtocolEvent& e, FileOperation operation, const std::string& path = "") {
  return e.kind == Kind::kFile && e.file.operation == operation &&
         (path.empty() || e.file.path == path);
}

class ProtocolOracleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scenario_ = testing::LoadBundled("basic/running_count");
    // A crash while the writer renames temp to checkpoint-1500: incarnation 1 recovers from
    // checkpoint-1000, restarts, and writes more than 10 checkpoints, some under a name newer than
    // their content (slow batches around 4500 ms).
    run_ = Crashed(scenario_, "c60+0");
    ASSERT_EQ(run_.incarnations.size(), 2u);
    ASSERT_TRUE(run_.incarnations[1].recovered);
    ASSERT_TRUE(Violations(scenario_, run_).empty()) << Describe(Violations(scenario_, run_));
  }
  void ExpectBreach(const std::string& rule) {
    std::vector<Failure> failures = Violations(scenario_, run_);
    EXPECT_TRUE(Breaks(failures, rule)) << "got:\n" << Describe(failures);
  }
  Scenario scenario_;
  TrialRun run_;
};

TEST(ProtocolOracle, BundledRunsKeepEveryRuleAtEveryCrashStep) {
  for (const char* name :
       {"basic/running_count", "basic/partitioned_log", "basic/concurrent_jobs",
        "receiver/reliable_receiver_with_wal", "situations/restarted_clock_behind",
        "situations/checkpoint_dir_named_like_a_checkpoint", "situations/recovered_conf_on_yarn"}) {
    Scenario scenario = testing::LoadBundled(name);
    TrialRun clean = RunTrial(scenario, TrialSpec{}, RunOptions{});
    ASSERT_TRUE(clean.protocol_recorded);
    ASSERT_FALSE(clean.incarnations.at(0).protocol.empty());
    EXPECT_TRUE(Violations(scenario, clean).empty()) << name;
    for (uint64_t step = 1; step < clean.total_steps; step += 3) {
      TrialRun run = Crashed(scenario, "c" + std::to_string(step) + "+0");
      std::vector<Failure> failures = Violations(scenario, run);
      EXPECT_TRUE(failures.empty()) << name << " step " << step << ":\n" << Describe(failures);
    }
  }
}

TEST(ProtocolOracle, RunsRecordedWithoutProtocolAreNotJudged) {
  Scenario scenario = testing::LoadBundled("basic/running_count");
  RunOptions options;
  options.record_protocol = false;
  TrialRun run = RunTrial(scenario, TrialSpec{}, options);
  EXPECT_FALSE(run.protocol_recorded);
  EXPECT_TRUE(run.incarnations.at(0).protocol.empty());
}

TEST_F(ProtocolOracleTest, ReaderOrder) {
  ProtocolEvent* read =
      Find(run_, 1, [](const ProtocolEvent& e) { return IsFile(e, FileOperation::kRead); });
  ASSERT_NE(read, nullptr);
  read->file.path = scenario_.checkpoint_dir + "/temp";
  ExpectBreach("reader.order");
}

// Residual SPARK-28912: a near-miss name in the listing makes the reader throw before any read.
TEST_F(ProtocolOracleTest, ReaderOrderNearMissName) {
  ProtocolEvent* listing = Find(run_, 1, [&](const ProtocolEvent& e) {
    return IsFile(e, FileOperation::kList, scenario_.checkpoint_dir);
  });
  ASSERT_NE(listing, nullptr);
  listing->file.listing.push_back("old-checkpoint-1");
  ExpectBreach("reader.order");
}

TEST_F(ProtocolOracleTest, ReaderChoice) {
  ProtocolEvent* recovered =
      Find(run_, 1, [](const ProtocolEvent& e) { return e.kind == Kind::kRecovered; });
  ASSERT_NE(recovered, nullptr);
  recovered->path += ".bk";
  ExpectBreach("reader.choice");
}

// Fix::kReaderRetriesAFailedRead: a failed read of the newest file is followed by a second read
// of the same file; without the fix, Spark's reader would have moved on to an older one.
TEST_F(ProtocolOracleTest, ReaderOrderRetryOnlyWithItsFix) {
  std::vector<ProtocolEvent>& events = run_.incarnations[1].protocol;
  auto read = std::find_if(events.begin(), events.end(),
                           [](const ProtocolEvent& e) { return IsFile(e, FileOperation::kRead); });
  ASSERT_NE(read, events.end());
  ProtocolEvent failed = *read;
  failed.file.ok = false;
  events.insert(read, failed);
  ExpectBreach("reader.order");
  run_.fixes.add(ckpt::Fix::kReaderRetriesAFailedRead);
  EXPECT_TRUE(Violations(scenario_, run_).empty()) << Describe(Violations(scenario_, run_));
}

// Fix::kWriterLearnsNewestName: no file the writer names is older than the newest checkpoint of
// the directory as the process found it (a fixed writer that went on after a failed listing wrote
// under an older name; the rule sees it, not only the recovery it broke).
TEST(ProtocolOracle, WriterFileNameNotOlderThanTheNewestAtStartWithItsFix) {
  Scenario scenario = testing::LoadBundled("basic/running_count");
  RunOptions options;
  options.fixes.add(ckpt::Fix::kWriterLearnsNewestName);
  TrialRun run = RunTrial(scenario, TrialSpec::ParseToken("c60+0").value(), options);
  ASSERT_EQ(run.incarnations.size(), 2u);
  ASSERT_TRUE(Violations(scenario, run).empty()) << Describe(Violations(scenario, run));
  ProtocolEvent* listing = Find(run, 1, [&](const ProtocolEvent& e) {
    return IsFile(e, FileOperation::kList, scenario.checkpoint_dir);
  });
  ASSERT_NE(listing, nullptr);
  listing->file.listing.push_back("checkpoint-99000");
  std::vector<Failure> failures = Violations(scenario, run);
  EXPECT_TRUE(Breaks(failures, "writer.file_name")) << Describe(failures);
}

TEST_F(ProtocolOracleTest, ReaderFallback) {
  // Incarnation 1 starts afresh without reading the checkpoint files of its listing.
  std::vector<ProtocolEvent>& events = run_.incarnations[1].protocol;
  std::erase_if(events, [](const ProtocolEvent& e) {
    return IsFile(e, FileOperation::kRead) || e.kind == Kind::kRecovered ||
           e.kind == Kind::kRestart;
  });
  Find(run_, 1, [](const ProtocolEvent& e) { return e.kind == Kind::kStarted; })->recovered = false;
  ExpectBreach("reader.fallback");
}

TEST_F(ProtocolOracleTest, ReaderNameNotOlderThanContent) {
  ProtocolEvent* recovered =
      Find(run_, 1, [](const ProtocolEvent& e) { return e.kind == Kind::kRecovered; });
  recovered->time = recovered->time + scenario_.batch_duration;
  ExpectBreach("reader.name_not_older_than_content");
}

TEST_F(ProtocolOracleTest, WriterAtomicReplace) {
  std::string temp = scenario_.checkpoint_dir + "/temp";
  Find(run_, 1, [&](const ProtocolEvent& e) {
    return IsFile(e, FileOperation::kCreate, temp);
  })->file.path = scenario_.checkpoint_dir + "/checkpoint-500";
  ExpectBreach("writer.atomic_replace");
}

TEST_F(ProtocolOracleTest, WriterTempComplete) {
  std::string temp = scenario_.checkpoint_dir + "/temp";
  std::vector<ProtocolEvent>& events = run_.incarnations[1].protocol;
  auto close = std::find_if(events.begin(), events.end(), [&](const ProtocolEvent& e) {
    return IsFile(e, FileOperation::kClose, temp);
  });
  ASSERT_NE(close, events.end());
  events.erase(close);
  ExpectBreach("writer.temp_complete");
}

TEST_F(ProtocolOracleTest, WriterBackup) {
  std::vector<ProtocolEvent>& events = run_.incarnations[1].protocol;
  auto backup = std::find_if(events.begin(), events.end(), [](const ProtocolEvent& e) {
    return IsFile(e, FileOperation::kRename) && e.file.target == e.file.path + ".bk";
  });
  ASSERT_NE(backup, events.end()) << "the run must replace a checkpoint of the same name";
  events.erase(backup);
  ExpectBreach("writer.backup");
}

TEST_F(ProtocolOracleTest, WriterFileName) {
  std::string temp = scenario_.checkpoint_dir + "/temp";
  ProtocolEvent* rename = Find(run_, 1, [&](const ProtocolEvent& e) {
    return IsFile(e, FileOperation::kRename, temp) && e.file.target.ends_with("-4500");
  });
  ASSERT_NE(rename, nullptr);
  rename->file.target = scenario_.checkpoint_dir + "/checkpoint-4000";
  ExpectBreach("writer.file_name");
}

TEST_F(ProtocolOracleTest, WriterRetention) {
  std::vector<ProtocolEvent>& events = run_.incarnations[1].protocol;
  auto surplus = std::find_if(events.begin(), events.end(), [&](const ProtocolEvent& e) {
    return IsFile(e, FileOperation::kDelete) && !e.file.path.ends_with(".bk") &&
           e.file.path.find("/checkpoint-") != std::string::npos;
  });
  ASSERT_NE(surplus, events.end()) << "the run must keep more than 10 checkpoint files";
  events.erase(surplus);
  ExpectBreach("writer.retention");
}

bool IsRddDelete(const ProtocolEvent& e) {
  return IsFile(e, FileOperation::kDelete) && e.file.path.find("/rdd-") != std::string::npos;
}

// rdd.cleanup_files: a delete before any ClearCheckpointData; a cleanup that keeps a file it
// must delete; one that deletes a file the checkpoint still references (the reverted fix of
// cleanup-referenced-rdd-files, in a real run).
TEST_F(ProtocolOracleTest, RddCleanupFilesOnlyInsideClearCheckpointData) {
  std::vector<ProtocolEvent>& events = run_.incarnations[0].protocol;
  auto started = std::find_if(events.begin(), events.end(),
                              [](const ProtocolEvent& e) { return e.kind == Kind::kStarted; });
  ProtocolEvent early;
  early.file = {FileOperation::kDelete, scenario_.checkpoint_dir + "/u1/rdd-3", "", true, {}};
  events.insert(started + 1, early);
  ExpectBreach("rdd.cleanup_files");
}

TEST_F(ProtocolOracleTest, RddCleanupFilesDeletesEveryOlderFile) {
  std::vector<ProtocolEvent>& events = run_.incarnations[1].protocol;
  auto cleanup = std::find_if(events.begin(), events.end(), IsRddDelete);
  ASSERT_NE(cleanup, events.end()) << "the recovered process must delete an RDD file";
  events.erase(cleanup);
  ExpectBreach("rdd.cleanup_files");
}

TEST_F(ProtocolOracleTest, RddCleanupFilesKeepsTheReferencedFiles) {
  RunOptions defect;
  defect.defects.add(ckpt::Defect::kCleanupReferencedRddFiles);
  std::vector<Failure> failures = Violations(scenario_, RunTrial(scenario_, TrialSpec{}, defect));
  EXPECT_TRUE(Breaks(failures, "rdd.cleanup_files")) << Describe(failures);
}

// rdd.referenced_files_exist: the recovered process restores RDD files of checkpoint-1000; a
// delete of one of them before the crash breaks the rule, unless the reader fell back to that
// file past an unreadable newer one (W5: Spark promises nothing then).
class RddReferencedFilesTest : public ProtocolOracleTest {
 protected:
  void SetUp() override {
    ProtocolOracleTest::SetUp();
    restored_ = Find(run_, 1, [](const ProtocolEvent& e) {
      return e.kind == Kind::kRestored && !e.rdd_files.empty();
    });
    ASSERT_NE(restored_, nullptr) << "the recovered process must restore an RDD file";
    ProtocolEvent deleted;
    deleted.at = run_.incarnations[0].protocol.back().at;
    deleted.file = {FileOperation::kDelete, restored_->rdd_files.begin()->second, "", true, {}};
    run_.incarnations[0].protocol.push_back(deleted);
  }
  ProtocolEvent* restored_ = nullptr;
};

TEST_F(RddReferencedFilesTest, ADeletedReferenceBreaksTheRule) {
  ExpectBreach("rdd.referenced_files_exist");
  std::vector<Failure> failures = Violations(scenario_, run_);
  auto breach = std::find_if(failures.begin(), failures.end(), [](const Failure& f) {
    return f.rule == "rdd.referenced_files_exist";
  });
  ASSERT_NE(breach, failures.end());
  EXPECT_NE(breach->detail.find("deleted at"), std::string::npos) << breach->detail;
  EXPECT_NE(breach->detail.find("by incarnation 0"), std::string::npos) << breach->detail;
}

TEST_F(RddReferencedFilesTest, AFileRenamedBackIntoPlaceExists) {
  ProtocolEvent renamed;
  renamed.at = run_.incarnations[0].protocol.back().at;
  std::string path = restored_->rdd_files.begin()->second + "/part-00000";
  renamed.file = {FileOperation::kRename, path + ".tmp", path, true, {}};
  run_.incarnations[0].protocol.push_back(renamed);
  EXPECT_FALSE(Breaks(Violations(scenario_, run_), "rdd.referenced_files_exist"));
}

TEST_F(RddReferencedFilesTest, AReaderThatFellBackIsNotHeldToIt) {
  std::vector<ProtocolEvent>& events = run_.incarnations[1].protocol;
  auto recovered = std::find_if(events.begin(), events.end(),
                                [](const ProtocolEvent& e) { return e.kind == Kind::kRecovered; });
  ASSERT_NE(recovered, events.end());
  ProtocolEvent unreadable;
  unreadable.kind = Kind::kUnreadable;
  unreadable.at = recovered->at;
  unreadable.path = scenario_.checkpoint_dir + "/checkpoint-1500: torn";
  events.insert(recovered, unreadable);
  EXPECT_FALSE(Breaks(Violations(scenario_, run_), "rdd.referenced_files_exist"));
}

// The reverted fix of cleanup-referenced-rdd-files in real runs: a crash after a cleanup that
// deleted a file the newest checkpoint references.
TEST(ProtocolOracle, RddReferencedFilesExistFindsTheDefectAfterACrash) {
  Scenario scenario = testing::LoadBundled("basic/running_count");
  RunOptions defect;
  defect.defects.add(ckpt::Defect::kCleanupReferencedRddFiles);
  uint64_t steps = RunTrial(scenario, TrialSpec{}, defect).total_steps;
  int found = 0;
  for (uint64_t step = 1; step < steps; ++step) {
    ckpt::Result<TrialSpec> spec = TrialSpec::ParseToken("c" + std::to_string(step) + "+0");
    ASSERT_TRUE(spec.ok());
    found += Breaks(Violations(scenario, RunTrial(scenario, spec.value(), defect)),
                    "rdd.referenced_files_exist");
  }
  EXPECT_GT(found, 0);
}

// SPARK-6222: a recorded ClearCheckpointData whose batch's completion-time checkpoint is reported
// as a generation-time one (clearLater = false); and the reverted fix in a real run.
TEST_F(ProtocolOracleTest, ClearAfterCompletionCheckpoint) {
  ProtocolEvent* cleared =
      Find(run_, 0, [](const ProtocolEvent& e) { return e.kind == Kind::kCleared; });
  ASSERT_NE(cleared, nullptr);
  Time batch = cleared->time;
  for (ProtocolEvent& e : run_.incarnations[0].protocol) {
    if (e.kind == Kind::kWritten && e.time == batch) e.clear_later = false;
  }
  ExpectBreach("clear.after_completion_checkpoint");

  RunOptions defect;
  defect.defects.add(ckpt::Defect::kClearOnEveryCheckpoint);
  EXPECT_TRUE(Breaks(Violations(scenario_, RunTrial(scenario_, TrialSpec{}, defect)),
                     "clear.after_completion_checkpoint"));
}

TEST_F(ProtocolOracleTest, RestartTime) {
  ProtocolEvent* restart =
      Find(run_, 1, [](const ProtocolEvent& e) { return e.kind == Kind::kRestart; });
  restart->time = restart->time + scenario_.batch_duration;
  ExpectBreach("restart.time");
  // Judged from the clock reading the engine reported, not the event's own time: a real process's
  // clock moves between the reading and the journal line.
  restart->time = restart->time - scenario_.batch_duration;
  restart->at = restart->at + scenario_.batch_duration;
  EXPECT_TRUE(Violations(scenario_, run_).empty()) << Describe(Violations(scenario_, run_));
  restart->clock = restart->clock + scenario_.batch_duration;
  ExpectBreach("restart.time");
}

TEST_F(ProtocolOracleTest, RestartRescheduleSet) {
  ProtocolEvent* restart =
      Find(run_, 1, [](const ProtocolEvent& e) { return e.kind == Kind::kRestart; });
  ASSERT_FALSE(restart->times.empty());
  restart->times.erase(restart->times.begin());  // the batch at the checkpoint time is always run
  ExpectBreach("restart.reschedule_set");
}

// A hostile record (a journal is a file) cannot overflow the rules' arithmetic or make them loop:
// times at the ends of int64 give a breach, at once.
TEST_F(ProtocolOracleTest, HostileTimesAreABreachNotAHang) {
  ProtocolEvent* recovered =
      Find(run_, 1, [](const ProtocolEvent& e) { return e.kind == Kind::kRecovered; });
  recovered->time = Time{std::numeric_limits<int64_t>::min()};
  ProtocolEvent* restart =
      Find(run_, 1, [](const ProtocolEvent& e) { return e.kind == Kind::kRestart; });
  restart->at = restart->clock = Time{std::numeric_limits<int64_t>::max()};
  ExpectBreach("restart.reschedule_set");
  ExpectBreach("restart.time");
}

// A recovered context's conf keeps the crashed driver's ports (SPARK-30199 reverted).
TEST(ProtocolOracle, ConfReload) {
  Scenario scenario = testing::LoadBundled("situations/recovered_conf_on_yarn");
  TrialRun run = Crashed(scenario, "c13+0");
  ASSERT_TRUE(run.incarnations.at(1).recovered);
  ASSERT_TRUE(Violations(scenario, run).empty()) << Describe(Violations(scenario, run));
  run.incarnations[1].conf["spark.ui.port"] = "4040";
  EXPECT_TRUE(Breaks(Violations(scenario, run), "conf.reload"));
  run.incarnations[1].conf["spark.ui.port"] = "4041";
  run.incarnations[1].conf.erase("spark.myapp.setting");  // a checkpointed key lost
  EXPECT_TRUE(Breaks(Violations(scenario, run), "conf.reload"));
}

TEST(ProtocolOracle, LogRestoredRanges) {
  Scenario scenario = testing::LoadBundled("basic/partitioned_log");
  TrialRun clean = RunTrial(scenario, TrialSpec{}, RunOptions{});
  for (uint64_t step = 1; step < clean.total_steps; ++step) {
    TrialRun run = Crashed(scenario, "c" + std::to_string(step) + "+0");
    auto restored = std::find_if(run.input_batches.begin(), run.input_batches.end(),
                                 [](const InputBatch& b) { return b.restored; });
    if (restored == run.input_batches.end()) continue;
    ASSERT_TRUE(Violations(scenario, run).empty());
    restored->ranges.front().until += 1;
    EXPECT_TRUE(Breaks(Violations(scenario, run), "log.restored_ranges"));
    return;
  }
  FAIL() << "no crash step makes a batch restore its offset ranges";
}

TEST(ProtocolOracle, ReceiverReadsAllocation) {
  Scenario scenario = testing::LoadBundled("receiver/reliable_receiver_with_wal");
  TrialRun run = RunTrial(scenario, TrialSpec{}, RunOptions{});
  ASSERT_FALSE(run.receiver_allocations.empty());
  ASSERT_TRUE(Violations(scenario, run).empty());
  for (ReceiverAllocation& allocation : run.receiver_allocations) {
    if (allocation.ranges.size() < 2) continue;
    allocation.ranges.pop_back();  // the batch reads a block it was not allocated
    EXPECT_TRUE(Breaks(Violations(scenario, run), "receiver.reads_allocation"));
    return;
  }
  FAIL() << "no allocation of two blocks";
}

// The specification's remember duration of the input (DStream.initialize and remember, computed
// from the scenario) against the engine's graph once started, for every bundled scenario that
// checkpoints and for swarm variants of each: the two are written apart and must agree.
TEST(ProtocolOracle, InputRememberDurationAgreesWithTheEngine) {
  ckpt::Result<std::vector<Scenario>> bundled = LoadScenarios(CKPTSIM_SOURCE_DIR "/scenarios");
  ASSERT_TRUE(bundled.ok()) << bundled.status().to_string();
  int compared = 0;
  for (const Scenario& scenario : bundled.value()) {
    if (scenario.checkpoint_dir.empty() || scenario.source.kind() == SourceKind::kFile ||
        scenario.engine == Engine::kStructured) {
      continue;
    }
    for (uint64_t variant = 0; variant < 4; ++variant) {
      Scenario s = variant == 0 ? scenario : ScenarioVariant(scenario, variant);
      std::optional<int64_t> engine_ms;
      ckpt::Status started =
          CheckApplicationStarts(s, [&](ckpt::StreamingContext& context, const BuiltSteps&) {
            engine_ms = context.graph().max_input_remember_duration().ms;
          });
      if (!started.ok()) continue;
      EXPECT_EQ(protocol::InputRememberMs(s).value_or(0), engine_ms.value_or(-1))
          << s.name << " variant " << variant;
      ++compared;
    }
  }
  EXPECT_GT(compared, 100);
}

// receiver.log_cleanup on a recorded run of a receiver scenario whose driver block log rolls
// every second: a delete moved before any ClearCheckpointData, a cleanup that keeps an expired
// file, and one that deletes a file its threshold still keeps.
class BlockLogCleanupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scenario_ = testing::LoadBundled("situations/rescheduled_with_unallocated_blocks");
    run_ = RunTrial(scenario_, TrialSpec{}, RunOptions{});
    ASSERT_TRUE(Violations(scenario_, run_).empty()) << Describe(Violations(scenario_, run_));
    events_ = &run_.incarnations.at(0).protocol;
    delete_ = std::find_if(events_->begin(), events_->end(), [&](const ProtocolEvent& e) {
      return IsFile(e, FileOperation::kDelete) &&
             e.file.path.starts_with(scenario_.checkpoint_dir + "/receivedBlockMetadata/log-");
    });
    ASSERT_NE(delete_, events_->end()) << "the uncrashed run must clean its block log";
  }
  void ExpectBreach() {
    std::vector<Failure> failures = Violations(scenario_, run_);
    EXPECT_TRUE(Breaks(failures, "receiver.log_cleanup")) << "got:\n" << Describe(failures);
  }
  Scenario scenario_;
  TrialRun run_;
  std::vector<ProtocolEvent>* events_ = nullptr;
  std::vector<ProtocolEvent>::iterator delete_;
};

TEST_F(BlockLogCleanupTest, OnlyInsideClearCheckpointData) {
  ProtocolEvent early = *delete_;
  events_->erase(delete_);
  auto started = std::find_if(events_->begin(), events_->end(),
                              [](const ProtocolEvent& e) { return e.kind == Kind::kStarted; });
  events_->insert(started + 1, early);
  ExpectBreach();
}

TEST_F(BlockLogCleanupTest, KeepsNoExpiredFile) {
  events_->erase(delete_);
  ExpectBreach();
}

// A delete that failed leaves the file on disk, gone from the log's past logs (Spark's clean
// drops it first): no later cleanup of this process owes it, and the others it still must do.
TEST_F(BlockLogCleanupTest, AFailedDeleteIsNotOwedAgain) {
  delete_->file.ok = false;
  EXPECT_FALSE(Breaks(Violations(scenario_, run_), "receiver.log_cleanup"));
  auto next = std::find_if(delete_ + 1, events_->end(), [&](const ProtocolEvent& e) {
    return IsFile(e, FileOperation::kDelete) &&
           e.file.path.starts_with(scenario_.checkpoint_dir + "/receivedBlockMetadata/log-");
  });
  ASSERT_NE(next, events_->end()) << "the run must clean its block log twice";
  events_->erase(next);
  ExpectBreach();
}

TEST_F(BlockLogCleanupTest, KeepsWhatTheRememberDurationNeeds) {
  // The same delete judged by an earlier ClearCheckpointData: the file ends after its threshold.
  auto cleared = std::find_if(std::make_reverse_iterator(delete_), events_->rend(),
                              [](const ProtocolEvent& e) { return e.kind == Kind::kCleared; });
  ASSERT_NE(cleared, events_->rend());
  cleared->time = cleared->time - ckpt::Duration{*protocol::InputRememberMs(scenario_)};
  ExpectBreach();
}

// The defect block-cleanup-ignores-remember (cleaning before t minus one batch) in a real run: the
// uncrashed run breaks the rule, where its outputs alone show nothing.
TEST_F(BlockLogCleanupTest, FindsTheDefectInARealRun) {
  RunOptions defect;
  defect.defects.add(ckpt::Defect::kBlockCleanupIgnoresRemember);
  std::vector<Failure> failures = Violations(scenario_, RunTrial(scenario_, TrialSpec{}, defect));
  EXPECT_TRUE(Breaks(failures, "receiver.log_cleanup")) << Describe(failures);
}

TEST(ProtocolOracle, EveryRuleHasATestAbove) {
  // The rules this file breaks one by one; a rule added without a test fails here.
  const std::vector<std::string> tested = {"reader.order",
                                           "reader.choice",
                                           "reader.fallback",
                                           "reader.name_not_older_than_content",
                                           "writer.atomic_replace",
                                           "writer.temp_complete",
                                           "writer.backup",
                                           "writer.file_name",
                                           "writer.retention",
                                           "clear.after_completion_checkpoint",
                                           "rdd.cleanup_files",
                                           "rdd.referenced_files_exist",
                                           "restart.time",
                                           "restart.reschedule_set",
                                           "conf.reload",
                                           "log.restored_ranges",
                                           "receiver.reads_allocation",
                                           "receiver.log_cleanup"};
  std::vector<std::string> rules;
  for (const ProtocolRule& rule : ProtocolRules()) rules.push_back(rule.name);
  EXPECT_EQ(rules, tested);
}

}  // namespace
}  // namespace sim
