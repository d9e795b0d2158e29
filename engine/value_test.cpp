#include "engine/value.h"

#include <gtest/gtest.h>

#include <cmath>
#include <latch>
#include <limits>
#include <thread>
#include <utility>

#include "engine/value_pool.h"

namespace ckpt {
namespace {

TEST(Value, CopiesShareAndCompareEqual) {
  Value pair = Value::Pair(Value::String("a"), Value::Int(2));
  Value copy = pair;
  EXPECT_EQ(copy, pair);
  EXPECT_EQ(&copy.first(), &pair.first());  // one cell, two owners
  EXPECT_EQ(copy.to_string(), "(a,2)");
  Value assigned = Value::Int(7);
  assigned = pair;
  EXPECT_EQ(assigned.first().as_string(), "a");
  const Value& alias = assigned;
  assigned = alias;  // self-assignment keeps the value
  EXPECT_EQ(assigned, pair);
}

TEST(Value, AMovedFromValueIsTheIntegerZero) {
  Value text = Value::String("words");
  Value moved = std::move(text);
  EXPECT_EQ(moved.as_string(), "words");
  EXPECT_TRUE(text.is_int());  // NOLINT(bugprone-use-after-move): the documented state
  EXPECT_EQ(text.as_int(), 0);
  Value target = Value::Pair(Value::Int(1), Value::Int(2));
  target = std::move(moved);
  EXPECT_EQ(target.as_string(), "words");
}

TEST(Value, OrdersByKindThenContent) {
  Records ordered = {Value::Int(-5),
                     Value::Int(3),
                     Value::Double(-std::numeric_limits<double>::infinity()),
                     Value::Double(2.5),
                     Value::Double(std::nan("")),
                     Value::String(""),
                     Value::String("a"),
                     Value::String("ab"),
                     Value::Pair(Value::Int(1), Value::String("z")),
                     Value::Pair(Value::String("a"), Value::Int(0)),
                     Value::Pair(Value::String("a"), Value::Int(1)),
                     Value::None(),
                     Value::Some(Value::Int(1)),
                     Value::Some(Value::String("a")),
                     Value::List({}),
                     Value::List({Value::Int(1)}),
                     Value::List({Value::Int(1), Value::Int(0)}),
                     Value::List({Value::Int(2)})};
  for (size_t i = 0; i < ordered.size(); ++i) {
    for (size_t j = 0; j < ordered.size(); ++j) {
      EXPECT_EQ(ordered[i] <=> ordered[j], i <=> j)
          << ordered[i].to_string() << " against " << ordered[j].to_string();
      EXPECT_EQ(ordered[i] == ordered[j], i == j);
    }
  }
  // Equal contents in different cells are equal.
  EXPECT_EQ(Value::Pair(Value::String("k"), Value::Double(1.5)),
            Value::Pair(Value::String("k"), Value::Double(1.5)));
}

TEST(Value, OptionsAndListsRenderAsScalaPrintsThem) {
  Value joined = Value::Pair(
      Value::String("a"),
      Value::Pair(Value::Some(Value::Int(1)), Value::List({Value::Int(2), Value::Int(3)})));
  EXPECT_EQ(joined.to_string(), "(a,(Some(1),List(2, 3)))");
  EXPECT_EQ(Value::None().to_string(), "None");
  EXPECT_EQ(Value::List({}).to_string(), "List()");
  Value copy = joined;
  EXPECT_EQ(&copy.second().second().items(), &joined.second().second().items());
}

TEST(Value, DigestDependsOnKindAndContent) {
  EXPECT_EQ(Value::String("ab").digest(kFnvOffset), Value::String("ab").digest(kFnvOffset));
  EXPECT_NE(Value::Int(1).digest(kFnvOffset), Value::Double(1).digest(kFnvOffset));
  EXPECT_NE(Value::Pair(Value::Int(1), Value::Int(2)).digest(kFnvOffset),
            Value::Pair(Value::Int(2), Value::Int(1)).digest(kFnvOffset));
  EXPECT_NE(Value::None().digest(kFnvOffset), Value::List({}).digest(kFnvOffset));
  EXPECT_NE(Value::Some(Value::Int(1)).digest(kFnvOffset), Value::Int(1).digest(kFnvOffset));
  EXPECT_NE(Value::List({Value::Int(1), Value::Int(2)}).digest(kFnvOffset),
            Value::List({Value::Pair(Value::Int(1), Value::Int(2))}).digest(kFnvOffset));
}

TEST(Value, SortRecordsOrdersAMultiset) {
  Records records = {Value::String("b"), Value::Int(2), Value::String("a"), Value::Int(2)};
  SortRecords(records);
  EXPECT_EQ(RecordsToString(records), "[2, 2, a, b]");
  SortRecords(records);  // already in order: unchanged
  EXPECT_EQ(RecordsToString(records), "[2, 2, a, b]");
}

// Cells come from per-thread pools: a value made on one thread may die on another, and a thread
// that ends hands its free cells on. Each round builds values on a worker, destroys half of them
// there and the rest here, then builds here again.
TEST(Value, ValuesOutliveTheThreadThatMadeThem) {
  for (int round = 0; round < 3; ++round) {
    Records survivors;
    std::thread worker([&survivors] {
      Records local;
      for (int i = 0; i < 20000; ++i) {
        local.push_back(Value::Pair(Value::String("key-" + std::to_string(i)), Value::Int(i)));
      }
      for (size_t i = 0; i < local.size(); i += 2) survivors.push_back(local[i]);
    });
    worker.join();
    ASSERT_EQ(survivors.size(), 10000u);
    for (size_t i = 0; i < survivors.size(); ++i) {
      ASSERT_EQ(survivors[i].second().as_int(), static_cast<int64_t>(2 * i));
      ASSERT_EQ(survivors[i].first().as_string(), "key-" + std::to_string(2 * i));
    }
    survivors.clear();
    Records fresh;
    for (int i = 0; i < 30000; ++i) fresh.push_back(Value::Pair(Value::Int(i), Value::Int(-i)));
    for (int i = 0; i < 30000; ++i) ASSERT_EQ(fresh[i].second().as_int(), -i);
  }
}

// Threads started and ended over and over (the explorer starts its workers per batch of trials)
// reuse the pool's free cells: its size stays at the peak of live cells. It used to grow by the
// live cells of every round, one thread taking the whole free list while the other carved new
// chunks, and each thread's end walked the whole list.
TEST(Value, ThreadsStartedPerBatchReuseThePool) {
  auto round = [] {
    std::latch both_started(2);  // both threads hold cells at once, as the explorer's workers do
    auto work = [&both_started] {
      Records cells{Value::Pair(Value::Int(0), Value::Int(0))};
      both_started.arrive_and_wait();
      for (int i = 1; i < 20000; ++i) cells.push_back(Value::Pair(Value::Int(i), Value::Int(-i)));
    };
    std::thread a(work), b(work);
    a.join();
    b.join();
  };
  for (int i = 0; i < 20; ++i) round();
  size_t warmed = ValueCellPoolChunks();
  for (int i = 0; i < 80; ++i) round();
  // How the two threads interleave may carve a few chunks more (a busy machine once gave one
  // beyond warmed + 2); the old pool grew by about 13 chunks per round, 1,038 over these 80.
  EXPECT_LE(ValueCellPoolChunks(), warmed + 16);
}

}  // namespace
}  // namespace ckpt
