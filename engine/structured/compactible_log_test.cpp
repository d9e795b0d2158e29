// The compactible log behind the file sink's `_spark_metadata` against
// structured-streaming-notes.md 1.8 and invariant 7: compaction files, the interval derived from
// an existing log, the expiry of old files, allFiles and its missing batches (V14), and purge
// refused (V15, SPARK-26949).
#include "engine/structured/compactible_log.h"

#include <gtest/gtest.h>

#include "sim/event_loop.h"
#include "sim/sim_fs.h"

namespace ckpt::structured {
namespace {

class CompactibleLogTest : public ::testing::Test {
 protected:
  CompactibleLog log(CompactibleLogConf conf) {
    CompactibleLog log(&manager_, "/out/_spark_metadata", conf, &scheduler_);
    EXPECT_TRUE(log.init().ok());
    return log;
  }
  std::vector<std::string> names() {
    std::vector<std::string> result;
    std::vector<FileStatus> entries = fs_.list("/out/_spark_metadata").value();
    for (const FileStatus& entry : entries) result.push_back(entry.name);
    return result;
  }
  // Adds batches first..last, batch b with the one entry "b".
  void add(CompactibleLog& log, int64_t first, int64_t last) {
    for (int64_t b = first; b <= last; ++b) {
      ASSERT_TRUE(log.add(b, {std::to_string(b)}).value()) << b;
    }
  }

  sim::EventLoop loop_;
  sim::OwnerScheduler scheduler_{&loop_, 1};
  sim::SimFs fs_{sim::PersistenceModel::kHdfs};
  CheckpointFileManager manager_{&fs_, FileManagerKind::kFileContext, 1};
};

TEST_F(CompactibleLogTest, EveryIntervalthBatchIsACompactionHoldingEverythingSoFar) {
  CompactibleLogConf conf;
  conf.default_compact_interval = 3;
  CompactibleLog sink_log = log(conf);
  add(sink_log, 0, 5);
  EXPECT_EQ(names(), (std::vector<std::string>{"0", "1", "2.compact", "3", "4", "5.compact"}));
  EXPECT_EQ(fs_.read_file("/out/_spark_metadata/5.compact").value(), "v1\n0\n1\n2\n3\n4\n5");
  EXPECT_EQ(sink_log.all_entries().value(),
            (std::vector<std::string>{"0", "1", "2", "3", "4", "5"}));
  add(sink_log, 6, 6);
  EXPECT_EQ(sink_log.all_entries().value().size(), 7u);
  EXPECT_FALSE(sink_log.add(6, {"again"}).value());
  EXPECT_EQ(sink_log.purge(3).message(), "Cannot purge as it might break internal state.");
}

TEST_F(CompactibleLogTest, AnExistingLogKeepsTheIntervalItWasWrittenWith) {
  EXPECT_EQ(DeriveCompactInterval(10, 2), 3);
  EXPECT_EQ(DeriveCompactInterval(2, 5), 2);
  EXPECT_EQ(DeriveCompactInterval(4, 5), 6);
  EXPECT_EQ(DeriveCompactInterval(5, 11), 6);
  CompactibleLogConf conf;
  conf.default_compact_interval = 3;
  CompactibleLog first = log(conf);
  add(first, 0, 2);
  conf.default_compact_interval = 10;
  EXPECT_EQ(log(conf).compact_interval(), 3);  // one compaction file, at 2
  add(first, 3, 5);
  EXPECT_EQ(log(conf).compact_interval(), 3);  // two: their distance
}

// deleteExpiredLog: after batch b, the files before the compaction batch that the oldest
// retained batch reads from go, once older than the cleanup delay.
TEST_F(CompactibleLogTest, OldFilesExpireAfterTheCleanupDelay) {
  CompactibleLogConf conf;
  conf.default_compact_interval = 3;
  conf.min_batches_to_retain = 2;
  CompactibleLog delayed = log(conf);
  add(delayed, 0, 5);
  EXPECT_EQ(names().size(), 6u);  // all younger than 10 minutes
  conf.cleanup_delay = Duration{0};
  CompactibleLog immediate = log(conf);
  // Oldest retained batch 5: minCompactionBatchId = 5 - 5 % 3 - 1 = 2, so 0 and 1 go.
  add(immediate, 6, 6);
  EXPECT_EQ(names(), (std::vector<std::string>{"2.compact", "3", "4", "5.compact", "6"}));
  EXPECT_EQ(immediate.all_entries().value().size(), 7u);
}

TEST_F(CompactibleLogTest, AMissingBatchInTheReadWindowFailsAllFiles) {
  CompactibleLogConf conf;
  conf.default_compact_interval = 3;
  CompactibleLog sink_log = log(conf);
  add(sink_log, 0, 4);
  ASSERT_TRUE(fs_.remove("/out/_spark_metadata/3", false).ok());
  EXPECT_EQ(sink_log.all_entries().status().message(),
            "/out/_spark_metadata/3 doesn't exist (latestId: 4, compactInterval: 3)");
  ASSERT_TRUE(sink_log.add(3, {"3"}).value());
  ASSERT_TRUE(fs_.remove("/out/_spark_metadata/1", false).ok());  // before the window: unread
  EXPECT_EQ(sink_log.all_entries().value().size(), 5u);
  ASSERT_TRUE(fs_.remove("/out/_spark_metadata/4", false).ok());
  EXPECT_EQ(sink_log.add(5, {"5"}).status().message(),
            "/out/_spark_metadata/4 doesn't exist when compacting batch 5 (compactInterval: 3)");
}

// A hostile directory: compaction files 2^40 apart make the interval 2^40, so the windows that
// reading and compacting cover are 2^39 and 2^40 ids long. Both walk the listing, not the range,
// and stop at the first missing id; the interval's divisor search is bounded too.
TEST_F(CompactibleLogTest, HugeBatchIdsInNamesEndInAnErrorNotAWalk) {
  const int64_t k = int64_t{1} << 40;
  EXPECT_EQ(DeriveCompactInterval(10, (int64_t{1} << 61) - 2), (int64_t{1} << 61) - 1);  // prime
  ASSERT_TRUE(fs_.mkdirs("/out/_spark_metadata").ok());
  for (const std::string& name :
       {std::to_string(k - 1) + ".compact", std::to_string(2 * k - 1) + ".compact",
        std::to_string(2 * k - 1 + k / 2)}) {
    ASSERT_TRUE(WriteWholeFile(fs_, "/out/_spark_metadata/" + name, "v1", false).ok());
  }
  CompactibleLog hostile = log({});
  EXPECT_EQ(hostile.compact_interval(), k);
  EXPECT_EQ(hostile.all_entries().status().message(),
            "/out/_spark_metadata/" + std::to_string(2 * k) +
                " doesn't exist (latestId: " + std::to_string(2 * k - 1 + k / 2) +
                ", compactInterval: " + std::to_string(k) + ")");
  EXPECT_EQ(hostile.add(3 * k - 1, {"x"}).status().code(), StatusCode::kIllegalState);
}

}  // namespace
}  // namespace ckpt::structured
