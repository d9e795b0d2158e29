// What the command line writes besides its console output: the report store behind --report
// and the interval study's files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "testing/run_command.h"

namespace {

using sim::testing::Outcome;
using sim::testing::RunCommand;

const std::string kBinary = CKPTSIM_BINARY;
const std::string kRunningCount = CKPTSIM_SOURCE_DIR "/scenarios/basic/running_count.yaml";

// --report keeps a history: each run in a directory of its own under the store, `latest` linked
// to the newest, and an index listing every run newest first with its verdict.
TEST(Cli, ReportKeepsEveryRunInTheStore) {
  std::string store = ::testing::TempDir() + "ckptsim-store-" + std::to_string(getpid());
  std::filesystem::remove_all(store);
  Outcome clean = RunCommand(kBinary + " explore " + kRunningCount + " --report " + store);
  Outcome broken = RunCommand(kBinary + " explore " + kRunningCount +
                              " --defect skip-pending-times --report " + store);
  ASSERT_EQ(clean.exit_code, 0) << clean.output;
  ASSERT_EQ(broken.exit_code, 1) << broken.output;
  std::vector<std::string> runs;
  for (const auto& entry : std::filesystem::directory_iterator(store)) {
    if (entry.is_directory() && !entry.is_symlink()) runs.push_back(entry.path().filename());
  }
  std::sort(runs.begin(), runs.end());
  ASSERT_EQ(runs.size(), 2u);
  for (const std::string& run : runs) {
    EXPECT_NE(run.find("-exhaustive"), std::string::npos) << run;
    EXPECT_TRUE(std::filesystem::exists(store + "/" + run + "/results.json")) << run;
    EXPECT_TRUE(std::filesystem::exists(store + "/" + run + "/index.html")) << run;
  }
  EXPECT_EQ(std::filesystem::read_symlink(store + "/latest").string(), runs[1]);
  EXPECT_NE(broken.output.find("report: " + store + "/" + runs[1] +
                               "/index.html (every run: " + store + "/index.html)"),
            std::string::npos)
      << broken.output;
  std::ifstream index_file(store + "/index.html");
  std::string index((std::istreambuf_iterator<char>(index_file)), std::istreambuf_iterator<char>());
  size_t newest = index.find("<a href=\"" + runs[1] + "/index.html\">");
  size_t oldest = index.find("<a href=\"" + runs[0] + "/index.html\">");
  ASSERT_NE(newest, std::string::npos) << index;
  ASSERT_NE(oldest, std::string::npos) << index;
  EXPECT_LT(newest, oldest);
  EXPECT_NE(index.find("class=\"fail\">FAIL"), std::string::npos);
  EXPECT_NE(index.find("class=\"pass\">PASS"), std::string::npos);
  std::filesystem::remove_all(store);
}

TEST(Cli, StudyIntervalWritesItsTableJsonAndPlot) {
  std::string out = ::testing::TempDir() + "ckptsim-study-" + std::to_string(getpid());
  Outcome study = RunCommand(kBinary + " study-interval " + CKPTSIM_SOURCE_DIR +
                             "/scenarios/study/checkpoint_interval.yaml --mtbf-s 100 "
                             "--checkpoint-cost-s 2 --restart-s 2 --intervals 2,4,8 --seeds 1 "
                             "--report " +
                             out);
  ASSERT_EQ(study.exit_code, 0) << study.output;
  EXPECT_NE(study.output.find("| Young, sqrt(2CM) | 20.0 |"), std::string::npos) << study.output;
  std::ifstream json_file(out + "/study.json");
  nlohmann::json json = nlohmann::json::parse(json_file, nullptr, false);
  ASSERT_FALSE(json.is_discarded());
  EXPECT_EQ(json["points"].size(), 3u);
  EXPECT_EQ(json["points"][1]["interval_batches"], 4);
  std::ifstream svg_file(out + "/plot.svg");
  std::string svg((std::istreambuf_iterator<char>(svg_file)), std::istreambuf_iterator<char>());
  size_t circles = 0;
  for (size_t at = svg.find("class=\"point\""); at != std::string::npos;
       at = svg.find("class=\"point\"", at + 1)) {
    ++circles;
  }
  EXPECT_EQ(circles, 3u);
  EXPECT_NE(svg.find("Daly"), std::string::npos);
  std::filesystem::remove_all(out);

  Outcome stateless = RunCommand(kBinary + " study-interval " + kRunningCount);
  EXPECT_EQ(stateless.exit_code, 2) << stateless.output;
  EXPECT_NE(stateless.output.find("cannot study the checkpoint interval: the source must be a log"),
            std::string::npos)
      << stateless.output;
}

}  // namespace

namespace {

// A merge of an exploration's shards says, as the exploration does, that the scenario's
// expect_state assertions were left unjudged (the count travels in the shards' JSON).
TEST(Cli, AMergeSaysItsStateExpectationsWereNotJudged) {
  std::string dir = ::testing::TempDir() + "ckptsim-merge-note-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  std::string scenario =
      CKPTSIM_SOURCE_DIR "/scenarios/spark/checkpointsuite_basic_rdd_checkpoints.yaml";
  std::string merge = kBinary + " merge";
  for (int i = 0; i < 2; ++i) {
    std::string file = dir + "/shard" + std::to_string(i) + ".json";
    RunCommand(kBinary + " explore " + scenario + " --shard " + std::to_string(i) + "/2 --json > " +
               file);
    merge += " " + file;
  }
  Outcome merged = RunCommand(merge);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(merged.exit_code, 0) << merged.output;
  EXPECT_NE(merged.output.find("NOTE: checkpointsuite_basic_rdd_checkpoints: its 5 expect_state "
                               "assertion(s) were not judged"),
            std::string::npos)
      << merged.output;
}

}  // namespace
