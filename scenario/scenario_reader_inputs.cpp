#include <algorithm>
#include <charconv>

#include "scenario/scenario_reader.h"
#include "scenario/swarm.h"

namespace sim {

Status ScenarioReader::source(const YAML::Node& node, Scenario& s) const {
  if (!node.IsMap()) return error(node, "source", "expected {kind: sequence, input: [...]}");
  CKPT_RETURN_IF_ERROR(
      check_keys(node, "source",
                 {"kind", "input", "records", "directory", "files", "topic", "partitions",
                  "appends", "generate", "new_files_only", "path_filter", "max_offsets_per_trigger",
                  "max_files_per_trigger"}));
  if (node["kind"]) {
    Result<SourceKind> kind = ParseSourceKind(node["kind"].Scalar());
    if (!kind.ok()) return error(node["kind"], "source.kind", kind.status().message());
    s.source_kind = kind.value();
  }
  for (const char* file_only : {"new_files_only", "path_filter"}) {
    if (node[file_only] && s.source_kind != SourceKind::kFile) {
      return error(node[file_only], std::string("source.") + file_only,
                   "only a file source has it");
    }
  }
  CKPT_RETURN_IF_ERROR(rate_limits(node, s));
  if (IsInMemory(s.source_kind)) {
    CKPT_ASSIGN_OR_RETURN(s.input, in_memory_input(node, s.source_kind, "source"));
  } else if (s.source_kind == SourceKind::kFile) {
    return file_source(node, s);
  } else if (s.source_kind == SourceKind::kLog || s.source_kind == SourceKind::kReceiver) {
    return log_source(node, s);
  }
  return Status::Ok();
}

// Structured Streaming's source options maxOffsetsPerTrigger (log) and maxFilesPerTrigger (file).
Status ScenarioReader::rate_limits(const YAML::Node& node, Scenario& s) const {
  for (auto [key, kind, field] :
       {std::tuple{"max_offsets_per_trigger", SourceKind::kLog, &s.query.max_offsets_per_trigger},
        std::tuple{"max_files_per_trigger", SourceKind::kFile, &s.query.max_files_per_trigger}}) {
    const YAML::Node value = node[key];
    if (!value) continue;
    const std::string where = std::string("source.") + key;
    if (s.engine != Engine::kStructured || s.source_kind != kind) {
      return error(
          value, where,
          std::string("only a structured query's ") + SourceKindName(kind) + " source has it");
    }
    CKPT_ASSIGN_OR_RETURN(int64_t n, integer(value, where));
    if (n < 1) return error(value, where, "must be at least 1");
    *field = n;
  }
  return Status::Ok();
}

bool ScenarioReader::IsInMemory(SourceKind kind) {
  return kind == SourceKind::kSequence || kind == SourceKind::kQueue ||
         kind == SourceKind::kConstant;
}

Result<std::vector<ckpt::Records>> ScenarioReader::in_memory_input(const YAML::Node& node,
                                                                   SourceKind kind,
                                                                   const std::string& field) const {
  if (kind == SourceKind::kConstant) {
    if (!node["records"]) return error(node, field + ".records", "missing");
    CKPT_ASSIGN_OR_RETURN(ckpt::Records r, records(node["records"], field + ".records"));
    return std::vector<ckpt::Records>{r};
  }
  if (!node["input"]) {
    return error(node, field + ".input", "missing (one list of records per batch)");
  }
  return batches(node["input"], field + ".input");
}

Status ScenarioReader::named_sources(const YAML::Node& node, Scenario& s) const {
  if (!node.IsSequence()) {
    return error(node, "sources", "expected a list of {name, kind, input or records}");
  }
  for (const YAML::Node& item : node) {
    CKPT_RETURN_IF_ERROR(check_keys(item, "sources", {"name", "kind", "input", "records"}));
    if (!item["name"]) return error(item, "sources.name", "missing");
    NamedSource source;
    CKPT_ASSIGN_OR_RETURN(source.name, plain_name(item["name"], "sources.name"));
    if (item["kind"]) {
      CKPT_ASSIGN_OR_RETURN(std::string kind_name, string(item["kind"], "sources.kind"));
      Result<SourceKind> kind = ParseSourceKind(kind_name);
      if (!kind.ok()) return error(item["kind"], "sources.kind", kind.status().message());
      if (!IsInMemory(kind.value())) {
        return error(item["kind"], "sources.kind",
                     "a named source is sequence, constant or queue (" + kind_name +
                         " can only be the main source)");
      }
      source.kind = kind.value();
    }
    const std::string field = "sources." + source.name;
    CKPT_ASSIGN_OR_RETURN(source.input, in_memory_input(item, source.kind, field));
    s.sources.push_back(std::move(source));
  }
  return Status::Ok();
}

Status ScenarioReader::file_source(const YAML::Node& node, Scenario& s) const {
  if (!node["directory"]) return error(node, "source.directory", "missing");
  CKPT_ASSIGN_OR_RETURN(s.source_directory, absolute_path(node["directory"], "source.directory"));
  if (node["new_files_only"]) {
    CKPT_ASSIGN_OR_RETURN(s.new_files_only, boolean(node["new_files_only"], "source.new_files_only"));
  }
  if (const YAML::Node filter = node["path_filter"]) {
    CKPT_ASSIGN_OR_RETURN(s.path_filter, function(filter, "source.path_filter"));
    Status known = functions().check(s.path_filter, ckpt::FunctionKind::kFilter);
    if (!known.ok()) return error(filter, "source.path_filter", known.message());
  }
  const YAML::Node files = node["files"];
  if (!files || !files.IsSequence()) {
    return error(files ? files : node, "source.files", "expected a list of {at_ms, name, lines}");
  }
  for (const YAML::Node& file : files) {
    CKPT_RETURN_IF_ERROR(
        check_keys(file, "source.files", {"at_ms", "name", "lines", "modified_at_ms"}));
    for (const char* required : {"at_ms", "name", "lines"}) {
      if (!file[required]) return error(file, std::string("source.files.") + required, "missing");
    }
    Result<Duration> at = duration(file["at_ms"], "source.files.at_ms", true);
    Result<std::string> name = plain_name(file["name"], "source.files.name");
    Result<ckpt::Records> lines = records(file["lines"], "source.files.lines");
    if (!at.ok()) return at.status();
    if (!name.ok()) return name.status();
    if (!lines.ok()) return lines.status();
    ProducedFile produced{Time{0} + at.value(), name.value(), {}, std::nullopt};
    if (const YAML::Node modified = file["modified_at_ms"]) {
      CKPT_ASSIGN_OR_RETURN(Duration d, duration(modified, "source.files.modified_at_ms", true));
      produced.modified_at = Time{0} + d;
    }
    for (const Value& line : lines.value()) {
      produced.lines.push_back(line.is_string() ? line.as_string() : line.to_string());
    }
    s.produced_files.push_back(std::move(produced));
  }
  return Status::Ok();
}

Status ScenarioReader::log_source(const YAML::Node& node, Scenario& s) const {
  bool receiver = s.source_kind == SourceKind::kReceiver;
  if (node["topic"]) {
    CKPT_ASSIGN_OR_RETURN(std::string topic, string(node["topic"], "source.topic"));
    s.log_topic = topic;
  }
  if (receiver) {
    if (node["partitions"]) {
      return error(node["partitions"], "source.partitions", "a receiver's source has none");
    }
    s.log_partitions = 1;
  } else {
    if (!node["partitions"]) return error(node, "source.partitions", "missing");
    Result<int64_t> partitions = integer(node["partitions"], "source.partitions");
    if (!partitions.ok()) return partitions.status();
    if (partitions.value() < 1 || partitions.value() > 1000) {
      return error(node["partitions"], "source.partitions", "must be in 1..1000");
    }
    s.log_partitions = static_cast<int32_t>(partitions.value());
  }
  if (node["generate"]) return generated_appends(node["generate"], s);
  const YAML::Node appends = node["appends"];
  const char* shape = receiver ? "{at_ms, records}" : "{at_ms, partition, records}";
  if (!appends || !appends.IsSequence()) {
    return error(appends ? appends : node, "source.appends",
                 std::string("expected a list of ") + shape + " (or generate: {...})");
  }
  std::vector<std::string> keys = {"at_ms", "records"};
  if (!receiver) keys.push_back("partition");
  for (const YAML::Node& item : appends) {
    CKPT_RETURN_IF_ERROR(
        check_keys(item, "source.appends", std::set<std::string>(keys.begin(), keys.end())));
    for (const std::string& required : keys) {
      if (!item[required]) return error(item, "source.appends." + required, "missing");
    }
    Result<Duration> at = duration(item["at_ms"], "source.appends.at_ms", true);
    Result<int64_t> partition =
        receiver ? Result<int64_t>(0) : integer(item["partition"], "source.appends.partition");
    Result<ckpt::Records> appended = records(item["records"], "source.appends.records");
    if (!at.ok()) return at.status();
    if (!partition.ok()) return partition.status();
    if (!appended.ok()) return appended.status();
    if (partition.value() < 0 || partition.value() >= s.log_partitions) {
      return error(item["partition"], "source.appends.partition",
                   "must be in 0.." + std::to_string(s.log_partitions - 1));
    }
    if (!s.log_appends.empty() && Time{0} + at.value() < s.log_appends.back().at) {
      return error(item["at_ms"], "source.appends.at_ms", "must not go back in time");
    }
    s.log_appends.push_back(
        LogAppend{Time{0} + at.value(), static_cast<int32_t>(partition.value()), appended.value()});
  }
  return Status::Ok();
}

Status ScenarioReader::generated_appends(const YAML::Node& node, Scenario& s) const {
  CKPT_RETURN_IF_ERROR(check_keys(node, "source.generate", {"every_ms", "until_ms", "records"}));
  for (const char* required : {"every_ms", "until_ms", "records"}) {
    if (!node[required]) return error(node, std::string("source.generate.") + required, "missing");
  }
  Result<Duration> every = duration(node["every_ms"], "source.generate.every_ms", false);
  Result<Duration> until = duration(node["until_ms"], "source.generate.until_ms", true);
  Result<int64_t> count = integer(node["records"], "source.generate.records");
  if (!every.ok()) return every.status();
  if (!until.ok()) return until.status();
  if (!count.ok()) return count.status();
  if (count.value() < 1 || count.value() > 1000) {
    return error(node["records"], "source.generate.records", "must be in 1..1000");
  }
  int64_t appends = until.value().ms / every.value().ms * s.log_partitions * count.value();
  if (appends > 1'000'000) {
    return error(node, "source.generate", "more than 1,000,000 records");
  }
  s.log_appends = GenerateLogAppends(s.log_partitions, every.value(), until.value(), count.value());
  return Status::Ok();
}

Status ScenarioReader::initial_files(const YAML::Node& node, Scenario& s) const {
  if (!node.IsSequence()) return error(node, "initial_files", "expected a list of {path, content}");
  for (const YAML::Node& file : node) {
    CKPT_RETURN_IF_ERROR(check_keys(file, "initial_files", {"path", "content"}));
    if (!file["path"]) return error(file, "initial_files.path", "missing");
    Result<std::string> path = absolute_path(file["path"], "initial_files.path");
    if (!path.ok()) return path.status();
    std::string content = file["content"] ? file["content"].Scalar() : "";
    s.initial_files.push_back({path.value(), content});
  }
  return Status::Ok();
}

Status ScenarioReader::swarm(const YAML::Node& node, Scenario& s) const {
  if (!node.IsMap()) return error(node, "swarm", "expected a map of field: [low, high]");
  std::set<std::string> keys;
  for (auto [key, range] : SwarmRanges::Fields(s.swarm)) keys.insert(key);
  CKPT_RETURN_IF_ERROR(check_keys(node, "swarm", keys));
  const auto ranges = SwarmRanges::Fields(s.swarm);
  for (auto [key, range] : ranges) {
    const YAML::Node item = node[key];
    if (!item) continue;
    std::string field = std::string("swarm.") + key;
    if (!item.IsSequence() || item.size() != 2) return error(item, field, "expected [low, high]");
    Result<int64_t> low = integer(item[0], field);
    Result<int64_t> high = integer(item[1], field);
    if (!low.ok()) return low.status();
    if (!high.ok()) return high.status();
    // A clock offset may be negative (behind); every other range counts something.
    int64_t least = key == std::string("restart_clock_offset_ms") ? -kMaxClockOffset_ms : 0;
    if (low.value() < least || low.value() > high.value()) {
      return error(item, field, "expected " + std::to_string(least) + " <= low <= high");
    }
    if (least < 0 && high.value() > kMaxClockOffset_ms) {
      return error(item, field, "must lie within -86400000..86400000");
    }
    *range = IntRange{low.value(), high.value()};
  }
  for (auto [key, range] : ranges) {  // once all are known: they constrain each other
    if (!*range) continue;
    Status valid = ValidateSwarmRange(s, key);
    if (!valid.ok()) return error(node[key], std::string("swarm.") + key, valid.message());
  }
  return Status::Ok();
}

Result<FaultRule> ScenarioReader::fault(const YAML::Node& item) const {
  const std::string where = "faults";
  CKPT_RETURN_IF_ERROR(check_keys(
      item, where,
      {"kind", "operation", "path", "nth", "times", "probability", "latency_ms", "bytes"}));
  FaultRule rule;
  rule.origin = path_ + ":" + std::to_string(item.Mark().line + 1);
  if (!item["kind"])
    return error(item, "faults.kind", "missing (eio, enospc, latency, bitflip or torn_write)");
  CKPT_ASSIGN_OR_RETURN(std::string kind_name, string(item["kind"], "faults.kind"));
  Result<FaultKind> kind = ParseFaultKind(kind_name);
  if (!kind.ok()) return error(item["kind"], "faults.kind", kind.status().message());
  rule.kind = kind.value();
  if (item["operation"]) {
    CKPT_ASSIGN_OR_RETURN(std::string op, string(item["operation"], "faults.operation"));
    const std::vector<std::string>& known = FaultOperations();
    if (std::find(known.begin(), known.end(), op) == known.end()) {
      std::string list;
      for (const std::string& name : known) list += (list.empty() ? "" : ", ") + name;
      return error(item["operation"], "faults.operation",
                   "unknown operation '" + op + "' (known: " + list + ")");
    }
    rule.operation = op;
  }
  if (item["path"]) {
    CKPT_ASSIGN_OR_RETURN(std::string pattern, string(item["path"], "faults.path"));
    rule.path = pattern;
  }
  if (item["nth"]) {
    Result<int64_t> nth = integer(item["nth"], "faults.nth");
    if (!nth.ok()) return nth.status();
    if (nth.value() < 1) return error(item["nth"], "faults.nth", "must be >= 1");
    rule.nth = nth.value();
  }
  if (item["times"]) {
    Result<int64_t> times = integer(item["times"], "faults.times");
    if (!times.ok()) return times.status();
    if (times.value() < 1 || times.value() > 1000000) {
      return error(item["times"], "faults.times", "must be in 1..1000000");
    }
    rule.times = times.value();
  }
  if (item["probability"]) {
    double p = -1;
    const std::string& text = item["probability"].Scalar();
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), p);
    if (ec != std::errc() || end != text.data() + text.size() || p < 0 || p > 1) {
      return error(item["probability"], "faults.probability",
                   "expected a probability in [0, 1], got '" + text + "'");
    }
    rule.probability_ppm = static_cast<uint32_t>(p * 1'000'000 + 0.5);
  }
  if (item["latency_ms"]) {
    CKPT_ASSIGN_OR_RETURN(Duration d, duration(item["latency_ms"], "faults.latency_ms", false));
    rule.latency = d;
  }
  if (item["bytes"]) {
    Result<int64_t> bytes = integer(item["bytes"], "faults.bytes");
    if (!bytes.ok()) return bytes.status();
    if (bytes.value() < 0) return error(item["bytes"], "faults.bytes", "must be >= 0");
    rule.bytes = static_cast<uint64_t>(bytes.value());
  }
  return check_fault(item, rule);
}

