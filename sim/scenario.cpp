#include "sim/scenario.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <set>

namespace sim {
namespace {

using ckpt::Result;
using ckpt::Status;
using ckpt::Value;

class Loader {
 public:
  explicit Loader(std::string path) : path_(std::move(path)) {}

  Status error(const YAML::Node& node, const std::string& field, const std::string& what) const {
    const YAML::Mark mark = node.Mark();
    std::string where = path_;
    if (mark.line >= 0) {
      where += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
    }
    return Status::InvalidArgument(where + ": " + field + ": " + what);
  }

  Result<int64_t> integer(const YAML::Node& node, const std::string& field) const {
    if (!node.IsScalar()) return error(node, field, "expected an integer");
    const std::string& text = node.Scalar();
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
      return error(node, field, "expected an integer, got '" + text + "'");
    }
    return value;
  }

  Result<Duration> duration(const YAML::Node& node, const std::string& field,
                            bool allow_zero) const {
    Result<int64_t> ms = integer(node, field);
    if (!ms.ok()) return ms.status();
    if (ms.value() < 0 || (!allow_zero && ms.value() == 0)) {
      return error(node, field,
                   "expected a " + std::string(allow_zero ? "non-negative" : "positive") +
                       " duration in milliseconds, got " + std::to_string(ms.value()));
    }
    return Duration{ms.value()};
  }

  Result<bool> boolean(const YAML::Node& node, const std::string& field) const {
    if (node.IsScalar() && (node.Scalar() == "true" || node.Scalar() == "false")) {
      return node.Scalar() == "true";
    }
    return error(node, field, "expected true or false");
  }

  Result<std::string> string(const YAML::Node& node, const std::string& field) const {
    if (!node.IsScalar()) return error(node, field, "expected a string");
    return node.Scalar();
  }

