#include "scenario/scenario_reader.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>

#include "engine/runtime/file_system.h"
#include "scenario/plugins.h"

namespace sim {

Status ScenarioReader::error(const YAML::Node& node, const std::string& field,
                             const std::string& what) const {
  return Status::InvalidArgument(where(node) + ": " + field + ": " + what);
}

Status ScenarioReader::located(const YAML::Node& node, const Status& status) const {
  return Status::InvalidArgument(where(node) + ": " + status.message());
}

std::string ScenarioReader::where(const YAML::Node& node) const {
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0) return path_;
  return path_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

Status ScenarioReader::unique_keys(const YAML::Node& node, int depth) const {
  if (depth > kMaxYamlDepth) {
    return Status::InvalidArgument(where(node) + ": nested more than " +
                                   std::to_string(kMaxYamlDepth) + " levels deep");
  }
  std::map<std::string, int> first_line;  // key -> its line (1-based)
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node value = node.IsMap() ? it->second : *it;
    if (node.IsMap() && it->first.IsScalar()) {
      auto [first, inserted] = first_line.emplace(it->first.Scalar(), it->first.Mark().line + 1);
      if (!inserted) {
        return Status::InvalidArgument(where(it->first) + ": duplicate key '" + it->first.Scalar() +
                                       "' (first at line " + std::to_string(first->second) + ")");
      }
    }
    if (value.IsMap() || value.IsSequence()) CKPT_RETURN_IF_ERROR(unique_keys(value, depth + 1));
  }
  return Status::Ok();
}

Result<int64_t> ScenarioReader::integer(const YAML::Node& node, const std::string& field) const {
  if (!node.IsScalar()) return error(node, field, "expected an integer");
  const std::string& text = node.Scalar();
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return error(node, field, "expected an integer, got '" + text + "'");
  }
  return value;
}

Result<Duration> ScenarioReader::duration(const YAML::Node& node, const std::string& field,
                                          bool allow_zero) const {
  CKPT_ASSIGN_OR_RETURN(int64_t ms, integer(node, field));
  if (ms < 0 || (!allow_zero && ms == 0)) {
    return error(node, field,
                 "expected a " + std::string(allow_zero ? "non-negative" : "positive") +
                     " duration in milliseconds, got " + std::to_string(ms));
  }
  // Bounded so that no sum of scenario times (batches x batch, crash time + downtime) overflows.
  if (ms > kMaxScenarioDuration_ms) {
    return error(node, field,
                 "at most " + std::to_string(kMaxScenarioDuration_ms) + " ms (10 days), got " +
                     std::to_string(ms));
  }
  return Duration{ms};
}

Result<bool> ScenarioReader::boolean(const YAML::Node& node, const std::string& field) const {
  if (node.IsScalar() && (node.Scalar() == "true" || node.Scalar() == "false")) {
    return node.Scalar() == "true";
  }
  return error(node, field, "expected true or false");
}

Result<std::string> ScenarioReader::string(const YAML::Node& node, const std::string& field) const {
  if (!node.IsScalar()) return error(node, field, "expected a string");
  return node.Scalar();
}

Result<std::string> ScenarioReader::absolute_path(const YAML::Node& node, const std::string& field,
                                                  bool allow_empty) const {
  CKPT_ASSIGN_OR_RETURN(std::string path, string(node, field));
  if (path.empty() && allow_empty) return path;
  if (path.empty() || path[0] != '/') {
    return error(node, field,
                 allow_empty ? "must be an absolute path or empty" : "must be an absolute path");
  }
  for (const std::string& component : ckpt::PathComponents(path)) {
    if (component == "." || component == "..") {
      return error(node, field, "must not contain a '" + component + "' component");
    }
  }
  return path;
}

Result<std::string> ScenarioReader::plain_name(const YAML::Node& node,
                                               const std::string& field) const {
  CKPT_ASSIGN_OR_RETURN(std::string name, string(node, field));
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
    return error(node, field, "must be a plain name (not empty, no '/', not '.' or '..')");
  }
  return name;
}

