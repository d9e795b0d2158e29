// The report writers: the HTML page is self-contained and escapes what it shows; WriteReport
// leaves both files in place.
#include "reports/report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
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

// Identical failures (scenario, kind, batch, detail) share a row with their count; the first
// one's replay is shown and the others' tokens are folded away.
TEST(Report, IdenticalFailuresAreGroupedWithTheirCount) {
  sim::ExploreResult result = SampleResult();
  sim::FailingTrial twin = result.failing.front();
  for (const char* token : {"c2+0", "c3+0"}) {
    twin.token = token;
    result.failing.push_back(twin);
  }
  sim::FailingTrial other = twin;
  other.token = "c9+0";
  other.failure.batch_time = ckpt::Time{2000};
  result.failing.push_back(other);
  std::string html = RenderHtml(result, "t");
  EXPECT_NE(html.find("4 failing trials in 2 groups"), std::string::npos) << html;
  EXPECT_NE(html.find("<td class=\"count\">3</td>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"count\">1</td>"), std::string::npos);
  EXPECT_NE(html.find("<summary>the other 2 tokens</summary><code>c2+0 c3+0 </code>"),
            std::string::npos);
  EXPECT_EQ(html.find("--token c2+0"), std::string::npos);  // only the first one's replay
}

// Recovery times: the 1-2-5 buckets, a quantile's bound, the JSON round trip, and the chart;
// buckets off the series or that do not add up are refused.
TEST(Report, RecoveryTimesAreBucketedChartedAndRoundTrip) {
  EXPECT_EQ(sim::RecoveryTimes::BucketBound(0), 1);
  EXPECT_EQ(sim::RecoveryTimes::BucketBound(3), 5);
  EXPECT_EQ(sim::RecoveryTimes::BucketBound(500), 500);
  EXPECT_EQ(sim::RecoveryTimes::BucketBound(501), 1000);
  EXPECT_EQ(sim::RecoveryTimes::BucketBound(std::numeric_limits<int64_t>::max()),
            std::numeric_limits<int64_t>::max());
  sim::ExploreResult result = SampleResult();
  sim::RecoveryTimes& r = result.scenarios[0].recovery;
  for (int64_t ms : {40, 90, 100, 1500}) r.add_recovery(ms);
  ++r.restarts;
  ++r.never;
  result.recovery = r;
  EXPECT_EQ(r.quantile_bound_ms(0.5), 100);
  EXPECT_EQ(r.quantile_bound_ms(1.0), 2000);
  nlohmann::json json = ResultToJson(result);
  EXPECT_EQ(json["scenarios"][0]["recovery_ms"]["restarts"], 5);
  EXPECT_EQ(json["scenarios"][0]["recovery_ms"]["buckets"][0],
            nlohmann::json({{"at_most_ms", 50}, {"count", 1}}));
  ckpt::Result<sim::ExploreResult> back = ResultFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back.value().scenarios[0].recovery.at_most_ms, r.at_most_ms);
  EXPECT_EQ(back.value().scenarios[0].recovery.never, 1u);

  std::string html = RenderHtml(result, "t");
  EXPECT_NE(html.find("<h2>Recovery time</h2>"), std::string::npos);
  EXPECT_NE(
      html.find("<td>5</td><td>\u2264 100 ms</td><td>\u2264 2 s</td><td>1.5 s</td><td>1</td>"),
      std::string::npos)
      << html;
  EXPECT_NE(html.find("<rect class=\"bar never\""), std::string::npos);

  nlohmann::json off_series = json;
  off_series["scenarios"][0]["recovery_ms"]["buckets"][0]["at_most_ms"] = 60;
  EXPECT_FALSE(ResultFromJson(off_series).ok());
  nlohmann::json not_adding_up = json;
  not_adding_up["scenarios"][0]["recovery_ms"]["restarts"] = 9;
  EXPECT_FALSE(ResultFromJson(not_adding_up).ok());
}

// A process is labelled by how it began: a fresh start, or the file its recovery read (the
// first process too, when the directory held a checkpoint).
TEST(Timeline, LabelsFreshStartsAndRecoveries) {
  sim::Timeline t;
  t.end = ckpt::Time{4000};
  t.batch_duration = ckpt::Duration{1000};
  t.processes = {{0, ckpt::Time{0}, ckpt::Time{1500}, "/ckpt/checkpoint-1000"},
                 {1, ckpt::Time{1500}, std::nullopt, ""}};
  std::string svg = RenderTimelineSvg(t);
  EXPECT_NE(svg.find(">#0 recovered from checkpoint-1000</text>"), std::string::npos) << svg;
  EXPECT_NE(svg.find(">#1 fresh start</text>"), std::string::npos);
  t.processes[1].recovered_from = "/ckpt/offsets/5";  // a structured query's latest plan
  EXPECT_NE(RenderTimelineSvg(t).find(">#1 recovered from offsets/5</text>"), std::string::npos);
}

