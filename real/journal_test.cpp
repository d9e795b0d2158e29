// The journal between a real process and its judge: what JournalWriter writes, RunFromJournal
// reads back into the TrialRun the oracle judges, exactly (every value kind, every event), and
// what a kill can leave behind (a torn last line) is tolerated while any other damage is
// reported with its line number.
#include "real/journal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "engine/runtime/posix_file_system.h"
#include "real/serve.h"
#include "real/structured_journal.h"
#include "testing/bundled_scenario.h"

namespace real {
namespace {

using ckpt::Time;
using ckpt::Value;

// Captures what a JournalWriter writes, through a pipe.
class Captured {
 public:
  Captured() { EXPECT_EQ(::pipe(fds_), 0); }
  ~Captured() {
    ::close(fds_[0]);
    if (fds_[1] >= 0) ::close(fds_[1]);
  }
  int fd() const { return fds_[1]; }
  std::string text() {
    ::close(fds_[1]);
    fds_[1] = -1;
    std::string all;
    char buffer[4096];
    for (ssize_t n; (n = ::read(fds_[0], buffer, sizeof buffer)) > 0;) all.append(buffer, n);
    return all;
  }

 private:
  int fds_[2] = {-1, -1};
};

sim::Scenario RunningCount() { return sim::testing::LoadBundled("basic/running_count"); }

// A record of each kind of value, extremes and escapes included.
ckpt::Records EveryValueKind() {
  return {Value::Int(-7),
          Value::Int(std::numeric_limits<int64_t>::max()),
          Value::Double(0.1),
          Value::Double(std::numeric_limits<double>::quiet_NaN()),
          Value::String("a \"quoted\"\nline \xc3\xa9"),
          Value::Pair(Value::String("k"), Value::Pair(Value::Int(1), Value::Double(-0.0))),
          Value::Pair(Value::Some(Value::List({Value::None(), Value::Int(2)})), Value::List({}))};
}

TEST(Journal, EveryValueKindAndEventSurvivesTheRoundTrip) {
  Captured pipe;
  {
    JournalWriter writer(pipe.fd());
    writer.process_started(0, Time{0}, 0, {});
    writer.on_event(ckpt::event::ContextStarted{Time{0}, false});
    ckpt::Records records = EveryValueKind();
    ASSERT_TRUE(writer.emit("counts", Time{500}, records).ok());
    writer.on_event(ckpt::event::CheckpointWritten{"/checkpoint/checkpoint-500", Time{500}, false});
    ckpt::Status fire = ckpt::Status::IoError("disk on fire");
    writer.on_event(
        ckpt::event::Error{fire.marked(ckpt::ErrorMark::kWalRecordUnreadable, "input-0-250")});
    writer.kill_point(42, "batch 500 \u00b7 writer \u00b7 write \u203a close /checkpoint/temp");
  }
  std::string journal = pipe.text() + KilledLine(Time{777});
  journal += "{\"e\":\"process\",\"index\":1,\"pid\":2,\"at\":900,\"acknowledged\":0}\n";
  journal += "{\"e\":\"started\",\"at\":900,\"zero\":0,\"recovered\":true}\n";
  journal +=
      "{\"e\":\"recovered\",\"at\":900,\"file\":\"/checkpoint/checkpoint-500\",\"time\":500,"
      "\"pending\":[500]}\n";
  journal += "{\"e\":\"finished\",\"at\":1500,\"steps\":12}\n";
  ckpt::Result<sim::TrialRun> run = RunFromJournal(RunningCount(), journal, true);
  ASSERT_TRUE(run.ok()) << run.status().to_string();
  ASSERT_EQ(run.value().incarnations.size(), 2u);
  const sim::IncarnationRecord& first = run.value().incarnations[0];
  EXPECT_EQ(first.crashed_at, Time{777});
  EXPECT_EQ(first.steps, 42u);
  EXPECT_EQ(first.checkpoints_written, std::vector<std::string>{"/checkpoint/checkpoint-500"});
  ASSERT_EQ(first.errors.size(), 1u);
  // An error keeps its marks and subject across the process boundary: verdicts depend on them.
  EXPECT_EQ(first.errors[0].to_string(), "IOError: disk on fire");
  EXPECT_TRUE(first.errors[0].has(ckpt::ErrorMark::kWalRecordUnreadable));
  EXPECT_EQ(first.errors[0].subject(), "input-0-250");
  const sim::IncarnationRecord& second = run.value().incarnations[1];
  EXPECT_TRUE(second.recovered);
  EXPECT_EQ(second.checkpoint_time, Time{500});
  EXPECT_EQ(second.pending_times, std::vector<Time>{Time{500}});
  EXPECT_FALSE(second.crashed_at);
  EXPECT_FALSE(second.process_conf);  // a journal line without a conf: an older journal
  EXPECT_TRUE(run.value().quiesced);
  EXPECT_EQ(run.value().total_steps, 54u);

  ASSERT_EQ(run.value().emissions.size(), 1u);
  const ckpt::Records& back = run.value().emissions[0].records;  // sorted by the recorder
  ASSERT_EQ(back.size(), 7u);
  EXPECT_EQ(back.back().to_string(), "(Some(List(None, 2)),List())");
  EXPECT_EQ(back[0], Value::Int(-7));
  EXPECT_EQ(back[1], Value::Int(std::numeric_limits<int64_t>::max()));
  int doubles = 0;
  for (const Value& v : back) {
    if (v.is_double()) ++doubles;
    if (v.is_double() && !std::isnan(v.as_double())) {
      EXPECT_EQ(v.as_double(), 0.1);
    }
    if (v.is_string()) {
      EXPECT_EQ(v.as_string(), "a \"quoted\"\nline \xc3\xa9");
    }
    if (v.is_pair() && v.first().is_string()) {
      EXPECT_EQ(v.second().first(), Value::Int(1));
      EXPECT_TRUE(std::signbit(v.second().second().as_double()));  // -0.0 kept bit for bit
    }
  }
  EXPECT_EQ(doubles, 2);
}

// What conf.reload, the graceful-stop check, clear.after_completion_checkpoint and
// rdd.cleanup_files and rdd.referenced_files_exist read from a real run: each process's conf and
// its context's, the stop, and the writer's, the generator's and DStreamCheckpointData's reports.
TEST(Journal, ConfsStopsAndClearsSurviveTheRoundTrip) {
  Captured pipe;
  {
    JournalWriter writer(pipe.fd());
    writer.process_started(0, Time{0}, 0, {{"spark.master", "local[2]"}});
    writer.on_event(ckpt::event::ContextStarted{Time{0}, false});
    writer.context_conf({{"spark.master", "local[2]"}, {"spark.app.name", "rc"}});
    writer.on_event(ckpt::event::CheckpointUnreadable{
        "/checkpoint/checkpoint-400",
        ckpt::Status::Corruption("bad frame").marked(ckpt::ErrorMark::kInjected)});
    writer.on_event(ckpt::event::StreamRestored{3, {{Time{0}, "/checkpoint/u/rdd-0"}}});
    writer.on_event(
        ckpt::event::CheckpointDataUpdated{3, Time{500}, {{Time{0}, "/checkpoint/u/rdd-1"}}});
    writer.on_event(ckpt::event::CheckpointWritten{"/checkpoint/checkpoint-500", Time{500}, true});
    writer.on_event(ckpt::event::ClearCheckpointData{Time{500}, {Time{300}}});
    writer.on_event(ckpt::GracefulStop{Time{100}, Time{500}, std::nullopt, true});
    writer.finished(Time{900}, 7);
  }
  ckpt::Result<sim::TrialRun> run = RunFromJournal(RunningCount(), pipe.text(), false);
  ASSERT_TRUE(run.ok()) << run.status().to_string();
  const sim::IncarnationRecord& process = run.value().incarnations.at(0);
  EXPECT_EQ(process.process_conf,
            (std::map<std::string, std::string>{{"spark.master", "local[2]"}}));
  EXPECT_EQ(process.conf.at("spark.app.name"), "rc");
  ASSERT_EQ(process.unreadable_checkpoints.size(), 1u);
  EXPECT_EQ(process.unreadable_checkpoints[0].to_string(),
            "/checkpoint/checkpoint-400: Corruption: bad frame");
  EXPECT_TRUE(process.unreadable_checkpoints[0].error.has(ckpt::ErrorMark::kInjected));
  EXPECT_EQ(process.graceful_stop, (ckpt::GracefulStop{Time{100}, Time{500}, std::nullopt, true}));
  auto written = std::find_if(process.protocol.begin(), process.protocol.end(), [](const auto& e) {
    return e.kind == sim::ProtocolEvent::Kind::kWritten;
  });
  ASSERT_NE(written, process.protocol.end());
  EXPECT_TRUE(written->clear_later);
  const sim::ProtocolEvent& updated = *std::prev(written);
  EXPECT_EQ(updated.kind, sim::ProtocolEvent::Kind::kRddFiles);
  EXPECT_EQ(updated.stream_id, 3);
  EXPECT_EQ(updated.rdd_files, (std::map<Time, std::string>{{Time{0}, "/checkpoint/u/rdd-1"}}));
  EXPECT_EQ(process.protocol.back().kind, sim::ProtocolEvent::Kind::kCleared);
  EXPECT_EQ(process.protocol.back().time, Time{500});
  EXPECT_EQ(process.protocol.back().times, std::vector<Time>{Time{300}});
  const sim::ProtocolEvent& restored = *std::prev(written, 2);
  EXPECT_EQ(restored.kind, sim::ProtocolEvent::Kind::kRestored);
  EXPECT_EQ(restored.stream_id, 3);
  EXPECT_EQ(restored.rdd_files, (std::map<Time, std::string>{{Time{0}, "/checkpoint/u/rdd-0"}}));
  EXPECT_EQ(process.restores.at(3), 1);
}

// A process killed before its first line (crash-real's "unstarted" line) is a crash before its
// first step, and the next process's index follows it.
TEST(Journal, AProcessKilledBeforeItsFirstLineIsACrashBeforeItsFirstStep) {
  Captured pipe;
  {
    JournalWriter writer(pipe.fd());
    writer.process_started(0, Time{0}, 4, {});
    writer.finished(Time{10}, 3);
  }
  std::string text = pipe.text();
  // As the harness writes it: the first process was killed, then one never started.
  text = text.substr(0, text.rfind("{\"e\":\"finished\"")) + KilledLine(Time{20}) +
         UnstartedLine(1, Time{30});
  Captured next;
  {
    JournalWriter writer(next.fd());
    writer.process_started(2, Time{40}, 4, {});
    writer.finished(Time{90}, 5);
  }
  // Its receiver source where its predecessor's started.
  const sim::Scenario receiver = sim::testing::LoadBundled("receiver/reliable_receiver_with_wal");
  ckpt::Result<sim::TrialRun> run = RunFromJournal(receiver, text + next.text(), false);
  ASSERT_TRUE(run.ok()) << run.status().to_string();
  ASSERT_EQ(run.value().incarnations.size(), 3u);
  const sim::IncarnationRecord& unstarted = run.value().incarnations[1];
  EXPECT_EQ(unstarted.crashed_at, Time{30});
  EXPECT_EQ(unstarted.steps, 0u);
  EXPECT_FALSE(unstarted.zero_time.has_value());
  EXPECT_EQ(unstarted.source_acknowledged_at_start, (std::map<int32_t, int64_t>{{0, 4}}));
  EXPECT_FALSE(run.value().incarnations[2].crashed_at.has_value());
  EXPECT_TRUE(run.value().quiesced);
}

TEST(Journal, FileOperationsSurviveTheRoundTripForTheProtocolOracle) {
  Captured pipe;
  {
    JournalWriter writer(pipe.fd());
    writer.process_started(0, Time{0}, 0, {});
    writer.on_event(ckpt::FileEvent{
        ckpt::FileOperation::kList, "/checkpoint", "", true, {"checkpoint-500", "u1/", "temp"}});
    writer.on_event(ckpt::FileEvent{ckpt::FileOperation::kRename,
                                    "/checkpoint/temp",
                                    "/checkpoint/checkpoint-1000",
                                    false,
                                    {}});
  }
  ckpt::Result<sim::TrialRun> run = RunFromJournal(RunningCount(), pipe.text(), false);
  ASSERT_TRUE(run.ok()) << run.status().to_string();
  ASSERT_TRUE(run.value().protocol_recorded);
  const std::vector<sim::ProtocolEvent>& events = run.value().incarnations.at(0).protocol;
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].file.operation, ckpt::FileOperation::kList);
  EXPECT_EQ(events[0].file.listing, (std::vector<std::string>{"checkpoint-500", "u1/", "temp"}));
  EXPECT_TRUE(events[0].file.ok);
  EXPECT_EQ(events[1].file.operation, ckpt::FileOperation::kRename);
  EXPECT_EQ(events[1].file.path, "/checkpoint/temp");
  EXPECT_EQ(events[1].file.target, "/checkpoint/checkpoint-1000");
  EXPECT_FALSE(events[1].file.ok);
}

