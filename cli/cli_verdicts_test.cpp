// The command line's verdicts: WARN for known weaknesses (and --strict), INCOMPLETE for a run a
// budget or Ctrl-C cut short (and --require-complete, exit 130), which of a scenario's own crashes
// fired, and --version.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/fixes.h"
#include "testing/run_command.h"

namespace {

using sim::testing::Outcome;
using sim::testing::RunCommand;

const std::string kBinary = CKPTSIM_BINARY;
const std::string kRunningCount = CKPTSIM_SOURCE_DIR "/scenarios/basic/running_count.yaml";

nlohmann::json Json(const Outcome& outcome) {
  return nlohmann::json::parse(outcome.output, nullptr, /*allow_exceptions=*/false);
}

// Known weaknesses are WARN: listed with their fixes, shown in the verdict column, exit 0, and
// exit 1 with --strict; the protocol rules are listed by name.
TEST(Cli, KnownWeaknessesWarnAndStrictFails) {
  Outcome weaknesses = RunCommand(kBinary + " weaknesses --json");
  ASSERT_EQ(weaknesses.exit_code, 0);
  ASSERT_EQ(Json(weaknesses)["weaknesses"].size(), ckpt::AllFixes().size());
  Outcome rules = RunCommand(kBinary + " rules");
  EXPECT_NE(rules.output.find("restart.reschedule_set"), std::string::npos) << rules.output;

  const std::string receiver =
      CKPTSIM_SOURCE_DIR "/scenarios/receiver/reliable_receiver_with_wal.yaml";
  Outcome warn = RunCommand(kBinary + " explore " + receiver);
  EXPECT_EQ(warn.exit_code, 0) << warn.output;
  EXPECT_NE(warn.output.find("WARN (29 known-weakness trials)"), std::string::npos) << warn.output;
  EXPECT_NE(warn.output.find("passes with --fix replay-block-log-without-checkpoint"),
            std::string::npos);
  EXPECT_EQ(RunCommand(kBinary + " explore " + receiver + " --strict").exit_code, 1);
  Outcome fixed = RunCommand(kBinary + " explore " + receiver +
                             " --strict --fix replay-block-log-without-checkpoint");
  EXPECT_EQ(fixed.exit_code, 0) << fixed.output;
  EXPECT_EQ(RunCommand(kBinary + " explore " + receiver + " --fix no-such-fix").exit_code, 2);
}

// A budget that cuts a run short never reads PASS: the scenario and the run are INCOMPLETE with
// the share explored, JSON says "complete": false, JUnit has a skipped case, the exit code is 0
// unless --require-complete; merged shards of a cut run stay incomplete, a whole run is complete.
TEST(Cli, ARunCutShortByABudgetIsIncomplete) {
  const std::string cut = kBinary + " explore " + kRunningCount + " --depth 2 --max-trials 300";
  Outcome table = RunCommand(cut);
  EXPECT_EQ(table.exit_code, 0) << table.output;
  EXPECT_NE(table.output.find("INCOMPLETE (0.2% explored)"), std::string::npos) << table.output;
  EXPECT_EQ(table.output.find("PASS"), std::string::npos) << table.output;
  EXPECT_EQ(RunCommand(cut + " --require-complete").exit_code, 1);
  nlohmann::json json = Json(RunCommand(cut + " --json"));
  EXPECT_FALSE(json["complete"].get<bool>());
  EXPECT_FALSE(json["scenarios"][0]["complete"].get<bool>());
  EXPECT_EQ(json["scenarios"][0]["units_explored"].get<uint64_t>(), 300u);

  std::string junit = (std::filesystem::temp_directory_path() /
                       ("ckptsim_incomplete_" + std::to_string(::getpid()) + ".xml"))
                          .string();
  RunCommand(cut + " --junit " + junit);
  std::ifstream in(junit);
  std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(junit);
  EXPECT_NE(xml.find("name=\"exploration complete\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<skipped message=\"INCOMPLETE"), std::string::npos) << xml;

  Outcome whole = RunCommand(kBinary + " explore " + kRunningCount + " --require-complete --json");
  EXPECT_EQ(whole.exit_code, 0) << whole.output;
  EXPECT_TRUE(Json(whole)["complete"].get<bool>());
  Outcome random = RunCommand(kBinary + " explore " + kRunningCount +
                              " --strategy random --trials 50 --max-trials 10");
  EXPECT_NE(random.output.find("INCOMPLETE (20.0% explored"), std::string::npos) << random.output;
}

// Ctrl-C stops at the next trial boundary: the partial result is printed (and written), marked
// INCOMPLETE and interrupted, and the exit code is 130. One small scenario, so that its first
// trials are done within the second before the interrupt even under the sanitizers on a loaded
// machine (the whole catalogue's set-up alone took longer there).
TEST(Cli, AnInterruptReportsThePartialResultAsIncomplete) {
  std::string json_path =
      ::testing::TempDir() + "ckptsim_interrupted_" + std::to_string(::getpid()) + ".json";
  Outcome outcome = RunCommand("bash -c '" + kBinary + " explore " + kRunningCount +
                               " --strategy random --trials 1000000 --yes --json > " + json_path +
                               " & pid=$!; sleep 2; kill -INT $pid; wait $pid; echo exit=$?'");
  EXPECT_NE(outcome.output.find("exit=130"), std::string::npos) << outcome.output;
  std::ifstream in(json_path);
  nlohmann::json json = nlohmann::json::parse(in, nullptr, false);
  std::remove(json_path.c_str());
  ASSERT_FALSE(json.is_discarded());
  EXPECT_TRUE(json["interrupted"].get<bool>());
  EXPECT_FALSE(json["complete"].get<bool>());
  EXPECT_GT(json["trials"].get<uint64_t>(), 0u);
  EXPECT_LT(json["units_explored"].get<uint64_t>(), json["units_planned"].get<uint64_t>());
}

// A shard whose slice of a scenario holds no crash step ran nothing: not PASS.
TEST(Cli, AnEmptyShardIsNeverPass) {
  Outcome outcome = RunCommand(kBinary + " explore " + kRunningCount + " --shard 5000/9999");
  EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
  EXPECT_NE(outcome.output.find("NOTHING RUN (no trial in this slice)"), std::string::npos)
      << outcome.output;
  EXPECT_EQ(outcome.output.find("PASS"), std::string::npos) << outcome.output;
}

TEST(Cli, VersionNamesTheReleaseAndTheRevision) {
  Outcome outcome = RunCommand(kBinary + " --version");
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_EQ(outcome.output.rfind("ckptsim 0.", 0), 0u) << outcome.output;
  EXPECT_NE(outcome.output.find(" ("), std::string::npos) << outcome.output;
}

// `run` names the trial its `crashes:` list makes and how many fired; a crash after the end of
// the run is a warning, not silence.
TEST(Cli, RunSaysWhichOfItsCrashesFired) {
  std::string path =
      ::testing::TempDir() + "ckptsim_far_crash_" + std::to_string(::getpid()) + ".yaml";
  std::ofstream(path) << "name: far\nbatches: 2\nsource: {kind: sequence, input: [[a], [b]]}\n"
                         "pipeline:\n  - collect: out\ncrashes:\n  - {step: 5}\n"
                         "  - {step: 99999}\n";
  Outcome outcome = RunCommand(kBinary + " run " + path);
  EXPECT_NE(outcome.output.find("far: its crashes are trial c5+0,c99999+0; 1 of 2 fired"),
            std::string::npos)
      << outcome.output;
  EXPECT_NE(outcome.output.find("WARNING: far: crashes 2 to 2 of its `crashes:` list never fired"),
            std::string::npos)
      << outcome.output;
  nlohmann::json json = Json(RunCommand(kBinary + " run " + path + " --json"));
  std::remove(path.c_str());
  EXPECT_EQ(json["scenarios"][0]["run"]["crashes_fired"], 1);
  EXPECT_EQ(json["scenarios"][0]["run"]["token"], "c5+0,c99999+0");
}

// A broken state expectation fails `run`, and the replay command it prints reproduces it: the
// replay of the scenario's own trial judges expect_state, the replay of another trial does not,
// and an exploration says it judged none.
TEST(Cli, TheReplayOfTheOwnTrialJudgesStateExpectations) {
  std::ifstream port(CKPTSIM_SOURCE_DIR
                     "/scenarios/spark/checkpointsuite_basic_rdd_checkpoints.yaml");
  std::string text((std::istreambuf_iterator<char>(port)), std::istreambuf_iterator<char>());
  const std::string right = "state: {checkpoint_data_times: [3000, 4000],";
  ASSERT_NE(text.find(right), std::string::npos);
  text.replace(text.find(right), right.size(), "state: {checkpoint_data_times: [2000, 4000],");
  std::string path = ::testing::TempDir() + "ckptsim_state_" + std::to_string(::getpid()) + ".yaml";
  std::ofstream(path) << text;
  Outcome run = RunCommand(kBinary + " run " + path + " --json");
  ASSERT_EQ(run.exit_code, 1) << run.output;
  std::string replay = Json(run)["failing"][0]["replay"];
  Outcome replayed = RunCommand(replay);
  EXPECT_EQ(replayed.exit_code, 1) << replayed.output;
  EXPECT_NE(replayed.output.find("expected [2000, 4000], was [3000, 4000]"), std::string::npos)
      << replayed.output;
  Outcome other = RunCommand(kBinary + " replay " + path + " --token c3+0");
  EXPECT_EQ(other.exit_code, 0) << other.output;
  // Exploration judges no state expectation, and says so instead of a silent green row.
  Outcome explored = RunCommand(kBinary + " explore " + path + " --max-trials 3");
  EXPECT_NE(explored.output.find("its 5 expect_state assertion(s) were not judged"),
            std::string::npos)
      << explored.output;
  EXPECT_EQ(run.output.find("were not judged"), std::string::npos);
  std::remove(path.c_str());
}

}  // namespace
