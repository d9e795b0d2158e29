// Scenario loading: the bundled catalogue loads, and every kind of bad input is named with its
// file, line, column and field.
#include "scenario/scenario.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace sim {
namespace {

class ScenarioFileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& text) {
    std::string path = (std::filesystem::temp_directory_path() /
                        ("ckptsim_scenario_" + std::to_string(::getpid()) + "_" +
                         std::to_string(counter_++) + ".yaml"))
                           .string();
    std::ofstream(path) << text;
    paths_.push_back(path);
    return path;
  }
  void TearDown() override {
    for (const std::string& p : paths_) std::filesystem::remove(p);
  }
  std::string ErrorOf(const std::string& text) {
    std::string path = Write(text);
    ckpt::Result<Scenario> loaded = LoadScenario(path);
    EXPECT_FALSE(loaded.ok());
    std::string message = loaded.ok() ? "" : loaded.status().message();
    EXPECT_EQ(message.rfind(path, 0), 0u) << "the message names the file: " << message;
    return message.substr(path.size());
  }
  static inline int counter_ = 0;
  std::vector<std::string> paths_;
};

constexpr const char* kValid = R"(name: tiny
batches: 2
source: {kind: sequence, input: [[a, b], [[x, 2]]]}
pipeline:
  - map: pair_with_one
  - collect: out
)";

TEST_F(ScenarioFileTest, LoadsValuesPairsAndDefaults) {
  ckpt::Result<Scenario> loaded = LoadScenario(Write(kValid));
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  const Scenario& s = loaded.value();
  EXPECT_EQ(s.batch_duration.ms, 500);
  EXPECT_EQ(s.checkpoint_dir, "/checkpoint");
  const std::vector<ckpt::Records>& input = *s.source.held_input();
  ASSERT_EQ(input.size(), 2u);
  EXPECT_EQ(input[1][0], ckpt::Value::Pair(ckpt::Value::String("x"), ckpt::Value::Int(2)));
}

