#include "reports/report.h"

#include <filesystem>
#include <fstream>

namespace reports {

namespace {

nlohmann::json FailingToJson(const std::vector<sim::FailingTrial>& failing) {
  nlohmann::json list = nlohmann::json::array();
  for (const sim::FailingTrial& f : failing) {
    nlohmann::json entry = {{"scenario", f.scenario},
                            {"token", f.token},
                            {"kind", sim::FailureKindName(f.failure.kind)},
                            {"batch_time_ms", nullptr},
                            {"detail", f.failure.detail},
                            {"replay", f.replay}};
    if (f.failure.batch_time) entry["batch_time_ms"] = f.failure.batch_time->ms;
    list.push_back(entry);
  }
  return list;
}

}  // namespace

nlohmann::json ResultToJson(const sim::ExploreResult& result) {
  nlohmann::json json;
  json["schema_version"] = kSchemaVersion;
  json["strategy"] = sim::StrategyName(result.strategy);
  json["seed"] = result.seed;
  json["trials"] = result.trials;
  json["failures"] = result.failures;
  json["expected_failures"] = result.expected_failures;
  json["crash_points"] = result.crash_points;
  json["crash_states"] = result.crash_states;
  json["crash_states_explored"] = result.crash_states_explored;
  json["elapsed_s"] = result.elapsed_s;
  json["scenarios"] = nlohmann::json::array();
  for (const sim::ScenarioSummary& s : result.scenarios) {
    char digest[17];
    std::snprintf(digest, sizeof digest, "%016llx", static_cast<unsigned long long>(s.digest));
    json["scenarios"].push_back({{"name", s.name},
                                 {"path", s.path},
                                 {"trials", s.trials},
                                 {"failures", s.failures},
                                 {"crash_points", s.crash_points},
                                 {"crash_states", s.crash_states},
                                 {"crash_states_explored", s.crash_states_explored},
                                 {"expected_failures", s.expected_failures},
                                 {"digest", digest}});
  }
  json["failing"] = FailingToJson(result.failing);
  json["expected_failing"] = FailingToJson(result.expected_failing);
  return json;
}

namespace {

std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string RenderHtml(const sim::ExploreResult& result, const std::string& title) {
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + Escape(title) +
      "</title>\n<style>body{font-family:sans-serif;margin:2em;color:#222}"
      "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;"
      "text-align:left}th{background:#f4f4f4}.pass{color:#1a7f37;font-weight:bold}"
      ".fail{color:#cf222e;font-weight:bold}code{background:#f6f8fa;padding:2px 4px}</style>"
      "</head><body>\n<h1>" +
      Escape(title) + "</h1>\n<p>Strategy <b>" + sim::StrategyName(result.strategy) +
      "</b>, seed " + std::to_string(result.seed) + ", " + std::to_string(result.trials) +
      " trials over " + std::to_string(result.crash_points) + " crash points, " +
      std::to_string(result.failures) +
      " failing.</p>\n"
      "<table><tr><th>scenario</th><th>crash points</th><th>trials</th><th>failures</th>"
      "<th>verdict</th></tr>\n";
  for (const sim::ScenarioSummary& s : result.scenarios) {
    bool ok = s.failures == 0;
    html += "<tr><td>" + Escape(s.name) + "</td><td>" + std::to_string(s.crash_points) +
            "</td><td>" + std::to_string(s.trials) + "</td><td>" + std::to_string(s.failures) +
            "</td><td class=\"" + (ok ? "pass\">PASS" : "fail\">FAIL") + "</td></tr>\n";
  }
  html += "</table>\n";
  if (!result.failing.empty()) {
    html +=
        "<h2>Failing trials</h2>\n<table><tr><th>scenario</th><th>kind</th><th>batch</th>"
        "<th>detail</th><th>replay</th></tr>\n";
    for (const sim::FailingTrial& f : result.failing) {
      html += "<tr><td>" + Escape(f.scenario) + "</td><td>" + sim::FailureKindName(f.failure.kind) +
              "</td><td>" +
              (f.failure.batch_time ? std::to_string(f.failure.batch_time->ms) : "-") +
              "</td><td>" + Escape(f.failure.detail) + "</td><td><code>" + Escape(f.replay) +
              "</code></td></tr>\n";
    }
    html += "</table>\n";
  }
  return html + "</body></html>\n";
}

ckpt::Status WriteReport(const std::string& dir, const sim::ExploreResult& result,
                         const std::string& title) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return ckpt::Status::IoError("cannot create report directory " + dir + ": " + ec.message());
  std::ofstream json(dir + "/results.json");
  json << ResultToJson(result).dump(2) << "\n";
  std::ofstream html(dir + "/index.html");
  html << RenderHtml(result, title);
  if (!json || !html) return ckpt::Status::IoError("cannot write the report in " + dir);
  return ckpt::Status::Ok();
}

}  // namespace reports
