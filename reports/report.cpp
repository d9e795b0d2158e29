#include "reports/report.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "reports/console.h"

namespace reports {

std::string FormatFixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::string FormatDurationMs(int64_t ms) {
  if (ms < 1000) return std::to_string(ms) + " ms";
  if (ms < 60'000)
    return FormatFixed(static_cast<double>(ms) / 1000, ms % 1000 == 0 ? 0 : 1) + " s";
  return HumanDuration(static_cast<double>(ms) / 1000);
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

nlohmann::json RecoveryToJson(const sim::RecoveryTimes& times) {
  nlohmann::json buckets = nlohmann::json::array();
  for (const auto& [bound, count] : times.at_most_ms) {
    buckets.push_back({{"at_most_ms", bound}, {"count", count}});
  }
  return {{"restarts", times.restarts},
          {"never", times.never},
          {"max_ms", times.max_ms},
          {"buckets", buckets}};
}

// InvalidArgument unless the buckets lie on the 1-2-5 series and add up with `never` to the
// restarts.
ckpt::Result<sim::RecoveryTimes> RecoveryFromJson(const nlohmann::json& json) {
  sim::RecoveryTimes times;
  times.restarts = json.at("restarts").get<uint64_t>();
  times.never = json.at("never").get<uint64_t>();
  times.max_ms = json.at("max_ms").get<int64_t>();
  uint64_t counted = times.never;
  for (const nlohmann::json& bucket : json.at("buckets")) {
    int64_t bound = bucket.at("at_most_ms").get<int64_t>();
    uint64_t count = bucket.at("count").get<uint64_t>();
    if (sim::RecoveryTimes::BucketBound(bound) != bound || times.at_most_ms.count(bound) ||
        count > times.restarts) {
      return ckpt::Status::InvalidArgument("not a ckptsim result: recovery bucket " +
                                           bucket.dump());
    }
    times.at_most_ms[bound] = count;
    counted += count;
  }
  if (counted != times.restarts || times.never > times.restarts) {
    return ckpt::Status::InvalidArgument(
        "not a ckptsim result: the recovery buckets do not add up to its restarts");
  }
  return times;
}

void CountsToJson(const sim::TrialCounts& counts, nlohmann::json& json) {
  for (auto [key, field] : kCountKeys) json[key] = counts.*field;
  for (auto [key, field] : kCostKeys) json["cost"][key] = counts.*field;
  json["known_weaknesses_by_name"] = counts.known_weaknesses_by_name;
  json["units_planned"] = counts.units_planned;
  json["units_explored"] = counts.units_explored;
  json["complete"] = counts.complete();
  json["recovery_ms"] = RecoveryToJson(counts.recovery);
}

ckpt::Status CountsFromJson(const nlohmann::json& json, sim::TrialCounts& counts) {
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
  // ... nor the recovery times.
  if (json.contains("recovery_ms")) {
    CKPT_ASSIGN_OR_RETURN(counts.recovery, RecoveryFromJson(json.at("recovery_ms")));
  }
  return ckpt::Status::Ok();
}

ckpt::Result<sim::ScenarioSummary> SummaryFromJson(const nlohmann::json& entry) {
  sim::ScenarioSummary s;
  CKPT_RETURN_IF_ERROR(CountsFromJson(entry, s));
  s.elapsed_ms = entry.value("elapsed_ms", uint64_t{0});
  s.state_expectations = entry.value("state_expectations", uint64_t{0});
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
                            {"digest", Hex(s.digest)},
                            {"elapsed_ms", s.elapsed_ms},
                            {"state_expectations", s.state_expectations}};
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
    CKPT_RETURN_IF_ERROR(CountsFromJson(json, result));
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
