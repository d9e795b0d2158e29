// The wall-clock scheduler: its time line's arithmetic, and the seam's contract (time order,
// FIFO among equal times, cancel, never-decreasing time) on the real clock. The tasks are due
// within milliseconds of wall time (speed 1000): the tests check order, not speed.
#include "engine/runtime/wall_clock_scheduler.h"

#include <gtest/gtest.h>

#include <vector>

namespace ckpt {
namespace {

TEST(WallTimeLine, MapsWallTimeLinearlyAndBack) {
  WallTimeLine line{1'000'000, Time{500}, 10};
  EXPECT_EQ(line.at(1'000'000), Time{500});
  EXPECT_EQ(line.at(1'000'100), Time{1500});
  for (int64_t ms : {500, 501, 509, 510, 2345}) {
    int64_t wall = line.unix_ms_at(Time{ms});
    EXPECT_GE(line.at(wall), Time{ms}) << ms;
    EXPECT_LT(line.at(wall - 1), Time{ms}) << ms;  // the first such wall millisecond
  }
  WallTimeLine slow{0, Time{0}, 0.5};
  EXPECT_EQ(slow.at(1000), Time{500});
  EXPECT_EQ(slow.unix_ms_at(Time{500}), 1000);
}

TEST(WallClockScheduler, RunsTasksInTimeOrderFifoAmongEqualTimesAndSkipsCancelled) {
  WallTimeLine line{UnixNowMs(), Time{0}, 1000};
  WallClockScheduler scheduler(line);
  std::vector<int> ran;
  TaskLabel label;
  // 100 ms of wall time later: far enough that work posted before it always runs first.
  scheduler.schedule_at(Time{100'000}, label, [&] { ran.push_back(3); });
  scheduler.schedule_at(Time{100}, label, [&] { ran.push_back(1); });
  scheduler.schedule_at(Time{100}, label, [&] { ran.push_back(2); });
  TaskId dropped = scheduler.schedule_at(Time{200}, label, [&] { ran.push_back(99); });
  scheduler.cancel(dropped);
  scheduler.cancel(dropped);  // twice: a no-op
  scheduler.schedule_at(Time{200}, label, [&] {
    ran.push_back(20);
    // A task may post more work, due now: it runs before the later task.
    scheduler.post(label, [&] { ran.push_back(21); });
  });
  std::vector<Time> seen;
  scheduler.run([&](const TaskLabel&) { seen.push_back(scheduler.now()); });
  EXPECT_EQ(ran, (std::vector<int>{1, 2, 20, 21, 3}));
  EXPECT_EQ(scheduler.pending_tasks(), 0u);
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_GE(seen[0], Time{100});  // no task runs before it is due
  EXPECT_GE(seen[4], Time{100'000});
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_LE(seen[i - 1], seen[i]);
}

TEST(WallClockScheduler, TasksDueInThePastRunAtOnce) {
  WallClockScheduler scheduler(WallTimeLine{UnixNowMs() - 10'000, Time{0}, 1});
  bool ran = false;
  scheduler.schedule_at(Time{5}, TaskLabel{}, [&] { ran = true; });
  scheduler.run(nullptr);
  EXPECT_TRUE(ran);
  EXPECT_GE(scheduler.now(), Time{10'000});
}

}  // namespace
}  // namespace ckpt
