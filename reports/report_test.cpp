// The report writers: the HTML page is self-contained and escapes what it shows; WriteReport
// leaves both files in place.
#include "reports/report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "reports/console.h"
#include "testing/bundled_scenario.h"

namespace reports {
namespace {

sim::ExploreResult SampleResult() {
  sim::ExploreResult result;
  result.trials = 3;
  result.failures = 1;
  result.crash_points = 3;
  sim::ScenarioSummary summary;
  summary.name = "demo<1>";
  summary.path = "s.yaml";
  summary.trials = 3;
  summary.failures = 1;
  summary.crash_points = 3;
  summary.digest = 0xabc;
  result.scenarios.push_back(summary);
  sim::FailingTrial failing;
  failing.scenario = "demo<1>";
  failing.scenario_path = "s.yaml";
  failing.token = "c1+0";
  failing.failure =
      sim::Failure{sim::FailureKind::kLostBatch, ckpt::Time{1500}, "batch \"1500\" & more"};
  failing.replay = "build/ckptsim replay s.yaml --token c1+0";
  failing.order = {1, 0, 1, 0};
  result.failing.push_back(failing);
  return result;
}

TEST(Report, HtmlIsSelfContainedAndEscaped) {
  std::string html = RenderHtml(SampleResult(), "t");
  EXPECT_NE(html.find("demo&lt;1&gt;"), std::string::npos);
  EXPECT_NE(html.find("batch &quot;1500&quot; &amp; more"), std::string::npos);
  EXPECT_NE(html.find("lost_batch"), std::string::npos);
  EXPECT_NE(html.find("class=\"fail\">FAIL"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
}

TEST(Report, JsonCarriesTheContractFields) {
  nlohmann::json json = ResultToJson(SampleResult());
  EXPECT_EQ(json["schema_version"], kSchemaVersion);
  EXPECT_EQ(json["failing"][0]["batch_time_ms"], 1500);
  EXPECT_EQ(json["failing"][0]["kind"], "lost_batch");
  EXPECT_EQ(json["scenarios"][0]["digest"], "0000000000000abc");
}

// Known-weakness counts per weakness survive the JSON round trip (merging shards reads them).
TEST(Report, KnownWeaknessCountsPerWeaknessRoundTrip) {
  sim::ExploreResult result = SampleResult();
  result.known_weaknesses = 5;
  result.known_weaknesses_by_name = {{"SPARK-19280 family", 3}, {"stale block log", 2}};
  nlohmann::json json = ResultToJson(result);
  EXPECT_EQ(json["known_weaknesses_by_name"]["SPARK-19280 family"], 3);
  ckpt::Result<sim::ExploreResult> back = ResultFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back.value().known_weaknesses_by_name, result.known_weaknesses_by_name);
}

// Found by fuzz/merge_json_fuzz: a shard file with a float (or a negative number) where a count
// belongs is refused; reading 1.1e120 into a count was undefined behaviour.
TEST(Report, ANumberThatIsNoCountIsRefused) {
  for (const char* bad : {"1.11111e+120", "-3", "2.5"}) {
    nlohmann::json json = nlohmann::json::parse(ResultToJson(SampleResult()).dump());
    json["trials"] = nlohmann::json::parse(bad);
    ckpt::Result<sim::ExploreResult> read = ResultFromJson(json);
    ASSERT_FALSE(read.ok()) << bad;
    EXPECT_NE(read.status().message().find("where a count, a time or a seed belongs"),
              std::string::npos)
        << read.status().message();
  }
  nlohmann::json json = ResultToJson(SampleResult());
  json["elapsed_s"] = -1.0;
  EXPECT_FALSE(ResultFromJson(json).ok());
  EXPECT_TRUE(ResultFromJson(nlohmann::json::parse(ResultToJson(SampleResult()).dump())).ok());
}

TEST(Console, DurationsInHumanUnits) {
  EXPECT_EQ(HumanDuration(0), "0 s");
  EXPECT_EQ(HumanDuration(59.4), "59 s");
  EXPECT_EQ(HumanDuration(185), "3 min 5 s");
  EXPECT_EQ(HumanDuration(8040), "2 h 14 min");
  EXPECT_EQ(HumanDuration(21135215), "244 d 14 h");
  EXPECT_EQ(HumanDuration(-1), "?");
  EXPECT_EQ(HumanDuration(std::nan("")), "?");
}

TEST(Report, WritesBothFiles) {
  std::string dir = (std::filesystem::temp_directory_path() / "ckptsim_report_test").string();
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(WriteReport(dir, SampleResult(), "t").ok());
  std::ifstream json_file(dir + "/results.json");
  std::stringstream text;
  text << json_file.rdbuf();
  EXPECT_EQ(nlohmann::json::parse(text.str())["failures"], 1);
  EXPECT_TRUE(std::filesystem::exists(dir + "/index.html"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace reports

namespace reports {
namespace {

// The timeline of a real failing trial: its lost batch, the crash, the restart with the file
// recovery read, and the divergence, in SVG and in the page.
TEST(Timeline, DrawsTheLostBatchCrashRestartAndDivergence) {
  sim::Scenario scenario = sim::testing::LoadBundled("basic/running_count");
  sim::RunOptions options;
  options.defects.add(ckpt::Defect::kSkipPendingTimes);
  sim::FailingTrial failing;
  failing.scenario = "running_count";
  failing.token = "c142+0";
  failing.failure = sim::Failure{sim::FailureKind::kLostBatch, ckpt::Time{3000}, "lost"};
  ckpt::Result<sim::Timeline> timeline = sim::BuildTimeline(scenario, failing, options);
  ASSERT_TRUE(timeline.ok()) << timeline.status().to_string();
  const sim::Timeline& t = timeline.value();
  ASSERT_EQ(t.processes.size(), 2u);
  EXPECT_EQ(t.processes[1].recovered_from, "/checkpoint/checkpoint-3500");
  ASSERT_EQ(t.batches.size(), 24u);
  EXPECT_EQ(t.batches[5].outcome, sim::BatchOutcome::kLost);  // batch 3000
  EXPECT_EQ(t.batches[6].outcome, sim::BatchOutcome::kCompleted);

  std::string svg = RenderTimelineSvg(t);
  EXPECT_NE(svg.find("<rect class=\"batch lost\""), std::string::npos);
  EXPECT_NE(svg.find("batch 3000 ms: lost (counts never emitted)"), std::string::npos);
  EXPECT_NE(svg.find("<line class=\"crash\""), std::string::npos);
  EXPECT_NE(svg.find("\u2715 crash #0 at 3500 ms"), std::string::npos);
  EXPECT_NE(svg.find("restart #1 \u2190 /checkpoint/checkpoint-3500"), std::string::npos);
  EXPECT_NE(svg.find("first divergence: batch 3000 ms (lost_batch)"), std::string::npos);
  for (const char* lane :
       {"timer &amp; job generator", "jobs", "checkpoint writer", "filesystem"}) {
    EXPECT_NE(svg.find(std::string(">") + lane + "</text>"), std::string::npos) << lane;
  }
  std::string html = RenderHtml(SampleResult(), "t", {t});
  EXPECT_NE(html.find("<svg class=\"timeline\""), std::string::npos);
  EXPECT_NE(html.find("pending [3000, 3500], rescheduled [3500]"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);  // self-contained, no scripts
}

// WARN and expected failures have sections of their own, with counts and one drawn trial each;
// a scenario with known weaknesses never reads PASS.
TEST(Timeline, KnownWeaknessesAndExpectedFailuresGetASectionAndATimeline) {
  sim::Scenario scenario = sim::testing::LoadBundled("basic/running_count");
  sim::FailingTrial failing;
  failing.scenario = "running_count";
  failing.token = "c142+0";
  failing.failure = sim::Failure{sim::FailureKind::kLostBatch, ckpt::Time{3000}, "stale"};
  sim::RunOptions options;
  sim::Timeline weakness = sim::BuildTimeline(scenario, failing, options).value();
  weakness.filed_as = sim::FiledAs::kKnownWeakness;
  sim::Timeline expected = weakness;
  expected.filed_as = sim::FiledAs::kExpectedFailure;
  sim::ExploreResult result = SampleResult();
  result.failures = 0;
  result.failing.clear();
  result.scenarios[0].failures = 0;
  result.scenarios[0].known_weaknesses = result.known_weaknesses = 7;
  result.scenarios[0].expected_failures = result.expected_failures = 4;
  result.known_weaknesses_by_name = {{"SPARK-19280 family", 7}};
  std::string html = RenderHtml(result, "t", {weakness, expected});
  EXPECT_NE(html.find("Known weaknesses (WARN)"), std::string::npos);
  EXPECT_NE(html.find("<td>SPARK-19280 family</td><td>7</td>"), std::string::npos);
  EXPECT_NE(html.find("Expected failures (unsafe configurations shown)"), std::string::npos);
  EXPECT_NE(html.find("<td>demo&lt;1&gt;</td><td>4</td>"), std::string::npos);
  EXPECT_EQ(html.find("Timelines of failing trials"), std::string::npos);
  size_t drawn = 0;
  for (size_t at = html.find("<svg class=\"timeline\""); at != std::string::npos;
       at = html.find("<svg class=\"timeline\"", at + 1)) {
    ++drawn;
  }
  EXPECT_EQ(drawn, 2u);
  EXPECT_NE(html.find("class=\"warn\">WARN (7 known-weakness trials)"), std::string::npos);
  EXPECT_EQ(html.find(">PASS<"), std::string::npos);
}

}  // namespace
}  // namespace reports
