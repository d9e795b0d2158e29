// Each planted defect of the Structured Streaming engine (defects.h) against the correct engine:
// the same run passes without it and breaks the way its bug broke Spark with it. (The harness's
// mutation campaign finds them through scenarios once the engine runs under the harness; until
// then these tests are what shows each one works.)
#include "engine/structured/defects.h"

#include <gtest/gtest.h>

#include "testing/structured_query_fixture.h"

namespace ckpt::structured {
namespace {

using testing::AggregationQueryTest;
using testing::Counts;
using testing::QueryTest;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(StructuredDefects, EveryDefectHasANameAndParses) {
  ASSERT_EQ(AllDefects().size(), 10u);
  for (const DefectInfo& info : AllDefects()) {
    EXPECT_EQ(ParseDefect(info.name).value(), info.defect);
    EXPECT_TRUE(Contains(info.reverts, "SPARK-")) << info.name;
  }
  EXPECT_TRUE(Contains(ParseDefect("nope").status().message(), "delta-rename-fails-if-exists"));
}

// Runs the counting query, kills it in the sink of batch 2 (its state committed, commits/2 not
// written) and restarts it; returns the restarted query's error, if any.
class DefectAggregationTest : public AggregationQueryTest {
 protected:
  std::optional<Status> rerun_after_a_state_commit() {
    kill_in_sink_of = 2;
    EXPECT_TRUE(start(1).ok());
    run_until(400);
    fs_.crash();
    EXPECT_TRUE(start(2).ok());
    run_until(450);
    return query(2).exception();
  }
  // Runs batches 0 to 2 with 2 shuffle partitions, stops, and runs batch 3 with 5.
  std::optional<Status> restart_with_five_partitions() {
    EXPECT_TRUE(start(1).ok());
    run_until(250);
    query(1).stop();
    options.conf["spark.sql.shuffle.partitions"] = "5";
    EXPECT_TRUE(start(2).ok());
    run_until(350);
    return query(2).exception();
  }
};

// SPARK-19677: on HDFS a rename onto an existing file fails, so the re-run's delta must replace.
TEST_F(DefectAggregationTest, ReRunAfterAStateCommit) {
  EXPECT_FALSE(rerun_after_a_state_commit().has_value());
  EXPECT_EQ(deliveries(4), std::vector<Records>{Counts({{4, 4}})});
}

TEST_F(DefectAggregationTest, ReRunAfterAStateCommitWithTheDefect) {
  defects.add(Defect::kDeltaRenameFailsIfExists);
  std::optional<Status> error = rerun_after_a_state_commit();
  ASSERT_TRUE(error.has_value());
  EXPECT_TRUE(Contains(error->message(), "Error committing version 3 into")) << error->message();
  EXPECT_TRUE(Contains(error->message(), "already exists")) << error->message();
}

// SPARK-19873: a restart with other shuffle partitions keeps the offset log's.
TEST_F(DefectAggregationTest, RestartWithOtherShufflePartitions) {
  EXPECT_FALSE(restart_with_five_partitions().has_value());
  EXPECT_EQ(deliveries(3), std::vector<Records>{Counts({{1, 1}, {2, 2}, {3, 3}})});
}

TEST_F(DefectAggregationTest, RestartWithOtherShufflePartitionsWithTheDefect) {
  defects.add(Defect::kShufflePartitionsFromSession);
  std::optional<Status> error = restart_with_five_partitions();
  ASSERT_TRUE(error.has_value());
  EXPECT_TRUE(Contains(error->message(), "does not exist")) << error->message();
}

// SPARK-23004: a store committed twice fails the batch (batch 0 has no records at all).
TEST_F(DefectAggregationTest, APartitionWithoutRecordsCommitsTwice) {
  ASSERT_TRUE(start(1).ok());
  run_until(50);
  EXPECT_FALSE(query(1).exception().has_value());
  query(1).stop();
  ASSERT_TRUE(fs_.remove("/ck", /*recursive=*/true).ok());
  defects.add(Defect::kDoubleCommit);
  ASSERT_TRUE(start(2).ok());
  run_until(100);
  ASSERT_TRUE(query(2).exception().has_value());
  EXPECT_NE(query(2).exception()->message().find(
                "terminated with exception: Cannot commit after already committed or aborted ("),
            std::string::npos)
      << query(2).exception()->message();
}

// SPARK-26092: `metadata` written in place; the process dies while writing it.
TEST_F(QueryTest, CrashWhileWritingTheQueryId) {
  for (bool defective : {false, true}) {
    SCOPED_TRACE(defective);
    if (defective) defects.add(Defect::kMetadataWrittenInPlace);
    processes_.erase(1);
    Process& p = processes_[1];
    p.scheduler = std::make_unique<sim::OwnerScheduler>(&loop_, 1);
    testing::DyingFs dying(&fs_);
    dying.dies_at_write = [](const std::string& path) { return Contains(path, "metadata"); };
    QueryEnv env;
    env.scheduler = p.scheduler.get();
    env.fs = &dying;
    env.log = &log_;
    env.sink = this;
    env.defects = defects;
    EXPECT_EQ(StreamingQuery::Start(env, plan, options).status().code(), StatusCode::kProcessDead);
    fs_.crash();
    Status restarted = start(2);
    if (!defective) {
      EXPECT_TRUE(restarted.ok()) << restarted.to_string();
    } else {
      EXPECT_EQ(restarted.message(), "Error reading stream metadata from /ck/metadata");
    }
    processes_.erase(2);
    ASSERT_TRUE(fs_.remove("/ck", /*recursive=*/true).ok());
  }
}

// SPARK-34383's purge, off by one: with minBatchesToRetain 1, planning batch N purges offsets/N-1
// as well, so the offset log never holds two batches and every restart fails reading L-1 (V6).
class PurgeTest : public QueryTest {
 protected:
  std::optional<Status> restart_after_four_batches() {
    options.conf["spark.sql.streaming.minBatchesToRetain"] = "1";
    EXPECT_TRUE(start(1).ok());
    run_until(350);
    EXPECT_FALSE(query(1).exception().has_value());
    EXPECT_EQ(committed.back(), 3);
    query(1).stop();
    EXPECT_TRUE(start(2).ok());
    run_until(450);
    return query(2).exception();
  }
};

TEST_F(PurgeTest, PurgeOfTheThresholdBatch) {
  EXPECT_FALSE(restart_after_four_batches().has_value());
  EXPECT_EQ(names("/ck/offsets"), (std::vector<std::string>{"3", "4"}));
}

TEST_F(PurgeTest, PurgeOfTheThresholdBatchWithTheDefect) {
  defects.add(Defect::kPurgeInclusive);
  std::optional<Status> error = restart_after_four_batches();
  ASSERT_TRUE(error.has_value());
  EXPECT_TRUE(Contains(error->message(), "exception: batch 2 doesn't exist (")) << error->message();
}

// SPARK-26425: a second driver starts on the checkpoint while the first runs batch 0, re-runs it
// and commits it after the first did. Its commit-log add finds the batch there: with the fix it
// stops (V9); with the defect both drivers go on, batch 0 delivered twice.
class TwoDriversTest : public QueryTest {
 protected:
  std::optional<Status> second_driver_commits_batch_0() {
    EXPECT_TRUE(start(1, /*batch_ms=*/50).ok());
    run_until(10);
    EXPECT_TRUE(start(2, /*batch_ms=*/50).ok());
    run_until(70);
    EXPECT_EQ(deliveries(0).size(), 2u);
    return query(2).exception();
  }
};

TEST_F(TwoDriversTest, TwoDriversOnOneCheckpoint) {
  std::optional<Status> error = second_driver_commits_batch_0();
  ASSERT_TRUE(error.has_value());
  EXPECT_TRUE(Contains(error->message(),
                       "exception: assertion failed: Concurrent update to the commit log. "
                       "Multiple streaming jobs detected for 0 ("))
      << error->message();
}

TEST_F(TwoDriversTest, TwoDriversOnOneCheckpointWithTheDefect) {
  defects.add(Defect::kIgnoreLogAddResults);
  EXPECT_FALSE(second_driver_commits_batch_0().has_value());
  EXPECT_TRUE(query(1).is_active());
  EXPECT_TRUE(query(2).is_active());
}

// SPARK-33384: cancel() after a failed close deletes the temp file all the same.
TEST(StructuredDefects, CancelAfterAFailedClose) {
  class FailingCloseFs : public FileSystemWrapper {
   public:
    using FileSystemWrapper::FileSystemWrapper;
    Result<std::unique_ptr<WritableFile>> create(const std::string& path) override {
      CKPT_ASSIGN_OR_RETURN(auto file, FileSystemWrapper::create(path));
      struct FailingClose : WritableFileWrapper {
        using WritableFileWrapper::WritableFileWrapper;
        Status close() override {
          (void)WritableFileWrapper::close();
          return Status::IoError("close failed");
        }
      };
      return std::unique_ptr<WritableFile>(new FailingClose(std::move(file)));
    }
  };
  for (bool defective : {false, true}) {
    sim::SimFs base(sim::PersistenceModel::kHdfs);
    ASSERT_TRUE(base.mkdirs("/q").ok());
    FailingCloseFs fs(&base);
    DefectSet defects;
    if (defective) defects.add(Defect::kCancelKeepsTempAfterCloseError);
    CheckpointFileManager manager(&fs, FileManagerKind::kFileContext, 1, defects);
    auto stream = manager.create_atomic("/q/0").value();
    ASSERT_TRUE(stream->append("x").ok());
    stream->cancel();
    EXPECT_EQ(base.list("/q").value().size(), defective ? 1u : 0u) << defective;
  }
}

}  // namespace
}  // namespace ckpt::structured