Result<Value> ScenarioReader::value(const YAML::Node& node, const std::string& field) const {
  if (node.IsSequence()) {
    if (node.size() != 2) return error(node, field, "a pair needs exactly two elements");
    CKPT_ASSIGN_OR_RETURN(Value first, value(node[0], field));
    CKPT_ASSIGN_OR_RETURN(Value second, value(node[1], field));
    return Value::Pair(first, second);
  }
  if (node.IsMap()) return tagged_value(node, field);
  if (!node.IsScalar()) return error(node, field, "expected a value (scalar, pair or map)");
  const std::string& text = node.Scalar();
  // Quoted ("12") or tagged (!!str 12) scalars are strings even when they look like numbers.
  if (node.Tag() != "!" && node.Tag() != "tag:yaml.org,2002:str") {
    int64_t integer = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), integer);
    if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) {
      return Value::Int(integer);
    }
    double real = 0;
    auto [real_end, real_ec] = std::from_chars(text.data(), text.data() + text.size(), real);
    if (real_ec == std::errc() && real_end == text.data() + text.size() && !text.empty()) {
      return Value::Double(real);
    }
  }
  return Value::String(text);
}

// {none: ~}, {some: v} and {list: [v, ...]}: Scala's Option and a sequence (what outer joins and
// cogroup make).
Result<Value> ScenarioReader::tagged_value(const YAML::Node& node, const std::string& field) const {
  if (node.size() != 1) return error(node, field, "a value map has one key: none, some or list");
  const std::string key = node.begin()->first.IsScalar() ? node.begin()->first.Scalar() : "";
  const YAML::Node inner = node.begin()->second;
  if (key == "none") {
    if (!inner.IsNull()) return error(inner, field, "none takes no value (write {none: ~})");
    return Value::None();
  }
  if (key == "some") {
    CKPT_ASSIGN_OR_RETURN(Value value, this->value(inner, field));
    return Value::Some(std::move(value));
  }
  if (key == "list") {
    CKPT_ASSIGN_OR_RETURN(ckpt::Records items, records(inner, field));
    return Value::List(std::move(items));
  }
  return error(node, field, "unknown value map '" + key + "' (none, some or list)");
}

Result<ckpt::Records> ScenarioReader::records(const YAML::Node& node,
                                              const std::string& field) const {
  if (!node.IsSequence()) return error(node, field, "expected a list of records");
  ckpt::Records out;
  for (const YAML::Node& item : node) {
    CKPT_ASSIGN_OR_RETURN(Value v, value(item, field));
    out.push_back(v);
  }
  return out;
}

Result<std::vector<ckpt::Records>> ScenarioReader::batches(const YAML::Node& node,
                                                           const std::string& field) const {
  if (!node.IsSequence()) return error(node, field, "expected a list of batches");
  std::vector<ckpt::Records> out;
  for (const YAML::Node& batch : node) {
    CKPT_ASSIGN_OR_RETURN(ckpt::Records r, records(batch, field));
    out.push_back(std::move(r));
  }
  return out;
}

Result<ckpt::FunctionRef> ScenarioReader::function(const YAML::Node& node,
                                                   const std::string& field) const {
  if (!node.IsScalar()) return error(node, field, "expected a function name");
  std::string text = node.Scalar();
  ckpt::FunctionRef ref;
  size_t open = text.find('(');
  ref.name = text.substr(0, open);
  if (open != std::string::npos) {
    if (text.back() != ')') return error(node, field, "unbalanced parentheses in '" + text + "'");
    YAML::Node args = YAML::Load("[" + text.substr(open + 1, text.size() - open - 2) + "]");
    for (const YAML::Node& arg : args) {
      CKPT_ASSIGN_OR_RETURN(Value v, value(arg, field));
      ref.args.push_back(v);
    }
  }
  return ref;
}

Status ScenarioReader::check_keys(const YAML::Node& node, const std::string& where,
                                  const std::set<std::string>& known) const {
  for (const auto& entry : node) {
    std::string key = entry.first.Scalar();
    if (!known.count(key)) {
      std::string list;
      for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
      return error(entry.first, where.empty() ? key : where + "." + key,
                   "unknown field (known: " + list + ")");
    }
  }
  return Status::Ok();
}

Status ScenarioReader::conf_map(const YAML::Node& node, const std::string& field,
                                std::map<std::string, std::string>& conf) const {
  if (!node.IsMap()) return error(node, field, "expected a map of key: value");
  for (const auto& entry : node) {
    if (!entry.second.IsScalar()) {
      return error(entry.second, field + "." + entry.first.Scalar(), "expected a scalar value");
    }
    conf[entry.first.Scalar()] = entry.second.Scalar();
  }
  return Status::Ok();
}