TEST(Journal, ATornLastLineIsSkippedAndAProcessThatNeverFinishedCrashed) {
  std::string journal =
      "{\"e\":\"process\",\"index\":0,\"pid\":1,\"at\":0,\"acknowledged\":0}\n"
      "{\"e\":\"emit\",\"at\":600,\"output\":\"counts\",\"time\":500,\"records\":[]}\n"
      "{\"e\":\"emit\",\"at\":1100,\"output\":\"cou";
  ckpt::Result<sim::TrialRun> run = RunFromJournal(RunningCount(), journal, false);
  ASSERT_TRUE(run.ok()) << run.status().to_string();
  EXPECT_EQ(run.value().emissions.size(), 1u);
  EXPECT_EQ(run.value().incarnations[0].crashed_at, Time{600});
  EXPECT_FALSE(run.value().quiesced);
}

TEST(Journal, DamageBeforeTheLastLineIsCorruptionNamingTheLine) {
  const std::string process =
      "{\"e\":\"process\",\"index\":0,\"pid\":1,\"at\":0,\"acknowledged\":0}\n";
  for (const std::string& bad : {
           std::string("not json\n"),
           std::string(
               "{\"e\":\"emit\",\"at\":1,\"output\":\"o\",\"time\":5,\"records\":[{\"x\":1}]}\n"),
           std::string("{\"e\":\"teleport\",\"at\":1}\n"),
           std::string("{\"e\":\"started\",\"at\":1}\n"),
           std::string("{\"e\":\"process\",\"index\":5,\"pid\":1,\"at\":0,\"acknowledged\":0}\n"),
           // Found by fuzz/journal_fuzz: an optional field of another type was converted
           // unchecked (a float too large for an integer: undefined behaviour).
           std::string("{\"e\":\"restart\",\"at\":1,\"time\":2,\"rescheduled\":[],"
                       "\"clock\":1.3e60}\n"),
           std::string("{\"e\":\"written\",\"at\":1,\"file\":\"f\",\"time\":2,"
                       "\"clear_later\":7}\n"),
       }) {
    ckpt::Result<sim::TrialRun> run =
        RunFromJournal(RunningCount(), process + bad + process, false);
    ASSERT_FALSE(run.ok()) << bad;
    EXPECT_EQ(run.status().code(), ckpt::StatusCode::kCorruption);
    EXPECT_NE(run.status().message().find("journal line 2"), std::string::npos)
        << run.status().message();
  }
  // A record nested deeper than any checkpoint allows is refused, not recursed into.
  std::string deep = "{\"i\":1}";
  for (int i = 0; i < 200; ++i) deep = "[" + deep + ",\"x\"]";
  std::string line =
      "{\"e\":\"emit\",\"at\":1,\"output\":\"o\",\"time\":5,\"records\":[" + deep + "]}\n";
  EXPECT_FALSE(RunFromJournal(RunningCount(), process + line + process, false).ok());
}

