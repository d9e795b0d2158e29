// The command line as users and CI see it: exit codes (0 pass, 1 a check failed, 2 bad input),
// the JSON contract of DESIGN.md section 5, replay commands that reproduce, and error messages.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/defects.h"
#include "engine/fixes.h"
#include "engine/structured/defects.h"
#include "testing/run_command.h"
#include "util/shell_quote.h"

namespace {

using sim::testing::Outcome;
using sim::testing::RunCommand;

const std::string kBinary = CKPTSIM_BINARY;
const std::string kRunningCount = CKPTSIM_SOURCE_DIR "/scenarios/basic/running_count.yaml";

nlohmann::json Json(const Outcome& outcome) {
  return nlohmann::json::parse(outcome.output, nullptr, /*allow_exceptions=*/false);
}

// A result without its wall times (elapsed_s, and each scenario's elapsed_ms): what two runs of
// the same exploration must agree on.
nlohmann::json WithoutWallTimes(nlohmann::json result) {
  result.erase("elapsed_s");
  for (nlohmann::json& scenario : result["scenarios"]) scenario.erase("elapsed_ms");
  return result;
}

TEST(Cli, ExhaustiveRunningCountMeetsTheContract) {
  Outcome outcome =
      RunCommand(kBinary + " explore " + kRunningCount + " --strategy exhaustive --json");
  ASSERT_EQ(outcome.exit_code, 0) << outcome.output;
  nlohmann::json json = Json(outcome);
  ASSERT_FALSE(json.is_discarded()) << outcome.output;
  for (const char* key : {"schema_version", "strategy", "seed", "trials", "failures",
                          "crash_points", "elapsed_s", "scenarios", "failing"}) {
    EXPECT_TRUE(json.contains(key)) << key;
  }
  EXPECT_GE(json["crash_points"].get<int>(), 200);
  EXPECT_EQ(json["trials"], json["crash_points"]);
  EXPECT_EQ(json["failures"], 0);
  EXPECT_EQ(json["scenarios"][0]["name"], "running_count");
}

// Issue 4's headline: Spark's protocol is unsafe on a POSIX disk without fsync, and safe with
// ckptsim.checkpoint.sync; the failures name the missing sync.
TEST(Cli, PosixNeedsTheCheckpointSync) {
  Outcome unsafe = RunCommand(kBinary + " explore " + kRunningCount +
                              " --fs posix --strategy exhaustive --max-crash-states 2 --json");
  EXPECT_EQ(unsafe.exit_code, 1);
  nlohmann::json json = Json(unsafe);
  ASSERT_FALSE(json.is_discarded()) << unsafe.output;
  EXPECT_GT(json["failures"].get<int>(), 0);
  EXPECT_GT(json["crash_states"].get<uint64_t>(), json["crash_states_explored"].get<uint64_t>());
  EXPECT_NE(json["failing"][0]["detail"].get<std::string>().find("ckptsim.checkpoint.sync=true"),
            std::string::npos);
  EXPECT_NE(json["failing"][0]["replay"].get<std::string>().find("--fs posix"), std::string::npos);

  Outcome safe = RunCommand(kBinary + " explore " + kRunningCount +
                            " --fs posix --conf ckptsim.checkpoint.sync=true --strategy exhaustive "
                            "--json");
  EXPECT_EQ(safe.exit_code, 0) << safe.output.substr(0, 2000);
  json = Json(safe);
  ASSERT_FALSE(json.is_discarded());
  EXPECT_EQ(json["failures"], 0);
  EXPECT_GT(json["trials"].get<int>(), json["crash_points"].get<int>());  // several states per step
}

class CliDefectTest : public ::testing::TestWithParam<const char*> {};

TEST_P(CliDefectTest, FailuresCarryAReplayCommandThatReproducesTheKind) {
  Outcome outcome = RunCommand(kBinary + " explore " + kRunningCount +
                               " --strategy exhaustive --json --defect " + GetParam());
  ASSERT_EQ(outcome.exit_code, 1) << outcome.output;
  nlohmann::json json = Json(outcome);
  ASSERT_GT(json["failures"].get<int>(), 0);
  const nlohmann::json& first = json["failing"][0];
  for (const char* key : {"scenario", "token", "kind", "batch_time_ms", "detail", "replay"}) {
    EXPECT_TRUE(first.contains(key)) << key;
  }
  Outcome replay = RunCommand(first["replay"].get<std::string>() + " --json");
  ASSERT_EQ(replay.exit_code, 1) << replay.output;
  nlohmann::json replayed = Json(replay);
  ASSERT_FALSE(replayed["failures"].empty());
  EXPECT_EQ(replayed["failures"][0]["kind"], first["kind"]);
  EXPECT_EQ(replayed["failures"][0]["detail"], first["detail"]);
}

INSTANTIATE_TEST_SUITE_P(Catalogue, CliDefectTest,
                         ::testing::Values("skip-pending-times", "skip-down-times",
                                           "cleanup-referenced-rdd-files"),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::erase(name, '-');
                           return name;
                         });