// The store's index lists only the run directories in it (not `latest`, nor links leading out of
// the store), newest first; a run whose results.json is not a result gets a row that says so.
TEST(ReportStore, TheIndexListsRunsNewestFirstAndSurvivesABrokenOne) {
  namespace fs = std::filesystem;
  fs::path store = fs::temp_directory_path() / "ckptsim_store_test";
  fs::remove_all(store);
  ckpt::Result<std::string> first = WriteReportToStore(store.string(), 0, SampleResult(), "t");
  ckpt::Result<std::string> second = WriteReportToStore(store.string(), 0, SampleResult(), "t");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(fs::path(first.value()).filename(), "19700101-000000-exhaustive");
  EXPECT_EQ(fs::path(second.value()).filename(), "19700101-000000-exhaustive-02");
  EXPECT_EQ(fs::read_symlink(store / "latest"), "19700101-000000-exhaustive-02");
  fs::create_directories(store / "20000101-000000-random");
  std::ofstream(store / "20000101-000000-random" / "results.json") << "{not json";
  fs::create_directory_symlink(fs::temp_directory_path(), store / "zz-elsewhere");
  std::string index = RenderStoreIndex(store.string());
  EXPECT_NE(index.find("3 runs in this store"), std::string::npos) << index;
  size_t broken = index.find(">20000101-000000-random</a></td><td colspan=\"5\">not JSON");
  size_t newest = index.find(">19700101-000000-exhaustive-02</a>");
  size_t oldest = index.find(">19700101-000000-exhaustive</a>");
  ASSERT_NE(broken, std::string::npos) << index;
  EXPECT_LT(broken, newest);
  EXPECT_LT(newest, oldest);
  EXPECT_EQ(index.find("zz-elsewhere"), std::string::npos);
  EXPECT_EQ(index.find(">latest</a></td>"), std::string::npos);
  fs::remove_all(store);
}

// More than nine runs in one second still list newest first (a suffix -10 sorted before -2).
TEST(ReportStore, RunsOfOneSecondListInTheOrderTheyRan) {
  namespace fs = std::filesystem;
  fs::path store = fs::temp_directory_path() / "ckptsim_store_order_test";
  fs::remove_all(store);
  for (int run = 0; run < 11; ++run) {
    ASSERT_TRUE(WriteReportToStore(store.string(), 0, SampleResult(), "t").ok());
  }
  EXPECT_EQ(fs::read_symlink(store / "latest"), "19700101-000000-exhaustive-11");
  std::string index = RenderStoreIndex(store.string());
  size_t previous = 0;
  for (const char* suffix : {"-11", "-10", "-09", "-02", ""}) {
    size_t at = index.find(">19700101-000000-exhaustive" + std::string(suffix) + "</a>");
    ASSERT_NE(at, std::string::npos) << suffix;
    EXPECT_GT(at, previous) << suffix;
    previous = at;
  }
  fs::remove_all(store);
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
  EXPECT_NE(svg.find(">#0 fresh start</text>"), std::string::npos);
  EXPECT_NE(svg.find(">#1 recovered from checkpoint-3500</text>"), std::string::npos);
  // The axis: ticks of virtual time every 2 s over the 12.25 s drawn, and each batch's time.
  for (const char* tick : {">0 ms</text>", ">2 s</text>", ">12 s</text>"}) {
    EXPECT_NE(svg.find(tick), std::string::npos) << tick;
  }
  EXPECT_EQ(svg.find(">14 s</text>"), std::string::npos);
  EXPECT_NE(svg.find("text-anchor=\"middle\">3000</text>"), std::string::npos);
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

// A structured query's timeline: its batches by id with the processes that delivered each, and
// the plan (offsets/L) its restarted process recovered from; the header names its defect. (Its
// restart re-runs batch 0 and fails renaming the delta the crashed process had renamed.)
TEST(Timeline, AStructuredQuerysBatchesAreItsDeliveries) {
  sim::Scenario scenario = sim::testing::LoadBundled("structured/kafka_aggregation_update");
  sim::RunOptions options;
  options.structured_defects.add(ckpt::structured::Defect::kDeltaRenameFailsIfExists);
  sim::FailingTrial failing;
  failing.scenario = scenario.name;
  failing.token = "c24+300";
  failing.failure = sim::Failure{sim::FailureKind::kRecoveryError, std::nullopt, "rename"};
  ckpt::Result<sim::Timeline> timeline = sim::BuildTimeline(scenario, failing, options);
  ASSERT_TRUE(timeline.ok()) << timeline.status().to_string();
  const sim::Timeline& t = timeline.value();
  ASSERT_EQ(t.processes.size(), 2u);
  EXPECT_TRUE(t.processes[1].recovered_from.starts_with("/checkpoint/offsets/"))
      << t.processes[1].recovered_from;
  ASSERT_FALSE(t.batches.empty());  // the restart failed: batch 0 never reached the sink
  EXPECT_EQ(t.batches[0].detail, "batch 0 never delivered");
  EXPECT_EQ(t.batches[0].outcome, sim::BatchOutcome::kLost);
  std::string svg = RenderTimelineSvg(t);
  EXPECT_NE(svg.find("recovered from offsets/"), std::string::npos) << svg.substr(0, 3000);

  sim::ExploreOptions explore;
  explore.run = options;
  EXPECT_NE(Header(sim::ExploreResult{}, explore).find("defects: delta-rename-fails-if-exists"),
            std::string::npos);
}

}  // namespace
}  // namespace reports
