// Watermarks and no-data batches against structured-streaming-notes.md 2.4 (B3), 2.5 (R4), 3.6
// and invariant 4: a windowed count in Append mode emits a window once the watermark passes its
// end, late rows are dropped, a batch without new data runs when the watermark moved, and a
// re-run batch evicts with the watermark its offset log entry carries.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "testing/structured_query_fixture.h"

namespace ckpt::structured {
namespace {

using testing::Counts;
using testing::QueryTest;

Records Ints(std::initializer_list<int64_t> values) {
  Records records;
  for (int64_t v : values) records.push_back(Value::Int(v));
  return records;
}

// Event times in ms arrive on one partition: 1000, 1500, 2200 at 50 ms; 2500, 3100 at 150;
// 500 (late by then) at 250; 6000 at 350. Windows of 1000 ms are counted, keyed by their end,
// with a watermark 1000 ms behind the newest event time.
class WatermarkTest : public QueryTest {
 protected:
  WatermarkTest() : registry_(FunctionRegistry::Builtins()) {
    FunctionRegistry::Entry window{
        FunctionKind::kMap, 1, "t -> (end of t's window, 1)", {}, {}, {}, {}, {}, {}, {}};
    window.make_map = [](const std::vector<Value>& args) -> MapFn {
      int64_t size = args[0].as_int();
      return [size](const Value& t) -> Result<Value> {
        return Value::Pair(Value::Int((t.as_int() / size + 1) * size), Value::Int(1));
      };
    };
    registry_.add("event_window", std::move(window));
    functions = &registry_;
    log_ = sim::ScenarioLog("events", 1,
                            {{Time{50}, 0, Ints({1000, 1500, 2200})},
                             {Time{150}, 0, Ints({2500, 3100})},
                             {Time{250}, 0, Ints({500})},
                             {Time{350}, 0, Ints({6000})}},
                            [this] { return loop_.now(); });
    plan.steps = {{PlanStep::Kind::kMap, {"event_window", {Value::Int(1000)}}}};
    plan.aggregation = FunctionRef{"sum", {}};
    plan.watermark_delay = Duration{1000};
    plan.output_mode = OutputMode::kAppend;
    options.conf["spark.sql.shuffle.partitions"] = "2";
  }
  int64_t logged_watermark(int64_t batch_id) {
    return logged_plan(batch_id).metadata->batch_watermark_ms;
  }

