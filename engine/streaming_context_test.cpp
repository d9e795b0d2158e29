// StreamingContext, JobGenerator and DStreams against Spark's own worked examples and test
// vectors (spark-notes.md sections 2.4, 2.6, 2.7, 3 and 5.3): the restart reschedule set, TV1 and
// TV6 recovery, default checkpoint intervals, remember durations, RDD file cleanup, getOrCreate
// and validation errors.
#include "engine/streaming_context.h"

#include <gtest/gtest.h>

#include "testing/engine_fixture.h"

namespace ckpt {
namespace {

using sim::testing::EngineFixture;
using sim::testing::Pair;
using sim::testing::Words;

std::vector<Records> Repeat(Records batch, int count) { return std::vector<Records>(count, batch); }

// TV1's pipeline: map(x => (x, 1)).reduceByKey(_ + _), batch 500 ms.
Result<std::unique_ptr<StreamingContext>> MapReduceApp(const EngineEnv& env,
                                                       std::vector<Records> input) {
  auto context = StreamingContext::Create(env, Milliseconds(500));
  CKPT_RETURN_IF_ERROR(context->checkpoint("/ck"));
  DStream* stream = context->sequence_stream(std::move(input)).value();
  stream = stream->map({"pair_with_one", {}}).value();
  stream = stream->reduce_by_key({"sum", {}}).value();
  CKPT_RETURN_IF_ERROR(stream->collect("out"));
  return context;
}

// TV6's pipeline: map((_, 1)).updateStateByKey(sum).checkpoint(interval).map(identity).
Result<std::unique_ptr<StreamingContext>> StateApp(const EngineEnv& env, Duration batch,
                                                   std::optional<Duration> interval,
                                                   std::vector<Records> input) {
  auto context = StreamingContext::Create(env, batch);
  CKPT_RETURN_IF_ERROR(context->checkpoint("/ck"));
  DStream* stream = context->sequence_stream(std::move(input)).value();
  stream = stream->map({"pair_with_one", {}}).value();
  stream = stream->update_state_by_key({"running_sum", {}}).value();
  if (interval) CKPT_RETURN_IF_ERROR(stream->checkpoint(*interval));
  stream = stream->map({"identity", {}}).value();
  CKPT_RETURN_IF_ERROR(stream->collect("out"));
  return context;
}

StreamingContext::CreatingFunction MustNotCreate() {
  return [](const EngineEnv&) -> Result<std::unique_ptr<StreamingContext>> {
    ADD_FAILURE() << "the creating function must not be called on recovery";
    return Status::IllegalState("creating function called");
  };
}

// Recovers the checkpoint in /ck in a new process (`process`, sharing the first one's
// filesystem) whose clock reads `clock_ms`; the creating function must not be called.
std::unique_ptr<StreamingContext> Recover(EngineFixture& process, int64_t clock_ms) {
  process.advance_to(Time{clock_ms});
  auto recovered = StreamingContext::GetOrCreate(process.env(2), "/ck", MustNotCreate(), false);
  EXPECT_TRUE(recovered.ok()) << recovered.status().to_string();
  return recovered.ok() ? std::move(recovered).value() : nullptr;
}

// Writes a checkpoint of a started TV1 graph with the given content time and pending times, then
// recovers it in a new process whose clock reads `clock_ms`; returns what restart rescheduled.
std::vector<int64_t> Reschedule(int64_t checkpoint_ms, std::vector<Time> pending, int64_t clock_ms,
                                DefectSet defects = {}) {
  EngineFixture first;
  auto context = MapReduceApp(first.env(), Repeat(Words({"a"}), 10)).value();
  EXPECT_TRUE(context->graph().start(Time{0}).ok());
  Checkpoint checkpoint = context->make_checkpoint(Time{checkpoint_ms});
  checkpoint.pending_times = std::move(pending);
  EXPECT_TRUE(WriteWholeFile(first.fs(), JoinPath("/ck", CheckpointFileName(Time{checkpoint_ms})),
                             EncodeCheckpoint(checkpoint), false)
                  .ok());
  EngineFixture second(&first.sim_fs());
  second.defects = defects;
  std::unique_ptr<StreamingContext> recovered = Recover(second, clock_ms);
  EXPECT_TRUE(recovered && recovered->start().ok());
  return second.rescheduled;
}

TEST(Restart, CheckpointTimeBatchIsAlwaysRunAgain) {
  EXPECT_EQ(Reschedule(1500, {}, 1500), (std::vector<int64_t>{1500}));
}

TEST(Restart, DownTimeBatchesAreRescheduled) {
  EXPECT_EQ(Reschedule(1500, {}, 2000), (std::vector<int64_t>{1500, 2000}));
  EXPECT_EQ(Reschedule(1500, {}, 3000), (std::vector<int64_t>{1500, 2000, 2500, 3000}));
}

TEST(Restart, PendingTimesOlderThanTheCheckpointAreRescheduled) {
  EXPECT_EQ(Reschedule(2000, {Time{1000}, Time{1500}, Time{2000}}, 2000),
            (std::vector<int64_t>{1000, 1500, 2000}));
}

TEST(Restart, DefectsDropPendingOrDownTimes) {
  // Exercised end to end by the explorer tests; here the rule itself.
  DefectSet skip_pending, skip_down;
  skip_pending.add(Defect::kSkipPendingTimes);
  skip_down.add(Defect::kSkipDownTimes);
  EXPECT_EQ(Reschedule(2000, {Time{1000}, Time{2000}}, 2000, skip_pending),
            (std::vector<int64_t>{2000}));
  EXPECT_EQ(Reschedule(2000, {Time{1000}}, 2500, skip_down), (std::vector<int64_t>{1000}));
}

// TV1: recovery with map and reduceByKey operations; stop after 3 batches, run to 3000.
TEST(SparkVectors, RecoveryWithMapAndReduceByKey) {
  std::vector<Records> input = {Words({"a", "a", "b"}), Words({"", ""}), {},
                                Words({"a", "a", "b"}), Words({"", ""}), {}};
  EngineFixture first;
  auto context = MapReduceApp(first.env(), input).value();
  ASSERT_TRUE(context->start().ok());
  first.run_until(Time{1500});
  EXPECT_EQ(first.outputs["out"][1000].at(0), (Records{Pair("", 2)}));

  EngineFixture second(&first.sim_fs());
  std::unique_ptr<StreamingContext> recovered = Recover(second, 1500);
  ASSERT_TRUE(recovered);
  ASSERT_TRUE(recovered->start().ok());
  second.run_until(Time{3000});
  auto& out = second.outputs["out"];
  EXPECT_EQ(out[1500].at(0), Records{});
  EXPECT_EQ(out[2000].at(0), (Records{Pair("a", 2), Pair("b", 1)}));
  EXPECT_EQ(out[2500].at(0), (Records{Pair("", 2)}));
  EXPECT_EQ(out[3000].at(0), Records{});
  EXPECT_EQ(out.size(), 4u);  // batch 1500 re-executed, nothing earlier
}

// TV6: recovery with updateStateByKey; stop after 7 batches (3500), restore state RDDs
// {2000, 3000}, and batch 3500 recomputes 6 + 1 = 7.
TEST(SparkVectors, RecoveryWithUpdateStateByKey) {
  EngineFixture first;
  auto context =
      StateApp(first.env(), Milliseconds(500), Milliseconds(1000), Repeat(Words({"a"}), 10))
          .value();
  ASSERT_TRUE(context->start().ok());
  first.run_until(Time{3500});
  EXPECT_EQ(first.outputs["out"][3500].at(0), (Records{Pair("a", 7)}));

  EngineFixture second(&first.sim_fs());
  std::unique_ptr<StreamingContext> recovered = Recover(second, 3500);
  ASSERT_TRUE(recovered);
  const DStream& state = *recovered->graph().streams()[2];
  std::vector<int64_t> restored;
  for (const auto& [time, rdd] : state.generated_rdds()) restored.push_back(time.ms);
  EXPECT_EQ(restored, (std::vector<int64_t>{2000, 3000}));
  ASSERT_TRUE(recovered->start().ok());
  second.run_until(Time{5000});
  auto& out = second.outputs["out"];
  for (int64_t t = 3500, count = 7; t <= 5000; t += 500, ++count) {
    EXPECT_EQ(out[t].at(0), (Records{Pair("a", count)})) << "batch " << t;
  }
}

TEST(Intervals, DefaultIsSmallestMultipleOfTheSlideOfAtLeastTenSeconds) {
  for (auto [slide_ms, expected_ms] : std::vector<std::pair<int64_t, int64_t>>{
           {500, 10000}, {1000, 10000}, {3000, 12000}, {20000, 20000}}) {
    EngineFixture fixture;
    auto context = StateApp(fixture.env(), Milliseconds(slide_ms), std::nullopt, {}).value();
    ASSERT_TRUE(context->graph().start(Time{0}).ok());
    const DStream& state = *context->graph().streams()[2];
    EXPECT_EQ(state.checkpoint_interval(), Milliseconds(expected_ms)) << "slide " << slide_ms;
    EXPECT_EQ(state.remember_duration(), Milliseconds(2 * expected_ms));
    // The parent is asked to remember as long (DStream.remember propagates down).
    EXPECT_EQ(context->graph().streams()[1]->remember_duration(), Milliseconds(2 * expected_ms));
  }
}

// spark-notes 2.7: checkpoint(1 s), batch 500 ms, R = 2 s. rdd(1000) survives ClearCheckpointData
// of 2500 and is deleted at 3000; rdd(2000) at 4000.
TEST(RddCleanup, FollowsSparksTimeline) {
  EngineFixture fixture;
  auto context =
      StateApp(fixture.env(), Milliseconds(500), Milliseconds(1000), Repeat(Words({"a"}), 12))
          .value();
  ASSERT_TRUE(context->start().ok());
  std::map<int64_t, std::string> files;
  auto exists = [&](int64_t time) { return fixture.fs().exists(files.at(time)).value(); };
  fixture.run_until(Time{2500});
  Checkpoint at_2500 = context->make_checkpoint(Time{2500});
  for (const auto& [time, path] : at_2500.graph.streams[2].checkpoint_files) files[time.ms] = path;
  ASSERT_TRUE(files.count(1000) && files.count(2000));
  EXPECT_TRUE(exists(1000));
  fixture.run_until(Time{3000});
  EXPECT_FALSE(exists(1000));
  EXPECT_TRUE(exists(2000));
  fixture.run_until(Time{4000});
  EXPECT_FALSE(exists(2000));
}

TEST(GetOrCreate, EmptyDirectoryCallsTheCreatingFunction) {
  EngineFixture fixture;
  bool created = false;
  auto context = StreamingContext::GetOrCreate(
      fixture.env(), "/ck",
      [&](const EngineEnv& env) {
        created = true;
        return MapReduceApp(env, {});
      },
      false);
  ASSERT_TRUE(context.ok());
  EXPECT_TRUE(created);
  EXPECT_FALSE(context.value()->is_checkpoint_present());
}

TEST(GetOrCreate, CorruptedCheckpointFailsUnlessCreateOnError) {
  EngineFixture fixture;
  ASSERT_TRUE(fixture.fs().mkdirs("/ck").ok());
  ASSERT_TRUE(WriteWholeFile(fixture.fs(), "/ck/checkpoint-1000", "blablabla", false).ok());
  auto create = [](const EngineEnv& env) { return MapReduceApp(env, {}); };
  auto strict = StreamingContext::GetOrCreate(fixture.env(), "/ck", create, false);
  ASSERT_FALSE(strict.ok());
  EXPECT_NE(strict.status().message().find("Failed to read checkpoint from directory /ck"),
            std::string::npos);
  auto lenient = StreamingContext::GetOrCreate(fixture.env(), "/ck", create, true);
  ASSERT_TRUE(lenient.ok());
  EXPECT_FALSE(lenient.value()->is_checkpoint_present());
}

TEST(GetOrCreate, RecoversConfButTakesTheMasterFromTheNewProcess) {
  EngineFixture first;
  first.process_conf = {
      {"spark.master", "old-master"}, {"someKey", "someValue"}, {"spark.driver.port", "7077"}};
  auto context = MapReduceApp(first.env(), Repeat(Words({"a"}), 4)).value();
  ASSERT_TRUE(context->start().ok());
  first.run_until(Time{1000});
  EngineFixture second(&first.sim_fs());
  second.process_conf = {{"spark.master", "new-master"}};
  std::unique_ptr<StreamingContext> recovered = Recover(second, 1000);
  ASSERT_TRUE(recovered);
  EXPECT_EQ(recovered->conf().at("someKey"), "someValue");
  EXPECT_EQ(recovered->conf().at("spark.master"), "new-master");
  EXPECT_EQ(recovered->conf().count("spark.driver.port"), 0u);
}

TEST(GetOrCreate, MissingRddFileFailsEvenWithCreateOnError) {
  EngineFixture first;
  auto context =
      StateApp(first.env(), Milliseconds(500), Milliseconds(1000), Repeat(Words({"a"}), 4)).value();
  ASSERT_TRUE(context->start().ok());
  first.run_until(Time{1000});
  std::string rdd =
      context->make_checkpoint(Time{1000}).graph.streams[2].checkpoint_files.begin()->second;
  ASSERT_TRUE(first.fs().remove(rdd, true).ok());
  EngineFixture second(&first.sim_fs());
  auto recovered = StreamingContext::GetOrCreate(
      second.env(2), "/ck", [](const EngineEnv& env) { return MapReduceApp(env, {}); }, true);
  ASSERT_FALSE(recovered.ok());
  EXPECT_NE(recovered.status().message().find("Checkpoint directory does not exist"),
            std::string::npos);
}

TEST(GetOrCreate, RecoveringConstructorWithoutCheckpointIsAnIllegalArgument) {
  EngineFixture fixture;
  auto recovered = StreamingContext::FromCheckpointDirectory(fixture.env(), "/nosuchdirectory");
  ASSERT_FALSE(recovered.ok());
  EXPECT_EQ(recovered.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(recovered.status().message().find("cannot be initialized with both SparkContext"),
            std::string::npos);
}

// StreamingContext(path) reports each file its reader skipped, as getOrCreate does; a directory
// of unreadable files only is the reader's error, not the constructor's.
TEST(GetOrCreate, RecoveringConstructorReportsTheFilesItSkipped) {
  EngineFixture first;
  auto context = MapReduceApp(first.env(), Repeat(Words({"a"}), 4)).value();
  ASSERT_TRUE(context->start().ok());
  first.run_until(Time{1000});
  ASSERT_TRUE(WriteWholeFile(first.fs(), "/ck/checkpoint-1000", "torn", false).ok());
  EngineFixture second(&first.sim_fs());
  auto recovered = StreamingContext::FromCheckpointDirectory(second.env(2), "/ck");
  ASSERT_TRUE(recovered.ok()) << recovered.status().to_string();
  ASSERT_EQ(second.warnings.size(), 1u);
  EXPECT_NE(second.warnings[0].find("Error reading checkpoint /ck/checkpoint-1000"),
            std::string::npos)
      << second.warnings[0];

  EngineFixture garbage;
  ASSERT_TRUE(garbage.fs().mkdirs("/ck").ok());
  ASSERT_TRUE(WriteWholeFile(garbage.fs(), "/ck/checkpoint-1000", "blablabla", false).ok());
  auto unreadable = StreamingContext::FromCheckpointDirectory(garbage.env(), "/ck");
  ASSERT_FALSE(unreadable.ok());
  EXPECT_NE(unreadable.status().message().find("Failed to read checkpoint from directory /ck"),
            std::string::npos);
  EXPECT_EQ(garbage.warnings.size(), 1u);
}

TEST(Validation, NoOutputOperations) {
  EngineFixture fixture;
  auto context = StreamingContext::Create(fixture.env(), Milliseconds(500));
  ASSERT_TRUE(context->sequence_stream({}).ok());
  Status started = context->start();
  EXPECT_NE(started.message().find("No output operations registered"), std::string::npos);
  EXPECT_EQ(context->state(), ContextState::kInitialized);
}

TEST(Validation, StatefulOperatorWithoutCheckpointDirectory) {
  EngineFixture fixture;
  auto context = StreamingContext::Create(fixture.env(), Milliseconds(500));
  DStream* stream = context->sequence_stream({}).value()->map({"pair_with_one", {}}).value();
  ASSERT_TRUE(stream->update_state_by_key({"running_sum", {}}).value()->collect("out").ok());
  Status started = context->start();
  EXPECT_NE(started.message().find("The checkpoint directory has not been set"), std::string::npos);
  EXPECT_EQ(context->state(), ContextState::kStopped);
}

TEST(Validation, CheckpointIntervalBelowOrNotAMultipleOfTheSlide) {
  for (auto [interval_ms, message] : std::vector<std::pair<int64_t, std::string>>{
           {300, "which is lower than its slide time"},
           {750, "which not a multiple of its slide time"}}) {
    EngineFixture fixture;
    auto context =
        StateApp(fixture.env(), Milliseconds(500), Milliseconds(interval_ms), {}).value();
    Status started = context->start();
    EXPECT_NE(started.message().find(message), std::string::npos) << started.to_string();
  }
}

TEST(Validation, StreamsCannotBeAddedAfterStart) {
  EngineFixture fixture;
  auto context = MapReduceApp(fixture.env(), {}).value();
  ASSERT_TRUE(context->start().ok());
  Result<DStream*> late = context->sequence_stream({});
  EXPECT_NE(late.status().message().find("after starting a context is not supported"),
            std::string::npos);
  Result<DStream*> late_map = context->graph().streams()[0]->map({"identity", {}});
  EXPECT_EQ(late_map.status().code(), StatusCode::kIllegalState);
  context->stop();
  EXPECT_NE(context->sequence_stream({}).status().message().find(
                "after stopping a context is not supported"),
            std::string::npos);
}

// ssc.stop(stopGracefully = true) 400 ms before the last batch (3500 ms) of a TV6 application
// with metadata checkpoints every second: the timer fires once more (the stop time), the stop
// waits until that batch is fully processed, which for a time off the checkpoint grid is
// doCheckpoint's else branch (no checkpoint-3500 is written), then the context is stopped.
TEST(GracefulStop, WaitsForTheStopTimeToBeFullyProcessed) {
  for (bool broken : {false, true}) {
    EngineFixture fixture;
    fixture.stop_after_batches = 7;
    fixture.process_conf["ckptsim.checkpoint.metadataInterval"] = "1000ms";
    if (broken) fixture.defects.add(Defect::kOffGridBatchNeverProcessed);
    auto context =
        StateApp(fixture.env(), Milliseconds(500), Milliseconds(1000), Repeat(Words({"a"}), 7))
            .value();
    ASSERT_TRUE(context->start().ok());
    fixture.advance_to(Time{3100});
    context->stop_gracefully();
    fixture.run_until(Time{100'000});
    ASSERT_TRUE(fixture.graceful_stop.has_value()) << broken;
    EXPECT_EQ(fixture.graceful_stop->requested_at, Time{3100});
    EXPECT_EQ(fixture.graceful_stop->stop_time, Time{3500});
    EXPECT_EQ(context->state(), ContextState::kStopped);
    EXPECT_EQ(fixture.outputs["out"].count(3500), 1u);
    EXPECT_TRUE(fixture.sim_fs().exists("/ck/checkpoint-3000").value());
    EXPECT_FALSE(fixture.sim_fs().exists("/ck/checkpoint-3500").value());
    // Broken: 3500 never becomes lastProcessedBatch, and the stop gives up after 10 batches.
    EXPECT_EQ(fixture.graceful_stop->timed_out, broken);
    EXPECT_EQ(fixture.graceful_stop->last_processed_batch, Time{broken ? 3000 : 3500});
  }
}

// The recovered context keeps the checkpoint's metadata interval (Spark's cp_.checkpointDuration),
// and an interval that is no multiple of the batch is refused at start.
TEST(GracefulStop, MetadataIntervalComesFromTheCheckpointAndMustBeAMultipleOfTheBatch) {
  EngineFixture fixture;
  fixture.process_conf["ckptsim.checkpoint.metadataInterval"] = "750ms";
  auto context =
      StateApp(fixture.env(), Milliseconds(500), Milliseconds(1000), Repeat(Words({"a"}), 4))
          .value();
  Status started = context->start();
  EXPECT_NE(started.message().find("must be a positive multiple of the batch duration"),
            std::string::npos)
      << started.to_string();

  EngineFixture first;
  first.process_conf["ckptsim.checkpoint.metadataInterval"] = "1000ms";
  first.stop_after_batches = 4;
  auto app =
      StateApp(first.env(), Milliseconds(500), Milliseconds(1000), Repeat(Words({"a"}), 4)).value();
  ASSERT_TRUE(app->start().ok());
  first.run_until(Time{100'000});
  EngineFixture second(&first.sim_fs());
  std::unique_ptr<StreamingContext> recovered = Recover(second, 2600);
  ASSERT_TRUE(recovered && recovered->start().ok());
  EXPECT_EQ(recovered->make_checkpoint(Time{3000}).checkpoint_duration, Milliseconds(1000));
}

TEST(Validation, UnknownFunctionListsTheRegisteredOnes) {
  EngineFixture fixture;
  auto context = StreamingContext::Create(fixture.env(), Milliseconds(500));
  ASSERT_TRUE(
      context->sequence_stream({}).value()->map({"no_such_fn", {}}).value()->collect("o").ok());
  Status started = context->start();
  EXPECT_NE(started.message().find("unknown map function 'no_such_fn'"), std::string::npos);
  EXPECT_NE(started.message().find("pair_with_one"), std::string::npos);
}

// A plugin's function in the checkpoint, and a restarted process without that plugin: recovery
// fails naming the function, as Spark's fails on a checkpointed closure's missing class.
TEST(Validation, RecoveryWithoutAPluginsFunctionFailsNamingIt) {
  FunctionRegistry with_plugin = FunctionRegistry::Builtins();
  FunctionRegistry::Entry triple{FunctionKind::kMap, 0, "x -> 3x", {}, {}, {}, {}, {}, {}, {}};
  triple.make_map = [](const std::vector<Value>&) -> MapFn {
    return [](const Value& v) -> Result<Value> { return Value::Int(3 * v.as_int()); };
  };
  with_plugin.add("triple", std::move(triple));
  EngineFixture first;
  first.stop_after_batches = 2;
  EngineEnv env = first.env();
  env.functions = &with_plugin;
  auto context = StreamingContext::Create(env, Milliseconds(500));
  ASSERT_TRUE(context->checkpoint("/ck").ok());
  ASSERT_TRUE(context->sequence_stream({{Value::Int(1)}, {Value::Int(2)}})
                  .value()
                  ->map({"triple", {}})
                  .value()
                  ->collect("o")
                  .ok());
  ASSERT_TRUE(context->start().ok());
  first.run_until(Time{100'000});
  EngineFixture second(&first.sim_fs());
  auto recovered = StreamingContext::GetOrCreate(second.env(2), "/ck", MustNotCreate(), false);
  ASSERT_FALSE(recovered.ok());
  EXPECT_NE(recovered.status().message().find("unknown map function 'triple'"), std::string::npos)
      << recovered.status().to_string();
  EXPECT_NE(recovered.status().message().find("loaded plugin"), std::string::npos);
  env = second.env(3);
  env.functions = &with_plugin;
  EXPECT_TRUE(StreamingContext::GetOrCreate(env, "/ck", MustNotCreate(), false).ok());
}

}  // namespace
}  // namespace ckpt