// Found by fuzz/journal_fuzz: a journal of another scenario (or a damaged one) whose blocks name
// source positions the scenario's source does not have is Corruption, not an abort.
TEST(Journal, BlocksOutsideTheSourceAreCorruption) {
  sim::Scenario receiver = sim::testing::LoadBundled("receiver/reliable_receiver_with_wal");
  const std::string process =
      "{\"e\":\"process\",\"index\":0,\"pid\":1,\"at\":0,\"acknowledged\":0}\n";
  for (const char* range :
       {"\"from\":0,\"until\":100000", "\"from\":-1,\"until\":0", "\"from\":3,\"until\":2"}) {
    std::string block =
        std::string("{\"stream\":0,\"id\":\"input-0-0\",\"count\":1,") + range + "}";
    for (const std::string& line :
         {"{\"e\":\"received\",\"at\":1,\"stream\":0,\"time\":1000,\"blocks\":[" + block +
              "],\"missing\":[]}\n",
          "{\"e\":\"allocated\",\"at\":1,\"time\":1000,\"acknowledged\":0,\"blocks\":[" + block +
              "]}\n"}) {
      ckpt::Result<sim::TrialRun> run = RunFromJournal(receiver, process + line + process, false);
      ASSERT_FALSE(run.ok()) << line;
      EXPECT_EQ(run.status().code(), ckpt::StatusCode::kCorruption);
      EXPECT_NE(run.status().message().find("outside the source"), std::string::npos)
          << run.status().message();
    }
  }
}

