// The simulator's building blocks: event ordering and owner kills, seeded randomness, and SimFs's
// hdfs persistence contract.
#include <gtest/gtest.h>

#include <set>

#include "sim/event_loop.h"
#include "sim/sim_fs.h"
#include "util/random.h"

namespace sim {
namespace {

using ckpt::Time;

TEST(EventLoop, RunsByTimeThenInSchedulingOrder) {
  EventLoop loop;
  std::vector<int> order;
  loop.schedule_at(1, Time{10}, {}, [&] { order.push_back(3); });
  loop.schedule_at(1, Time{5}, {}, [&] { order.push_back(1); });
  loop.schedule_at(2, Time{5}, {}, [&] { order.push_back(2); });
  while (auto entry = loop.pop()) entry->task();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(loop.now(), Time{10});
}

TEST(EventLoop, KillingAnOwnerDropsItsTasksAndCancelDropsOne) {
  EventLoop loop;
  std::vector<int> ran;
  loop.schedule_at(1, Time{1}, {}, [&] { ran.push_back(1); });
  TaskId cancelled = loop.schedule_at(2, Time{2}, {}, [&] { ran.push_back(2); });
  loop.schedule_at(2, Time{3}, {}, [&] { ran.push_back(3); });
  loop.cancel(cancelled);
  loop.kill_owner(1);
  while (auto entry = loop.pop()) entry->task();
  EXPECT_EQ(ran, std::vector<int>{3});
}

TEST(EventLoop, TasksInThePastRunNow) {
  EventLoop loop;
  loop.schedule_at(1, Time{100}, {}, [] {});
  loop.pop()->task();
  loop.schedule_at(1, Time{50}, {}, [] {});
  EXPECT_EQ(loop.pop()->time, Time{100});
}

// A process whose clock is off the loop's reads and schedules in its own time.
TEST(EventLoop, AnOwnerWithAClockOffsetReadsAndSchedulesItsOwnTime) {
  EventLoop loop;
  OwnerScheduler behind(&loop, 1, ckpt::Duration{-400});
  loop.schedule_at(2, Time{1000}, {}, [] {});
  while (auto entry = loop.pop()) entry->task();
  EXPECT_EQ(behind.now(), Time{600});
  Time ran_at{-1};
  behind.schedule_at(Time{700}, {}, [&] { ran_at = behind.now(); });
  auto entry = loop.pop();
  ASSERT_TRUE(entry.has_value());
  entry->task();
  EXPECT_EQ(loop.now(), Time{1100});  // 700 on its clock
  EXPECT_EQ(ran_at, Time{700});
}

TEST(Random, SameSeedSameStreamAndForksAreIndependent) {
  Random a(42), b(42);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next_u64(), b.next_u64());
  Random parent(7);
  EXPECT_EQ(parent.fork(3).next_u64(), parent.fork(3).next_u64());
  EXPECT_NE(parent.fork(3).next_u64(), parent.fork(4).next_u64());
  EXPECT_NE(parent.fork("a").next_u64(), parent.fork("b").next_u64());
}

TEST(Random, BoundedDrawsStayInRangeAndCoverIt) {
  Random random(1);
  std::set<int64_t> seen;
  for (int i = 0; i < 2000; ++i) {
    int64_t x = random.between(-3, 3);
    ASSERT_GE(x, -3);
    ASSERT_LE(x, 3);
    seen.insert(x);
  }
  EXPECT_EQ(seen.size(), 7u);
}

// Known values pin the generator: a change would silently change every replay token's meaning.
TEST(Random, FirstValuesArePinned) {
  Random random(0);
  EXPECT_EQ(random.next_u64(), 0x99EC5F36CB75F2B4ULL);
}

class SimFsTest : public ::testing::Test {
 protected:
  std::string Read(const std::string& path) { return fs_.read_file(path).value(); }
  // The names `dir` lists, in order (empty when it cannot be listed).
  std::vector<std::string> Names(const std::string& dir) {
    std::vector<std::string> names;
    ckpt::Result<std::vector<ckpt::FileStatus>> listing = fs_.list(dir);
    if (!listing.ok()) return names;
    for (const ckpt::FileStatus& entry : listing.value()) names.push_back(entry.name);
    return names;
  }
  SimFs fs_{PersistenceModel::kHdfs};
};

TEST_F(SimFsTest, HdfsKeepsClosedDataAndLosesUnclosedData) {
  ASSERT_TRUE(fs_.mkdirs("/d").ok());
  ASSERT_TRUE(ckpt::WriteWholeFile(fs_, "/d/closed", "kept", false).ok());
  auto open = fs_.create("/d/open");
  ASSERT_TRUE(open.ok());
  ASSERT_TRUE(open.value()->append("lost").ok());
  EXPECT_EQ(Read("/d/open"), "lost");  // visible before the crash
  fs_.crash();
  EXPECT_EQ(Read("/d/closed"), "kept");
  EXPECT_EQ(Read("/d/open"), "");  // the create is durable, the data is not
}

TEST_F(SimFsTest, RenameIsHdfsLikeAndMovesDirectories) {
  ASSERT_TRUE(fs_.mkdirs("/d/sub").ok());
  ASSERT_TRUE(ckpt::WriteWholeFile(fs_, "/d/sub/f", "x", false).ok());
  ASSERT_TRUE(ckpt::WriteWholeFile(fs_, "/d/g", "y", false).ok());
  EXPECT_EQ(fs_.rename("/d/g", "/d/sub").code(), ckpt::StatusCode::kAlreadyExists);
  EXPECT_EQ(fs_.rename("/d/missing", "/d/h").code(), ckpt::StatusCode::kNotFound);
  ASSERT_TRUE(fs_.rename("/d/sub", "/d/moved").ok());
  EXPECT_EQ(Read("/d/moved/f"), "x");
  EXPECT_FALSE(fs_.exists("/d/sub/f").value());
  fs_.crash();
  EXPECT_EQ(Read("/d/moved/f"), "x");  // hdfs: rename durable when it returns
}

TEST_F(SimFsTest, ListsSortedDirectChildrenOnly) {
  ASSERT_TRUE(fs_.mkdirs("/d/b/deep").ok());
  ASSERT_TRUE(ckpt::WriteWholeFile(fs_, "/d/c", "123", false).ok());
  ASSERT_TRUE(ckpt::WriteWholeFile(fs_, "/d/a", "", false).ok());
  EXPECT_EQ(Names("/d"), (std::vector<std::string>{"a", "b", "c"}));
  auto listing = fs_.list("/d");
  ASSERT_TRUE(listing.ok());
  EXPECT_TRUE(listing.value()[1].is_directory);
  EXPECT_EQ(listing.value()[2].size_bytes, 3u);
  EXPECT_EQ(fs_.list("/nope").status().code(), ckpt::StatusCode::kNotFound);
}

// The listing jumps over a subdirectory's contents; siblings whose names extend the
// subdirectory's with a byte below '/' sort before its contents and must still be listed.
TEST_F(SimFsTest, ListsSiblingsThatSortAmongASubdirectorysPaths) {
  ASSERT_TRUE(fs_.mkdirs("/d/rdd").ok());
  ASSERT_TRUE(ckpt::WriteWholeFile(fs_, "/d/rdd/f1", "", false).ok());
  ASSERT_TRUE(ckpt::WriteWholeFile(fs_, "/d/rdd/f2", "", false).ok());
  ASSERT_TRUE(ckpt::WriteWholeFile(fs_, "/d/rdd-2", "", false).ok());
  ASSERT_TRUE(ckpt::WriteWholeFile(fs_, "/d/rdd.bk", "", false).ok());
  ASSERT_TRUE(ckpt::WriteWholeFile(fs_, "/d/rdd0", "", false).ok());
  EXPECT_EQ(Names("/d"), (std::vector<std::string>{"rdd", "rdd-2", "rdd.bk", "rdd0"}));
}

TEST_F(SimFsTest, DeleteNeedsRecursiveForNonEmptyDirectories) {
  ASSERT_TRUE(fs_.mkdirs("/d/e").ok());
  EXPECT_EQ(fs_.remove("/d", false).code(), ckpt::StatusCode::kIoError);
  EXPECT_TRUE(fs_.remove("/d", true).ok());
  EXPECT_FALSE(fs_.exists("/d/e").value());
  EXPECT_EQ(fs_.remove("/d", true).code(), ckpt::StatusCode::kNotFound);
  EXPECT_EQ(fs_.create("/x/y").status().code(), ckpt::StatusCode::kNotFound);
}

class CountingGate : public StepGate {
 public:
  bool before_mutation(const char* operation, const std::string& path) override {
    steps.push_back(std::string(operation) + " " + path);
    if (steps.size() == die_at) dead = true;
    return !dead;
  }
  bool alive() const override { return !dead; }
  ckpt::Status fault(const char*, const std::string&, uint64_t) override {
    return ckpt::Status::Ok();
  }
  std::vector<std::string> steps;
  size_t die_at = 0;
  bool dead = false;
};

TEST(GatedFileSystem, EveryMutationIsAStepAndADeadProcessChangesNothing) {
  SimFs base(PersistenceModel::kHdfs);
  CountingGate gate;
  gate.die_at = 4;
  GatedFileSystem fs(&base, &gate);
  ASSERT_TRUE(fs.mkdirs("/d").ok());
  EXPECT_TRUE(fs.exists("/d").value());  // reads are not steps
  ASSERT_TRUE(ckpt::WriteWholeFile(fs, "/d/f", "data", false).code() ==
              ckpt::StatusCode::kProcessDead);
  EXPECT_EQ(gate.steps,
            (std::vector<std::string>{"mkdirs /d", "create /d/f", "write /d/f", "close /d/f"}));
  EXPECT_EQ(fs.read_file("/d/f").status().code(), ckpt::StatusCode::kProcessDead);
  base.crash();
  EXPECT_EQ(base.read_file("/d/f").value(), "");  // never closed
}

}  // namespace
}  // namespace sim