TEST(Cli, ReplaySpellsOutTheFirstDivergence) {
  // The protocol oracle sees the restart leave out the pending batch 3000 when it happens.
  Outcome protocol = RunCommand(kBinary + " replay " + kRunningCount +
                                " --token c142+0 --defect skip-pending-times");
  ASSERT_EQ(protocol.exit_code, 1) << protocol.output;
  for (const char* expected :
       {"first divergence: a protocol rule, broken at 3500 ms",
        "FAIL [protocol_violation] batch 3500: breaks \"recover exactly\": rule "
        "restart.reschedule_set at 3500 ms (incarnation 1): expected [3000, 3500]",
        "FAIL [lost_batch] batch 3000"}) {
    EXPECT_NE(protocol.output.find(expected), std::string::npos) << expected << "\n"
                                                                 << protocol.output;
  }
  // The outputs alone show the lost batch.
  Outcome replay = RunCommand(kBinary + " replay " + kRunningCount +
                              " --token c142+0 --defect skip-pending-times --no-protocol-oracle");
  ASSERT_EQ(replay.exit_code, 1) << replay.output;
  for (const char* expected :
       {"trace around the first divergence", "first divergence: batch 3000 ms",
        "counts: expected [(a,4), (b,2), (c,2)], never emitted",
        "#1 started at 3500 ms, recovered from /checkpoint/checkpoint-3500 (content time 3500 "
        "ms), pending [3000, 3500], rescheduled [3500]",
        "CRASH before step 142"}) {
    EXPECT_NE(replay.output.find(expected), std::string::npos) << expected << "\n" << replay.output;
  }
  // Lines far from the batch are left out unless asked for.
  EXPECT_EQ(replay.output.find("[500 ms]"), std::string::npos);
  Outcome full = RunCommand(kBinary + " replay " + kRunningCount +
                            " --token c142+0 --defect skip-pending-times --full-trace");
  EXPECT_NE(full.output.find("[500 ms]"), std::string::npos);
}

TEST(Cli, ShrinkWritesAScenarioThatRunReproduces) {
  std::string path =
      ::testing::TempDir() + "ckptsim_cli_shrunk_" + std::to_string(::getpid()) + ".yaml";
  Outcome shrink = RunCommand(kBinary + " shrink " + kRunningCount +
                              " --token c142+0 --defect skip-pending-times --out " + path);
  ASSERT_EQ(shrink.exit_code, 1) << shrink.output;
  EXPECT_NE(shrink.output.find("wrote " + path), std::string::npos) << shrink.output;
  Outcome with_defect = RunCommand(kBinary + " run " + path + " --defect skip-pending-times");
  EXPECT_EQ(with_defect.exit_code, 1) << with_defect.output;
  Outcome clean = RunCommand(kBinary + " run " + path);
  EXPECT_EQ(clean.exit_code, 0) << clean.output;
  std::remove(path.c_str());
  Outcome passing = RunCommand(kBinary + " shrink " + kRunningCount + " --token c142+0");
  EXPECT_EQ(passing.exit_code, 2);
  EXPECT_NE(passing.output.find("passes: nothing to shrink"), std::string::npos);
}