  FunctionRegistry registry_;
};

TEST_F(WatermarkTest, AppendModeEmitsEachWindowOnceTheWatermarkPassesItsEnd) {
  ASSERT_TRUE(start(1).ok());
  run_until(650);
  EXPECT_EQ(planned, (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(deliveries(1), std::vector<Records>{Records{}});
  EXPECT_EQ(deliveries(2), std::vector<Records>{Counts({{2000, 2}})});
  EXPECT_EQ(deliveries(3), std::vector<Records>{Counts({{3000, 2}})});  // 500 came too late
  EXPECT_EQ(deliveries(4), std::vector<Records>{Records{}});
  // Batch 5 has no new data: it runs because the watermark moved to 6000.
  EXPECT_EQ(logged_plan(5).offsets, logged_plan(4).offsets);
  EXPECT_EQ(deliveries(5), std::vector<Records>{Counts({{4000, 1}})});
  // Invariant 4: each batch's watermark is the one the previous commit passed on.
  const std::vector<int64_t> watermarks = {0, 0, 2000, 3000, 3000, 6000};
  for (int64_t batch = 0; batch <= 5; ++batch) {
    EXPECT_EQ(logged_watermark(batch), watermarks[static_cast<size_t>(batch)]) << batch;
  }
  EXPECT_EQ(fs_.read_file("/ck/commits/4").value(), "v1\n{\"nextBatchWatermarkMs\":6000}");
}

TEST_F(WatermarkTest, WithoutNoDataBatchesAWindowWaitsForNewData) {
  options.conf["spark.sql.streaming.noDataMicroBatches.enabled"] = "false";
  ASSERT_TRUE(start(1).ok());
  run_until(650);
  EXPECT_EQ(planned.back(), 4);
  EXPECT_TRUE(deliveries(5).empty());
}

// The no-data batch 5 planned, then a crash before it ran: the restart re-runs it with the
// watermark from its offset log entry and evicts the window then.
TEST_F(WatermarkTest, AReRunNoDataBatchEvictsWithItsLoggedWatermark) {
  ASSERT_TRUE(start(1).ok());
  run_until(510);
  ASSERT_EQ(planned.back(), 5);
  crash(1);
  advance_to(900);
  ASSERT_TRUE(start(2).ok());
  run_until(950);
  EXPECT_EQ(starts.back(), std::make_pair(int64_t{5}, true));
  EXPECT_EQ(deliveries(5), std::vector<Records>{Counts({{4000, 1}})});
  EXPECT_EQ(committed.back(), 5);
}

// After a restart with the latest batch committed, the watermark is the commit's; as Spark has no
// last execution then, no batch without new data runs before the first one with data.
TEST_F(WatermarkTest, ARestartTakesTheWatermarkOfTheLatestCommit) {
  log_ = sim::ScenarioLog("events", 1,
                          {{Time{50}, 0, Ints({1000, 1500, 2200})},
                           {Time{150}, 0, Ints({2500, 3100})},
                           {Time{250}, 0, Ints({500})},
                           {Time{350}, 0, Ints({6000})},
                           {Time{750}, 0, Ints({6500})}},
                          [this] { return loop_.now(); });
  ASSERT_TRUE(start(1).ok());
  run_until(450);  // batch 4 committed with nextBatchWatermarkMs 6000
  query(1).stop();
  ASSERT_TRUE(start(2).ok());
  run_until(750);
  EXPECT_EQ(planned.back(), 4);
  run_until(850);
  EXPECT_EQ(planned.back(), 5);
  EXPECT_EQ(logged_watermark(5), 6000);
  EXPECT_EQ(deliveries(5), std::vector<Records>{Counts({{4000, 1}})});
}

// dropDuplicates: the first record of each key passes, across batches and restarts (the keys seen
// are state); with a watermark, late keys are dropped and old ones evicted.
class DeduplicationTest : public QueryTest {
 protected:
  DeduplicationTest() {
    plan.steps = {{PlanStep::Kind::kMap, {"pair_with_one", {}}}};
    plan.deduplicate = true;
    options.conf["spark.sql.shuffle.partitions"] = "2";
  }
  void arrivals(std::vector<sim::LogAppend> appends) {
    log_ = sim::ScenarioLog("events", 1, std::move(appends), [this] { return loop_.now(); });
  }
  // The keys in state version `version` of both partitions.
  std::set<int64_t> keys_in_state(int64_t version) {
    std::set<int64_t> keys;
    CheckpointFileManager manager(&fs_, FileManagerKind::kFileContext, 99);
    for (int32_t p = 0; p < 2; ++p) {
      StateStoreProvider provider(&manager, "/ck/state/0/" + std::to_string(p), 0, p, {});
      std::unique_ptr<StateStore> store = provider.get_store(version).value();
      for (const auto& [key, seen] : store->map()) keys.insert(key.as_int());
    }
    return keys;
  }
};

Records Pairs(std::initializer_list<int64_t> keys) {
  Records records;
  for (int64_t key : keys) records.push_back(Value::Pair(Value::Int(key), Value::Int(1)));
  return records;
}

TEST_F(DeduplicationTest, EachKeyPassesOnceAcrossBatchesAndARestart) {
  arrivals({{Time{50}, 0, Ints({1, 2, 1})}, {Time{150}, 0, Ints({2, 3})}});
  ASSERT_TRUE(start(1).ok());
  run_until(150);
  query(1).stop();
  ASSERT_TRUE(start(2).ok());
  run_until(250);
  Records first = deliveries(1).at(0);
  std::sort(first.begin(), first.end());
  EXPECT_EQ(first, Pairs({1, 2}));
  EXPECT_EQ(deliveries(2), std::vector<Records>{Pairs({3})});
}

// Killed in the sink of batch 2 (its state committed, not the batch): the re-run loads version 2
// and lets key 3 pass again, the same records delivered twice (foreachBatch is at least once).
TEST_F(DeduplicationTest, AReRunBatchPassesTheSameRecordsAgain) {
  arrivals({{Time{50}, 0, Ints({1, 2, 1})}, {Time{150}, 0, Ints({2, 3})}});
  kill_in_sink_of = 2;
  ASSERT_TRUE(start(1).ok());
  run_until(250);
  fs_.crash();
  ASSERT_TRUE(start(2).ok());
  run_until(260);
  EXPECT_EQ(deliveries(2), (std::vector<Records>{Pairs({3}), Pairs({3})}));
}

TEST_F(DeduplicationTest, WithAWatermarkLateKeysAreDroppedAndOldOnesEvicted) {
  plan.watermark_delay = Duration{1000};
  arrivals({{Time{50}, 0, Ints({1000, 1000, 2500})}, {Time{150}, 0, Ints({1000, 3000, 2500})}});
  ASSERT_TRUE(start(1).ok());
  run_until(250);
  EXPECT_EQ(deliveries(2), std::vector<Records>{Pairs({3000})});  // 1000 late, 2500 seen
  EXPECT_EQ(logged_plan(2).metadata->batch_watermark_ms, 1500);
  EXPECT_EQ(keys_in_state(3), (std::set<int64_t>{2500, 3000}));  // 1000 evicted
}

TEST_F(DeduplicationTest, CompleteModeNeedsAnAggregation) {
  plan.output_mode = OutputMode::kComplete;
  EXPECT_EQ(start(1).message(),
            "Complete output mode not supported when there are no streaming aggregations on "
            "streaming DataFrames/Datasets");
}

}  // namespace
}  // namespace ckpt::structured
