// The Kafka-direct-like log stream against spark-notes section 4.3: offset ranges from where the
// previous batch stopped to the log end at compute time, the per-partition rate limit, the
// checkpointed currentOffsets and batch ranges, and a recovery with neither gap nor overlap.
#include <gtest/gtest.h>

#include "engine/streaming_context.h"
#include "scenario/scenario_log.h"
#include "testing/engine_fixture.h"

namespace ckpt {
namespace {

using sim::testing::EngineFixture;

// A fixture that also records the offset ranges the stream assigns, with a log whose clock is
// the fixture's virtual time.
class LogFixture : public EngineFixture {
 public:
  LogFixture(std::vector<sim::LogAppend> appends, FileSystem* fs = nullptr)
      : EngineFixture(fs), log("events", 2, appends, [this] { return loop().now(); }) {}
  EngineEnv log_env(uint64_t process_uid = 1) {
    EngineEnv e = env(process_uid);
    e.log = &log;
    return e;
  }
  void on_event(const EngineEventRecord& record) override {
    if (const auto* assigned = std::get_if<event::OffsetRanges>(&record)) {
      (assigned->restored ? restored_ranges : computed_ranges)[assigned->batch_time.ms] =
          assigned->ranges;
    }
    EngineFixture::on_event(record);
  }
  sim::ScenarioLog log;
  std::map<int64_t, std::vector<OffsetRange>> computed_ranges;
  std::map<int64_t, std::vector<OffsetRange>> restored_ranges;
};

// Every 100 ms from 100 to `until_ms`, 3 integers to each of the two partitions.
std::vector<sim::LogAppend> Appends(int64_t until_ms) {
  std::vector<sim::LogAppend> appends;
  int64_t next = 1;
  for (int64_t at = 100; at <= until_ms; at += 100) {
    for (int32_t partition = 0; partition < 2; ++partition) {
      appends.push_back(
          {Time{at}, partition, {Value::Int(next), Value::Int(next + 1), Value::Int(next + 2)}});
      next += 3;
    }
  }
  return appends;
}

// log_stream -> map((total, _)) -> updateStateByKey(sum) -> collect, batch 500 ms.
Result<std::unique_ptr<StreamingContext>> TotalApp(const EngineEnv& env) {
  auto context = StreamingContext::Create(env, Milliseconds(500));
  CKPT_RETURN_IF_ERROR(context->checkpoint("/ck"));
  CKPT_ASSIGN_OR_RETURN(DStream* stream, context->log_stream("events"));
  DStream* keyed = stream->map({"keyed", {Value::String("total")}}).value();
  DStream* totals = keyed->update_state_by_key({"running_sum", {}}).value();
  CKPT_RETURN_IF_ERROR(totals->collect("totals"));
  return context;
}

std::string Show(const std::vector<OffsetRange>& ranges) {
  std::string text;
  for (const OffsetRange& r : ranges) {
    text += "p" + std::to_string(r.partition) + "[" + std::to_string(r.from) + "," +
            std::to_string(r.until) + ")";
  }
  return text;
}

TEST(LogStream, EachBatchReadsUpToTheLogEndAtComputeTime) {
  LogFixture fixture(Appends(2000));
  auto context = TotalApp(fixture.log_env()).value();
  ASSERT_TRUE(context->start().ok());
  fixture.run_until(Time{1500});
  EXPECT_EQ(Show(fixture.computed_ranges[500]), "p0[0,15)p1[0,15)");
  EXPECT_EQ(Show(fixture.computed_ranges[1000]), "p0[15,30)p1[15,30)");
  EXPECT_EQ(Show(fixture.computed_ranges[1500]), "p0[30,45)p1[30,45)");
}

TEST(LogStream, TheRateLimitCapsEachPartitionPerBatch) {
  LogFixture fixture(Appends(1000));
  // 10 records/s x 0.5 s = 5 records per partition and batch.
  fixture.process_conf["spark.streaming.kafka.maxRatePerPartition"] = "10";
  auto context = TotalApp(fixture.log_env()).value();
  ASSERT_TRUE(context->start().ok());
  fixture.run_until(Time{3500});
  EXPECT_EQ(Show(fixture.computed_ranges[500]), "p0[0,5)p1[0,5)");
  EXPECT_EQ(Show(fixture.computed_ranges[2500]), "p0[20,25)p1[20,25)");
  EXPECT_EQ(Show(fixture.computed_ranges[3500]), "p0[30,30)p1[30,30)");
}

TEST(LogStream, BadRateAndMissingLogOrTopicAreErrors) {
  LogFixture fixture(Appends(1000));
  fixture.process_conf["spark.streaming.kafka.maxRatePerPartition"] = "-1";
  auto context = TotalApp(fixture.log_env()).value();
  EXPECT_EQ(context->start().message(),
            "spark.streaming.kafka.maxRatePerPartition must be a non-negative integer, got '-1'");
  EXPECT_EQ(TotalApp(fixture.env()).status().code(), StatusCode::kIllegalState);
  auto other = StreamingContext::Create(fixture.log_env(), Milliseconds(500));
  EXPECT_EQ(other->log_stream("nope").status().message(), "the log has no topic 'nope'");
}

// Runs TotalApp in `first` until the driver dies at 1200 (after the checkpoints of 1000), then
// recovers it in `second` (sharing the filesystem) with the clock at 2600; the creating function
// must not be called.
std::unique_ptr<StreamingContext> CrashAt1200AndRecoverAt2600(LogFixture& first,
                                                              LogFixture& second) {
  first.job_duration_value = Milliseconds(50);
  auto context = TotalApp(first.log_env()).value();
  EXPECT_TRUE(context->start().ok());
  first.run_until(Time{1200});
  first.loop().kill_owner(1);
  second.advance_to(Time{2600});
  auto recovered = StreamingContext::GetOrCreate(
      second.log_env(2), "/ck",
      [](const EngineEnv&) -> Result<std::unique_ptr<StreamingContext>> {
        return Status::IllegalState("the creating function must not be called");
      },
      false);
  EXPECT_TRUE(recovered.ok()) << recovered.status().to_string();
  if (!recovered.ok()) return nullptr;
  EXPECT_TRUE(recovered.value()->start().ok());
  return std::move(recovered).value();
}

// Spark's "offset recovery": batch 1000 is restored with its ranges, the down-time batches
// continue from the checkpointed currentOffsets, and the total counts every record once.
TEST(LogStream, RecoveryRestoresRangesAndContinuesWithoutGapOrOverlap) {
  LogFixture first(Appends(3000));
  LogFixture second(Appends(3000), &first.sim_fs());
  second.stop_after_batches = 8;
  auto recovered = CrashAt1200AndRecoverAt2600(first, second);
  ASSERT_TRUE(recovered);
  EXPECT_EQ(Show(second.restored_ranges[1000]), Show(first.computed_ranges[1000]));
  second.run_until(Time{4000});
  // Down-time batches read the log as it is at 2600: 1500 takes everything up to it.
  EXPECT_EQ(Show(second.computed_ranges[1500]), "p0[30,78)p1[30,78)");
  EXPECT_EQ(Show(second.computed_ranges[2000]), "p0[78,78)p1[78,78)");
  EXPECT_EQ(Show(second.computed_ranges[2500]), "p0[78,78)p1[78,78)");
  EXPECT_EQ(Show(second.computed_ranges[3000]), "p0[78,90)p1[78,90)");
  // 1 + 2 + ... + 180: every record of both partitions once.
  EXPECT_EQ(RecordsToString(second.outputs["totals"][4000].back()), "[(total,16290)]");
}

TEST(LogStream, OffsetsNotCheckpointedLosesTheRecordsBeforeTheRestart) {
  LogFixture first(Appends(3000));
  LogFixture second(Appends(3000), &first.sim_fs());
  second.defects.add(Defect::kOffsetsNotCheckpointed);
  auto recovered = CrashAt1200AndRecoverAt2600(first, second);
  ASSERT_TRUE(recovered);
  second.run_until(Time{2600});
  EXPECT_EQ(Show(second.computed_ranges[1500]), "p0[78,78)p1[78,78)");
}

}  // namespace
}  // namespace ckpt
