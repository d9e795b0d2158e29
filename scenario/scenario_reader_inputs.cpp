#include <algorithm>
#include <charconv>

#include "scenario/scenario_reader.h"
#include "scenario/swarm.h"

namespace sim {

namespace {

// The keys of a source's definition (SourceSpec), under `source:` or in `sources:`.
const std::set<std::string> kSourceKeys = {"kind",     "input",          "records",    "directory",
                                           "files",    "topic",          "partitions", "appends",
                                           "generate", "new_files_only", "path_filter"};

}  // namespace

Status ScenarioReader::source(const YAML::Node& node, Scenario& s) const {
  if (!node.IsMap()) return error(node, "source", "expected {kind: sequence, input: [...]}");
  std::set<std::string> keys = kSourceKeys;
  keys.insert({"max_offsets_per_trigger", "max_files_per_trigger"});
  CKPT_RETURN_IF_ERROR(check_keys(node, "source", keys));
  CKPT_RETURN_IF_ERROR(source_kind(node, "source", s.source));
  CKPT_RETURN_IF_ERROR(rate_limits(node, s));
  return source_fields(node, "source", s.source);
}

Status ScenarioReader::source_spec(const YAML::Node& node, const std::string& field,
                                   SourceSpec& source) const {
  CKPT_RETURN_IF_ERROR(source_kind(node, field, source));
  return source_fields(node, field, source);
}

Status ScenarioReader::source_kind(const YAML::Node& node, const std::string& field,
                                   SourceSpec& source) const {
  if (node["kind"]) {
    CKPT_ASSIGN_OR_RETURN(std::string kind_name, string(node["kind"], field + ".kind"));
    Result<SourceKind> kind = ParseSourceKind(kind_name);
    if (!kind.ok()) return error(node["kind"], field + ".kind", kind.status().message());
    source = DefaultSource(kind.value());
  }
  for (const char* file_only : {"new_files_only", "path_filter"}) {
    if (node[file_only] && !source.get<FileInput>()) {
      return error(node[file_only], field + "." + file_only, "only a file source has it");
    }
  }
  return Status::Ok();
}

Status ScenarioReader::source_fields(const YAML::Node& node, const std::string& field,
                                     SourceSpec& source) const {
  if (std::vector<ckpt::Records>* input = source.held_input()) {
    CKPT_ASSIGN_OR_RETURN(*input, in_memory_input(node, source.kind(), field));
    return Status::Ok();
  }
  if (auto* file = source.get<FileInput>()) return file_source(node, field, *file);
  return log_source(node, field, source);
}

// Structured Streaming's source options maxOffsetsPerTrigger (log) and maxFilesPerTrigger (file).
Status ScenarioReader::rate_limits(const YAML::Node& node, Scenario& s) const {
  for (auto [key, kind, field] :
       {std::tuple{"max_offsets_per_trigger", SourceKind::kLog, &s.query.max_offsets_per_trigger},
        std::tuple{"max_files_per_trigger", SourceKind::kFile, &s.query.max_files_per_trigger}}) {
    const YAML::Node value = node[key];
    if (!value) continue;
    const std::string where = std::string("source.") + key;
    if (s.engine != Engine::kStructured || s.source.kind() != kind) {
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
  if (!node.IsSequence()) return error(node, "sources", "expected a list of {name, kind, ...}");
  if (node.size() > kMaxNamedSources) {
    return error(node, "sources", "at most " + std::to_string(kMaxNamedSources) + " sources");
  }
  for (const YAML::Node& item : node) {
    if (!item.IsMap()) return error(item, "sources", "expected {name, kind, ...}");
    std::set<std::string> keys = kSourceKeys;
    keys.insert("name");
    CKPT_RETURN_IF_ERROR(check_keys(item, "sources", keys));
    if (!item["name"]) return error(item, "sources.name", "missing");
    NamedSource source;
    CKPT_ASSIGN_OR_RETURN(source.name, plain_name(item["name"], "sources.name"));
    CKPT_RETURN_IF_ERROR(source_spec(item, "sources." + source.name, source));
    CKPT_RETURN_IF_ERROR(distinct_input(item, s, source));
    s.sources.push_back(std::move(source));
    // Each generated input is bounded on its own; so is what all of them hold together.
    int64_t records = 0;
    for (int32_t id = 0; id < InputStreamCount(s); ++id) {
      const std::vector<LogAppend>* appends = InputSource(s, id).appends();
      for (const LogAppend& append : appends ? *appends : std::vector<LogAppend>{}) {
        records += static_cast<int64_t>(append.records.size());
      }
    }
    if (records > kMaxInputRecords) {
      return error(
          item, "sources",
          "more than " + std::to_string(kMaxInputRecords) + " appended records in all sources");
    }
  }
  return Status::Ok();
}

// Each producer keeps its own input: a log source's topic, a receiver's source and a file
// source's directory belong to one stream of the scenario. (Spark would let two streams read one
// topic; the scenario language gives each its own appends or files, so two would contradict.)
Status ScenarioReader::distinct_input(const YAML::Node& item, const Scenario& s,
                                      const NamedSource& source) const {
  if (!source.produced()) return Status::Ok();
  const FileInput* file = source.get<FileInput>();
  const std::string key = file ? "directory" : "topic";
  auto input_of = [](const SourceSpec& spec) -> const std::string& {
    const FileInput* file = spec.get<FileInput>();
    return file ? file->directory : spec.topic();
  };
  const std::string& mine = input_of(source);
  for (int32_t id = 0; id < InputStreamCount(s); ++id) {
    const SourceSpec& other = InputSource(s, id);
    if (other.kind() != source.kind()) continue;
    if (input_of(other) == mine) {
      return error(item[key] ? item[key] : item, "sources." + source.name + "." + key,
                   "'" + mine + "' is already the input of " + InputStreamName(s, id) + ": each " +
                       SourceKindName(source.kind()) + " source needs its own");
    }
  }
  return Status::Ok();
}

Status ScenarioReader::file_source(const YAML::Node& node, const std::string& field,
                                   FileInput& source) const {
  if (!node["directory"]) return error(node, field + ".directory", "missing");
  CKPT_ASSIGN_OR_RETURN(source.directory, absolute_path(node["directory"], field + ".directory"));
  if (node["new_files_only"]) {
    CKPT_ASSIGN_OR_RETURN(source.new_files_only,
                          boolean(node["new_files_only"], field + ".new_files_only"));
  }
  if (const YAML::Node filter = node["path_filter"]) {
    CKPT_ASSIGN_OR_RETURN(source.path_filter, function(filter, field + ".path_filter"));
    Status known = functions().check(source.path_filter, ckpt::FunctionKind::kFilter);
    if (!known.ok()) return error(filter, field + ".path_filter", known.message());
  }
  const YAML::Node files = node["files"];
  const std::string where = field + ".files";
  if (!files || !files.IsSequence()) {
    return error(files ? files : node, where, "expected a list of {at_ms, name, lines}");
  }
  for (const YAML::Node& file : files) {
    CKPT_RETURN_IF_ERROR(check_keys(file, where, {"at_ms", "name", "lines", "modified_at_ms"}));
    for (const char* required : {"at_ms", "name", "lines"}) {
      if (!file[required]) return error(file, where + "." + required, "missing");
    }
    CKPT_ASSIGN_OR_RETURN(Duration at, duration(file["at_ms"], where + ".at_ms", true));
    CKPT_ASSIGN_OR_RETURN(std::string name, plain_name(file["name"], where + ".name"));
    CKPT_ASSIGN_OR_RETURN(ckpt::Records lines, records(file["lines"], where + ".lines"));
    ProducedFile produced{Time{0} + at, name, {}, std::nullopt};
    if (const YAML::Node modified = file["modified_at_ms"]) {
      CKPT_ASSIGN_OR_RETURN(Duration d, duration(modified, where + ".modified_at_ms", true));
      produced.modified_at = Time{0} + d;
    }
    for (const Value& line : lines) {
      produced.lines.push_back(line.is_string() ? line.as_string() : line.to_string());
    }
    source.files.push_back(std::move(produced));
  }
  return Status::Ok();
}

Status ScenarioReader::log_source(const YAML::Node& node, const std::string& field,
                                  SourceSpec& source) const {
  const bool receiver = source.kind() == SourceKind::kReceiver;
  LogInput log;  // a receiver's source reads as a log of one partition
  if (node["topic"]) {
    CKPT_ASSIGN_OR_RETURN(log.topic, string(node["topic"], field + ".topic"));
  }
  if (receiver) {
    if (node["partitions"]) {
      return error(node["partitions"], field + ".partitions", "a receiver's source has none");
    }
    log.partitions = ReceiverInput::partitions;
  } else {
    if (!node["partitions"]) return error(node, field + ".partitions", "missing");
    CKPT_ASSIGN_OR_RETURN(int64_t partitions, integer(node["partitions"], field + ".partitions"));
    if (partitions < 1 || partitions > 1000) {
      return error(node["partitions"], field + ".partitions", "must be in 1..1000");
    }
    log.partitions = static_cast<int32_t>(partitions);
  }
  if (node["generate"]) {
    CKPT_RETURN_IF_ERROR(generated_appends(node["generate"], field, log));
  } else {
    CKPT_RETURN_IF_ERROR(listed_appends(node, field, receiver, log));
  }
  if (receiver) {
    source.of = ReceiverInput{std::move(log.topic), std::move(log.appends)};
  } else {
    source.of = std::move(log);
  }
  return Status::Ok();
}

Status ScenarioReader::listed_appends(const YAML::Node& node, const std::string& field,
                                      bool receiver, LogInput& source) const {
  const YAML::Node appends = node["appends"];
  const std::string where = field + ".appends";
  const char* shape = receiver ? "{at_ms, records}" : "{at_ms, partition, records}";
  if (!appends || !appends.IsSequence()) {
    return error(appends ? appends : node, where,
                 std::string("expected a list of ") + shape + " (or generate: {...})");
  }
  std::vector<std::string> keys = {"at_ms", "records"};
  if (!receiver) keys.push_back("partition");
  for (const YAML::Node& item : appends) {
    CKPT_RETURN_IF_ERROR(check_keys(item, where, std::set<std::string>(keys.begin(), keys.end())));
    for (const std::string& required : keys) {
      if (!item[required]) return error(item, where + "." + required, "missing");
    }
    CKPT_ASSIGN_OR_RETURN(Duration at, duration(item["at_ms"], where + ".at_ms", true));
    CKPT_ASSIGN_OR_RETURN(int64_t partition,
                          receiver ? Result<int64_t>(0)
                                   : integer(item["partition"], where + ".partition"));
    CKPT_ASSIGN_OR_RETURN(ckpt::Records appended, records(item["records"], where + ".records"));
    if (partition < 0 || partition >= source.partitions) {
      return error(item["partition"], where + ".partition",
                   "must be in 0.." + std::to_string(source.partitions - 1));
    }
    if (!source.appends.empty() && Time{0} + at < source.appends.back().at) {
      return error(item["at_ms"], where + ".at_ms", "must not go back in time");
    }
    source.appends.push_back(
        LogAppend{Time{0} + at, static_cast<int32_t>(partition), std::move(appended)});
  }
  return Status::Ok();
}

Status ScenarioReader::generated_appends(const YAML::Node& node, const std::string& field,
                                         LogInput& source) const {
  const std::string where = field + ".generate";
  CKPT_RETURN_IF_ERROR(check_keys(node, where, {"every_ms", "until_ms", "records"}));
  for (const char* required : {"every_ms", "until_ms", "records"}) {
    if (!node[required]) return error(node, where + "." + required, "missing");
  }
  CKPT_ASSIGN_OR_RETURN(Duration every, duration(node["every_ms"], where + ".every_ms", false));
  CKPT_ASSIGN_OR_RETURN(Duration until, duration(node["until_ms"], where + ".until_ms", true));
  CKPT_ASSIGN_OR_RETURN(int64_t count, integer(node["records"], where + ".records"));
  if (count < 1 || count > 1000)
    return error(node["records"], where + ".records", "must be in 1..1000");
  // Bounded step by step: each factor is at most 1,000,000 here, so no product overflows.
  const int64_t ticks = until.ms / every.ms;
  if (ticks > kMaxInputRecords || ticks * source.partitions * count > kMaxInputRecords) {
    return error(node, where, "more than 1,000,000 records");
  }
  source.appends = GenerateLogAppends(source.partitions, every, until, count);
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
