// The HTML report (report.h, RenderHtml and WriteReport): one self-contained page per run.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <tuple>

#include "reports/console.h"
#include "reports/report.h"

namespace reports {

namespace {

// One drawn trial: its timeline, failure, first divergence, processes and replay command.
std::string TimelineSection(const sim::Timeline& t) {
  std::string html =
      "<section class=\"trial\"><h3>" + EscapeXml(t.scenario) + " [" +
      sim::FailureKindName(t.failure.kind) + "] <code>" + EscapeXml(t.token) + "</code></h3>\n" +
      RenderTimelineSvg(t) + "<pre>" + EscapeXml(t.failure.detail) + "\n\nfirst divergence: " +
      (t.divergence.batch_time ? "batch " + std::to_string(t.divergence.batch_time->ms) + " ms"
                               : std::string("not about one batch")) +
      "\n";
  for (const std::string& line : t.divergence.outputs) html += "  " + EscapeXml(line) + "\n";
  html += "processes:\n";
  for (const std::string& line : t.divergence.incarnations) html += "  " + EscapeXml(line) + "\n";
  return html + "</pre><p>replay: <code>" + EscapeXml(t.replay) + "</code></p></section>\n";
}

const sim::Timeline* DrawnAs(const std::vector<sim::Timeline>& timelines, sim::FiledAs filed_as) {
  auto it = std::find_if(timelines.begin(), timelines.end(),
                         [filed_as](const sim::Timeline& t) { return t.filed_as == filed_as; });
  return it == timelines.end() ? nullptr : &*it;
}

// WARN: the count per weakness, and one of its trials drawn.
std::string KnownWeaknessSection(const sim::ExploreResult& result,
                                 const std::vector<sim::Timeline>& timelines) {
  if (result.known_weaknesses == 0) return "";
  std::string html =
      "<h2 class=\"warn\">Known weaknesses (WARN)</h2>\n<p>" +
      std::to_string(result.known_weaknesses) +
      " trials hit a known weakness of the modelled protocol (docs/findings.md); each passed when "
      "re-run with its weakness's fix (<code>ckptsim weaknesses</code>; <code>--strict</code> "
      "fails the run on them).</p>\n<table><tr><th>weakness</th><th>trials</th></tr>\n";
  for (const auto& [name, count] : result.known_weaknesses_by_name) {
    html += "<tr><td>" + EscapeXml(name) + "</td><td>" + std::to_string(count) + "</td></tr>\n";
  }
  html += "</table>\n";
  if (const sim::Timeline* t = DrawnAs(timelines, sim::FiledAs::kKnownWeakness)) {
    html += "<p>One of them:</p>\n" + TimelineSection(*t);
  }
  return html;
}

// Expected failures: the unsafe configurations a scenario documents, per scenario, one drawn.
std::string ExpectedFailureSection(const sim::ExploreResult& result,
                                   const std::vector<sim::Timeline>& timelines) {
  if (result.expected_failures == 0) return "";
  std::string html =
      "<h2>Expected failures (unsafe configurations shown)</h2>\n<p>" +
      std::to_string(result.expected_failures) +
      " trials failed the way their scenario documents (<code>expect_failures</code>): the "
      "scenario shows an unsafe configuration failing.</p>\n<table><tr><th>scenario</th>"
      "<th>trials</th></tr>\n";
  for (const sim::ScenarioSummary& s : result.scenarios) {
    if (s.expected_failures == 0) continue;
    html += "<tr><td>" + EscapeXml(s.name) + "</td><td>" + std::to_string(s.expected_failures) +
            "</td></tr>\n";
  }
  html += "</table>\n";
  if (const sim::Timeline* t = DrawnAs(timelines, sim::FiledAs::kExpectedFailure)) {
    html += "<p>One of them:</p>\n" + TimelineSection(*t);
  }
  return html;
}

// The failing trials, identical ones (same scenario, kind, batch and detail) in one row with
// their count, the first one's replay command, and the others' tokens folded away.
std::string FailingTrialsSection(const sim::ExploreResult& result) {
  if (result.failing.empty()) return "";
  using Key = std::tuple<std::string, sim::FailureKind, std::optional<int64_t>, std::string>;
  std::vector<std::pair<Key, std::vector<const sim::FailingTrial*>>> groups;
  std::map<Key, size_t> group_of;
  for (const sim::FailingTrial& f : result.failing) {
    Key key{f.scenario, f.failure.kind,
            f.failure.batch_time ? std::optional<int64_t>(f.failure.batch_time->ms) : std::nullopt,
            f.failure.detail};
    auto [it, added] = group_of.try_emplace(key, groups.size());
    if (added) groups.push_back({key, {}});
    groups[it->second].second.push_back(&f);
  }
  constexpr size_t kTokensListed = 100;
  std::string html = "<h2>Failing trials</h2>\n<p>" + std::to_string(result.failing.size()) +
                     " failing trials in " + std::to_string(groups.size()) +
                     " groups of identical failures (same scenario, kind, batch and detail).</p>\n"
                     "<table class=\"failing\"><tr><th>scenario</th><th>kind</th><th>batch</th>"
                     "<th>trials</th><th>detail</th><th>replay (the first)</th></tr>\n";
  for (const auto& [key, trials] : groups) {
    const sim::FailingTrial& first = *trials.front();
    html += "<tr class=\"group\"><td>" + EscapeXml(first.scenario) + "</td><td>" +
            sim::FailureKindName(first.failure.kind) + "</td><td>" +
            (first.failure.batch_time ? std::to_string(first.failure.batch_time->ms) : "-") +
            "</td><td class=\"count\">" + std::to_string(trials.size()) + "</td><td>" +
            EscapeXml(first.failure.detail);
    if (trials.size() > 1) {
      html += "<details><summary>the other " + std::to_string(trials.size() - 1) +
              " tokens</summary><code>";
      for (size_t i = 1; i < trials.size() && i <= kTokensListed; ++i) {
        html += EscapeXml(trials[i]->token) + " ";
      }
      if (trials.size() - 1 > kTokensListed) {
        html += "\u2026 and " + std::to_string(trials.size() - 1 - kTokensListed) + " more";
      }
      html += "</code></details>";
    }
    html += "</td><td><code>" + EscapeXml(first.replay) + "</code></td></tr>\n";
  }
  return html + "</table>\n";
}

// One scenario's recovery times as a bar chart: a bar per 1-2-5 bucket that holds any, and one
// for the restarts after which no batch completed.
std::string RecoverySvg(const sim::RecoveryTimes& times) {
  constexpr double kBarWidth = 44, kBarGap = 6, kChartHeight = 90, kLeftPad = 8;
  std::vector<std::pair<std::string, uint64_t>> bars;
  for (const auto& [bound, count] : times.at_most_ms) {
    bars.push_back({"\u2264 " + FormatDurationMs(bound), count});
  }
  if (times.never > 0) bars.push_back({"never", times.never});
  uint64_t tallest = 1;
  for (const auto& bar : bars) tallest = std::max(tallest, bar.second);
  double width = kLeftPad * 2 + static_cast<double>(bars.size()) * (kBarWidth + kBarGap);
  std::string svg = "<svg class=\"recovery\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    FormatFixed(width, 0) + "\" height=\"" + FormatFixed(kChartHeight + 34, 0) +
                    "\" font-family=\"sans-serif\" font-size=\"10\">\n";
  for (size_t i = 0; i < bars.size(); ++i) {
    double h = static_cast<double>(bars[i].second) / static_cast<double>(tallest) * kChartHeight;
    double x = kLeftPad + static_cast<double>(i) * (kBarWidth + kBarGap);
    svg += "<rect class=\"bar" + std::string(bars[i].first == "never" ? " never" : "") + "\" x=\"" +
           FormatFixed(x, 1) + "\" y=\"" + FormatFixed(12 + kChartHeight - h, 1) + "\" width=\"" +
           FormatFixed(kBarWidth, 1) + "\" height=\"" + FormatFixed(std::max(h, 1.0), 1) +
           "\" fill=\"" + (bars[i].first == "never" ? "#cf222e" : "#0969da") + "\"><title>" +
           EscapeXml(std::to_string(bars[i].second) + " restarts: " + bars[i].first) +
           "</title></rect>\n<text x=\"" + FormatFixed(x + kBarWidth / 2, 1) + "\" y=\"" +
           FormatFixed(10 + kChartHeight - h, 1) + "\" text-anchor=\"middle\">" +
           std::to_string(bars[i].second) + "</text>\n<text x=\"" +
           FormatFixed(x + kBarWidth / 2, 1) + "\" y=\"" + FormatFixed(kChartHeight + 26, 1) +
           "\" text-anchor=\"middle\">" + EscapeXml(bars[i].first) + "</text>\n";
  }
  return svg + "</svg>\n";
}

// Per scenario: how long recovery took, from each crash to the first batch completed after the
// restart (virtual time), as figures and a chart.
std::string RecoverySection(const sim::ExploreResult& result) {
  if (result.recovery.restarts == 0) return "";
  std::string html =
      "<h2>Recovery time</h2>\n<p>From each crash to the first batch completed after the "
      "restart, in virtual time, over every trial (bucketed: \u2264 the bound shown).</p>\n"
      "<table class=\"recovery\"><tr><th>scenario</th><th>restarts</th><th>median</th>"
      "<th>90th percentile</th><th>max</th><th>never recovered</th><th>distribution</th></tr>\n";
  for (const sim::ScenarioSummary& s : result.scenarios) {
    const sim::RecoveryTimes& r = s.recovery;
    if (r.restarts == 0) continue;
    auto bound = [&r](double q) {
      return r.recovered() ? "\u2264 " + FormatDurationMs(r.quantile_bound_ms(q)) : "-";
    };
    html += "<tr><td>" + EscapeXml(s.name) + "</td><td>" + std::to_string(r.restarts) +
            "</td><td>" + bound(0.5) + "</td><td>" + bound(0.9) + "</td><td>" +
            (r.recovered() ? FormatDurationMs(r.max_ms) : "-") + "</td><td>" +
            std::to_string(r.never) + "</td><td>" + RecoverySvg(r) + "</td></tr>\n";
  }
  return html + "</table>\n";
}

}  // namespace

const char* VerdictClass(const sim::TrialCounts& counts) {
  if (counts.failures) return "fail";
  return Verdict(counts).rfind("PASS", 0) == 0 ? "pass" : "warn";
}

std::string RenderHtml(const sim::ExploreResult& result, const std::string& title,
                       const std::vector<sim::Timeline>& timelines) {
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" +
      EscapeXml(title) +
      "</title>\n<style>body{font-family:sans-serif;margin:2em;color:#222}"
      "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;"
      "text-align:left}th{background:#f4f4f4}pre{white-space:pre-wrap}.pass{color:#1a7f37;font-"
      "weight:bold}"
      ".fail{color:#cf222e;font-weight:bold}.warn{color:#9a6700;font-weight:bold}code{background:#"
      "f6f8fa;padding:2px 4px}</style>"
      "</head><body>\n<h1>" +
      EscapeXml(title) + "</h1>\n<p>Strategy <b>" + sim::StrategyName(result.strategy) +
      "</b>, seed " + std::to_string(result.seed) + ", " + std::to_string(result.trials) +
      " trials over " + std::to_string(result.crash_points) + " crash points, " +
      std::to_string(result.failures) + " failing: <b>" + EscapeXml(Verdict(result)) +
      "</b>.</p>\n"
      "<table><tr><th>scenario</th><th>crash points</th><th>trials</th><th>failures</th>"
      "<th>verdict</th></tr>\n";
  for (const sim::ScenarioSummary& s : result.scenarios) {
    html += "<tr><td>" + EscapeXml(s.name) + "</td><td>" + std::to_string(s.crash_points) +
            "</td><td>" + std::to_string(s.trials) + "</td><td>" + std::to_string(s.failures) +
            "</td><td class=\"" + VerdictClass(s) + "\">" + EscapeXml(Verdict(s)) + "</td></tr>\n";
  }
  html += "</table>\n";
  size_t failing_drawn = std::count_if(timelines.begin(), timelines.end(), [](const auto& t) {
    return t.filed_as == sim::FiledAs::kFailure;
  });
  if (failing_drawn > 0) {
    html += "<h2>Timelines of failing trials</h2>\n<p>" + std::to_string(failing_drawn) + " of " +
            std::to_string(result.failing.size()) +
            " failing trials drawn (the first of each scenario and kind). Hover a mark for its "
            "step.</p>\n";
  }
  for (const sim::Timeline& t : timelines) {
    if (t.filed_as == sim::FiledAs::kFailure) html += TimelineSection(t);
  }
  html += KnownWeaknessSection(result, timelines) + ExpectedFailureSection(result, timelines);
  return html + FailingTrialsSection(result) + RecoverySection(result) + "</body></html>\n";
}

ckpt::Status WriteReport(const std::string& dir, const sim::ExploreResult& result,
                         const std::string& title, const std::vector<sim::Timeline>& timelines) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return ckpt::Status::IoError("cannot create report directory " + dir + ": " + ec.message());
  std::ofstream json(dir + "/results.json");
  json << ResultToJson(result).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
       << "\n";
  std::ofstream html(dir + "/index.html");
  html << RenderHtml(result, title, timelines);
  if (!json || !html) return ckpt::Status::IoError("cannot write the report in " + dir);
  return ckpt::Status::Ok();
}

}  // namespace reports