  // A scalar is an integer, a double, or a string (quoted scalars are always strings);
  // a two-element sequence is a pair.
  Result<Value> value(const YAML::Node& node, const std::string& field) const {
    if (node.IsSequence()) {
      if (node.size() != 2) return error(node, field, "a pair needs exactly two elements");
      Result<Value> first = value(node[0], field), second = value(node[1], field);
      if (!first.ok()) return first.status();
      if (!second.ok()) return second.status();
      return Value::Pair(first.value(), second.value());
    }
    if (!node.IsScalar()) return error(node, field, "expected a value (scalar or pair)");
    const std::string& text = node.Scalar();
    if (node.Tag() != "!") {
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

  Result<ckpt::Records> records(const YAML::Node& node, const std::string& field) const {
    if (!node.IsSequence()) return error(node, field, "expected a list of records");
    ckpt::Records out;
    for (const YAML::Node& item : node) {
      Result<Value> v = value(item, field);
      if (!v.ok()) return v.status();
      out.push_back(v.value());
    }
    return out;
  }

  Result<std::vector<ckpt::Records>> batches(const YAML::Node& node,
                                             const std::string& field) const {
    if (!node.IsSequence()) return error(node, field, "expected a list of batches");
    std::vector<ckpt::Records> out;
    for (const YAML::Node& batch : node) {
      Result<ckpt::Records> r = records(batch, field);
      if (!r.ok()) return r.status();
      out.push_back(std::move(r).value());
    }
    return out;
  }

  // "name" or "name(arg, ...)".
  Result<ckpt::FunctionRef> function(const YAML::Node& node, const std::string& field) const {
    if (!node.IsScalar()) return error(node, field, "expected a function name");
    std::string text = node.Scalar();
    ckpt::FunctionRef ref;
    size_t open = text.find('(');
    ref.name = text.substr(0, open);
    if (open != std::string::npos) {
      if (text.back() != ')') return error(node, field, "unbalanced parentheses in '" + text + "'");
      YAML::Node args = YAML::Load("[" + text.substr(open + 1, text.size() - open - 2) + "]");
      for (const YAML::Node& arg : args) {
        Result<Value> v = value(arg, field);
        if (!v.ok()) return v.status();
        ref.args.push_back(v.value());
      }
    }
    return ref;
  }

  Status check_keys(const YAML::Node& node, const std::string& where,
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

  Result<PipelineStep> step(const YAML::Node& node, size_t index) const {
    std::string field = "pipeline[" + std::to_string(index) + "]";
    if (!node.IsMap()) return error(node, field, "expected a map such as {map: pair_with_one}");
    static const std::set<std::string> operations = {
        "map", "flat_map", "filter", "reduce_by_key", "update_state_by_key", "collect"};
    PipelineStep step;
    for (const auto& entry : node) {
      std::string key = entry.first.Scalar();
      if (operations.count(key)) {
        if (!step.operation.empty()) return error(entry.first, field, "two operations in one step");
        step.operation = key;
        if (key == "collect") {
          Result<std::string> name = string(entry.second, field + ".collect");
          if (!name.ok()) return name.status();
          step.output_name = name.value();
        } else {
          Result<ckpt::FunctionRef> f = function(entry.second, field + "." + key);
          if (!f.ok()) return f.status();
          step.function = f.value();
        }
      } else if (key == "checkpoint_interval_ms") {
        Result<Duration> d = duration(entry.second, field + "." + key, false);
        if (!d.ok()) return d.status();
        step.checkpoint_interval = d.value();
      } else {
        return error(entry.first, field + "." + key,
                     "unknown operator (known: collect, filter, flat_map, map, reduce_by_key, "
                     "update_state_by_key; option: checkpoint_interval_ms)");
      }
    }
    if (step.operation.empty()) return error(node, field, "no operation");
    return step;
  }

  Status processing(const YAML::Node& node, ProcessingModel& model) const {
    CKPT_RETURN_IF_ERROR(
        check_keys(node, "processing", {"job_base_ms", "per_record_us", "slow_batches"}));
    if (node["job_base_ms"]) {
      Result<Duration> d = duration(node["job_base_ms"], "processing.job_base_ms", true);
      if (!d.ok()) return d.status();
      model.job_base = d.value();
    }
    if (node["per_record_us"]) {
      Result<int64_t> n = integer(node["per_record_us"], "processing.per_record_us");
      if (!n.ok()) return n.status();
      model.per_record_us = n.value();
    }
    if (const YAML::Node slow = node["slow_batches"]) {
      if (!slow.IsMap())
        return error(slow, "processing.slow_batches", "expected {batch: extra_ms}");
      for (const auto& entry : slow) {
        Result<int64_t> batch = integer(entry.first, "processing.slow_batches");
        Result<Duration> extra = duration(entry.second, "processing.slow_batches", true);
        if (!batch.ok()) return batch.status();
        if (!extra.ok()) return extra.status();
        model.slow_batches[batch.value()] = extra.value();
      }
    }
    return Status::Ok();
  }

  Result<std::vector<CrashSpec>> crashes(const YAML::Node& node) const {
    if (!node.IsSequence()) return error(node, "crashes", "expected a list of {step, downtime_ms}");
    std::vector<CrashSpec> out;
    for (const YAML::Node& item : node) {
      CKPT_RETURN_IF_ERROR(check_keys(item, "crashes", {"step", "downtime_ms"}));
      if (!item["step"]) return error(item, "crashes.step", "missing");
      Result<int64_t> step = integer(item["step"], "crashes.step");
      if (!step.ok()) return step.status();
      if (step.value() < 0) return error(item["step"], "crashes.step", "must be >= 0");
      CrashSpec spec{static_cast<uint64_t>(step.value()), Duration{0}};
      if (item["downtime_ms"]) {
        Result<Duration> d = duration(item["downtime_ms"], "crashes.downtime_ms", true);
        if (!d.ok()) return d.status();
        spec.downtime = d.value();
      }
      out.push_back(spec);
    }
    return out;
  }

  Result<Scenario> scenario(const YAML::Node& root) const {
    if (!root.IsMap()) return error(root, "(document)", "expected a map of scenario fields");
    CKPT_RETURN_IF_ERROR(check_keys(root, "",
                                    {"name", "description", "batch_duration_ms", "batches",
                                     "source", "pipeline", "checkpoint_dir", "create_on_error",
                                     "processing", "downtime_ms", "conf", "expect", "crashes"}));
    Scenario s;
    s.path = path_;
    for (const char* required : {"name", "batches", "source", "pipeline"}) {
      if (!root[required]) return error(root, required, "missing required field");
    }
    Result<std::string> name = string(root["name"], "name");
    if (!name.ok()) return name.status();
    s.name = name.value();
    if (root["description"]) s.description = root["description"].Scalar();
    if (root["batch_duration_ms"]) {
      Result<Duration> d = duration(root["batch_duration_ms"], "batch_duration_ms", false);
      if (!d.ok()) return d.status();
      s.batch_duration = d.value();
    }
    Result<int64_t> n = integer(root["batches"], "batches");
    if (!n.ok()) return n.status();
    if (n.value() < 1 || n.value() > 100000)
      return error(root["batches"], "batches", "must be in 1..100000");
    s.batches = n.value();
    CKPT_RETURN_IF_ERROR(source(root["source"], s));
    const YAML::Node pipeline = root["pipeline"];
    if (!pipeline.IsSequence() || pipeline.size() == 0) {
      return error(pipeline, "pipeline", "expected a non-empty list of steps");
    }
    for (size_t i = 0; i < pipeline.size(); ++i) {
      Result<PipelineStep> st = step(pipeline[i], i);
      if (!st.ok()) return st.status();
      s.pipeline.push_back(st.value());
    }
    if (root["checkpoint_dir"]) {
      Result<std::string> dir = string(root["checkpoint_dir"], "checkpoint_dir");
      if (!dir.ok()) return dir.status();
      if (!dir.value().empty() && dir.value()[0] != '/') {
        return error(root["checkpoint_dir"], "checkpoint_dir", "must be an absolute path or empty");
      }
      s.checkpoint_dir = dir.value();
    }
    if (root["create_on_error"]) {
      Result<bool> b = boolean(root["create_on_error"], "create_on_error");
      if (!b.ok()) return b.status();
      s.create_on_error = b.value();
    }
    if (root["processing"]) CKPT_RETURN_IF_ERROR(processing(root["processing"], s.processing));
    if (root["downtime_ms"]) {
      Result<Duration> d = duration(root["downtime_ms"], "downtime_ms", true);
      if (!d.ok()) return d.status();
      s.downtime = d.value();
    }
    if (const YAML::Node conf = root["conf"]) {
      if (!conf.IsMap()) return error(conf, "conf", "expected a map of key: value");
      for (const auto& entry : conf) s.conf[entry.first.Scalar()] = entry.second.Scalar();
    }
    if (const YAML::Node expect = root["expect"]) {
      if (!expect.IsMap()) return error(expect, "expect", "expected {output: [[records], ...]}");
      for (const auto& entry : expect) {
        Result<std::vector<ckpt::Records>> b =
            batches(entry.second, "expect." + entry.first.Scalar());
        if (!b.ok()) return b.status();
        s.expect[entry.first.Scalar()] = b.value();
      }
    }
    if (root["crashes"]) {
      Result<std::vector<CrashSpec>> c = crashes(root["crashes"]);
      if (!c.ok()) return c.status();
      s.crashes = c.value();
    }
    return s;
  }

  Status source(const YAML::Node& node, Scenario& s) const {
    if (!node.IsMap()) return error(node, "source", "expected {kind: sequence, input: [...]}");
    CKPT_RETURN_IF_ERROR(check_keys(node, "source", {"kind", "input", "records"}));
    if (node["kind"]) s.source_kind = node["kind"].Scalar();
    if (s.source_kind == "sequence") {
      if (!node["input"])
        return error(node, "source.input", "missing (one list of records per batch)");
      Result<std::vector<ckpt::Records>> input = batches(node["input"], "source.input");
      if (!input.ok()) return input.status();
      s.input = input.value();
    } else if (s.source_kind == "constant") {
      if (!node["records"]) return error(node, "source.records", "missing");
      Result<ckpt::Records> r = records(node["records"], "source.records");
      if (!r.ok()) return r.status();
      s.input = {r.value()};
    } else {
      return error(node["kind"], "source.kind",
                   "unknown source '" + s.source_kind + "' (known: constant, sequence)");
    }
    return Status::Ok();
  }

 private:
  std::string path_;
};

}  // namespace

Result<Scenario> LoadScenario(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::InvalidArgument(path + ": no such scenario file");
  }
  Loader loader(path);
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                                   std::to_string(e.mark.column + 1) + ": (yaml): " + e.msg);
  }
  try {
    Result<Scenario> scenario = loader.scenario(root);
    if (!scenario.ok()) return scenario;
    CKPT_RETURN_IF_ERROR(
        ValidateScenario(scenario.value(), ckpt::FunctionRegistry::Builtins()).with_context(path));
    return scenario;
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                                   std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

Result<std::vector<Scenario>> LoadScenarios(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) {
    Result<Scenario> one = LoadScenario(path);
    if (!one.ok()) return one.status();
    return std::vector<Scenario>{one.value()};
  }
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(path, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) return Status::InvalidArgument(path + ": no *.yaml scenario below it");
  std::vector<Scenario> scenarios;
  for (const std::string& file : files) {
    Result<Scenario> one = LoadScenario(file);
    if (!one.ok()) return one.status();
    scenarios.push_back(one.value());
  }
  return scenarios;
}

Status ValidateScenario(const Scenario& s, const ckpt::FunctionRegistry& registry) {
  bool has_output = false;
  for (size_t i = 0; i < s.pipeline.size(); ++i) {
    const PipelineStep& step = s.pipeline[i];
    std::string field = "pipeline[" + std::to_string(i) + "]." + step.operation;
    using ckpt::FunctionKind;
    std::optional<FunctionKind> kind;
    if (step.operation == "map") kind = FunctionKind::kMap;
    if (step.operation == "flat_map") kind = FunctionKind::kFlatMap;
    if (step.operation == "filter") kind = FunctionKind::kFilter;
    if (step.operation == "reduce_by_key") kind = FunctionKind::kReduce;
    if (step.operation == "update_state_by_key") kind = FunctionKind::kUpdateState;
    if (kind) CKPT_RETURN_IF_ERROR(registry.check(step.function, *kind).with_context(field));
    has_output |= step.operation == "collect";
  }
  if (!has_output) {
    return Status::InvalidArgument("pipeline: no output operation (add a step {collect: NAME})");
  }
  for (const auto& [output, expected] : s.expect) {
    bool known = std::any_of(s.pipeline.begin(), s.pipeline.end(), [&](const PipelineStep& st) {
      return st.operation == "collect" && st.output_name == output;
    });
    if (!known) return Status::InvalidArgument("expect." + output + ": no such output");
    if (static_cast<int64_t>(expected.size()) != s.batches) {
      return Status::InvalidArgument("expect." + output + ": " + std::to_string(expected.size()) +
                                     " batches listed, scenario has " + std::to_string(s.batches));
    }
  }
  return Status::Ok();
}

}  // namespace sim
