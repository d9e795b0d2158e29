// The operators beyond map/reduceByKey/updateStateByKey, against Spark's rules (spark-notes.md
// sections 2.6, 3, 4.2 and 5.3): window validation and values, invertible windows, mapWithState
// intervals and timeouts, union, the queue and file streams, and RDD checkpointing of marked
// ancestors (SPARK-6847).
#include <gtest/gtest.h>

#include <array>
#include <limits>

#include "engine/streaming_context.h"
#include "testing/engine_fixture.h"

namespace ckpt {
namespace {

using sim::testing::EngineFixture;
using sim::testing::Pair;
using sim::testing::Words;

std::unique_ptr<StreamingContext> NewContext(EngineFixture& fixture, int64_t batch_ms,
                                             bool checkpoint = true) {
  auto context = StreamingContext::Create(fixture.env(), Milliseconds(batch_ms));
  if (checkpoint) {
    EXPECT_TRUE(context->checkpoint("/ck").ok());
  }
  return context;
}

std::vector<Records> Repeat(Records batch, int count) { return std::vector<Records>(count, batch); }

// The records of output `name` per batch time (the first emission of each).
std::map<int64_t, Records> Output(EngineFixture& fixture, const std::string& name) {
  std::map<int64_t, Records> out;
  for (const auto& [time, emissions] : fixture.outputs[name]) out[time] = emissions.at(0);
  return out;
}

TEST(Window, WindowAndSlideMustBeMultiplesOfTheParentSlide) {
  EngineFixture fixture;
  auto context = NewContext(fixture, 500);
  DStream* input = context->sequence_stream({}).value();
  EXPECT_EQ(input->window(Milliseconds(1200), Milliseconds(500)).status().message(),
            "The window duration of windowed DStream (1200 ms) must be a multiple of the slide "
            "duration of parent DStream (500 ms)");
  EXPECT_EQ(input->window(Milliseconds(1000), Milliseconds(700)).status().message(),
            "The slide duration of windowed DStream (700 ms) must be a multiple of the slide "
            "duration of parent DStream (500 ms)");
  DStream* pairs = input->map({"pair_with_one", {}}).value();
  EXPECT_EQ(pairs
                ->reduce_by_key_and_window({"sum", {}}, Milliseconds(1100), Milliseconds(500),
                                           {"subtract", {}})
                .status()
                .message(),
            "The window duration of ReducedWindowedDStream (1100 ms) must be multiple of the "
            "slide duration of parent DStream (500 ms)");
}

// Spark's reduceByWindow(f, inverse, w, s) = map((1, _)).reduceByKeyAndWindow(...).map(_._2):
// one record per window, the same values as without an inverse, and an empty window gives 0 (the
// key stays). Found by the protocol oracle's remember-duration model: the window was keyed by
// each record (x -> (x, x)) and emitted pairs.
TEST(Window, ReduceByWindowWithInverseIsOneValuePerWindow) {
  EngineFixture fixture;
  auto context = NewContext(fixture, 500);
  DStream* input = context
                       ->sequence_stream({Records{Value::Int(1), Value::Int(2)},
                                          Records{Value::Int(3)}, Records{}, Records{}})
                       .value();
  DStream* inverse =
      input->reduce_by_window({"sum", {}}, Milliseconds(1000), Milliseconds(500), {"subtract", {}})
          .value();
  ASSERT_TRUE(inverse->collect("inverse").ok());
  DStream* plain =
      input->reduce_by_window({"sum", {}}, Milliseconds(1000), Milliseconds(500)).value();
  ASSERT_TRUE(plain->collect("plain").ok());
  ASSERT_TRUE(inverse->checkpoint(Milliseconds(1000)).ok());
  ASSERT_TRUE(context->start().ok());
  fixture.run_until(Time{2000});
  std::map<int64_t, Records> with_inverse = Output(fixture, "inverse");
  std::map<int64_t, Records> without = Output(fixture, "plain");
  EXPECT_EQ(with_inverse[500], Records{Value::Int(3)});
  EXPECT_EQ(with_inverse[1000], Records{Value::Int(6)});
  EXPECT_EQ(with_inverse[1500], Records{Value::Int(3)});
  EXPECT_EQ(with_inverse[2000], Records{Value::Int(0)});
  EXPECT_EQ(without[1500], Records{Value::Int(3)});
  EXPECT_EQ(without[2000], Records{});
  // checkpoint(d) lands on the outer map; the ReducedWindowedDStream keeps its default 10 s.
  EXPECT_EQ(inverse->checkpoint_interval(), Milliseconds(1000));
  EXPECT_EQ(inverse->parents()[0]->checkpoint_interval(), Milliseconds(10000));
}

// TV2 without a crash: a 2 s window sliding 500 ms over one "a" per batch.
TEST(Window, InvertibleWindowCountsAndRemembersItsWindow) {
  EngineFixture fixture;
  auto context = NewContext(fixture, 500);
  DStream* pairs = context->sequence_stream(Repeat(Words({"a"}), 10)).value();
  pairs = pairs->map({"pair_with_one", {}}).value();
  DStream* window = pairs
                        ->reduce_by_key_and_window({"sum", {}}, Milliseconds(2000),
                                                   Milliseconds(500), {"subtract", {}})
                        .value();
  ASSERT_TRUE(window->checkpoint(Milliseconds(1000)).ok());
  ASSERT_TRUE(window->collect("out").ok());
  ASSERT_TRUE(context->start().ok());
  fixture.run_until(Time{5000});
  std::map<int64_t, Records> out = Output(fixture, "out");
  for (int64_t t = 500; t <= 5000; t += 500) {
    EXPECT_EQ(out[t], (Records{Pair("a", std::min<int64_t>(t / 500, 4))})) << "batch " << t;
  }
  EXPECT_TRUE(window->must_checkpoint());
  EXPECT_EQ(window->remember_duration(), Milliseconds(2000));
  // The per-batch reduceByKey below it keeps the window plus the window's own remember duration.
  EXPECT_EQ(window->parents()[0]->remember_duration(), Milliseconds(4000));
}

TEST(Window, ReduceByWindowWithoutInverseSumsTheWindow) {
  EngineFixture fixture;
  auto context = NewContext(fixture, 500, /*checkpoint=*/false);
  std::vector<Records> input;
  for (int64_t i = 1; i <= 6; ++i) input.push_back({Value::Int(i)});
  DStream* sums = context->sequence_stream(input)
                      .value()
                      ->reduce_by_window({"sum", {}}, Milliseconds(1500), Milliseconds(1000))
                      .value();
  ASSERT_TRUE(sums->collect("out").ok());
  ASSERT_TRUE(context->start().ok());
  fixture.run_until(Time{3000});
  std::map<int64_t, Records> out = Output(fixture, "out");
  // Slide 1 s: batches 1000 (1+2), 2000 (2+3+4), 3000 (4+5+6).
  EXPECT_EQ(out, (std::map<int64_t, Records>{
                     {1000, {Value::Int(3)}}, {2000, {Value::Int(9)}}, {3000, {Value::Int(15)}}}));
}

TEST(Union, UnionsBothParentsAndRejectsDifferentSlides) {
  EngineFixture fixture;
  auto context = NewContext(fixture, 500, /*checkpoint=*/false);
  DStream* words = context->sequence_stream({Words({"a"}), Words({"b", "c"})}).value();
  DStream* doubled = words->union_with(words).value();
  ASSERT_TRUE(doubled->count_by_value().value()->collect("out").ok());
  DStream* windowed = words->window(Milliseconds(1000), Milliseconds(1000)).value();
  EXPECT_EQ(words->union_with(windowed).status().message(),
            "Some of the DStreams have different slide durations");
  ASSERT_TRUE(context->start().ok());
  fixture.run_until(Time{1000});
  EXPECT_EQ(Output(fixture, "out")[1000], (Records{Pair("b", 2), Pair("c", 2)}));
}

// BasicOperationsSuite's join tests (data after its "join" and "leftOuterJoin"): two streams of
// words keyed with 1 and "x"; each pair operation per batch, and different slides refused.
TEST(PairJoins, EveryKindJoinsBothStreamsPerBatch) {
  EngineFixture fixture;
  auto context = NewContext(fixture, 500, /*checkpoint=*/false);
  DStream* left = context->sequence_stream({Words({"a", "b"}), Words({"a", ""}), Words({""}), {}})
                      .value()
                      ->map({"pair_with_one", {}})
                      .value();
  DStream* right = context->sequence_stream({Words({"a", "b"}), Words({"b", ""}), {}, Words({""})})
                       .value()
                       ->map({"pair_with", {Value::String("x")}})
                       .value();
  for (const char* kind : kPairJoinKinds) {
    ASSERT_TRUE(left->join_with(kind, right).value()->collect(kind).ok());
  }
  DStream* windowed = right->window(Milliseconds(1000), Milliseconds(1000)).value();
  EXPECT_EQ(left->join_with("join", windowed).status().message(),
            "Some of the DStreams have different slide durations");
  ASSERT_TRUE(context->start().ok());
  fixture.run_until(Time{2000});
  const Value x = Value::String("x"), one = Value::Int(1), none = Value::None();
  auto row = [](const char* key, Value v, Value w) {
    return Value::Pair(Value::String(key), Value::Pair(std::move(v), std::move(w)));
  };
  auto some = [](Value v) { return Value::Some(std::move(v)); };
  auto list = [](Records items) { return Value::List(std::move(items)); };
  EXPECT_EQ(Output(fixture, "join"),
            (std::map<int64_t, Records>{{500, {row("a", one, x), row("b", one, x)}},
                                        {1000, {row("", one, x)}},
                                        {1500, {}},
                                        {2000, {}}}));
  EXPECT_EQ(Output(fixture, "left_outer_join"),
            (std::map<int64_t, Records>{{500, {row("a", one, some(x)), row("b", one, some(x))}},
                                        {1000, {row("", one, some(x)), row("a", one, none)}},
                                        {1500, {row("", one, none)}},
                                        {2000, {}}}));
  EXPECT_EQ(Output(fixture, "right_outer_join"),
            (std::map<int64_t, Records>{{500, {row("a", some(one), x), row("b", some(one), x)}},
                                        {1000, {row("", some(one), x), row("b", none, x)}},
                                        {1500, {}},
                                        {2000, {row("", none, x)}}}));
  EXPECT_EQ(
      Output(fixture, "full_outer_join")[1000],
      (Records{row("", some(one), some(x)), row("a", some(one), none), row("b", none, some(x))}));
  EXPECT_EQ(Output(fixture, "cogroup")[1000],
            (Records{row("", list({one}), list({x})), row("a", list({one}), list({})),
                     row("b", list({}), list({x}))}));
}

// MapWithStateSuite "mapWithState - checkpoint durations": 10 x batch by default, explicit values
// honoured, and the mapped stream itself has no interval.
TEST(MapWithState, DefaultIntervalIsTenBatches) {
  for (auto [batch_ms, explicit_ms, expected_ms] : std::vector<std::array<int64_t, 3>>{
           {100, 0, 1000}, {1000, 0, 10000}, {10000, 0, 100000}, {1000, 2000, 2000}}) {
    EngineFixture fixture;
    auto context = NewContext(fixture, batch_ms);
    DStream* mapped = context->sequence_stream({})
                          .value()
                          ->map({"pair_with_one", {}})
                          .value()
                          ->map_with_state({"running_count", {}})
                          .value();
    if (explicit_ms) {
      ASSERT_TRUE(mapped->checkpoint(Milliseconds(explicit_ms)).ok());
    }
    ASSERT_TRUE(mapped->collect("out").ok());
    ASSERT_TRUE(context->graph().start(Time{0}).ok());
    EXPECT_EQ(mapped->parents()[0]->checkpoint_interval(), Milliseconds(expected_ms));
    EXPECT_EQ(mapped->checkpoint_interval(), std::nullopt);
  }
}

// Timeouts are evaluated only on batches whose state RDD is checkpointed (doFullScan).
TEST(MapWithState, TimeoutsFireOnlyOnCheckpointBatches) {
  EngineFixture fixture;
  auto context = NewContext(fixture, 500);
  DStream* mapped = context->sequence_stream({Words({"a"})})
                        .value()
                        ->map({"pair_with_one", {}})
                        .value()
                        ->map_with_state({"running_count", {}}, Milliseconds(500))
                        .value();
  ASSERT_TRUE(mapped->checkpoint(Milliseconds(2000)).ok());
  ASSERT_TRUE(mapped->collect("mapped").ok());
  ASSERT_TRUE(mapped->state_snapshots().value()->collect("states").ok());
  ASSERT_TRUE(context->start().ok());
  fixture.run_until(Time{2500});
  std::map<int64_t, Records> states = Output(fixture, "states");
  std::map<int64_t, Records> mapped_out = Output(fixture, "mapped");
  // "a" is idle for more than 500 ms from 1500 on, but only batch 2000 scans for timeouts.
  EXPECT_EQ(states[1500], (Records{Pair("a", 1)}));
  EXPECT_EQ(states[2000], Records{});
  EXPECT_EQ(mapped_out[500], (Records{Pair("a", 1)}));
  EXPECT_EQ(mapped_out[1500], Records{});
  EXPECT_EQ(mapped_out[2000], (Records{Pair("a", 1)}));  // the timing-out call's result
}

// StreamingContextSuite "queueStream doesn't support checkpointing".
TEST(QueueStream, CheckpointIsWrittenWithAWarningAndCannotBeRead) {
  EngineFixture first;
  auto context = NewContext(first, 500);
  ASSERT_TRUE(context->queue_stream({Words({"a"}), Words({"b"})}).value()->collect("out").ok());
  ASSERT_TRUE(context->start().ok());
  first.run_until(Time{1000});
  EXPECT_EQ(Output(first, "out")[500], Words({"a"}));
  EXPECT_FALSE(first.warnings.empty());
  EngineFixture second(&first.sim_fs());
  auto creator = [](const EngineEnv& env) -> Result<std::unique_ptr<StreamingContext>> {
    auto fresh = StreamingContext::Create(env, Milliseconds(500));
    CKPT_RETURN_IF_ERROR(fresh->queue_stream({}).value()->collect("out"));
    return fresh;
  };
  auto failed = StreamingContext::GetOrCreate(second.env(2), "/ck", creator, false);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("Failed to read checkpoint from directory /ck"),
            std::string::npos);
  EXPECT_NE(failed.status().message().find("queueStream doesn't support checkpointing. Please "
                                           "don't use queueStream when checkpointing is enabled."),
            std::string::npos);
  EXPECT_TRUE(StreamingContext::GetOrCreate(second.env(2), "/ck", creator, true).ok());
}

// Spark's R3: streams created on a recovered context are never initialized, so start fails and
// leaves the context stopped.
TEST(Validation, InputAddedToARecoveredContextFailsAtStart) {
  EngineFixture first;
  auto context = NewContext(first, 500);
  ASSERT_TRUE(context->sequence_stream({Words({"a"})}).value()->collect("out").ok());
  ASSERT_TRUE(context->start().ok());
  first.run_until(Time{1000});
  EngineFixture second(&first.sim_fs());
  second.advance_to(Time{1000});
  auto recovered = StreamingContext::FromCheckpointDirectory(second.env(2), "/ck");
  ASSERT_TRUE(recovered.ok()) << recovered.status().to_string();
  ASSERT_TRUE(recovered.value()->constant_stream(Words({"x"})).value()->collect("late").ok());
  Status started = recovered.value()->start();
  EXPECT_NE(started.message().find("has not been initialized"), std::string::npos)
      << started.to_string();
  EXPECT_EQ(recovered.value()->state(), ContextState::kStopped);
}

// FileInputDStream: a file is taken by the first batch whose time is at or after its
// modification time, once, and never by an earlier (down-time) batch.
TEST(FileStream, SelectsEachFileOnceByModificationTime) {
  EngineFixture fixture;
  ASSERT_TRUE(fixture.fs().mkdirs("/in").ok());
  fixture.sim_fs().set_clock([&fixture] { return fixture.loop().now(); });
  auto context = NewContext(fixture, 1000);
  DStream* lines = context->text_file_stream("/in").value();
  ASSERT_TRUE(lines->collect("out").ok());
  ASSERT_TRUE(context->start().ok());
  fixture.advance_to(Time{500});
  ASSERT_TRUE(WriteWholeFile(fixture.fs(), "/in/one", "1\n2\n", true).ok());
  ASSERT_TRUE(WriteWholeFile(fixture.fs(), "/in/.hidden", "x\n", true).ok());
  fixture.advance_to(Time{1500});
  ASSERT_TRUE(WriteWholeFile(fixture.fs(), "/in/two", "3\n", true).ok());
  fixture.run_until(Time{3000});
  std::map<int64_t, Records> out = Output(fixture, "out");
  EXPECT_EQ(out[1000], Words({"1", "2"}));
  EXPECT_EQ(out[2000], Words({"3"}));
  EXPECT_EQ(out[3000], Records{});
  EXPECT_EQ(lines->remember_duration(), Milliseconds(60000));
}

// CheckpointSuite "SPARK-6847": both marked state RDDs of a job are written, and lineages stay
// short; checkpointing only the nearest marked RDD lets the first one's lineage grow.
TEST(RddCheckpoint, EveryMarkedAncestorIsWritten) {
  for (bool nearest_only : {false, true}) {
    EngineFixture fixture;
    if (nearest_only) fixture.defects.add(Defect::kNearestMarkedOnly);
    auto context = NewContext(fixture, 500);
    DStream* first = context->constant_stream({Value::Int(1)})
                         .value()
                         ->map({"pair_with_self", {}})
                         .value()
                         ->update_state_by_key({"running_sum", {}})
                         .value();
    ASSERT_TRUE(first->checkpoint(Milliseconds(500)).ok());
    DStream* second = first->update_state_by_key({"running_sum", {}}).value();
    ASSERT_TRUE(second->checkpoint(Milliseconds(500)).ok());
    ASSERT_TRUE(second->collect("out").ok());
    ASSERT_TRUE(context->start().ok());
    fixture.run_until(Time{5000});
    const RddPtr& first_rdd = first->generated_rdds().rbegin()->second;
    const RddPtr& second_rdd = second->generated_rdds().rbegin()->second;
    EXPECT_TRUE(second_rdd->is_checkpointed());
    EXPECT_EQ(first_rdd->is_checkpointed(), !nearest_only);
    EXPECT_EQ(first_rdd->lineage_depth(100) >= 10, nearest_only) << first_rdd->lineage_depth(100);
    EXPECT_EQ(Output(fixture, "out")[5000], (Records{Value::Pair(Value::Int(1), Value::Int(55))}));
  }
}

TEST(Functions, ModuloKeepsKeysInZeroToN) {
  MapFn modulo = FunctionRegistry::Builtins().bind_map({"modulo", {Value::Int(10)}}).value();
  EXPECT_EQ(modulo(Value::Int(1234)).value(), Value::Int(4));
  EXPECT_EQ(modulo(Value::Int(-3)).value(), Value::Int(7));
  EXPECT_FALSE(modulo(Value::String("x")).ok());
  MapFn by_zero = FunctionRegistry::Builtins().bind_map({"modulo", {Value::Int(0)}}).value();
  EXPECT_FALSE(by_zero(Value::Int(1)).ok());
}

// Spark's `6 / x` (StreamingQuerySuite): the JVM's integer division.
TEST(Functions, DivideIntoIsTheJvmsIntegerDivision) {
  MapFn six_by = FunctionRegistry::Builtins().bind_map({"divide_into", {Value::Int(6)}}).value();
  EXPECT_EQ(six_by(Value::Int(1)).value(), Value::Int(6));
  EXPECT_EQ(six_by(Value::Int(4)).value(), Value::Int(1));
  EXPECT_EQ(six_by(Value::Int(-4)).value(), Value::Int(-1));
  Result<Value> by_zero = six_by(Value::Int(0));
  ASSERT_FALSE(by_zero.ok());
  EXPECT_EQ(by_zero.status().message(), "java.lang.ArithmeticException: / by zero");
  EXPECT_FALSE(six_by(Value::String("x")).ok());
  const int64_t min = std::numeric_limits<int64_t>::min();
  MapFn min_by = FunctionRegistry::Builtins().bind_map({"divide_into", {Value::Int(min)}}).value();
  EXPECT_EQ(min_by(Value::Int(-1)).value(), Value::Int(min));  // wraps, as Long.MinValue / -1
}

TEST(Functions, IntegerAdditionWrapsAsTheJvms) {
  const int64_t max = std::numeric_limits<int64_t>::max();
  MapFn add_one = FunctionRegistry::Builtins().bind_map({"add", {Value::Int(1)}}).value();
  EXPECT_EQ(add_one(Value::Int(max)).value(), Value::Int(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(add_one(Value::Int(41)).value(), Value::Int(42));
}

}  // namespace
}  // namespace ckpt