TEST(Cli, ListShowsEveryBundledScenarioWithItsDescription) {
  Outcome listed = RunCommand(kBinary + " list " CKPTSIM_SOURCE_DIR "/scenarios --json");
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  nlohmann::json json = Json(listed);
  size_t files = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(CKPTSIM_SOURCE_DIR "/scenarios")) {
    files += entry.path().extension() == ".yaml";
  }
  ASSERT_EQ(json["scenarios"].size(), files);
  for (const auto& scenario : json["scenarios"]) {
    EXPECT_FALSE(scenario["description"].get<std::string>().empty()) << scenario["path"];
  }
  Outcome text = RunCommand(kBinary + " list " CKPTSIM_SOURCE_DIR "/scenarios/basic");
  EXPECT_NE(text.output.find("running_count.yaml    updateStateByKey running counts"),
            std::string::npos)
      << text.output;
  EXPECT_EQ(RunCommand(kBinary + " list /nonexistent").exit_code, 2);
}

TEST(Cli, SameSeedSameFailingList) {
  std::string command = kBinary + " explore " + CKPTSIM_SOURCE_DIR +
                        "/scenarios/basic --strategy random --trials 500 --seed 7 --json "
                        "--defect skip-pending-times";
  nlohmann::json a = Json(RunCommand(command)), b = Json(RunCommand(command));
  ASSERT_FALSE(a.is_discarded());
  EXPECT_GT(a["failures"].get<int>(), 0);
  EXPECT_EQ(a["failing"], b["failing"]);
  // The scenarios include their trace digests.
  EXPECT_EQ(WithoutWallTimes(a)["scenarios"], WithoutWallTimes(b)["scenarios"]);
}

TEST(Cli, RunAppliesTheScenariosOwnCrashes) {
  std::string path = (std::filesystem::temp_directory_path() / "ckptsim_cli_run.yaml").string();
  std::ifstream source(CKPTSIM_SOURCE_DIR "/scenarios/basic/running_count.yaml");
  std::ofstream(path) << source.rdbuf() << "crashes: [{step: 142}, {step: 30, downtime_ms: 700}]\n";
  Outcome clean = RunCommand(kBinary + " run " + path + " --json");
  EXPECT_EQ(clean.exit_code, 0) << clean.output;
  nlohmann::json json = Json(clean);
  EXPECT_EQ(json["strategy"], "run");
  EXPECT_EQ(json["trials"], 1);
  Outcome broken = RunCommand(kBinary + " run " + path + " --json --defect skip-pending-times");
  EXPECT_EQ(broken.exit_code, 1) << broken.output;
  EXPECT_EQ(Json(broken)["failing"][0]["token"], "c142+0,c30+700");
  std::filesystem::remove(path);
}

TEST(Cli, DefectsCatalogue) {
  Outcome outcome = RunCommand(kBinary + " defects --json");
  ASSERT_EQ(outcome.exit_code, 0);
  nlohmann::json json = Json(outcome);
  // Both engines' catalogues.
  ASSERT_EQ(json["defects"].size(),
            ckpt::AllDefects().size() + ckpt::structured::AllDefects().size());
  for (const auto& defect : json["defects"]) {
    EXPECT_FALSE(defect["reverts"].get<std::string>().empty());
    EXPECT_TRUE(defect["engine"] == "dstream" || defect["engine"] == "structured");
    // A bundled scenario shows every defect.
    std::string exposed_by = defect["exposed_by"].get<std::string>();
    EXPECT_TRUE(exposed_by.ends_with(".yaml")) << exposed_by;
    EXPECT_TRUE(
        std::filesystem::is_regular_file(std::string(CKPTSIM_SOURCE_DIR) + "/" + exposed_by))
        << exposed_by;
  }
}

