// The micro-batch execution of a structured query against structured-streaming-notes.md 2.3 to
// 2.5 and 3: offsets before the batch, commits after it, the restart cases of
// populateStartOffsets, pinned confs, retention, the Once trigger and the Kafka-like source.
#include <gtest/gtest.h>

#include "testing/structured_query_fixture.h"

namespace ckpt::structured {
namespace {

using testing::AggregationQueryTest;
using testing::Appends;
using testing::Counts;
using testing::QueryTest;

Records Plus100(std::initializer_list<int64_t> values) {
  Records records;
  for (int64_t v : values) records.push_back(Value::Int(v + 100));
  return records;
}

TEST_F(QueryTest, EachBatchIsLoggedBeforeItRunsAndCommittedAfter) {
  ASSERT_TRUE(start(1).ok());
  run_until(250);
  // Batch 0 at 0 ms (Spark runs the first batch even without data), then one per 100 ms.
  EXPECT_EQ(planned, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(committed, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(names("/ck"), (std::vector<std::string>{"commits", "metadata", "offsets", "sources"}));
  EXPECT_EQ(names("/ck/offsets"), (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(fs_.read_file("/ck/sources/0/0").value(),
            std::string(1, '\0') + "v1\n{\"events\":{\"0\":0,\"1\":0}}");
  EXPECT_EQ(logged_plan(2).offsets[0], "{\"events\":{\"0\":4,\"1\":4}}");
  EXPECT_EQ(logged_plan(2).metadata->batch_timestamp_ms, 200);
  EXPECT_EQ(logged_plan(2).metadata->conf.at("spark.sql.shuffle.partitions"), "200");
  EXPECT_EQ(fs_.read_file("/ck/commits/2").value(), "v1\n{\"nextBatchWatermarkMs\":0}");
  EXPECT_EQ(deliveries(0), std::vector<Records>{Records{}});
  EXPECT_EQ(deliveries(1), std::vector<Records>{Plus100({1, 3, 2, 4})});
  EXPECT_EQ(deliveries(2), std::vector<Records>{Plus100({5, 7, 6, 8})});
}

// W2: offsets/N written, the process dies before the commit; the restart re-runs N with exactly
// its logged offsets and batch timestamp, then plans N+1 from where N ended.
TEST_F(QueryTest, ARestartReRunsTheUncommittedBatchWithItsLoggedOffsets) {
  ASSERT_TRUE(start(1).ok());
  run_until(210);  // batch 2 planned at 200, its run ends at 220
  EXPECT_EQ(planned.back(), 2);
  EXPECT_EQ(committed.back(), 1);
  crash(1);
  const OffsetSeq before = logged_plan(2);
  advance_to(600);  // the log grows meanwhile
  ASSERT_TRUE(start(2).ok());
  run_until(750);
  EXPECT_EQ(starts.back(), std::make_pair(int64_t{2}, true));
  EXPECT_EQ(logged_plan(2), before);
  EXPECT_EQ(deliveries(2), std::vector<Records>{Plus100({5, 7, 6, 8})});
  EXPECT_EQ(committed.back(), 3);  // batch 3, at the next trigger, reads everything up to 700 ms
  EXPECT_EQ(logged_plan(3).offsets[0], "{\"events\":{\"0\":14,\"1\":14}}");
}

// At least once: a process that dies after the sink took batch N and before commits/N exists
// delivers N again after the restart, with the same records.
TEST_F(QueryTest, ADeathBetweenTheSinkAndTheCommitDeliversTheBatchTwice) {
  kill_in_sink_of = 1;
  ASSERT_TRUE(start(1).ok());
  run_until(500);
  EXPECT_FALSE(fs_.exists("/ck/commits/1").value());
  fs_.crash();
  ASSERT_TRUE(start(2).ok());
  run_until(510);
  EXPECT_EQ(deliveries(1), (std::vector<Records>{Plus100({1, 3, 2, 4}), Plus100({1, 3, 2, 4})}));
  EXPECT_EQ(starts.back(), std::make_pair(int64_t{1}, true));
}

// A clean stop after a commit: the restart plans the next batch; nothing runs twice.
TEST_F(QueryTest, ARestartAfterTheLatestCommitStartsTheNextBatch) {
  ASSERT_TRUE(start(1).ok());
  run_until(250);
  query(1).stop();
  EXPECT_TRUE(terminations.back().ok());
  ASSERT_TRUE(start(2).ok());
  run_until(330);
  EXPECT_EQ(starts.back(), std::make_pair(int64_t{3}, false));
  EXPECT_EQ(query(2).id(), query(1).id());
  EXPECT_EQ(deliveries(3), std::vector<Records>{Plus100({9, 11, 10, 12})});
  for (int64_t batch = 0; batch <= 3; ++batch) EXPECT_EQ(deliveries(batch).size(), 1u) << batch;
}

// V6: the offsets of batch L-1 are gone (a manual deletion): the restart fails.
TEST_F(QueryTest, AMissingPreviousPlanFailsTheRestart) {
  ASSERT_TRUE(start(1).ok());
  run_until(210);
  crash(1);
  ASSERT_TRUE(fs_.remove("/ck/offsets/1", false).ok());
  ASSERT_TRUE(start(2).ok());
  run_until(300);
  ASSERT_TRUE(query(2).exception().has_value());
  // A StreamingQueryException: the query, the cause, the offsets the stream thread was between.
  EXPECT_EQ(query(2).exception()->message(),
            "Query [id = " + query(2).id() +
                "] terminated with exception: batch 1 doesn't exist (startOffset: [-], "
                "endOffset: [" +
                logged_plan(2).offsets[0].value() + "])");
  EXPECT_FALSE(query(2).is_active());
}

// A commit log trailing the offset log by more than one only warns (3.2): L is re-run and the
// batches between are taken as done.
TEST_F(QueryTest, ACommitLogTrailingByMoreThanOneOnlyWarns) {
  ASSERT_TRUE(start(1).ok());
  run_until(310);
  crash(1);
  ASSERT_TRUE(fs_.remove("/ck/commits/2", false).ok());
  ASSERT_TRUE(start(2).ok());
  run_until(320);
  EXPECT_EQ(warnings.back(),
            "Batch completion log latest batch id is 1, which is not trailing batchid 3 by one");
  EXPECT_EQ(starts.back(), std::make_pair(int64_t{3}, true));
  EXPECT_EQ(deliveries(2).size(), 1u);
}

// TV7 (SPARK-19873), the restart's part: the shuffle partitions of the offset log win.
TEST_F(QueryTest, TheOffsetLogsShufflePartitionsWinOverTheSessions) {
  options.conf["spark.sql.shuffle.partitions"] = "2";
  ASSERT_TRUE(start(1).ok());
  run_until(150);
  query(1).stop();
  options.conf["spark.sql.shuffle.partitions"] = "5";
  ASSERT_TRUE(start(2).ok());
  run_until(250);
  EXPECT_EQ(query(2).effective_conf().at("spark.sql.shuffle.partitions"), "2");
  EXPECT_NE(std::find(warnings.begin(), warnings.end(),
                      "Updating the value of conf 'spark.sql.shuffle.partitions' in current "
                      "session from '5' to '2'."),
            warnings.end());
  EXPECT_EQ(logged_plan(2).metadata->conf.at("spark.sql.shuffle.partitions"), "2");
}

// TV4's rule in the loop: after batch N is planned, both logs keep the ids from N - r on.
TEST_F(QueryTest, RetentionPurgesBothLogsAfterEachPlan) {
  options.conf["spark.sql.streaming.minBatchesToRetain"] = "2";
  ASSERT_TRUE(start(1).ok());
  run_until(550);
  EXPECT_EQ(planned.back(), 5);
  EXPECT_EQ(names("/ck/offsets"), (std::vector<std::string>{"3", "4", "5"}));
  EXPECT_EQ(names("/ck/commits"), (std::vector<std::string>{"3", "4", "5"}));
  options.conf["spark.sql.streaming.minBatchesToRetain"] = "0";
  EXPECT_EQ(start(2).message(), "spark.sql.streaming.minBatchesToRetain has to be positive: 0");
}

// TV3 (StreamingQuerySuite "OneTime trigger, commit log, and exception"), its commit-log part: a
// purged commit makes the next Once run re-run batch 0 from offsets/0.
TEST_F(QueryTest, AOnceTriggerRunsOneBatchAndAPurgedCommitReRunsIt) {
  options.trigger = {Trigger::Kind::kOnce, Duration{0}};
  advance_to(100);
  ASSERT_TRUE(start(1).ok());
  run_until(150);
  EXPECT_EQ(committed, std::vector<int64_t>{0});
  EXPECT_FALSE(query(1).is_active());
  EXPECT_TRUE(terminations.back().ok());
  ASSERT_TRUE(fs_.remove("/ck/commits/0", false).ok());
  ASSERT_TRUE(start(2).ok());
  run_until(200);
  EXPECT_EQ(deliveries(0), (std::vector<Records>{Plus100({1, 3, 2, 4}), Plus100({1, 3, 2, 4})}));
  EXPECT_EQ(committed, (std::vector<int64_t>{0, 0}));
}

TEST_F(QueryTest, AnUnreadableQueryIdFailsTheStart) {
  ASSERT_TRUE(fs_.mkdirs("/ck").ok());
  ASSERT_TRUE(WriteWholeFile(fs_, "/ck/metadata", "{\"id\":", false).ok());
  EXPECT_EQ(start(1).message(), "Error reading stream metadata from /ck/metadata");
}

// TV2 (StreamingAggregationSuite "simple count, update mode"): the counts go on across a restart,
// from state version 3 read back from the deltas of both partitions.
TEST_F(AggregationQueryTest, CountsInUpdateModeGoOnAcrossARestart) {
  ASSERT_TRUE(start(1).ok());
  run_until(250);
  query(1).stop();
  ASSERT_TRUE(start(2).ok());
  run_until(450);
  EXPECT_EQ(deliveries(1), std::vector<Records>{Counts({{3, 1}})});
  EXPECT_EQ(deliveries(2), std::vector<Records>{Counts({{2, 1}, {3, 2}})});
  EXPECT_EQ(deliveries(3), std::vector<Records>{Counts({{1, 1}, {2, 2}, {3, 3}})});
  EXPECT_EQ(deliveries(4), std::vector<Records>{Counts({{4, 4}})});
  EXPECT_EQ(names("/ck/state/0"), (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(names("/ck/state/0/0"),
            (std::vector<std::string>{"1.delta", "2.delta", "3.delta", "4.delta", "5.delta"}));
}

// W3/W4: the process dies after the state of batch 2 was committed (3.delta in both partitions)
// and the sink took it, before commits/2. The re-run loads version 2 again, commits 3.delta over
// the first attempt's and delivers the same rows; complete mode sees every key.
TEST_F(AggregationQueryTest, AReRunCommitsItsStateOverTheFirstAttempts) {
  plan.output_mode = OutputMode::kComplete;
  kill_in_sink_of = 2;
  ASSERT_TRUE(start(1).ok());
  run_until(400);
  EXPECT_TRUE(fs_.exists("/ck/state/0/1/3.delta").value());
  EXPECT_FALSE(fs_.exists("/ck/commits/2").value());
  fs_.crash();
  ASSERT_TRUE(start(2).ok());
  run_until(450);
  EXPECT_EQ(deliveries(2),
            (std::vector<Records>{Counts({{2, 1}, {3, 2}}), Counts({{2, 1}, {3, 2}})}));
  EXPECT_EQ(deliveries(4), std::vector<Records>{Counts({{1, 1}, {2, 2}, {3, 3}, {4, 4}})});
  EXPECT_FALSE(query(2).exception().has_value());
}

TEST_F(AggregationQueryTest, AnAggregationInAppendModeIsRefusedAtStart) {
  plan.output_mode = OutputMode::kAppend;
  EXPECT_EQ(start(1).message(),
            "Append output mode not supported when there are streaming aggregations on streaming "
            "DataFrames/DataSets without watermark");
}

class FileSinkQueryTest : public QueryTest {
 protected:
  FileSinkQueryTest() {
    plan.sink = QueryPlan::Sink::kFile;
    plan.sink_path = "/out";
  }
  // Runs process 1 until it dies creating a path that starts with `prefix`, then restarts.
  void die_creating_then_restart(const std::string& prefix) {
    ASSERT_TRUE(start(1).ok());
    processes_.at(1).fs->dies_at_create = [prefix](const std::string& path) {
      return path.starts_with(prefix);
    };
    run_until(400);
    ASSERT_EQ(query(1).exception()->code(), StatusCode::kProcessDead);
    fs_.crash();
    ASSERT_TRUE(start(2).ok());
    run_until(450);
    ASSERT_FALSE(query(2).exception().has_value()) << query(2).exception()->to_string();
  }
  std::vector<std::string> through_log() {
    CheckpointFileManager manager(&fs_, FileManagerKind::kFileContext, 99);
    sim::OwnerScheduler clock(&loop_, 9);
    return ReadSinkThroughLog(&manager, "/out", {}, &clock).value();
  }
  std::vector<std::string> directory() { return ReadSinkDirectory(fs_, "/out").value(); }
};

// Every record of batches 1 to 4 (1 to 16, plus 100), sorted.
std::vector<std::string> EveryRecordOnce() {
  std::vector<std::string> lines;
  for (int64_t v = 101; v <= 116; ++v) lines.push_back(std::to_string(v));
  std::sort(lines.begin(), lines.end());
  return lines;
}

std::vector<std::string> Sorted(std::vector<std::string> lines) {
  std::sort(lines.begin(), lines.end());
  return lines;
}

// The notes' derived vector (section 6, "File-sink exactly-once after restart", W4):
// `_spark_metadata/2` written, `commits/2` not. The re-run of batch 2 skips the sink, and every
// reader sees each record once.
TEST_F(FileSinkQueryTest, AReRunOfABatchTheSinkLogHasWritesNothing) {
  die_creating_then_restart("/ck/commits/.2.");
  EXPECT_TRUE(fs_.exists("/out/_spark_metadata/2").value());
  EXPECT_EQ(Sorted(through_log()), EveryRecordOnce());
  EXPECT_EQ(Sorted(directory()), EveryRecordOnce());
}

// W7: the part file of batch 2 written, its log entry not. The re-run writes the batch again: a
// reader of the log sees it once, a reader of the directory twice (the orphan).
TEST_F(FileSinkQueryTest, AnOrphanPartFileIsSeenOnlyByDirectoryReaders) {
  die_creating_then_restart("/out/_spark_metadata/.2.");
  EXPECT_EQ(Sorted(through_log()), EveryRecordOnce());
  std::vector<std::string> lines = directory();
  EXPECT_EQ(lines.size(), EveryRecordOnce().size() + 4);
  EXPECT_EQ(std::count(lines.begin(), lines.end(), "105"), 2);
}

// KafkaMicroBatchStream.rateLimit: the limit shared in proportion to each partition's backlog,
// a share below one record rounded up.
TEST(KafkaSourceTest, MaxOffsetsPerTriggerIsSharedByBacklog) {
  class FixedLog : public PartitionedLog {
   public:
    Result<int32_t> partition_count(const std::string&) const override { return 2; }
    int64_t end_offset(const std::string&, int32_t partition) const override {
      return partition == 0 ? 10 : 2;
    }
    Result<Records> read(const std::string&, const OffsetRange&) const override {
      return Records{};
    }
  } fixed;
  sim::SimFs fs(sim::PersistenceModel::kHdfs);
  CheckpointFileManager manager(&fs, FileManagerKind::kFileContext, 1);
  KafkaSource limited(&manager, &fixed, "t", "/ck/sources/0", StartingOffsets::kEarliest, 5);
  EXPECT_EQ(limited.next_end({{0, 0}, {1, 0}}), (PartitionOffsets{{0, 4}, {1, 1}}));
  KafkaSource unlimited(&manager, &fixed, "t", "/ck/sources/0", StartingOffsets::kEarliest,
                        std::nullopt);
  EXPECT_EQ(unlimited.next_end({{0, 0}, {1, 0}}), (PartitionOffsets{{0, 10}, {1, 2}}));
  KafkaSource latest(&manager, &fixed, "t", "/ck/sources/1", StartingOffsets::kLatest,
                     std::nullopt);
  EXPECT_EQ(latest.initial_offset().value(), "{\"t\":{\"0\":10,\"1\":2}}");
  EXPECT_EQ(PartitionOffsetsFromJson("t", "{\"t\":{\"0\":-1}}").status().code(),
            StatusCode::kCorruption);
  // A partition the topic does not have, from a foreign offset log: refused, not asked about.
  EXPECT_EQ(unlimited.latest_offset("{\"t\":{\"7\":0}}").status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace ckpt::structured