Result<Scenario> ScenarioReader::scenario(const YAML::Node& root) const {
  if (!root.IsMap()) return error(root, "(document)", "expected a map of scenario fields");
  if (const YAML::Node engine = root["engine"]) {
    CKPT_ASSIGN_OR_RETURN(std::string name, string(engine, "engine"));
    if (name == EngineName(Engine::kStructured)) return structured_scenario(root);
    if (name != EngineName(Engine::kDStream)) {
      return error(engine, "engine", "expected dstream or structured");
    }
  }
  // clang-format off
  CKPT_RETURN_IF_ERROR(check_keys(
      root, "",
      {"name",       "description",    "batch_duration_ms", "batches",       "source",
       "pipeline",   "checkpoint_dir", "create_on_error",   "processing",    "downtime_ms",
       "conf",       "expect",         "expect_error",      "initial_files", "crashes",
       "filesystem", "faults",         "expect_failures",   "restart_conf",  "expect_conf",
       "swarm",      "trial_seed",     "interleaving",      "restart_clock_offset_ms",
       "graceful_stop_lead_ms",   "sources",          "expect_all_runs", "restart_entry",
       "plugins",    "restart_plugins", "expect_state", "start_ms",
       "remember_ms", "engine"}));
  // clang-format on
  Scenario s;
  s.path = path_;
  for (const char* required : {"name", "batches", "source", "pipeline"}) {
    if (!root[required]) return error(root, required, "missing required field");
  }
  Result<std::string> name = plain_name(root["name"], "name");
  if (!name.ok()) return name.status();
  s.name = name.value();
  if (root["description"]) s.description = root["description"].Scalar();
  if (root["batch_duration_ms"]) {
    CKPT_ASSIGN_OR_RETURN(Duration d,
                          duration(root["batch_duration_ms"], "batch_duration_ms", false));
    s.batch_duration = d;
  }
  Result<int64_t> n = integer(root["batches"], "batches");
  if (!n.ok()) return n.status();
  if (n.value() < 1 || n.value() > 100000)
    return error(root["batches"], "batches", "must be in 1..100000");
  s.batches = n.value();
  CKPT_RETURN_IF_ERROR(plugins(root, s));
  CKPT_RETURN_IF_ERROR(source(root["source"], s));
  if (root["sources"]) CKPT_RETURN_IF_ERROR(named_sources(root["sources"], s));
  const YAML::Node pipeline = root["pipeline"];
  if (!pipeline.IsSequence() || pipeline.size() == 0) {
    return error(pipeline, "pipeline", "expected a non-empty list of steps");
  }
  for (size_t i = 0; i < pipeline.size(); ++i) {
    CKPT_ASSIGN_OR_RETURN(PipelineStep st, step(pipeline[i], "pipeline[" + std::to_string(i) + "]"));
    s.pipeline.push_back(st);
  }
  if (root["checkpoint_dir"]) {
    CKPT_ASSIGN_OR_RETURN(std::string dir,
                          absolute_path(root["checkpoint_dir"], "checkpoint_dir", true));
    s.checkpoint_dir = dir;
  }
  if (root["create_on_error"]) {
    CKPT_ASSIGN_OR_RETURN(bool b, boolean(root["create_on_error"], "create_on_error"));
    s.create_on_error = b;
  }
  CKPT_RETURN_IF_ERROR(driver_settings(root, s));
  CKPT_RETURN_IF_ERROR(expectations(root, s));
  CKPT_RETURN_IF_ERROR(harness_settings(root, s));
  if (root["swarm"]) CKPT_RETURN_IF_ERROR(swarm(root["swarm"], s));
  return s;
}

Status ScenarioReader::driver_settings(const YAML::Node& root, Scenario& s) const {
  if (const YAML::Node entry = root["restart_entry"]) {
    CKPT_ASSIGN_OR_RETURN(s.restart_entry, restart_entry(entry));
  }
  if (root["processing"]) CKPT_RETURN_IF_ERROR(processing(root["processing"], s.processing));
  if (root["remember_ms"]) {
    CKPT_ASSIGN_OR_RETURN(Duration d, duration(root["remember_ms"], "remember_ms", false));
    s.remember = d;
  }
  if (root["start_ms"]) {
    CKPT_ASSIGN_OR_RETURN(Duration d, duration(root["start_ms"], "start_ms", true));
    s.first_start = Time{0} + d;
  }
  if (root["downtime_ms"]) {
    CKPT_ASSIGN_OR_RETURN(Duration d, duration(root["downtime_ms"], "downtime_ms", true));
    s.downtime = d;
  }
  if (root["conf"]) CKPT_RETURN_IF_ERROR(conf_map(root["conf"], "conf", s.conf));
  if (root["restart_conf"]) {
    s.restart_conf.emplace();
    CKPT_RETURN_IF_ERROR(conf_map(root["restart_conf"], "restart_conf", *s.restart_conf));
  }
  return Status::Ok();
}

