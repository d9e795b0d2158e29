// ReceivedBlockTracker, after Spark's ReceivedBlockTrackerSuite (all seven tests), with the two
// reverted fixes (SPARK-23438, SPARK-23991) shown to break what the suite checks.
#include "engine/receiver/received_block_tracker.h"

#include <gtest/gtest.h>

#include "engine/streaming_runtime.h"
#include "testing/engine_fixture.h"
#include "testing/flaky_fs.h"

namespace ckpt {
namespace {

constexpr int32_t kStream = 0;

class BlockTrackerTest : public ::testing::Test {
 protected:
  explicit BlockTrackerTest(FileSystem* fs = nullptr) : fixture_(fs) {
    runtime_.env = fixture_.env();
  }

  // Spark's createTracker: the driver log under the checkpoint directory (rolling every second,
  // as the suite sets), or none; `recover` replays it.
  std::unique_ptr<ReceivedBlockTracker> Tracker(bool recover, bool with_log = true,
                                                bool additions_only = false) {
    runtime_.env.defects = fixture_.defects;
    std::unique_ptr<FileBasedWriteAheadLog> log;
    if (with_log) {
      log = std::make_unique<FileBasedWriteAheadLog>(
          &fixture_.fs(), "/ck/receivedBlockMetadata", Duration{1000}, false,
          [this](const std::string& warning) { warnings_.push_back(warning); });
    }
    return std::make_unique<ReceivedBlockTracker>(&runtime_, std::vector<int32_t>{kStream},
                                                  std::move(log), recover, additions_only);
  }
  // Spark's generateBlockInfos: blocks with distinct ids.
  std::vector<ReceivedBlockInfo> Blocks(int count) {
    std::vector<ReceivedBlockInfo> blocks;
    for (int i = 0; i < count; ++i, ++next_block_) {
      ReceivedBlockInfo block;
      block.stream_id = kStream;
      block.block_id = "input-0-" + std::to_string(next_block_);
      block.record_count = 1;
      block.source_from = next_block_;
      block.source_until = next_block_ + 1;
      blocks.push_back(block);
    }
    return blocks;
  }
  static void Add(ReceivedBlockTracker& tracker, const std::vector<ReceivedBlockInfo>& blocks) {
    for (const ReceivedBlockInfo& block : blocks) {
      ASSERT_TRUE(tracker.write_block_addition(block));
      tracker.enqueue(block);
    }
  }
  static std::vector<ReceivedBlockInfo> Queue(const ReceivedBlockTracker& tracker) {
    const auto& queue = tracker.unallocated(kStream);
    return {queue.begin(), queue.end()};
  }
  // The events in the driver log, in order.
  std::vector<ReceivedBlockEvent::Kind> LoggedKinds() {
    FileBasedWriteAheadLog reader(&fixture_.fs(), "/ck/receivedBlockMetadata", Duration{1000},
                                  false, [](const std::string&) {});
    std::vector<ReceivedBlockEvent::Kind> kinds;
    std::vector<std::string> records = reader.read_all().value();
    for (const std::string& record : records) {
      kinds.push_back(DecodeReceivedBlockEvent(record).value().kind);
    }
    return kinds;
  }
  void Advance(int64_t ms) { fixture_.advance_to(fixture_.loop().now() + Duration{ms}); }