// A sweep fanned out as shards and merged is the sweep run at once (README: cluster runs).
TEST(Cli, ShardsMergeIntoTheWholeExploration) {
  std::string dir =
      (std::filesystem::temp_directory_path() / ("ckptsim_shards_" + std::to_string(::getpid())))
          .string();
  std::filesystem::create_directories(dir);
  std::string scenarios = CKPTSIM_SOURCE_DIR "/scenarios/basic";
  std::string merge = kBinary + " merge --json";
  for (int i = 0; i < 3; ++i) {
    std::string file = dir + "/shard" + std::to_string(i) + ".json";
    RunCommand(kBinary + " explore " + scenarios + " --defect skip-pending-times --shard " +
               std::to_string(i) + "/3 --json > " + file);
    merge += " " + file;
  }
  Outcome merged = RunCommand(merge);
  Outcome whole = RunCommand(kBinary + " explore " + scenarios +
                             " --defect skip-pending-times --jobs 2 --json");
  std::filesystem::remove_all(dir);
  EXPECT_EQ(merged.exit_code, 1);
  EXPECT_EQ(whole.exit_code, 1);
  nlohmann::json a = Json(merged), b = Json(whole);
  ASSERT_FALSE(a.is_discarded()) << merged.output;
  EXPECT_GT(a["failures"].get<int>(), 0);
  EXPECT_EQ(WithoutWallTimes(a), WithoutWallTimes(b));
}

TEST(Cli, CrashPointsAreLabelled) {
  Outcome outcome = RunCommand(kBinary + " crash-points " + kRunningCount + " --json");
  ASSERT_EQ(outcome.exit_code, 0);
  nlohmann::json json = Json(outcome);
  EXPECT_EQ(json["steps"].size(), json["crash_points"].get<size_t>());
  EXPECT_EQ(json["steps"][0]["label"], "driver \u00b7 start (getOrCreate)");
}

struct BadInput {
  const char* arguments;
  const char* message;
};

class CliBadInputTest : public ::testing::TestWithParam<BadInput> {};

TEST_P(CliBadInputTest, ExitsWithTwoAndSaysWhy) {
  Outcome outcome = RunCommand(kBinary + " " + GetParam().arguments);
  EXPECT_EQ(outcome.exit_code, 2) << outcome.output;
  EXPECT_NE(outcome.output.find(GetParam().message), std::string::npos) << outcome.output;
}

INSTANTIATE_TEST_SUITE_P(
    Errors, CliBadInputTest,
    ::testing::Values(
        BadInput{"explore /no/such.yaml", "/no/such.yaml: no such scenario file"},
        BadInput{"explore " CKPTSIM_SOURCE_DIR "/scenarios --defect nope", "unknown defect 'nope'"},
        BadInput{"explore " CKPTSIM_SOURCE_DIR "/scenarios --fs ext9",
                 "unknown filesystem model 'ext9'"},
        BadInput{"explore " CKPTSIM_SOURCE_DIR "/scenarios --conf novalue",
                 "--conf expects key=value"},
        BadInput{"explore " CKPTSIM_SOURCE_DIR "/scenarios --strategy sideways", "--strategy"},
        BadInput{"replay " CKPTSIM_SOURCE_DIR "/scenarios/basic/wordcount.yaml --token zz",
                 "bad replay token"},
        BadInput{"frobnicate", "unknown command 'frobnicate'"},
        BadInput{"explore " CKPTSIM_SOURCE_DIR "/scenarios --shard 3/3",
                 "--shard expects I/N with 0 <= I < N, got '3/3'"},
        BadInput{"explore " CKPTSIM_SOURCE_DIR "/scenarios --depth 4", "--depth"},
        BadInput{"merge /no/such.json", "/no/such.json: no such file"},
        BadInput{"merge " CKPTSIM_SOURCE_DIR "/README.md", "README.md: not JSON"},
        BadInput{"merge " CKPTSIM_SOURCE_DIR "/scenarios", "scenarios: not a regular file"},
        BadInput{"", "A subcommand is required"},
        // Nothing silently does nothing: a flag the command would ignore is a usage error.
        BadInput{"explore " CKPTSIM_SOURCE_DIR "/scenarios/basic --trials 5",
                 "--trials applies to --strategy random"},
        BadInput{"explore " CKPTSIM_SOURCE_DIR "/scenarios/basic --strategy random --depth 2",
                 "--depth applies to --strategy exhaustive"},
        BadInput{"explore " CKPTSIM_SOURCE_DIR "/scenarios/basic --seed -1",
                 "--seed: a seed is an integer from 0 to 18446744073709551615, got '-1'"},
        BadInput{"explore " CKPTSIM_SOURCE_DIR "/scenarios/basic/wordcount.yaml --strategy "
                 "random --trials 10000000 --jobs 1",
                 "this run plans about 1e+07 trials, about 1 h 23 min at ~2,000 trials/s per "
                 "thread: add --yes to run it"},
        BadInput{"explore " CKPTSIM_SOURCE_DIR "/scenarios/basic --shard 0/-1",
                 "--shard expects I/N with 0 <= I < N, got '0/-1'"},
        BadInput{"explore " CKPTSIM_SOURCE_DIR "/scenarios/basic --shard ' 0/2'", "--shard"},
        BadInput{"crash-real " CKPTSIM_SOURCE_DIR "/scenarios/basic --speed nan",
                 "a number from 0.01 to 1000 expected, got 'nan'"},
        BadInput{"serve " CKPTSIM_SOURCE_DIR "/scenarios/basic/wordcount.yaml --checkpoint-dir "
                 "/tmp/x --speed inf",
                 "a number from 0.01 to 1000 expected, got 'inf'"},
        BadInput{"replay " CKPTSIM_SOURCE_DIR "/scenarios/basic/wordcount.yaml --token ref "
                 "--report /tmp/r",
                 "--report"},
        BadInput{"crash-points " CKPTSIM_SOURCE_DIR "/scenarios/basic/wordcount.yaml --junit x",
                 "--junit"},
        // --out names a file in every command; a directory is --report DIR.
        BadInput{"study-interval " CKPTSIM_SOURCE_DIR "/scenarios/study/checkpoint_interval.yaml "
                 "--out /tmp/study",
                 "use --report DIR"},
        BadInput{"shrink " CKPTSIM_SOURCE_DIR "/scenarios/basic/wordcount.yaml --token c1+0 "
                 "--json",
                 "--json"}));