// A line naming an input stream the scenario does not have, or of another kind, or offsets its
// log does not hold, is Corruption: the recorder reads records by stream and would otherwise
// abort on them.
TEST(Journal, StreamsAndOffsetRangesTheScenarioLacksAreCorruption) {
  const std::string process =
      "{\"e\":\"process\",\"index\":0,\"pid\":1,\"at\":0,\"acknowledged\":0}\n";
  sim::Scenario log = sim::testing::LoadBundled("basic/partitioned_log");
  sim::Scenario receiver = sim::testing::LoadBundled("receiver/reliable_receiver_with_wal");
  const std::string block =
      "{\"stream\":1,\"id\":\"input-1-0\",\"count\":1,\"from\":0,\"until\":1}";
  const std::pair<const sim::Scenario*, std::string> cases[] = {
      {&log,
       "{\"e\":\"ranges\",\"at\":1,\"stream\":1,\"time\":200,\"ranges\":[],"
       "\"restored\":false}\n"},
      {&log,
       "{\"e\":\"ranges\",\"at\":1,\"stream\":0,\"time\":200,\"ranges\":[[7,0,1]],"
       "\"restored\":false}\n"},
      {&log,
       "{\"e\":\"ranges\",\"at\":1,\"stream\":0,\"time\":200,"
       "\"ranges\":[[0,0,100000000]],\"restored\":false}\n"},
      {&receiver,
       "{\"e\":\"ranges\",\"at\":1,\"stream\":0,\"time\":200,\"ranges\":[],"
       "\"restored\":false}\n"},
      {&receiver,
       "{\"e\":\"received\",\"at\":1,\"stream\":1,\"time\":1000,\"blocks\":[],"
       "\"missing\":[]}\n"},
      {&receiver,
       "{\"e\":\"allocated\",\"at\":1,\"time\":1000,\"acknowledged\":0,"
       "\"blocks\":[" +
           block + "]}\n"},
      {&log,
       "{\"e\":\"received\",\"at\":1,\"stream\":0,\"time\":1000,\"blocks\":[],"
       "\"missing\":[]}\n"},
  };
  for (const auto& [scenario, line] : cases) {
    ckpt::Result<sim::TrialRun> run = RunFromJournal(*scenario, process + line + process, false);
    ASSERT_FALSE(run.ok()) << line;
    EXPECT_EQ(run.status().code(), ckpt::StatusCode::kCorruption) << line;
  }
  // A well-formed line of each kind is taken.
  const std::string ranges =
      "{\"e\":\"ranges\",\"at\":1,\"stream\":0,\"time\":200,\"ranges\":[[0,0,3]],"
      "\"restored\":false}\n";
  EXPECT_TRUE(RunFromJournal(log, process + ranges, false).ok());
}