TEST_F(ScenarioFileTest, NamedSourcesJoinsAndOptionValuesLoad) {
  ckpt::Result<Scenario> loaded = LoadScenario(Write(R"(name: joined
batches: 2
source: {kind: sequence, input: [[a], [b]]}
sources:
  - {name: other, kind: constant, records: [[a, 1]]}
pipeline:
  - map: pair_with_one
  - full_outer_join: other
  - collect: out
expect:
  out: [[[a, [{some: 1}, {some: 1}]]], [[a, [{none: ~}, {some: 1}]], [b, [{some: 1}, {none: ~}]]]]
)"));
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  const Scenario& s = loaded.value();
  ASSERT_EQ(s.sources.size(), 1u);
  EXPECT_EQ(s.sources[0].kind(), SourceKind::kConstant);
  EXPECT_EQ(*s.sources[0].held_input(), (std::vector<ckpt::Records>{{ckpt::Value::Pair(
                                            ckpt::Value::String("a"), ckpt::Value::Int(1))}}));
  EXPECT_EQ(s.pipeline[1].operation, Operation::kFullOuterJoin);
  EXPECT_EQ(s.pipeline[1].other(), "other");
  EXPECT_EQ(s.expect.at("out")[1][0].to_string(), "(a,(None,Some(1)))");
}

TEST_F(ScenarioFileTest, CrashesAtEventsLoad) {
  ckpt::Result<Scenario> loaded = LoadScenario(Write(std::string(kValid) + R"(crashes:
  - {after: {checkpoint_written: 1500}, downtime_ms: 200}
  - {before: {rename: /checkpoint/checkpoint-1000}, nth: 2}
  - {after: {wal_write: 4}}
)"));
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  const std::vector<CrashSpec>& crashes = loaded.value().crashes;
  ASSERT_EQ(crashes.size(), 3u);
  EXPECT_EQ(crashes[0].placement,
            CrashPlacement(CrashEvent{CrashEvent::Kind::kCheckpointWritten, "1500", 1, true}));
  EXPECT_EQ(crashes[0].downtime.ms, 200);
  EXPECT_EQ(crashes[1].placement, CrashPlacement(CrashEvent{CrashEvent::Kind::kRename,
                                                            "/checkpoint/checkpoint-1000", 2}));
  EXPECT_EQ(crashes[2].placement,
            CrashPlacement(CrashEvent{CrashEvent::Kind::kWalWrite, "", 4, true}));
}

TEST_F(ScenarioFileTest, BadNamedSourcesAndValueMapsAreNamed) {
  const std::string head = "name: x\nbatches: 1\nsource: {input: [[a]]}\n";
  const std::string tail = "pipeline: [{collect: o}]\n";
  const std::pair<std::string, std::string> cases[] = {
      {head + "sources: [{name: s, input: [[a]]}, {name: s, input: [[b]]}]\n" + tail,
       "sources: a second stream named 's'"},
      {head + "sources: [{name: s}]\n" + tail, ":4:11: sources.s.input: missing"},
      {head + "sources: [{name: source, input: [[a]]}]\n" + tail,
       "sources: a second stream named 'source'"},
      {head + tail + "expect_all_runs: {p: {distinct: [a]}}\n",
       ":5:23: expect_all_runs.p: no such output"},
      {head + tail + "expect_all_runs: {o: {all: [a]}}\n", ":5:23: expect_all_runs.o.all: unknown"},
      {head + tail + "crashes: [{after: {fire: 1}}]\n",
       ":5:19: crashes.after: unknown event 'fire' (known: batch_completed"},
      {head + tail + "crashes: [{before: {wal_write: 0}}]\n",
       ":5:32: crashes.before.wal_write: must be in 1..864000000"},
      {head + tail + "crashes: [{before: {rename: temp}}]\n",
       "crashes.before.rename: must be an absolute path"},
      {head + tail + "crashes: [{at_ms: 5, after: {cleanup: 5}}]\n",
       "crashes: give exactly one of step, at_ms, before and after"},
      {head + tail + "crashes: [{step: 5, nth: 2}]\n", ":5:26: crashes.nth: only with an event"},
      {head + "pipeline: [{transform: [{map: identity, name: x}]}, {collect: o}]\n",
       "pipeline[0].transform[0].map: name, from and checkpoint_interval_ms belong to streams"},
      {head + "pipeline: [{transform: [{window: 1000}]}, {collect: o}]\n",
       ":4:25: pipeline[0].transform[0].window: not an operation on one batch's RDD"},
      {head + "pipeline: [{transform: [{join: source}]}, {collect: o}]\n",
       "pipeline[0].transform[0].join: combines with the other RDD of a transform_with"},
      {head + "pipeline: [{transform_with: source}, {collect: o}]\n",
       ":4:12: pipeline[0].steps: missing (what transform_with runs on both RDDs)"},
      {head + "pipeline: [{transform_with: source, steps: [{cogroup: other}]}, {collect: o}]\n",
       "pipeline[0].steps[0].cogroup: combines with the other RDD of a transform_with, named as "
       "it names it ('source')"},
      {head + "pipeline: [{map: identity, steps: [{map: identity}]}, {collect: o}]\n",
       "pipeline[0].steps: not an option of map (transform_with takes it)"},
      {head + tail + "restart_entry: newStreamingContext\n",
       ":5:16: restart_entry: unknown entry 'newStreamingContext' (known: get_or_create,"},
      {head + "pipeline: [{join: nowhere}, {collect: o}]\n",
       "pipeline[0].join: no stream named 'nowhere' before this step"},
      {"name: x\nbatches: 1\nsource: {input: [[{maybe: 1}]]}\n" + tail,
       ":3:19: source.input: unknown value map 'maybe' (none, some or list)"},
      {"name: x\nbatches: 1\nsource: {input: [[{none: 1}]]}\n" + tail,
       "source.input: none takes no value (write {none: ~})"},
  };
  for (const auto& [text, expected] : cases) {
    std::string message = ErrorOf(text);
    EXPECT_NE(message.find(expected), std::string::npos) << text << "\n -> " << message;
  }
}

// A named source of a producer kind has its kind's fields, named under its name, and an input of
// its own.
TEST_F(ScenarioFileTest, BadNamedProducerSourcesAreNamed) {
  const std::string head = "name: x\nbatches: 1\nsource: {input: [[a]]}\n";
  const std::string tail = "pipeline: [{collect: o}]\n";
  const std::pair<std::string, std::string> cases[] = {
      {head + "sources: [{name: f, kind: file}]\n" + tail, ":4:11: sources.f.directory: missing"},
      {head + "sources: [{name: k, kind: log, appends: []}]\n" + tail,
       ":4:11: sources.k.partitions: missing"},
      {head + "sources: [{name: k, kind: log, partitions: 1, appends: [{at_ms: 1, partition: 1, " +
           "records: [a]}]}]\n" + tail,
       "sources.k.appends.partition: must be in 0..0"},
      {head + "sources: [{name: r, kind: receiver, partitions: 2, appends: []}]\n" + tail,
       "sources.r.partitions: a receiver's source has none"},
      {std::string(
           "name: x\nbatches: 1\nsource: {kind: log, topic: t, partitions: 1, appends: []}\n") +
           "sources: [{name: k, kind: log, topic: t, partitions: 1, appends: []}]\n" + tail,
       ":4:39: sources.k.topic: 't' is already the input of source: each log source needs its "
       "own"},
      {head + "sources: [{name: f, kind: file, directory: /in, files: []}, {name: g, kind: file, " +
           "directory: /in, files: []}]\n" + tail,
       "sources.g.directory: '/in' is already the input of f: each file source needs its own"},
      {head +
           "sources: [{name: k, kind: sequence, input: [[a]], topic: t, new_files_only: true}]\n" +
           tail,
       "sources.k.new_files_only: only a file source has it"},
      {head + "sources: [{name: a, kind: log, partitions: 1000, generate: {every_ms: 1, " +
           "until_ms: 1000, records: 1}}, {name: b, kind: log, topic: b, partitions: 1, " +
           "generate: {every_ms: 1, until_ms: 10, records: 1}}]\n" + tail,
       ":4:104: sources: more than 1000000 appended records in all sources"},
  };
  for (const auto& [text, expected] : cases) {
    std::string message = ErrorOf(text);
    EXPECT_NE(message.find(expected), std::string::npos) << text << "\n -> " << message;
  }
}

TEST_F(ScenarioFileTest, BadStateExpectationsStoresAndFileOptionsAreNamed) {
  const std::string head = "name: x\nbatches: 1\nsource: {input: [[a]]}\n";
  const std::string tail = "pipeline: [{collect: o}]\n";
  const std::pair<std::string, std::string> cases[] = {
      {head + tail +
           "expect_state: [{after: {cleanup: 5}, streams: {nowhere: {remember_ms: 5}}}]\n",
       ":5:48: expect_state[0].streams.nowhere: no stream of that name"},
      {head + tail + "expect_state: [{after: {fire: 5}, checkpoint_files: []}]\n",
       ":5:24: expect_state[0].after: unknown event 'fire'"},
      {head + tail + "expect_state: [{checkpoint_files: []}]\n",
       ":5:16: expect_state[0]: needs one of before: EVENT and after: EVENT"},
      {head + tail + "expect_state: [{after: {cleanup: 5}}]\n",
       ":5:16: expect_state[0]: asserts nothing"},
      {head + tail + "expect_state: [{after: {cleanup: 5}, streams: {source: {sizes: [1]}}}]\n",
       "expect_state[0].streams.source.sizes: unknown field (known: checkpoint_data_times"},
      {head + tail + "expect_state: [{after: {cleanup: 5}, offset_ranges: {5: [[0, 1]]}}]\n",
       "expect_state[0].offset_ranges: expected [partition, from, until]"},
      {"name: x\nbatches: 1\nsource: {input: [[a]], new_files_only: false}\n" + tail,
       ":3:40: source.new_files_only: only a file source has it"},
      {"name: x\nbatches: 1\nsource: {kind: file, directory: /in, path_filter: is_odd, files: "
       "[]}\n" +
           tail,
       ":3:51: source.path_filter: unknown filter function 'is_odd'"},
      // An option of another family of operations has nowhere to go (StepArguments).
      {head + "pipeline: [{map: identity, store: appending}, {collect: o}]\n",
       ":4:28: pipeline[0].store: not an option of map (foreach_rdd takes it)"},
      {head + "pipeline: [{collect: o, num: 3}]\n",
       ":4:25: pipeline[0].num: not an option of collect (print takes it)"},
      {head + "pipeline: [{map: identity, window_ms: 1000}, {collect: o}]\n",
       ":4:28: pipeline[0].window_ms: not an option of map (window, reduce_by_window and "
       "reduce_by_key_and_window take it)"},
      {head + "pipeline: [{window: 1000, inverse: subtract}, {collect: o}]\n",
       "pipeline[0].inverse: not an option of window (reduce_by_window and "
       "reduce_by_key_and_window take it)"},
      {head + "pipeline: [{update_state_by_key: running_sum, timeout_ms: 1000}, {collect: o}]\n",
       "pipeline[0].timeout_ms: not an option of update_state_by_key (map_with_state takes it)"},
      {head + "pipeline: [{foreach_rdd: distinct, output: o, store: kafka}]\n",
       "pipeline[0].store: unknown store 'kafka' (known: idempotent, appending)"},
  };
  for (const auto& [text, expected] : cases) {
    std::string message = ErrorOf(text);
    EXPECT_NE(message.find(expected), std::string::npos) << text << "\n -> " << message;
  }
}

TEST_F(ScenarioFileTest, SwarmRangesAreParsedAndChecked) {
  ckpt::Result<Scenario> loaded = LoadScenario(
      Write(std::string(kValid) + "swarm: {batches: [2, 9], records_per_batch: [0, 3]}\n"));
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  EXPECT_EQ(loaded.value().swarm.batches, (IntRange{2, 9}));
  EXPECT_EQ(loaded.value().swarm.records_per_batch, (IntRange{0, 3}));
  EXPECT_THAT(ErrorOf(std::string(kValid) + "swarm: {batches: [9, 2]}\n"),
              ::testing::HasSubstr(":7:18: swarm.batches: expected 0 <= low <= high"));
  EXPECT_THAT(ErrorOf(std::string(kValid) + "swarm: {batches: 3}\n"),
              ::testing::HasSubstr("swarm.batches: expected [low, high]"));
  EXPECT_THAT(ErrorOf(R"(name: windowed
batches: 2
source: {kind: sequence, input: [[a]]}
pipeline:
  - window:
    window_ms: 1000
  - collect: out
swarm: {batch_duration_ms: [300, 400]}
)"),
              ::testing::HasSubstr(":8:28: swarm.batch_duration_ms: no multiple of 10 ms"));
  EXPECT_THAT(ErrorOf(R"(name: logged
batches: 2
source: {kind: log, partitions: 1, appends: []}
pipeline:
  - collect: out
swarm: {records_per_batch: [1, 2]}
)"),
              ::testing::HasSubstr("swarm.records_per_batch: needs a sequence or queue source"));
  EXPECT_THAT(ErrorOf(std::string(kValid) + "swarm: {checkpoint_interval_ms: [500, 900]}\n"),
              ::testing::HasSubstr("no pipeline step sets checkpoint_interval_ms"));
  EXPECT_THAT(ErrorOf(std::string(kValid) + "swarm: {sizes: [1, 2]}\n"),
              ::testing::HasSubstr("swarm.sizes: unknown field"));
}

// A restarted process's clock offset may be negative (behind), within a day either way, fixed
// or drawn by random exploration.
TEST_F(ScenarioFileTest, RestartClockOffsetIsSignedAndBounded) {
  ckpt::Result<Scenario> loaded = LoadScenario(
      Write(std::string(kValid) +
            "restart_clock_offset_ms: -400\nswarm: {restart_clock_offset_ms: [-1300, 900]}\n"));
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  EXPECT_EQ(loaded.value().restart_clock_offset.ms, -400);
  EXPECT_EQ(loaded.value().swarm.restart_clock_offset_ms, (IntRange{-1300, 900}));
  EXPECT_THAT(ErrorOf(std::string(kValid) + "restart_clock_offset_ms: 86400001\n"),
              ::testing::HasSubstr(":7:26: restart_clock_offset_ms: must lie within"));
  EXPECT_THAT(ErrorOf(std::string(kValid) + "swarm: {restart_clock_offset_ms: [-90000000, 0]}\n"),
              ::testing::HasSubstr("swarm.restart_clock_offset_ms: expected -86400000 <= low"));
  EXPECT_THAT(ErrorOf(std::string(kValid) + "swarm: {batches: [-1, 2]}\n"),
              ::testing::HasSubstr("swarm.batches: expected 0 <= low <= high"));
}

TEST_F(ScenarioFileTest, MalformedYamlGivesLineAndColumn) {
  // yaml-cpp notices the unclosed flow sequence on line 2.
  EXPECT_THAT(ErrorOf("name: [unclosed\nbatches: 2\n"),
              ::testing::MatchesRegex(":2:[0-9]+: \\(yaml\\): .*"));
}

TEST_F(ScenarioFileTest, UnknownOperatorIsNamedWithItsField) {
  std::string message = ErrorOf(
      "name: x\nbatches: 1\nsource: {input: [[a]]}\npipeline:\n  - mapp: identity\n  - collect: "
      "o\n");
  EXPECT_EQ(message.rfind(":5:5: pipeline[0].mapp: unknown operator", 0), 0u) << message;
}

TEST_F(ScenarioFileTest, UnknownFunctionListsTheRegisteredOnes) {
  std::string message = ErrorOf(
      "name: x\nbatches: 1\nsource: {input: [[a]]}\npipeline:\n  - map: nope\n  - collect: o\n");
  EXPECT_NE(message.find("pipeline[0].map: unknown map function 'nope'"), std::string::npos);
  EXPECT_NE(message.find("pair_with_one"), std::string::npos);
}

TEST_F(ScenarioFileTest, BadDurationIsRejected) {
  std::string message = ErrorOf(std::string(kValid) + "batch_duration_ms: -5\n");
  EXPECT_NE(message.find(":7:20: batch_duration_ms: expected a positive duration"),
            std::string::npos)
      << message;
  EXPECT_NE(
      ErrorOf(std::string(kValid) + "downtime_ms: soon\n").find("expected an integer, got 'soon'"),
      std::string::npos);
}

TEST_F(ScenarioFileTest, ContradictorySettingsAreRejected) {
  std::string message = ErrorOf(std::string(kValid) + "expect: {out: [[a]]}\n");
  EXPECT_NE(message.find("expect.out: 1 batches listed, scenario has 2"), std::string::npos);
  EXPECT_NE(ErrorOf(std::string(kValid) + "expect: {other: [[a], [b]]}\n").find("no such output"),
            std::string::npos);
}

TEST_F(ScenarioFileTest, UnknownTopLevelFieldAndMissingFields) {
  EXPECT_NE(ErrorOf(std::string(kValid) + "batchez: 3\n").find("batchez: unknown field"),
            std::string::npos);
  EXPECT_NE(ErrorOf("name: x\nbatches: 1\npipeline: [{collect: o}]\n").find("source: missing"),
            std::string::npos);
  EXPECT_NE(ErrorOf("name: x\nbatches: 1\nsource: {input: [[a]]}\npipeline: [{map: identity}]\n")
                .find("no output operation"),
            std::string::npos);
}

// Paths the real runtime puts under its run directory cannot climb out of it, and names that end
// up in file and directory names cannot hold a '/' (docs/hardening.md).
TEST_F(ScenarioFileTest, PathsThatLeaveTheRunDirectoryAreRejected) {
  const std::string body = "batches: 2\nsource: {kind: sequence, input: [[a], [b]]}\n";
  const std::pair<std::string, std::string> cases[] = {
      {"name: ../../x\n" + body + "pipeline: [{collect: o}]\n", ":1:7: name: must be a plain name"},
      {"name: x\n" + body + "pipeline: [{collect: o}]\ncheckpoint_dir: /ck/../..\n",
       ":5:17: checkpoint_dir: must not contain a '..' component"},
      {"name: x\n" + body + "pipeline: [{save_as_text_files: /out/./../x}]\n",
       "save_as_text_files: must not contain a '.' component"},
      {"name: x\n" + body + "pipeline: [{save_as_text_files: /out, suffix: a/b}]\n",
       "suffix: must be a plain name"},
      {"name: x\n" + body + "pipeline: [{collect: o}]\ninitial_files: [{path: /../etc/x}]\n",
       "initial_files.path: must not contain a '..' component"},
      {"name: x\nbatches: 1\nsource: {kind: file, directory: /in/.., files: []}\n"
       "pipeline: [{collect: o}]\n",
       "source.directory: must not contain a '..' component"},
  };
  for (const auto& [text, expected] : cases) {
    std::string message = ErrorOf(text);
    EXPECT_NE(message.find(expected), std::string::npos) << message;
  }
}

TEST_F(ScenarioFileTest, FaultsFilesystemAndExpectedFailuresLoad) {
  ckpt::Result<Scenario> loaded = LoadScenario(Write(std::string(kValid) + R"(filesystem: posix
faults:
  - {kind: eio, operation: rename, path: "/checkpoint/temp", nth: 3, times: 2}
  - {kind: bitflip, path: "/checkpoint/*", probability: 0.25}
  - {kind: latency, operation: write, latency_ms: 400}
  - {kind: enospc, bytes: 6000}
  - {kind: torn_write}
expect_failures: [lost_batch]
crashes:
  - {step: 4, downtime_ms: 0, crash_state: 3}
)"));
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  const Scenario& s = loaded.value();
  EXPECT_EQ(s.filesystem, PersistenceModel::kPosix);
  ASSERT_EQ(s.faults.size(), 5u);
  EXPECT_EQ(s.faults[0].nth, 3);
  EXPECT_EQ(s.faults[0].times, 2);
  EXPECT_EQ(s.faults[1].probability_ppm, 250'000u);
  EXPECT_EQ(s.faults[2].latency.ms, 400);
  EXPECT_EQ(s.faults[3].bytes, 6000u);
  EXPECT_EQ(s.faults[4].path, "*");
  EXPECT_NE(s.faults[0].origin.find(":9"), std::string::npos) << s.faults[0].origin;
  EXPECT_EQ(s.expect_failures, std::vector<FailureKind>{FailureKind::kLostBatch});
  EXPECT_EQ(s.crashes[0].state, 3u);
}

TEST_F(ScenarioFileTest, BadFaultRulesAreNamedWithTheirField) {
  auto error_of = [&](const std::string& rule) {
    return ErrorOf(std::string(kValid) + "faults:\n  - " + rule + "\n");
  };
  EXPECT_NE(error_of("{kind: eoi, nth: 1}").find("faults.kind: unknown fault kind 'eoi'"),
            std::string::npos);
  EXPECT_NE(error_of("{kind: eio}").find("eio needs exactly one of nth and probability"),
            std::string::npos);
  EXPECT_NE(error_of("{kind: eio, nth: 1, operation: fsync}").find("unknown operation 'fsync'"),
            std::string::npos);
  EXPECT_NE(error_of("{kind: eio, probability: 2}").find("expected a probability in [0, 1]"),
            std::string::npos);
  EXPECT_NE(error_of("{kind: latency, operation: read}").find("latency needs latency_ms"),
            std::string::npos);
  EXPECT_NE(error_of("{kind: torn_write, nth: 2}").find("only eio, bitflip and stale_exists count"),
            std::string::npos);
  EXPECT_NE(error_of("{kind: stale_exists, nth: 1, operation: read}")
                .find("stale_exists does not take an operation"),
            std::string::npos);
  EXPECT_NE(ErrorOf(std::string(kValid) + "filesystem: ext4\n")
                .find(":7:13: filesystem: unknown filesystem model 'ext4'"),
            std::string::npos);
  EXPECT_NE(ErrorOf(std::string(kValid) + "expect_failures: [oops]\n")
                .find("unknown failure kind 'oops'"),
            std::string::npos);
}

TEST_F(ScenarioFileTest, LogSourceAndConfExpectationsLoad) {
  ckpt::Result<Scenario> loaded = LoadScenario(Write(R"(name: log
batches: 2
source:
  kind: log
  topic: t
  partitions: 2
  generate: {every_ms: 100, until_ms: 300, records: 2}
pipeline:
  - collect: out
restart_conf: {spark.master: "local[4]"}
expect_conf: {k: v, gone: ~}
)"));
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  const Scenario& s = loaded.value();
  EXPECT_EQ(s.source.topic(), "t");
  const std::vector<LogAppend>& appends = *s.source.appends();
  ASSERT_EQ(appends.size(), 6u);  // 3 ticks x 2 partitions
  EXPECT_EQ(appends[1].partition, 1);
  EXPECT_EQ(ckpt::RecordsToString(appends[1].records), "[3, 4]");
  EXPECT_EQ(s.restart_conf->at("spark.master"), "local[4]");
  EXPECT_EQ(s.expect_conf.at("k"), std::optional<std::string>("v"));
  EXPECT_EQ(s.expect_conf.at("gone"), std::nullopt);
}

TEST_F(ScenarioFileTest, BadLogSourcesAreNamedWithTheirField) {
  auto error_of = [&](const std::string& source) {
    return ErrorOf("name: log\nbatches: 2\nsource: " + source + "\npipeline: [{collect: out}]\n");
  };
  EXPECT_NE(error_of("{kind: log, appends: []}").find("source.partitions: missing"),
            std::string::npos);
  EXPECT_NE(error_of("{kind: log, partitions: 0, appends: []}").find("must be in 1..1000"),
            std::string::npos);
  EXPECT_NE(error_of("{kind: log, partitions: 1, appends: [{at_ms: 5, partition: 1, records: []}]}")
                .find("source.appends.partition: must be in 0..0"),
            std::string::npos);
  EXPECT_NE(error_of("{kind: log, partitions: 1, appends: [{at_ms: 5, partition: 0, records: []}, "
                     "{at_ms: 4, partition: 0, records: []}]}")
                .find("source.appends.at_ms: must not go back in time"),
            std::string::npos);
  EXPECT_NE(error_of("{kind: log, partitions: 1}").find("source.appends: expected a list"),
            std::string::npos);
}

TEST(ScenarioCatalogue, EveryBundledScenarioLoads) {
  ckpt::Result<std::vector<Scenario>> all = LoadScenarios(CKPTSIM_SOURCE_DIR "/scenarios");
  ASSERT_TRUE(all.ok()) << all.status().to_string();
  EXPECT_GE(all.value().size(), 16u);
  for (const Scenario& s : all.value()) {
    // The basic catalogue runs long enough for stateful recovery to matter; each ported Spark
    // test states Spark's expected outcome (outputs, an error, assertions over all runs, the
    // recovered conf, or internal state).
    if (s.path.find("/basic/") != std::string::npos) {
      EXPECT_GE(s.batches, 20) << s.name;
    }
    if (s.path.find("/spark/") != std::string::npos) {
      EXPECT_TRUE(!s.expect.empty() || !s.expect_error.empty() || !s.expect_all_runs.empty() ||
                  !s.expect_conf.empty() || !s.expect_state.empty())
          << s.name;
    }
  }
}

TEST(ScenarioCatalogue, MissingFileIsAClearError) {
  ckpt::Result<Scenario> loaded = LoadScenario("/no/such/file.yaml");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().message(), "/no/such/file.yaml: no such scenario file");
}

}  // namespace
}  // namespace sim