Status ScenarioReader::expectations(const YAML::Node& root, Scenario& s) const {
  if (const YAML::Node expected = root["expect_conf"]) {
    if (!expected.IsMap()) return error(expected, "expect_conf", "expected a map of key: value");
    for (const auto& entry : expected) {
      std::optional<std::string> value;  // ~ (null): the key must be absent
      if (!entry.second.IsNull()) value = entry.second.Scalar();
      s.expect_conf[entry.first.Scalar()] = value;
    }
  }
  if (const YAML::Node expect = root["expect"]) {
    if (!expect.IsMap()) return error(expect, "expect", "expected {output: [[records], ...]}");
    for (const auto& entry : expect) {
      CKPT_ASSIGN_OR_RETURN(std::vector<ckpt::Records> b,
                            batches(entry.second, "expect." + entry.first.Scalar()));
      s.expect[entry.first.Scalar()] = b;
    }
  }
  if (const YAML::Node all_runs = root["expect_all_runs"]) {
    CKPT_RETURN_IF_ERROR(run_expectations(all_runs, s));
  }
  if (const YAML::Node state = root["expect_state"]) {
    CKPT_RETURN_IF_ERROR(state_expectations(state, s));
  }
  if (root["expect_error"]) {
    CKPT_ASSIGN_OR_RETURN(std::string text, string(root["expect_error"], "expect_error"));
    s.expect_error = text;
  }
  if (const YAML::Node kinds = root["expect_failures"]) {
    if (!kinds.IsSequence() || kinds.size() == 0) {
      return error(kinds, "expect_failures", "expected a non-empty list of failure kinds");
    }
    for (const YAML::Node& item : kinds) {
      CKPT_ASSIGN_OR_RETURN(std::string name, string(item, "expect_failures"));
      Result<FailureKind> kind = ParseFailureKind(name);
      if (!kind.ok()) return error(item, "expect_failures", kind.status().message());
      s.expect_failures.push_back(kind.value());
    }
  }
  return Status::Ok();
}

Status ScenarioReader::plugins(const YAML::Node& root, Scenario& s) const {
  CKPT_ASSIGN_OR_RETURN(s.plugins, plugin_list(root["plugins"], "plugins"));
  if (const YAML::Node restart = root["restart_plugins"]) {
    CKPT_ASSIGN_OR_RETURN(s.restart_plugins, plugin_list(restart, "restart_plugins"));
    Result<const ckpt::FunctionRegistry*> later = RegistryWithPlugins(*s.restart_plugins);
    if (!later.ok()) return located(restart, later.status().with_context("restart_plugins"));
  }
  Result<const ckpt::FunctionRegistry*> first = RegistryWithPlugins(s.plugins);
  if (!first.ok()) {
    return root["plugins"] ? located(root["plugins"], first.status().with_context("plugins"))
                           : first.status().with_context("--plugin");
  }
  functions_ = first.value();
  return Status::Ok();
}

Result<std::vector<std::string>> ScenarioReader::plugin_list(const YAML::Node& node,
                                                             const std::string& field) const {
  std::vector<std::string> paths;
  auto add = [&paths](const std::string& path) {
    if (std::find(paths.begin(), paths.end(), path) == paths.end()) paths.push_back(path);
  };
  if (node && !plugin_policy_.scenario_plugins_allowed) {
    return error(node, field,
                 "names plugins, whose code would run: refused (--no-scenario-plugins)");
  }
  if (node) {
    if (!node.IsSequence()) return error(node, field, "expected a list of plugin files");
    const std::filesystem::path folder = std::filesystem::path(path_).parent_path();
    for (size_t i = 0; i < node.size(); ++i) {
      const std::string item_field = field + "[" + std::to_string(i) + "]";
      CKPT_ASSIGN_OR_RETURN(std::string named, string(node[i], item_field));
      std::filesystem::path file(named);
      if (file.is_relative()) file = folder / file;
      Result<std::string> canonical = CanonicalPluginPath(file.string());
      if (!canonical.ok()) return error(node[i], item_field, canonical.status().message());
      Status loaded = LoadPlugin(canonical.value());
      if (!loaded.ok()) return error(node[i], item_field, loaded.message());
      add(canonical.value());
    }
  }
  for (const std::string& extra : plugin_policy_.extra) add(extra);
  return paths;
}