// Each malformed scenario a person may write: `ckptsim run` exits 2 naming file:line:column, the
// field and what is wrong.
TEST(CliScenarioErrors, EachNamesFileLineColumnFieldAndExitsTwo) {
  const std::string head = "name: t\nbatches: 2\nsource: {kind: sequence, input: [[a], [b]]}\n";
  const std::string pipeline = "pipeline:\n  - map: pair_with_one\n  - collect: out\n";
  struct Case {
    const char* what;
    std::string text;
    const char* message;  // after "<file>:"
  };
  const Case cases[] = {
      {"malformed YAML", head + "pipeline: [- bad\n", "4:12: (yaml): illegal block entry"},
      {"unknown operator", head + "pipeline:\n  - frobnicate: x\n  - collect: out\n",
       "5:5: pipeline[0].frobnicate: unknown operator or option (operators: cogroup, collect,"},
      {"unknown function", head + "pipeline:\n  - map: nope\n  - collect: out\n",
       "5:5: pipeline[0].map: unknown map function 'nope' (registered: add, divide_into, "
       "identity, keyed, modulo, pair_key, pair_value, pair_with, pair_with_one, pair_with_self, "
       "to_int)"},
      {"bad duration", head + "batch_duration_ms: 5s\n" + pipeline,
       "4:20: batch_duration_ms: expected an integer, got '5s'"},
      {"negative duration", head + "downtime_ms: -3\n" + pipeline, "4:14: downtime_ms:"},
      {"contradictory crash", head + pipeline + "crashes:\n  - {step: 3, at_ms: 100}\n",
       "8:5: crashes: give exactly one of step, at_ms, before and after"},
      {"contradictory swarm", head + pipeline + "swarm: {checkpoint_interval_ms: [500, 900]}\n",
       "7:33: swarm.checkpoint_interval_ms: no pipeline step sets checkpoint_interval_ms to vary"},
      {"window without its duration", head + "pipeline:\n  - window:\n  - collect: out\n",
       "5:5: pipeline[0].window_ms: missing (the window of window)"},
      {"unknown field", head + pipeline + "downtime: 3\n", "7:1: downtime: unknown field (known:"},
      {"duration that would overflow", head + "downtime_ms: 9223372036854775807\n" + pipeline,
       "4:14: downtime_ms: at most 864000000 ms (10 days), got 9223372036854775807"},
      {"duplicate key", head + "batches: 3\n" + pipeline,
       "4:1: duplicate key 'batches' (first at line 2)"},
      {"duplicate nested key", head + "pipeline:\n  - map: pair_with_one\n    map: identity\n",
       "6:5: duplicate key 'map' (first at line 5)"},
      {"unknown crash event", head + pipeline + "crashes:\n  - {after: {written: 500}}\n",
       "8:13: crashes.after: unknown event 'written' (known: batch_completed,"},
      {"expectation on an unknown output",
       head + pipeline + "expect_all_runs: {outs: {contains: [a]}}\n",
       "7:26: expect_all_runs.outs: no such output"},
      {"join of streams with different slides",
       head + "pipeline:\n  - window: 1000\n    slide_ms: 1000\n    name: w\n  - map: "
              "pair_with_one\n    from: source\n  - join: w\n  - collect: out\n",
       "10:5: pipeline[2].join: Some of the DStreams have different slide durations"},
      {"state expectation on an unknown stream",
       head + pipeline +
           "expect_state:\n  - after: {cleanup: 500}\n    streams: {st: {remember_ms: 1}}\n",
       "9:15: expect_state[0].streams.st: no stream of that name"},
  };
  std::string path = ::testing::TempDir() + "ckptsim_bad_" + std::to_string(::getpid()) + ".yaml";
  for (const Case& c : cases) {
    std::ofstream(path) << c.text;
    Outcome outcome = RunCommand(kBinary + " run " + path);
    EXPECT_EQ(outcome.exit_code, 2) << c.what << "\n" << outcome.output;
    EXPECT_NE(outcome.output.find(path + ":" + c.message), std::string::npos) << c.what << "\n"
                                                                              << outcome.output;
  }
  std::remove(path.c_str());
}