  sim::testing::EngineFixture fixture_;
  StreamingRuntime runtime_;
  std::vector<std::string> warnings_;
  int64_t next_block_ = 0;
};

// l.65 "block addition, and block to batch allocation"
TEST_F(BlockTrackerTest, AllocatesEveryQueuedBlockOnceAndLaterTimesGetNone) {
  auto tracker = Tracker(false);
  std::vector<ReceivedBlockInfo> blocks = Blocks(5);
  Add(*tracker, blocks);
  EXPECT_EQ(Queue(*tracker), blocks);
  EXPECT_TRUE(tracker->has_unallocated_blocks());
  EXPECT_TRUE(tracker->allocate_blocks_to_batch(Time{1}));
  EXPECT_EQ(tracker->blocks_of_batch(Time{1}, kStream), blocks);
  EXPECT_TRUE(Queue(*tracker).empty());
  EXPECT_FALSE(tracker->has_unallocated_blocks());
  EXPECT_TRUE(tracker->allocate_blocks_to_batch(Time{2}));
  EXPECT_TRUE(tracker->blocks_of_batch(Time{2}, kStream).empty());
  // Allocating to an earlier or the same time again is a no-op: the allocation stays.
  Add(*tracker, Blocks(2));
  EXPECT_FALSE(tracker->allocate_blocks_to_batch(Time{1}));
  EXPECT_EQ(tracker->blocks_of_batch(Time{1}, kStream), blocks);
  EXPECT_EQ(Queue(*tracker).size(), 2u);
}

// l.101 "block addition, and block to batch allocation with many blocks"
TEST_F(BlockTrackerTest, AllocatesManyBlocksAndRecoversThemFromTheLog) {
  std::vector<ReceivedBlockInfo> first = Blocks(100), second = Blocks(100);
  {
    auto tracker = Tracker(false);
    Add(*tracker, first);
    EXPECT_TRUE(tracker->allocate_blocks_to_batch(Time{1}));
    Add(*tracker, second);
    EXPECT_TRUE(tracker->allocate_blocks_to_batch(Time{2}));
  }
  auto recovered = Tracker(true);
  EXPECT_EQ(recovered->blocks_of_batch(Time{1}, kStream), first);
  EXPECT_EQ(recovered->blocks_of_batch(Time{2}, kStream), second);
  EXPECT_TRUE(Queue(*recovered).empty());
}

// l.122 "recovery with write ahead logs should remove only allocated blocks from received queue"
// (SPARK-23438): the log holds Add(A...), Add(U...), Alloc(t, A), as when U's addition reached
// the log before a concurrent allocation but its enqueue came after it.
class ReplayOfAnAllocation : public BlockTrackerTest {
 protected:
  void WriteLog() {
    auto tracker = Tracker(false);
    allocated_ = Blocks(5);
    unallocated_ = Blocks(5);
    Add(*tracker, allocated_);
    for (const ReceivedBlockInfo& block : unallocated_) {
      ASSERT_TRUE(tracker->write_block_addition(block));  // logged, not yet enqueued
    }
    EXPECT_TRUE(tracker->allocate_blocks_to_batch(Time{1}));
    using Kind = ReceivedBlockEvent::Kind;
    std::vector<Kind> expected(10, Kind::kBlockAddition);
    expected.push_back(Kind::kBatchAllocation);
    EXPECT_EQ(LoggedKinds(), expected);
  }
  std::vector<ReceivedBlockInfo> allocated_, unallocated_;
};

TEST_F(ReplayOfAnAllocation, RemovesOnlyTheAllocatedBlocksFromTheQueue) {
  WriteLog();
  auto recovered = Tracker(true);
  EXPECT_EQ(recovered->blocks_of_batch(Time{1}, kStream), allocated_);
  EXPECT_EQ(Queue(*recovered), unallocated_);
  EXPECT_EQ(recovered->last_allocated_batch_time(), Time{1});
}

TEST_F(ReplayOfAnAllocation, ClearsTheWholeQueueWithTheDefectWalClearQueueOnReplay) {
  WriteLog();
  fixture_.defects.add(Defect::kWalClearQueueOnReplay);
  auto recovered = Tracker(true);
  EXPECT_EQ(recovered->blocks_of_batch(Time{1}, kStream), allocated_);
  EXPECT_TRUE(Queue(*recovered).empty());  // the unallocated blocks are lost
}

struct FlakyFsHolder {
  sim::testing::FlakyFs fs_;
};

// Built before the fixture that uses it (base classes initialize in order).
class FlakyLogTest : public FlakyFsHolder, public BlockTrackerTest {
 protected:
  FlakyLogTest() : BlockTrackerTest(&fs_) {}
};

// l.143 "block allocation to batch should not loose blocks from received queue" (SPARK-23991).
TEST_F(FlakyLogTest, KeepsTheQueueAndTheNextAllocationTakesEveryBlock) {
  auto tracker = Tracker(false);
  std::vector<ReceivedBlockInfo> blocks = Blocks(5);
  Add(*tracker, blocks);
  fs_.failing_appends = -1;
  EXPECT_FALSE(tracker->allocate_blocks_to_batch(Time{1}));
  EXPECT_TRUE(tracker->blocks_of_batch(Time{1}, kStream).empty());
  EXPECT_EQ(Queue(*tracker), blocks);
  fs_.failing_appends = 0;
  EXPECT_TRUE(tracker->allocate_blocks_to_batch(Time{2}));
  EXPECT_EQ(tracker->blocks_of_batch(Time{2}, kStream), blocks);
}

TEST_F(FlakyLogTest, LosesTheBlocksWithTheDefectDequeueBeforeWalWrite) {
  fixture_.defects.add(Defect::kDequeueBeforeWalWrite);
  auto tracker = Tracker(false);
  Add(*tracker, Blocks(5));
  fs_.failing_appends = -1;
  EXPECT_FALSE(tracker->allocate_blocks_to_batch(Time{1}));
  fs_.failing_appends = 0;
  EXPECT_TRUE(tracker->allocate_blocks_to_batch(Time{2}));
  EXPECT_TRUE(tracker->blocks_of_batch(Time{2}, kStream).empty());
  EXPECT_TRUE(Queue(*tracker).empty());
}

// A log file that cannot be read (it exists: not a deletion racing the recovery) fails the
// recovery, as readAll's exception escapes Spark's ReceivedBlockTracker constructor: a tracker that
// went on without it would queue blocks whose allocation that file held, and a later batch would
// read them again (the swarm's drawn I/O fault found such duplicates).
TEST_F(FlakyLogTest, ALogFileItCannotReadFailsTheRecovery) {
  {
    auto tracker = Tracker(false);
    Add(*tracker, Blocks(3));
    EXPECT_TRUE(tracker->allocate_blocks_to_batch(Time{1}));
  }
  EXPECT_TRUE(Tracker(true)->log_status().ok());
  fs_.failing_reads = -1;
  Status recovered = Tracker(true)->log_status();
  EXPECT_EQ(recovered.code(), StatusCode::kIoError) << recovered.to_string();
  EXPECT_TRUE(Tracker(false)->log_status().ok());  // a new application reads nothing
}

// l.184 "recovery and cleanup with write ahead logs" (TV14).
TEST_F(BlockTrackerTest, RecoversAllocationsAndCleansOldBatchesAndLogFiles) {
  std::vector<ReceivedBlockInfo> first = Blocks(5);
  {
    auto tracker = Tracker(false);
    Add(*tracker, first);
  }
  EXPECT_TRUE(Queue(*Tracker(false)).empty());  // without recovery nothing comes back
  Advance(2000);
  auto recovered = Tracker(true);
  EXPECT_EQ(Queue(*recovered), first);
  Time batch1 = fixture_.loop().now();
  EXPECT_TRUE(recovered->allocate_blocks_to_batch(batch1));
  EXPECT_EQ(recovered->blocks_of_batch(batch1, kStream), first);
  Advance(2000);
  std::vector<ReceivedBlockInfo> second = Blocks(5);
  Add(*recovered, second);
  Time batch2 = fixture_.loop().now();
  EXPECT_TRUE(recovered->allocate_blocks_to_batch(batch2));
  using Kind = ReceivedBlockEvent::Kind;
  std::vector<Kind> expected(5, Kind::kBlockAddition);
  expected.push_back(Kind::kBatchAllocation);
  expected.insert(expected.end(), 5, Kind::kBlockAddition);
  expected.push_back(Kind::kBatchAllocation);
  EXPECT_EQ(LoggedKinds(), expected);

  auto third = Tracker(true);
  EXPECT_EQ(third->blocks_of_batch(batch1, kStream), first);
  EXPECT_EQ(third->blocks_of_batch(batch2, kStream), second);
  EXPECT_TRUE(Queue(*third).empty());

  Advance(2000);
  third->cleanup_old_batches(batch2);
  EXPECT_TRUE(third->blocks_of_batch(batch1, kStream).empty());
  EXPECT_EQ(LoggedKinds().back(), Kind::kBatchCleanup);
  // The oldest file (the first additions, written at time 0) is gone.
  EXPECT_FALSE(fixture_.fs().exists("/ck/receivedBlockMetadata/log-0-1000").value());

  auto fourth = Tracker(true);
  EXPECT_TRUE(fourth->blocks_of_batch(batch1, kStream).empty());
  EXPECT_EQ(fourth->blocks_of_batch(batch2, kStream), second);
  EXPECT_TRUE(Queue(*fourth).empty());
}

// l.297 "disable write ahead log when checkpoint directory is not set"
TEST_F(BlockTrackerTest, WithoutACheckpointDirectoryNothingIsLoggedAndAllocationWorks) {
  auto tracker = Tracker(false, /*with_log=*/false);
  std::vector<ReceivedBlockInfo> blocks = Blocks(3);
  Add(*tracker, blocks);
  EXPECT_TRUE(tracker->allocate_blocks_to_batch(Time{1}));
  EXPECT_EQ(tracker->blocks_of_batch(Time{1}, kStream), blocks);
  Advance(10);
  tracker->cleanup_old_batches(Time{2});
  EXPECT_TRUE(tracker->blocks_of_batch(Time{1}, kStream).empty());
  EXPECT_FALSE(fixture_.fs().exists("/ck").value());
}

// l.303 "parallel file deletion in FileBasedWriteAheadLog is robust to deletion error": a file
// that cannot be deleted is a warning, and the cleanup still drops the allocations.
TEST_F(FlakyLogTest, ACleanupWhoseFileDeletionFailsWarnsAndStillDropsTheAllocations) {
  auto tracker = Tracker(false);
  Add(*tracker, Blocks(2));
  EXPECT_TRUE(tracker->allocate_blocks_to_batch(Time{1}));
  Advance(3000);
  ASSERT_TRUE(tracker->write_block_addition(Blocks(1)[0]));  // rolls: log-0-1000 is closed
  fs_.failing_removes = true;
  tracker->cleanup_old_batches(Time{2500});
  EXPECT_TRUE(tracker->allocations().empty());
  ASSERT_FALSE(warnings_.empty());
  EXPECT_NE(warnings_.back().find("injected delete failure"), std::string::npos);
  EXPECT_TRUE(fixture_.fs().exists("/ck/receivedBlockMetadata/log-0-1000").value());
}

// Fix::kFreshApplicationDropsBlockLog: a new application logs the blocks it adopted again before
// it deletes the files they came from, and a replay that meets an addition twice (a crash came
// in between) keeps the block once.
TEST_F(BlockTrackerTest, AFreshApplicationLogsAdoptedBlocksAgainBeforeDroppingTheOldLog) {
  runtime_.env.fixes.add(Fix::kReplayBlockLogWithoutCheckpoint);
  runtime_.env.fixes.add(Fix::kFreshApplicationDropsBlockLog);
  std::vector<ReceivedBlockInfo> blocks = Blocks(3);
  Add(*Tracker(false), blocks);  // the abandoned application, at time 0
  Advance(5000);
  auto adopting = Tracker(/*recover=*/true, true, /*additions_only=*/true);
  ASSERT_EQ(Queue(*adopting), blocks);
  ASSERT_TRUE(adopting->restart_log().ok());
  EXPECT_FALSE(fixture_.fs().exists("/ck/receivedBlockMetadata/log-0-1000").value());
  EXPECT_EQ(LoggedKinds().size(), 3u);  // its own log holds the three additions
  // The same additions logged twice, as a crash between logging them again and deleting the
  // old file leaves them.
  Add(*Tracker(false), blocks);
  EXPECT_EQ(LoggedKinds().size(), 6u);
  EXPECT_EQ(Queue(*Tracker(true, true, true)), blocks);
}

// A block's addition logged twice (a write retried on a new file after its flush failed, the
// record kept in the old file too): Spark's replay queues the block twice, so one allocation holds
// it twice; Fix::kReplayAddsEachBlockOnce queues it once.
TEST_F(BlockTrackerTest, ReplayQueuesABlockLoggedTwiceTwiceUnlessFixed) {
  std::vector<ReceivedBlockInfo> blocks = Blocks(2);
  {
    auto tracker = Tracker(false);
    ASSERT_TRUE(tracker->write_block_addition(blocks[0]));
    Add(*tracker, blocks);
  }
  EXPECT_EQ(Queue(*Tracker(true)), (std::vector{blocks[0], blocks[0], blocks[1]}));
  runtime_.env.fixes.add(Fix::kReplayAddsEachBlockOnce);
  EXPECT_EQ(Queue(*Tracker(true)), blocks);
}

}  // namespace
}  // namespace ckpt