Result<RestartEntry> ScenarioReader::restart_entry(const YAML::Node& entry) const {
  CKPT_ASSIGN_OR_RETURN(std::string name, string(entry, "restart_entry"));
  for (auto candidate : {RestartEntry::kGetOrCreate, RestartEntry::kGetOrCreateActiveSparkContext,
                         RestartEntry::kNewStreamingContext, RestartEntry::kGetActiveOrCreate}) {
    if (name == RestartEntryName(candidate)) return candidate;
  }
  return error(entry, "restart_entry",
               "unknown entry '" + name +
                   "' (known: get_or_create, get_or_create_active_spark_context, "
                   "new_streaming_context, get_active_or_create)");
}

Status ScenarioReader::run_expectations(const YAML::Node& node, Scenario& s) const {
  if (!node.IsMap()) {
    return error(node, "expect_all_runs", "expected {output: {distinct: [records], ...}}");
  }
  for (const auto& entry : node) {
    const std::string output = entry.first.Scalar();
    const std::string field = "expect_all_runs." + output;
    if (!entry.second.IsMap()) {
      return error(entry.second, field, "expected {distinct, contains or last_batch: [records]}");
    }
    CKPT_RETURN_IF_ERROR(check_keys(entry.second, field, {"distinct", "contains", "last_batch"}));
    for (const auto& assertion : entry.second) {
      RunExpectation expected;
      expected.output = output;
      const std::string key = assertion.first.Scalar();
      for (auto kind : {RunExpectation::Kind::kDistinct, RunExpectation::Kind::kContains,
                        RunExpectation::Kind::kLastBatch}) {
        if (key == RunExpectationKindName(kind)) expected.kind = kind;
      }
      CKPT_ASSIGN_OR_RETURN(expected.records, records(assertion.second, field + "." + key));
      ckpt::SortRecords(expected.records);
      expected.origin = where(assertion.first);
      s.expect_all_runs.push_back(std::move(expected));
    }
  }
  return Status::Ok();
}

Status ScenarioReader::harness_settings(const YAML::Node& root, Scenario& s) const {
  if (const YAML::Node lead = root["graceful_stop_lead_ms"]) {
    CKPT_ASSIGN_OR_RETURN(Duration d, duration(lead, "graceful_stop_lead_ms", false));
    if (d > s.batch_duration) {
      return error(lead, "graceful_stop_lead_ms",
                   "must be at most batch_duration_ms: the stop's last batch is the last batch");
    }
    s.graceful_stop_lead = d;
  }
  if (root["restart_clock_offset_ms"]) {
    const YAML::Node offset = root["restart_clock_offset_ms"];
    CKPT_ASSIGN_OR_RETURN(int64_t ms, integer(offset, "restart_clock_offset_ms"));
    if (ms < -kMaxClockOffset_ms || ms > kMaxClockOffset_ms) {
      return error(offset, "restart_clock_offset_ms", "must lie within -86400000..86400000");
    }
    s.restart_clock_offset = Duration{ms};
  }
  if (root["initial_files"]) CKPT_RETURN_IF_ERROR(initial_files(root["initial_files"], s));
  if (root["filesystem"]) {
    CKPT_ASSIGN_OR_RETURN(std::string text, string(root["filesystem"], "filesystem"));
    Result<PersistenceModel> model = ParsePersistenceModel(text);
    if (!model.ok()) return error(root["filesystem"], "filesystem", model.status().message());
    s.filesystem = model.value();
  }
  if (root["faults"]) CKPT_RETURN_IF_ERROR(faults(root["faults"], s));
  if (root["crashes"]) {
    CKPT_ASSIGN_OR_RETURN(std::vector<CrashSpec> c, crashes(root["crashes"]));
    s.crashes = c;
  }
  for (auto [key, field] :
       {std::pair{"trial_seed", &s.trial_seed}, std::pair{"interleaving", &s.interleaving}}) {
    if (!root[key]) continue;
    CKPT_ASSIGN_OR_RETURN(int64_t n, integer(root[key], key));
    if (n < 0) return error(root[key], key, "must be >= 0");
    *field = static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

}  // namespace sim