TEST(Journal, KillPointAndProcessLinesAreRecognised) {
  Captured pipe;
  {
    JournalWriter writer(pipe.fd());
    writer.process_started(0, Time{0}, 0, {});
    writer.kill_point(3, "label");
    writer.process_started(1, Time{10}, 0, {});
  }
  std::string journal = pipe.text();
  EXPECT_EQ(ProcessesInJournal(journal), 2);
  std::string second_line = journal.substr(journal.find('\n') + 1);
  EXPECT_TRUE(IsKillPointLine(second_line));
  EXPECT_FALSE(IsKillPointLine(journal));
}

// A structured query's events (real/structured_journal.h) come back as the StructuredRecord the
// simulator fills: its start, plans, deliveries (sorted), commits with their writer, the temp
// files it created, its session conf and its error.
TEST(Journal, AStructuredQuerysEventsSurviveTheRoundTrip) {
  sim::Scenario scenario = sim::testing::LoadBundled("structured/kafka_foreach_batch");
  ckpt::PosixFileSystem disk(::testing::TempDir());
  Captured pipe;
  {
    JournalWriter writer(pipe.fd());
    StructuredJournal events(&writer, 0, scenario.checkpoint_dir, &disk);
    writer.process_started(0, Time{0}, 0, {});
    writer.context_conf({{"spark.sql.shuffle.partitions", "2"}});
    events.on_start_offsets(3, /*rerun=*/true);
    ckpt::structured::OffsetSeq plan;
    plan.offsets = {std::string("{\"events\":{\"0\":4}}")};
    plan.metadata = ckpt::structured::OffsetSeqMetadata{20, 1234, {}};
    events.on_batch_planned(4, plan);
    ASSERT_TRUE(
        events.add_batch("out", 4, {Value::Int(9), Value::String("x"), Value::Int(2)}).ok());
    events.before_mutation(ckpt::FileOperation::kCreate, "/checkpoint/commits/.4.abc.tmp");
    events.before_mutation(ckpt::FileOperation::kRename,
                           "/checkpoint/commits/.4.abc.tmp -> /checkpoint/commits/4");
    events.on_batch_committed(4);
    events.on_batch_committed(5);  // no rename of this process put commits/5 in place
    events.on_query_terminated(ckpt::Status::IoError("disk gone"));
    writer.finished(Time{900}, 40);
  }
  ckpt::Result<sim::TrialRun> read = RunFromJournal(scenario, pipe.text(), false);
  ASSERT_TRUE(read.ok()) << read.status().to_string();
  const sim::TrialRun& run = read.value();
  const sim::StructuredRecord& record = run.structured;
  ASSERT_EQ(run.incarnations.size(), 1u);
  EXPECT_TRUE(run.incarnations[0].recovered);
  EXPECT_EQ(run.incarnations[0].checkpoint_file, "/checkpoint/offsets/3");
  EXPECT_EQ(run.incarnations[0].conf.at("spark.sql.shuffle.partitions"), "2");
  ASSERT_EQ(run.incarnations[0].errors.size(), 1u);
  EXPECT_EQ(run.incarnations[0].errors[0].message(), "disk gone");
  ASSERT_EQ(record.starts.size(), 1u);
  EXPECT_EQ(record.starts[0].first_batch_id, 3);
  EXPECT_TRUE(record.starts[0].rerun);
  ASSERT_EQ(record.plans.size(), 1u);
  EXPECT_EQ(record.plans[0].offsets, "{\"events\":{\"0\":4}}");
  EXPECT_EQ(record.plans[0].watermark_ms, 20);
  EXPECT_EQ(record.plans[0].timestamp_ms, 1234);
  ASSERT_EQ(record.deliveries.size(), 1u);
  EXPECT_EQ(ckpt::RecordsToString(record.deliveries[0].records), "[2, 9, x]");
  ASSERT_EQ(record.commits.size(), 2u);
  EXPECT_EQ(record.commits[0].writer, 0);
  EXPECT_EQ(record.commits[1].writer, -1);
  EXPECT_EQ(record.temp_file_creators.at("/checkpoint/commits/.4.abc.tmp"), 0);
  EXPECT_TRUE(run.quiesced);
}

