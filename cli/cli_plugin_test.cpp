// Function plugins on the command line: the example plugin's scenario runs, explores, shrinks and
// replays; a scenario names its plugins itself; a restarted process without a plugin the
// checkpoint needs fails recovery; and every bad plugin is exit 2 naming the flag or file:line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "testing/run_command.h"
#include "util/shell_quote.h"

namespace {

using sim::ShellQuote;
using sim::testing::Outcome;
using sim::testing::RunCommand;

const std::string kBinary = CKPTSIM_BINARY;
const std::string kExample = CKPTSIM_SOURCE_DIR "/examples/plugin/word_count.yaml";
const std::string kPlugin = std::filesystem::canonical(CKPTSIM_EXAMPLE_PLUGIN).string();
const std::string kWithPlugin = " --plugin " + ShellQuote(kPlugin);

bool Contains(const Outcome& outcome, const std::string& text) {
  return outcome.output.find(text) != std::string::npos;
}

// A scenario in its own folder: the example's job with `header` lines added at the top.
std::string ScenarioWith(const std::string& name, const std::string& header) {
  std::filesystem::path folder = std::filesystem::temp_directory_path() / "ckptsim_plugin_cli";
  std::filesystem::create_directories(folder);
  std::ifstream example(kExample);
  std::string body((std::istreambuf_iterator<char>(example)), std::istreambuf_iterator<char>());
  std::filesystem::path path = folder / (name + ".yaml");
  std::ofstream(path) << header << body;
  return path.string();
}

TEST(PluginCli, TheExampleRunsExploresShrinksAndReplays) {
  Outcome run = RunCommand(kBinary + " run " + kExample + kWithPlugin);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(Contains(run, "1 of 1 fired")) << run.output;
  Outcome clean =
      RunCommand(kBinary + " explore " + kExample + kWithPlugin + " --strategy exhaustive");
  EXPECT_EQ(clean.exit_code, 0) << clean.output;

  Outcome defect = RunCommand(kBinary + " explore " + kExample + kWithPlugin +
                              " --strategy exhaustive --defect skip-down-times --json");
  ASSERT_EQ(defect.exit_code, 1) << defect.output;
  nlohmann::json json = nlohmann::json::parse(defect.output);
  std::string replay = json["failing"][0]["replay"];
  EXPECT_NE(replay.find("--plugin " + ShellQuote(kPlugin)), std::string::npos) << replay;
  Outcome replayed = RunCommand(replay);
  EXPECT_TRUE(Contains(replayed, json["failing"][0]["kind"].get<std::string>())) << replayed.output;

  std::string token = json["failing"][0]["token"];
  std::string shrunk = (std::filesystem::temp_directory_path() / "ckptsim_plugin_shrunk.yaml");
  Outcome shrink = RunCommand(kBinary + " shrink " + kExample + kWithPlugin + " --token " +
                              ShellQuote(token) + " --defect skip-down-times --out " + shrunk);
  EXPECT_TRUE(Contains(shrink, "wrote " + shrunk)) << shrink.output;
  // The shrunk scenario names the plugin itself: it reproduces without --plugin.
  Outcome reproduced = RunCommand(kBinary + " run " + shrunk + " --defect skip-down-times");
  EXPECT_EQ(reproduced.exit_code, 1) << reproduced.output;
}

TEST(PluginCli, AScenarioLoadsItsOwnPluginsRelativeToItsFolder) {
  std::filesystem::path folder = std::filesystem::temp_directory_path() / "ckptsim_plugin_cli";
  std::filesystem::create_directories(folder);
  std::filesystem::copy_file(kPlugin, folder / "word_tools.so",
                             std::filesystem::copy_options::overwrite_existing);
  std::string path = ScenarioWith("own_plugins", "plugins: [word_tools.so]\n");
  Outcome run = RunCommand(kBinary + " run " + path);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  Outcome without = RunCommand(kBinary + " run " + kExample);
  EXPECT_EQ(without.exit_code, 2);
  EXPECT_TRUE(Contains(without,
                       "word_count.yaml:21:5: pipeline[0].flat_map: unknown flat_map "
                       "function 'tokens'"))
      << without.output;
}

// A new build of the job without the plugin: the checkpoint still names its functions.
TEST(PluginCli, ARestartWithoutThePluginFailsRecoveryNamingTheFunction) {
  std::string header = "plugins: [" + kPlugin + "]\nrestart_plugins: []\n";
  Outcome failed = RunCommand(kBinary + " run " + ScenarioWith("restart_without", header));
  EXPECT_EQ(failed.exit_code, 1) << failed.output;
  EXPECT_TRUE(Contains(failed, "names a function this process does not have")) << failed.output;
  EXPECT_TRUE(Contains(failed, "unknown flat_map function 'tokens'")) << failed.output;
  // A crash before the first checkpoint restarts into a fresh start, which cannot build the
  // pipeline either: both failures name the function.
  header += "expect_error: \"unknown flat_map function 'tokens'\"\n";
  Outcome contracted =
      RunCommand(kBinary + " explore " + ScenarioWith("restart_without_expected", header) +
                 " --strategy exhaustive");
  EXPECT_EQ(contracted.exit_code, 0) << contracted.output;
}

TEST(PluginCli, BadPluginsAreBadInputNamingTheirPlace) {
  Outcome missing = RunCommand(kBinary + " run " + kExample + " --plugin /no/such.so");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_TRUE(Contains(missing, "--plugin: no such plugin file: /no/such.so")) << missing.output;
  Outcome wrong_abi =
      RunCommand(kBinary + " run " + kExample + " --plugin " + CKPTSIM_WRONG_ABI_PLUGIN);
  EXPECT_EQ(wrong_abi.exit_code, 2);
  EXPECT_TRUE(Contains(wrong_abi, "built for plugin ABI version 999")) << wrong_abi.output;

  std::string trusted = ScenarioWith("untrusted", "plugins: [" + kPlugin + "]\n");
  Outcome refused = RunCommand(kBinary + " run " + trusted + " --no-scenario-plugins");
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_TRUE(Contains(refused, trusted + ":1:10: plugins: names plugins, whose code would run"))
      << refused.output;
  // What the user names on the command line is theirs to trust.
  EXPECT_EQ(
      RunCommand(kBinary + " run " + kExample + kWithPlugin + " --no-scenario-plugins").exit_code,
      0);

  std::string listed = ScenarioWith("missing_plugin", "plugins: [nowhere.so]\n");
  Outcome in_file = RunCommand(kBinary + " run " + listed);
  EXPECT_EQ(in_file.exit_code, 2);
  EXPECT_TRUE(Contains(in_file, listed + ":1:11: plugins[0]: no such plugin file"))
      << in_file.output;
  std::string abi = ScenarioWith("wrong_abi_plugin",
                                 "plugins:\n  - " + std::string(CKPTSIM_WRONG_ABI_PLUGIN) + "\n");
  Outcome abi_in_file = RunCommand(kBinary + " explore " + abi);
  EXPECT_EQ(abi_in_file.exit_code, 2);
  EXPECT_TRUE(Contains(abi_in_file, abi + ":2:5: plugins[0]: plugin ")) << abi_in_file.output;
  EXPECT_TRUE(Contains(abi_in_file, "ABI version 999")) << abi_in_file.output;
}

}  // namespace
