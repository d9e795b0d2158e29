#include "reports/report.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "reports/console.h"

namespace reports {

std::string FormatFixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::string EscapeXml(const std::string& text) {
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
        // XML 1.0 allows no control characters but tab and newline.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\n' || c == '\t') out += c;
    }
  }
  return out;
}

namespace {

nlohmann::json FailingToJson(const std::vector<sim::FailingTrial>& failing) {
  nlohmann::json list = nlohmann::json::array();
  for (const sim::FailingTrial& f : failing) {
    nlohmann::json entry = {
        {"scenario", f.scenario},   {"scenario_path", f.scenario_path},
        {"token", f.token},         {"kind", sim::FailureKindName(f.failure.kind)},
        {"batch_time_ms", nullptr}, {"detail", f.failure.detail},
        {"replay", f.replay},       {"order", f.order}};
    if (f.failure.batch_time) entry["batch_time_ms"] = f.failure.batch_time->ms;
    list.push_back(entry);
  }
  return list;
}

std::string Hex(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

ckpt::Result<std::vector<sim::FailingTrial>> FailingFromJson(const nlohmann::json& list) {
  std::vector<sim::FailingTrial> failing;
  for (const nlohmann::json& entry : list) {
    sim::FailingTrial f;
    f.scenario = entry.at("scenario").get<std::string>();
    f.scenario_path = entry.value("scenario_path", "");
    f.token = entry.at("token").get<std::string>();
    ckpt::Result<sim::FailureKind> kind =
        sim::ParseFailureKind(entry.at("kind").get<std::string>());
    if (!kind.ok()) return kind.status();
    f.failure.kind = kind.value();
    if (!entry.at("batch_time_ms").is_null()) {
      f.failure.batch_time = ckpt::Time{entry.at("batch_time_ms").get<int64_t>()};
    }
    f.failure.detail = entry.at("detail").get<std::string>();
    f.replay = entry.at("replay").get<std::string>();
    f.order = entry.at("order").get<std::vector<uint64_t>>();
    failing.push_back(std::move(f));
  }
  return failing;
}

ckpt::Result<sim::Strategy> ParseStrategy(const std::string& name) {
  for (sim::Strategy strategy : {sim::Strategy::kExhaustive, sim::Strategy::kRandom,
                                 sim::Strategy::kRun, sim::Strategy::kCrashReal}) {
    if (name == sim::StrategyName(strategy)) return strategy;
  }
  return ckpt::Status::InvalidArgument("unknown strategy '" + name + "'");
}

// The counts' JSON keys, at the top of a result and of each scenario; the cost ones go in a
// "cost" object.
using CountField = uint64_t sim::TrialCounts::*;
constexpr std::pair<const char*, CountField> kCountKeys[] = {
    {"trials", &sim::TrialCounts::trials},
    {"failures", &sim::TrialCounts::failures},
    {"expected_failures", &sim::TrialCounts::expected_failures},
    {"known_weaknesses", &sim::TrialCounts::known_weaknesses},
    {"determinism_checked", &sim::TrialCounts::determinism_checked},
    {"determinism_mismatches", &sim::TrialCounts::determinism_mismatches},
    {"crash_states", &sim::TrialCounts::crash_states},
    {"crash_states_explored", &sim::TrialCounts::crash_states_explored}};
constexpr std::pair<const char*, CountField> kCostKeys[] = {
    {"trials_pruned", &sim::TrialCounts::trials_pruned},
    {"steps_run", &sim::TrialCounts::steps_run},
    {"steps_unpruned", &sim::TrialCounts::steps_unpruned},
    {"weakness_reruns", &sim::TrialCounts::weakness_reruns},
    {"weakness_rerun_steps", &sim::TrialCounts::weakness_rerun_steps}};

void CountsToJson(const sim::TrialCounts& counts, nlohmann::json& json) {
  for (auto [key, field] : kCountKeys) json[key] = counts.*field;
  for (auto [key, field] : kCostKeys) json["cost"][key] = counts.*field;
  json["known_weaknesses_by_name"] = counts.known_weaknesses_by_name;
  json["units_planned"] = counts.units_planned;
  json["units_explored"] = counts.units_explored;
  json["complete"] = counts.complete();
}

void CountsFromJson(const nlohmann::json& json, sim::TrialCounts& counts) {
  for (auto [key, field] : kCountKeys) counts.*field = json.at(key).get<uint64_t>();
  for (auto [key, field] : kCostKeys) counts.*field = json.at("cost").at(key).get<uint64_t>();
  // Results written before the per-weakness counts existed have none.
  if (json.contains("known_weaknesses_by_name")) {
    counts.known_weaknesses_by_name =
        json.at("known_weaknesses_by_name").get<std::map<std::string, uint64_t>>();
  }
  // ... nor the planned and explored units (they count as complete).
  if (json.contains("units_planned")) {
    counts.units_planned = json.at("units_planned").get<uint64_t>();
    counts.units_explored = json.at("units_explored").get<uint64_t>();
  }
}

ckpt::Result<sim::ScenarioSummary> SummaryFromJson(const nlohmann::json& entry) {
  sim::ScenarioSummary s;
  CountsFromJson(entry, s);
  s.name = entry.at("name").get<std::string>();
  s.path = entry.at("path").get<std::string>();
  s.crash_points = entry.at("crash_points").get<uint64_t>();
  for (const nlohmann::json& kind : entry.at("expect_failures")) {
    CKPT_ASSIGN_OR_RETURN(sim::FailureKind parsed, sim::ParseFailureKind(kind.get<std::string>()));
    s.expect_failures.push_back(parsed);
  }
  for (const nlohmann::json& level : entry.at("levels")) {
    s.levels.push_back({level.at("depth").get<int>(), level.at("planned").get<uint64_t>(),
                        level.at("explored").get<uint64_t>(),
                        level.at("parents_complete").get<bool>()});
  }
  s.ref_replay = entry.at("ref_replay").get<std::string>();
  if (entry.contains("run")) {
    s.run_token = entry.at("run").at("token").get<std::string>();
    s.crashes_planned = entry.at("run").at("crashes").get<uint64_t>();
    s.crashes_fired = entry.at("run").at("crashes_fired").get<uint64_t>();
  }
  s.digest = std::stoull(entry.at("digest").get<std::string>(), nullptr, 16);
  return s;
}

}  // namespace

nlohmann::json ResultToJson(const sim::ExploreResult& result) {
  nlohmann::json json;
  json["schema_version"] = kSchemaVersion;
  json["strategy"] = sim::StrategyName(result.strategy);
  json["seed"] = result.seed;
  json["shard"] = {{"index", result.shard_index}, {"count", result.shard_count}};
  CountsToJson(result, json);
  json["crash_points"] = result.crash_points;
  json["elapsed_s"] = result.elapsed_s;
  if (result.interrupted) json["interrupted"] = true;
  json["scenarios"] = nlohmann::json::array();
  for (const sim::ScenarioSummary& s : result.scenarios) {
    nlohmann::json levels = nlohmann::json::array();
    for (const sim::LevelSummary& level : s.levels) {
      levels.push_back({{"depth", level.depth},
                        {"planned", level.planned},
                        {"explored", level.explored},
                        {"parents_complete", level.parents_complete}});
    }
    nlohmann::json expect = nlohmann::json::array();
    for (sim::FailureKind kind : s.expect_failures) expect.push_back(sim::FailureKindName(kind));
    nlohmann::json entry = {{"name", s.name},
                            {"path", s.path},
                            {"crash_points", s.crash_points},
                            {"expect_failures", expect},
                            {"levels", levels},
                            {"ref_replay", s.ref_replay},
                            {"digest", Hex(s.digest)}};
    CountsToJson(s, entry);
    if (result.strategy == sim::Strategy::kRun && s.crashes_planned > 0) {
      entry["run"] = {{"token", s.run_token},
                      {"crashes", s.crashes_planned},
                      {"crashes_fired", s.crashes_fired}};
    }
    json["scenarios"].push_back(std::move(entry));
  }
  json["failing"] = FailingToJson(result.failing);
  json["expected_failing"] = FailingToJson(result.expected_failing);
  json["known_weakness_failing"] = FailingToJson(result.known_weakness_failing);
  return json;
}

// A result's numbers are counts, times and seeds, non-negative integers, except its elapsed_s.
// Any other number is refused before a field is read, so that no float is converted to an
// integer type it does not fit (undefined behaviour; merge_json_fuzz found it) and no count reads
// back negative. Iterative: a shard file may nest deeper than the stack would allow.
ckpt::Status CheckNumbers(const nlohmann::json& json) {
  std::vector<const nlohmann::json*> pending = {&json};
  while (!pending.empty()) {
    const nlohmann::json* node = pending.back();
    pending.pop_back();
    if (node->is_structured()) {
      for (const auto& item : node->items()) {
        if (node == &json && item.key() == "elapsed_s") continue;  // checked as it is read
        pending.push_back(&item.value());
      }
    } else if (node->is_number_float() || (!node->is_number_unsigned() &&
                                           node->is_number_integer() && node->get<int64_t>() < 0)) {
      return ckpt::Status::InvalidArgument("not a ckptsim result: the number " + node->dump() +
                                           " where a count, a time or a seed belongs");
    }
  }
  return ckpt::Status::Ok();
}

ckpt::Result<sim::ExploreResult> ResultFromJson(const nlohmann::json& json) {
  CKPT_RETURN_IF_ERROR(CheckNumbers(json));
  try {
    if (json.at("schema_version").get<int>() != kSchemaVersion) {
      return ckpt::Status::InvalidArgument("schema_version " + json.at("schema_version").dump() +
                                           " (this ckptsim reads " +
                                           std::to_string(kSchemaVersion) + ")");
    }
    sim::ExploreResult result;
    ckpt::Result<sim::Strategy> strategy = ParseStrategy(json.at("strategy").get<std::string>());
    if (!strategy.ok()) return strategy.status();
    result.strategy = strategy.value();
    result.seed = json.at("seed").get<uint64_t>();
    result.shard_index = json.at("shard").at("index").get<uint64_t>();
    result.shard_count = json.at("shard").at("count").get<uint64_t>();
    CountsFromJson(json, result);
    result.crash_points = json.at("crash_points").get<uint64_t>();
    result.elapsed_s = json.at("elapsed_s").get<double>();
    if (!(result.elapsed_s >= 0 && result.elapsed_s < 1e12)) {
      return ckpt::Status::InvalidArgument("not a ckptsim result: elapsed_s " +
                                           json.at("elapsed_s").dump());
    }
    result.interrupted = json.value("interrupted", false);
    for (const nlohmann::json& entry : json.at("scenarios")) {
      CKPT_ASSIGN_OR_RETURN(sim::ScenarioSummary summary, SummaryFromJson(entry));
      result.scenarios.push_back(std::move(summary));
    }
    ckpt::Result<std::vector<sim::FailingTrial>> failing = FailingFromJson(json.at("failing"));
    if (!failing.ok()) return failing.status();
    result.failing = std::move(failing).value();
    failing = FailingFromJson(json.at("expected_failing"));
    if (!failing.ok()) return failing.status();
    result.expected_failing = std::move(failing).value();
    failing = FailingFromJson(json.at("known_weakness_failing"));
    if (!failing.ok()) return failing.status();
    result.known_weakness_failing = std::move(failing).value();
    return result;
  } catch (const std::exception& e) {
    return ckpt::Status::InvalidArgument(std::string("not a ckptsim result: ") + e.what());
  }
}

namespace {

// What each check holds a run to, by the failure kind that breaks it.
const char* CheckName(sim::FailureKind kind) {
  switch (kind) {
    case sim::FailureKind::kNondeterminism:
      return "replays give the same trace";
    case sim::FailureKind::kEngineAssert:
      return "no engine assertion";
    case sim::FailureKind::kRecoveryError:
      return "recovery without error";
    case sim::FailureKind::kProtocolViolation:
      return "Spark's recovery protocol";
    case sim::FailureKind::kNoProgress:
      return "progress after the last restart";
    case sim::FailureKind::kLostBatch:
      return "no lost batch";
    case sim::FailureKind::kLostRecords:
      return "no lost input records";
    case sim::FailureKind::kDivergentOutput:
      return "outputs equal the uncrashed run's";
    case sim::FailureKind::kUnexpectedDuplicate:
      return "re-runs only where recovery may re-run";
    case sim::FailureKind::kExpectationMismatch:
      return "the scenario's expected outputs";
  }
  return "?";
}

constexpr sim::FailureKind kAllKinds[] = {
    sim::FailureKind::kNondeterminism,      sim::FailureKind::kEngineAssert,
    sim::FailureKind::kRecoveryError,       sim::FailureKind::kProtocolViolation,
    sim::FailureKind::kNoProgress,          sim::FailureKind::kLostBatch,
    sim::FailureKind::kLostRecords,         sim::FailureKind::kDivergentOutput,
    sim::FailureKind::kUnexpectedDuplicate, sim::FailureKind::kExpectationMismatch};

std::string JunitSuite(const sim::ScenarioSummary& s, const sim::ExploreResult& result) {
  std::map<sim::FailureKind, std::vector<const sim::FailingTrial*>> by_kind;
  for (const sim::FailingTrial& f : result.failing) {
    if (f.scenario == s.name) by_kind[f.failure.kind].push_back(&f);
  }
  std::string cases;
  uint64_t failed_checks = 0;
  for (sim::FailureKind kind : kAllKinds) {
    std::string name = std::string(sim::FailureKindName(kind)) + ": " + CheckName(kind);
    cases += "    <testcase classname=\"ckptsim." + EscapeXml(s.name) + "\" name=\"" +
             EscapeXml(name) + "\" time=\"0\"";
    auto failing = by_kind.find(kind);
    if (failing == by_kind.end()) {
      cases += "/>\n";
      continue;
    }
    ++failed_checks;
    const sim::FailingTrial& first = *failing->second.front();
    std::string at = first.failure.batch_time
                         ? " at batch " + std::to_string(first.failure.batch_time->ms) + " ms"
                         : "";
    cases += ">\n      <failure type=\"" + std::string(sim::FailureKindName(kind)) +
             "\" message=\"" +
             EscapeXml(std::string(sim::FailureKindName(kind)) + at + " in " +
                       std::to_string(failing->second.size()) + " of " + std::to_string(s.trials) +
                       " trials") +
             "\">" + EscapeXml(first.failure.detail + "\nreplay: " + first.replay) +
             "</failure>\n    </testcase>\n";
  }
  uint64_t skipped = 0;
  if (!s.complete()) {
    // What a budget left out is not a check that held: a skipped case says so (JUnit's schema
    // has no other word for "not run").
    ++skipped;
    cases += "    <testcase classname=\"ckptsim." + EscapeXml(s.name) +
             "\" name=\"exploration complete\" time=\"0\">\n      <skipped message=\"" +
             EscapeXml(Verdict(s) + ": " + std::to_string(s.units_explored) + " of " +
                       std::to_string(s.units_planned) +
                       " planned trials ran before a budget cut the run short") +
             "\"/>\n    </testcase>\n";
  }
  if (s.known_weaknesses > 0) {
    ++skipped;
    cases += "    <testcase classname=\"ckptsim." + EscapeXml(s.name) +
             "\" name=\"known weaknesses (docs/findings.md)\" time=\"0\">\n      <skipped "
             "message=\"" +
             std::to_string(s.known_weaknesses) +
             " trials hit a known weakness of the modelled protocol and passed re-run with its "
             "fix (WARN)\"/>\n    </testcase>\n";
  }
  std::string out =
      "  <testsuite name=\"" + EscapeXml(s.name) + "\" tests=\"" +
      std::to_string(std::size(kAllKinds) + skipped) + "\" failures=\"" +
      std::to_string(failed_checks) + "\" errors=\"0\" skipped=\"" + std::to_string(skipped) +
      "\">\n    <properties>\n" + "      <property name=\"path\" value=\"" + EscapeXml(s.path) +
      "\"/>\n" + "      <property name=\"trials\" value=\"" + std::to_string(s.trials) +
      "\"/>\n      <property name=\"crash_points\" value=\"" + std::to_string(s.crash_points) +
      "\"/>\n      <property name=\"expected_failures\" "
      "value=\"" +
      std::to_string(s.expected_failures) + "\"/>\n    </properties>\n";
  return out + cases + "  </testsuite>\n";
}

}  // namespace

std::string RenderJunit(const sim::ExploreResult& result) {
  std::string suites;
  uint64_t tests = 0, failures = 0, skipped = 0;
  for (const sim::ScenarioSummary& s : result.scenarios) {
    suites += JunitSuite(s, result);
    uint64_t not_run = (s.known_weaknesses > 0 ? 1 : 0) + (s.complete() ? 0 : 1);
    tests += std::size(kAllKinds) + not_run;
    skipped += not_run;
  }
  std::set<std::pair<std::string, sim::FailureKind>> failed;
  for (const sim::FailingTrial& f : result.failing) failed.insert({f.scenario, f.failure.kind});
  failures = failed.size();
  std::string time = FormatFixed(result.elapsed_s, 3);
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"ckptsim " +
         std::string(sim::StrategyName(result.strategy)) + " seed " + std::to_string(result.seed) +
         "\" tests=\"" + std::to_string(tests) + "\" failures=\"" + std::to_string(failures) +
         "\" errors=\"0\" skipped=\"" + std::to_string(skipped) + "\" time=\"" + time + "\">\n" +
         suites + "</testsuites>\n";
}

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

}  // namespace

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
    // The console's verdict: WARN for known-weakness trials, never PASS for them.
    // The console's verdict, coloured: green only for PASS.
    const char* verdict_class = s.failures                         ? "fail"
                                : Verdict(s).rfind("PASS", 0) == 0 ? "pass"
                                                                   : "warn";
    html += "<tr><td>" + EscapeXml(s.name) + "</td><td>" + std::to_string(s.crash_points) +
            "</td><td>" + std::to_string(s.trials) + "</td><td>" + std::to_string(s.failures) +
            "</td><td class=\"" + verdict_class + "\">" + EscapeXml(Verdict(s)) + "</td></tr>\n";
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
  if (!result.failing.empty()) {
    html +=
        "<h2>Failing trials</h2>\n<table><tr><th>scenario</th><th>kind</th><th>batch</th>"
        "<th>detail</th><th>replay</th></tr>\n";
    for (const sim::FailingTrial& f : result.failing) {
      html += "<tr><td>" + EscapeXml(f.scenario) + "</td><td>" +
              sim::FailureKindName(f.failure.kind) + "</td><td>" +
              (f.failure.batch_time ? std::to_string(f.failure.batch_time->ms) : "-") +
              "</td><td>" + EscapeXml(f.failure.detail) + "</td><td><code>" + EscapeXml(f.replay) +
              "</code></td></tr>\n";
    }
    html += "</table>\n";
  }
  return html + "</body></html>\n";
}