// Progress shows on a terminal (a pseudo-terminal from `script`) and never in piped output.
TEST(CliProgress, OnATerminalOnly) {
  std::string command = kBinary + " explore " CKPTSIM_SOURCE_DIR
                                  "/scenarios/basic/running_count.yaml --depth 2 --max-trials 1000";
  Outcome piped = RunCommand(command);
  EXPECT_EQ(piped.exit_code, 0) << piped.output;
  EXPECT_EQ(piped.output.find("trials/s"), std::string::npos) << piped.output;
  EXPECT_EQ(piped.output.find('\r'), std::string::npos);
  Outcome terminal = RunCommand("script -qec '" + command + "' /dev/null");
  EXPECT_NE(terminal.output.find("[1/1] running_count: "), std::string::npos) << terminal.output;
  // Redrawn at most every 200 ms: how many lines show depends on the machine, their form not.
  EXPECT_NE(terminal.output.find(" trials, 0 failed, "), std::string::npos) << terminal.output;
  EXPECT_NE(terminal.output.find(" trials/s, ~"), std::string::npos) << terminal.output;
  EXPECT_NE(terminal.output.find("1000 trials, 0 failed"), std::string::npos);
}

// The complete example of docs/scenarios.md (its section) loads and passes as written.
TEST(CliDocs, TheScenarioReferenceExampleRuns) {
  std::ifstream doc(CKPTSIM_SOURCE_DIR "/docs/scenarios.md");
  std::string line, yaml;
  bool inside = false, in_example = false;
  while (std::getline(doc, line)) {
    if (line == "## A complete example") in_example = true;
    if (!in_example) continue;
    if (line == "```yaml")
      inside = true;
    else if (inside && line == "```")
      break;
    else if (inside)
      yaml += line + "\n";
  }
  ASSERT_FALSE(yaml.empty());
  std::string path = ::testing::TempDir() + "ckptsim_doc_" + std::to_string(::getpid()) + ".yaml";
  std::ofstream(path) << yaml;
  Outcome run = RunCommand(kBinary + " run " + path);
  std::remove(path.c_str());
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("1 trials, 0 failed"), std::string::npos) << run.output;
}