TEST(Journal, AStructuredLineOfTheWrongShapeIsCorruption) {
  sim::Scenario scenario = sim::testing::LoadBundled("structured/kafka_foreach_batch");
  std::string journal =
      "{\"e\":\"process\",\"index\":0,\"at\":0,\"acknowledged\":0}\n"
      "{\"e\":\"s_commit\",\"at\":5,\"batch\":0,\"writer\":7}\n";
  ckpt::Result<sim::TrialRun> read = RunFromJournal(scenario, journal, false);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("journal line 2: a commit written by another process"),
            std::string::npos)
      << read.status().to_string();
}

// The real runtime has one receiver source and no file producer: a named receiver or file source
// stays in the simulator, and says so; a named log source runs.
TEST(RealRuntime, NamedReceiverAndFileSourcesAreRefusedAndNamedLogSourcesRun) {
  sim::Scenario scenario = sim::testing::LoadBundled("situations/receiver_and_log_union");
  EXPECT_TRUE(RealRuntimeSupports(scenario).ok());
  for (sim::SourceKind kind : {sim::SourceKind::kReceiver, sim::SourceKind::kFile}) {
    sim::Scenario named = scenario;
    named.sources.at(0).of = sim::DefaultSource(kind).of;
    ckpt::Status refused = RealRuntimeSupports(named);
    EXPECT_EQ(refused.code(), ckpt::StatusCode::kUnsupported);
    EXPECT_NE(refused.message().find("named source views stays in the simulator"),
              std::string::npos)
        << refused.message();
  }
}

}  // namespace
}  // namespace real