Result<FaultRule> ScenarioReader::check_fault(const YAML::Node& item, const FaultRule& rule) const {
  bool counted = CountsOccurrences(rule.kind);
  if (counted && !item["nth"] == !item["probability"]) {
    return error(
        item, "faults",
        std::string(FaultKindName(rule.kind)) + " needs exactly one of nth and probability");
  }
  if (!counted) {
    for (const char* key : {"nth", "times", "probability"}) {
      if (item[key])
        return error(item[key], std::string("faults.") + key,
                     "only eio, bitflip and stale_exists count occurrences");
    }
  }
  if (item["times"] && !item["nth"]) return error(item["times"], "faults.times", "needs nth");
  if ((rule.kind == FaultKind::kLatency) != bool(item["latency_ms"])) {
    return error(item, "faults.latency_ms", "latency needs latency_ms; other kinds cannot have it");
  }
  if ((rule.kind == FaultKind::kEnospc) != bool(item["bytes"])) {
    return error(item, "faults.bytes", "enospc needs bytes; other kinds cannot have it");
  }
  bool takes_operation = rule.kind == FaultKind::kEio || rule.kind == FaultKind::kLatency ||
                         (rule.kind == FaultKind::kBitflip && rule.operation == "read");
  if (item["operation"] && !takes_operation) {
    return error(item["operation"], "faults.operation",
                 std::string(FaultKindName(rule.kind)) + " does not take an operation" +
                     (rule.kind == FaultKind::kBitflip ? " other than read" : ""));
  }
  return rule;
}

Status ScenarioReader::faults(const YAML::Node& node, Scenario& s) const {
  if (!node.IsSequence()) return error(node, "faults", "expected a list of fault rules");
  if (node.size() > 64) return error(node, "faults", "at most 64 rules");
  for (const YAML::Node& item : node) {
    if (!item.IsMap()) return error(item, "faults", "expected a map {kind: ..., ...}");
    CKPT_ASSIGN_OR_RETURN(FaultRule rule, fault(item));
    s.faults.push_back(rule);
  }
  return Status::Ok();
}

}  // namespace sim