ckpt::Status WriteReport(const std::string& dir, const sim::ExploreResult& result,
                         const std::string& title, const std::vector<sim::Timeline>& timelines) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return ckpt::Status::IoError("cannot create report directory " + dir + ": " + ec.message());
  std::ofstream json(dir + "/results.json");
  json << ResultToJson(result).dump(2) << "\n";
  std::ofstream html(dir + "/index.html");
  html << RenderHtml(result, title, timelines);
  if (!json || !html) return ckpt::Status::IoError("cannot write the report in " + dir);
  return ckpt::Status::Ok();
}

nlohmann::json MutationToJson(const sim::MutationReport& report) {
  nlohmann::json defects = nlohmann::json::array();
  for (const sim::DefectHunt& h : report.hunts) {
    nlohmann::json entry = {{"defect", h.defect},
                            {"reverts", h.reverts},
                            {"scenario_path", h.scenario_path},
                            {"found", h.found},
                            {"trials_to_first_failure", h.trials_to_first_failure},
                            {"trials_run", h.trials_run},
                            {"seconds_to_first_failure", h.seconds_to_first_failure}};
    if (!h.error.empty()) entry["error"] = h.error;
    if (h.found) {
      entry["token"] = h.token;
      entry["kind"] = sim::FailureKindName(h.kind);
      entry["found_by"] = h.found_by;
      // null: the uncrashed run itself fails.
      auto count = [](const std::optional<uint64_t>& n) {
        return n ? nlohmann::json(*n) : nlohmann::json(nullptr);
      };
      entry["failing_trials"] = count(h.failing_trials);
      entry["failing_trials_outputs_only"] = count(h.failing_trials_outputs_only);
      entry["shrunk"] = {
          {"reproduced", h.shrunk()},       {"batches", h.shrunk_batches()},
          {"crashes", h.shrunk_crashes()},  {"token", h.shrunk() ? h.outcome.spec.token() : ""},
          {"attempts", h.outcome.attempts}, {"seconds", h.shrink_seconds}};
    }
    defects.push_back(std::move(entry));
  }
  const sim::MutationTargets& t = report.targets;
  return {{"schema_version", kSchemaVersion},
          {"defects", defects},
          {"found", report.found},
          {"total", report.hunts.size()},
          {"small_counterexamples", report.small},
          {"median_seconds_to_first_failure", report.median_seconds_to_first_failure},
          {"targets",
           {{"every_defect_found", true},
            {"max_median_seconds", t.max_median_seconds},
            {"max_batches", t.max_batches},
            {"max_crashes", t.max_crashes},
            {"min_small_fraction", t.min_small_fraction}}},
          {"targets_met", report.targets_met()}};
}

}  // namespace reports