// The tutorial of docs/scenarios.md: its scenario runs with the crash and the token it shows, and
// the defect it switches on fails the way it shows.
TEST(CliDocs, TheTutorialRunsAsWritten) {
  std::ifstream doc(CKPTSIM_SOURCE_DIR "/docs/scenarios.md");
  std::string line, yaml;
  bool inside = false;
  while (std::getline(doc, line)) {
    if (line == "```yaml") {
      inside = true;
    } else if (inside && line == "```") {
      break;
    } else if (inside) {
      yaml += line + "\n";
    }
  }
  ASSERT_NE(yaml.find("name: my_job"), std::string::npos) << yaml;
  std::string path = ::testing::TempDir() + "my_job_" + std::to_string(::getpid()) + ".yaml";
  std::ofstream(path) << yaml;
  Outcome run = RunCommand(kBinary + " run " + path);
  Outcome broken = RunCommand(kBinary + " explore " + path + " --defect skip-down-times");
  std::remove(path.c_str());
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("my_job            153        1         0  PASS"), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("its crashes are trial c61+700; 1 of 1 fired"), std::string::npos);
  EXPECT_EQ(broken.exit_code, 1) << broken.output;
  EXPECT_NE(broken.output.find("FAIL my_job [protocol_violation] batch 1000: breaks \"recover "
                               "exactly\": rule restart.reschedule_set at 1000 ms (incarnation 1): "
                               "expected [500, 1000] (checkpoint time 500 ms, pending []); got []"),
            std::string::npos)
      << broken.output;
  EXPECT_NE(broken.output.find("--token c25+0 --defect skip-down-times"), std::string::npos);
}

// Every subcommand has --help with at least one example, and exits 0.
TEST(CliHelp, EverySubcommandExplainsItselfWithAnExample) {
  for (const char* command : {"run", "explore", "replay", "shrink", "crash-points", "list",
                              "defects", "mutation", "merge", "study-interval"}) {
    Outcome help = RunCommand(kBinary + " " + command + " --help");
    EXPECT_EQ(help.exit_code, 0) << command << "\n" << help.output;
    size_t example = help.output.find("Example");
    ASSERT_NE(example, std::string::npos) << command << "\n" << help.output;
    EXPECT_NE(help.output.find(std::string("ckptsim ") + command, example), std::string::npos)
        << command << "\n"
        << help.output;
  }
}

}  // namespace

// Spark's start-time validation errors are the scenario's, found when it loads: exit 2 with the
// file:line:column of the step, not a recovery_error of the engine with exit 1.
namespace start_validation {

std::string WriteScenario(const std::string& name, const std::string& pipeline,
                          const std::string& extra = "") {
  std::string path = ::testing::TempDir() + "/" + name + ".yaml";
  std::ofstream(path) << "name: " << name << "\nbatch_duration_ms: 500\nbatches: 4\n"
                      << extra << "source:\n  kind: sequence\n  input: [[a], [b]]\npipeline:\n"
                      << pipeline;
  return path;
}

TEST(CliStartValidation, CheckpointIntervalNotAMultipleOfTheSlideIsBadInputAtItsStep) {
  std::string path = WriteScenario("interval",
                                   "  - map: pair_with_one\n"
                                   "  - update_state_by_key: running_sum\n"
                                   "    checkpoint_interval_ms: 750\n"
                                   "  - collect: counts\n");
  for (const char* command : {" run ", " explore ", " crash-points "}) {
    Outcome outcome = RunCommand(kBinary + command + path);
    EXPECT_EQ(outcome.exit_code, 2) << command << outcome.output;
    EXPECT_NE(outcome.output.find(path + ":9:5: pipeline[1].update_state_by_key: The checkpoint "
                                         "interval for StateDStream has been set to  750 ms"),
              std::string::npos)
        << outcome.output;
    EXPECT_EQ(outcome.output.find("recovery_error"), std::string::npos) << outcome.output;
  }
}

// A scenario may contract the refusal (expect_error, as Spark's validation tests do): it loads,
// and its trials pass only when the start fails with that message. A contract naming another
// message is still bad input, with Spark's own.
TEST(CliStartValidation, AContractedRefusalIsTheScenariosOutcome) {
  const std::string steps =
      "  - map: pair_with_one\n"
      "  - update_state_by_key: running_sum\n"
      "    checkpoint_interval_ms: 750\n"
      "  - collect: counts\n";
  std::string path = WriteScenario(
      "contracted", steps + "expect_error: \"which not a multiple of its slide time\"\n");
  for (const char* command : {" run ", " explore "}) {
    Outcome outcome = RunCommand(kBinary + command + path);
    EXPECT_EQ(outcome.exit_code, 0) << command << outcome.output;
    EXPECT_NE(outcome.output.find("0 failed"), std::string::npos) << outcome.output;
  }
  std::string other =
      WriteScenario("other", steps + "expect_error: \"lower than its slide time\"\n");
  Outcome outcome = RunCommand(kBinary + " run " + other);
  EXPECT_EQ(outcome.exit_code, 2) << outcome.output;
  EXPECT_NE(outcome.output.find("which not a multiple of its slide time"), std::string::npos)
      << outcome.output;
}

TEST(CliStartValidation, StatefulStreamWithoutACheckpointDirectoryIsBadInput) {
  std::string path = WriteScenario("nodir",
                                   "  - map: pair_with_one\n"
                                   "  - update_state_by_key: running_sum\n"
                                   "  - collect: counts\n",
                                   "checkpoint_dir: \"\"\n");
  Outcome outcome = RunCommand(kBinary + " explore " + path);
  EXPECT_EQ(outcome.exit_code, 2) << outcome.output;
  EXPECT_NE(outcome.output.find(path + ":10:5: pipeline[1].update_state_by_key: The checkpoint "
                                       "directory has not been set"),
            std::string::npos)
      << outcome.output;
}

TEST(CliStartValidation, WindowNotAMultipleOfTheParentSlideIsBadInput) {
  std::string path = WriteScenario("window", "  - window: 700\n  - collect: out\n");
  Outcome outcome = RunCommand(kBinary + " run " + path);
  EXPECT_EQ(outcome.exit_code, 2) << outcome.output;
  EXPECT_NE(outcome.output.find(path + ":8:5: pipeline[0].window: The window duration of "
                                       "windowed DStream (700 ms) must be a multiple"),
            std::string::npos)
      << outcome.output;
}

}  // namespace start_validation

// A printed replay command pasted into a shell runs exactly that replay, whatever the scenario's
// path holds: `$(...)` runs nothing, a quote is no syntax error, and the failure reproduces.
TEST(CliQuoting, AReplayLinePastedIntoAShellReproducesTheFailureForHostilePaths) {
  std::string dir = ::testing::TempDir() + "/quoting";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  for (const std::string name : {"x $(touch PWNED).yaml", "it's \"quoted\".yaml"}) {
    std::string path = dir + "/" + name;
    std::filesystem::copy_file(kRunningCount, path);
    Outcome explored =
        RunCommand("cd '" + dir + "' && " + kBinary + " explore " + sim::ShellQuote(path) +
                   " --defect skip-pending-times --conf 'a b=c d' --json");
    ASSERT_EQ(explored.exit_code, 1) << explored.output;
    nlohmann::json json = Json(explored);
    ASSERT_FALSE(json.is_discarded()) << explored.output;
    const nlohmann::json& first = json["failing"][0];
    std::string replay = first["replay"];
    Outcome replayed = RunCommand("cd '" + dir + "' && bash -c " + sim::ShellQuote(replay));
    EXPECT_EQ(replayed.exit_code, 1) << replay << "\n" << replayed.output;
    EXPECT_NE(replayed.output.find("FAIL [" + first["kind"].get<std::string>() + "]"),
              std::string::npos)
        << replayed.output;
    EXPECT_FALSE(std::filesystem::exists(dir + "/PWNED")) << replay;
  }
}

TEST(CliQuoting, ShellQuoteLeavesPlainWordsAndQuotesTheRest) {
  EXPECT_EQ(sim::ShellQuote("scenarios/basic/running_count.yaml"),
            "scenarios/basic/running_count.yaml");
  EXPECT_EQ(sim::ShellQuote("c142+0,c80+106/f3"), "c142+0,c80+106/f3");
  EXPECT_EQ(sim::ShellQuote(""), "''");
  EXPECT_EQ(sim::ShellQuote("a b"), "'a b'");
  EXPECT_EQ(sim::ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(sim::ShellQuote("$(x)"), "'$(x)'");
}
