// Reading an `engine: structured` scenario (docs/structured.md, "Scenarios"): the DStream format
// where the concept is the same (source, processing, conf, filesystem, faults, crashes,
// expect_failures), a query pipeline of its own, and Spark's start-time checks at their fields.
#include <algorithm>
#include <cctype>

#include "engine/structured/query.h"
#include "scenario/scenario_reader.h"

namespace sim {
namespace {

using ckpt::structured::OutputMode;

// Kafka's rule for a topic name (Topic.validate): 1 to 249 of [a-zA-Z0-9._-], not "." or "..".
bool IsKafkaTopicName(const std::string& name) {
  if (name.empty() || name.size() > 249 || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

bool IsRowOperation(Operation operation) {
  return operation == Operation::kMap || operation == Operation::kFlatMap ||
         operation == Operation::kFilter;
}

}  // namespace

Result<Scenario> ScenarioReader::structured_scenario(const YAML::Node& root) const {
  // clang-format off
  CKPT_RETURN_IF_ERROR(check_keys(
      root, "",
      {"engine",     "name",        "description", "source",     "pipeline",  "output_mode",
       "trigger_ms", "trigger",     "checkpoint_dir", "processing", "downtime_ms", "conf",
       "restart_conf", "filesystem", "faults",     "expect",     "expect_failures", "crashes",
       "trial_seed", "interleaving", "initial_files", "plugins", "expect_error",
       "scheduled_runs", "expect_logs", "expect_deliveries", "swarm"}));
  // clang-format on
  Scenario s;
  s.path = path_;
  s.engine = Engine::kStructured;
  for (const char* required : {"name", "source", "pipeline"}) {
    if (!root[required]) return error(root, required, "missing required field");
  }
  CKPT_ASSIGN_OR_RETURN(s.name, plain_name(root["name"], "name"));
  if (root["description"]) s.description = root["description"].Scalar();
  CKPT_RETURN_IF_ERROR(plugins(root, s));
  CKPT_RETURN_IF_ERROR(source(root["source"], s));
  if (!s.source.get<LogInput>() && !s.source.get<FileInput>()) {
    return error(root["source"], "source.kind",
                 "a structured query reads a log (the Kafka source) or a file source");
  }
  if (s.source.get<LogInput>() && !IsKafkaTopicName(s.source.topic())) {
    const YAML::Node topic = root["source"]["topic"];
    return error(topic ? topic : root["source"], "source.topic",
                 "not a Kafka topic name (1 to 249 of a-z, A-Z, 0-9, '.', '_', '-')");
  }
  CKPT_RETURN_IF_ERROR(query_pipeline(root["pipeline"], s.query));
  CKPT_RETURN_IF_ERROR(query_settings(root, s));
  if (root["checkpoint_dir"]) {
    CKPT_ASSIGN_OR_RETURN(s.checkpoint_dir, absolute_path(root["checkpoint_dir"], "checkpoint_dir"));
  }
  CKPT_RETURN_IF_ERROR(driver_settings(root, s));
  if (!s.processing.slow_batches.empty() || !s.processing.failing_batches.empty() ||
      s.processing.per_computed_record_us != 0) {
    return error(root["processing"], "processing",
                 "a structured query takes job_base_ms and per_record_us only");
  }
  CKPT_RETURN_IF_ERROR(expectations(root, s));
  for (const auto& [sink, batches] : s.expect) {
    if (!s.query.delivers_batches() || sink != s.query.sink_name) {
      return error(root["expect"], "expect." + sink,
                   "names no foreach_batch or write_store sink of the query (expect holds its "
                   "batches by id)");
    }
  }
  CKPT_RETURN_IF_ERROR(harness_settings(root, s));
  CKPT_RETURN_IF_ERROR(scheduled_runs(root["scheduled_runs"], s));
  CKPT_RETURN_IF_ERROR(log_expectations(root["expect_logs"], s));
  CKPT_RETURN_IF_ERROR(delivery_expectations(root["expect_deliveries"], s));
  if (root["swarm"]) CKPT_RETURN_IF_ERROR(swarm(root["swarm"], s));
  return s;
}

// `scheduled_runs: [{at_ms, delete: [path, ...]}, ...]`, at increasing times; a deleted path is
// relative to the checkpoint directory and stays inside it.
Status ScenarioReader::scheduled_runs(const YAML::Node& node, Scenario& s) const {
  if (!node) return Status::Ok();
  if (!node.IsSequence() || node.size() == 0 || node.size() > kMaxScheduledRuns) {
    return error(node, "scheduled_runs",
                 "expected a list of 1 to " + std::to_string(kMaxScheduledRuns) +
                     " runs, such as {at_ms: 1000, delete: [commits/0]}");
  }
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node item = node[i];
    const std::string field = "scheduled_runs[" + std::to_string(i) + "]";
    if (!item.IsMap() || !item["at_ms"]) return error(item, field, "expected {at_ms, delete}");
    CKPT_RETURN_IF_ERROR(check_keys(item, field, {"at_ms", "delete", "conf", "concurrent"}));
    ScheduledRun run;
    CKPT_ASSIGN_OR_RETURN(Duration at, duration(item["at_ms"], field + ".at_ms", true));
    run.at = Time{at.ms};
    if (!s.scheduled_runs.empty() && run.at <= s.scheduled_runs.back().at) {
      return error(item["at_ms"], field + ".at_ms", "runs come at increasing times");
    }
    if (const YAML::Node deletes = item["delete"]) {
      if (!deletes.IsSequence() || deletes.size() > kMaxScheduledRuns) {
        return error(deletes, field + ".delete", "expected a list of paths in the checkpoint");
      }
      for (const YAML::Node& path : deletes) {
        CKPT_ASSIGN_OR_RETURN(std::string relative, string(path, field + ".delete"));
        std::vector<std::string> parts = ckpt::PathComponents("/" + relative);
        bool inside = !relative.empty() && relative[0] != '/' && !parts.empty() &&
                      std::none_of(parts.begin(), parts.end(), [](const std::string& part) {
                        return part == "." || part == "..";
                      });
        if (!inside) {
          return error(path, field + ".delete",
                       "a path relative to the checkpoint directory, without '.' or '..'");
        }
        run.deletes.push_back(relative);
      }
    }
    if (const YAML::Node concurrent = item["concurrent"]) {
      CKPT_ASSIGN_OR_RETURN(run.concurrent, boolean(concurrent, field + ".concurrent"));
    }
    if (const YAML::Node conf = item["conf"]) {
      run.conf.emplace();
      CKPT_RETURN_IF_ERROR(conf_map(conf, field + ".conf", *run.conf));
    }
    s.scheduled_runs.push_back(std::move(run));
  }
  return Status::Ok();
}

// `expect_deliveries: {SINK: [{batch: ID, rows: [records]}, ...]}`.
Status ScenarioReader::delivery_expectations(const YAML::Node& node, Scenario& s) const {
  if (!node) return Status::Ok();
  if (!node.IsMap()) {
    return error(node, "expect_deliveries", "expected {sink: [{batch: 0, rows: [...]}, ...]}");
  }
  for (const auto& entry : node) {
    const std::string sink = entry.first.Scalar();
    const std::string field = "expect_deliveries." + sink;
    if (!s.query.delivers_batches() || sink != s.query.sink_name) {
      return error(entry.first, field, "names no foreach_batch or write_store sink of the query");
    }
    if (!entry.second.IsSequence()) return error(entry.second, field, "expected a list");
    auto& deliveries = s.expect_deliveries[sink];
    for (size_t i = 0; i < entry.second.size(); ++i) {
      const YAML::Node item = entry.second[i];
      const std::string where = field + "[" + std::to_string(i) + "]";
      if (!item.IsMap() || !item["batch"] || !item["rows"]) {
        return error(item, where, "expected {batch: ID, rows: [records]}");
      }
      CKPT_RETURN_IF_ERROR(check_keys(item, where, {"batch", "rows"}));
      CKPT_ASSIGN_OR_RETURN(int64_t batch_id, integer(item["batch"], where + ".batch"));
      if (batch_id < 0) return error(item["batch"], where + ".batch", "a batch id is 0 or more");
      CKPT_ASSIGN_OR_RETURN(ckpt::Records rows, records(item["rows"], where + ".rows"));
      deliveries.emplace_back(batch_id, std::move(rows));
    }
  }
  return Status::Ok();
}

// `expect_logs: {offsets: [ids], commits: [ids]}`, each ids increasing.
Status ScenarioReader::log_expectations(const YAML::Node& node, Scenario& s) const {
  if (!node) return Status::Ok();
  if (!node.IsMap()) return error(node, "expect_logs", "expected {offsets: [ids], commits: [ids]}");
  CKPT_RETURN_IF_ERROR(check_keys(node, "expect_logs", {"offsets", "commits"}));
  for (const auto& entry : node) {
    const std::string field = "expect_logs." + entry.first.Scalar();
    CKPT_ASSIGN_OR_RETURN(std::vector<int64_t> ids, numbers(entry.second, field));
    for (size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] < 0 || (i > 0 && ids[i] <= ids[i - 1])) {
        return error(entry.second[i], field, "batch ids are non-negative and increasing");
      }
    }
    s.expect_logs[entry.first.Scalar()] = std::move(ids);
  }
  return Status::Ok();
}

// The pipeline: row operations, then at most one stateful operator (with_watermark_ms before
// it), then exactly one sink, last.
Status ScenarioReader::query_pipeline(const YAML::Node& node, StructuredQuery& query) const {
  if (!node.IsSequence() || node.size() == 0) {
    return error(node, "pipeline", "expected a non-empty list of steps ending in a sink");
  }
  bool has_sink = false;
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node item = node[i];
    const std::string field = "pipeline[" + std::to_string(i) + "]";
    if (!item.IsMap() || item.size() != 1) {
      return error(item, field, "expected one operation, such as {map: keyed(mod3)}");
    }
    const std::string key = item.begin()->first.Scalar();
    const YAML::Node value = item.begin()->second;
    const std::string where = field + "." + key;
    if (has_sink) return error(item, where, "the sink comes last");
    bool stateful_before = query.stateful != StructuredQuery::Stateful::kNone;
    if (key == "foreach_batch" || key == "write_files" || key == "write_store") {
      has_sink = true;
      query.sink = key == "foreach_batch" ? StructuredQuery::Sink::kForeachBatch
                   : key == "write_files" ? StructuredQuery::Sink::kFile
                                          : StructuredQuery::Sink::kKeyedStore;
      CKPT_ASSIGN_OR_RETURN(query.sink_name, key == "write_files" ? absolute_path(value, where)
                                                                  : plain_name(value, where));
    } else if (key == "with_watermark_ms") {
      if (query.watermark_delay || stateful_before) {
        return error(item, where, "one watermark, before the stateful operator");
      }
      CKPT_ASSIGN_OR_RETURN(Duration delay, duration(value, where, true));
      query.watermark_delay = delay;
    } else if (key == "drop_duplicates" || key == "reduce_by_key") {
      if (stateful_before) return error(item, where, "a second stateful operator");
      if (key == "drop_duplicates") {
        CKPT_ASSIGN_OR_RETURN(std::string on, string(value, where));
        if (on != "key") return error(value, where, "deduplicates on `key` (of each pair)");
        query.stateful = StructuredQuery::Stateful::kDeduplicate;
      } else {
        CKPT_ASSIGN_OR_RETURN(PipelineStep step, this->step(item, field));
        CKPT_RETURN_IF_ERROR(ValidateStep(step, where, functions()));
        query.stateful = StructuredQuery::Stateful::kAggregate;
        query.reduce = step.function;
      }
    } else {
      CKPT_ASSIGN_OR_RETURN(PipelineStep step, this->step(item, field));
      if (!IsRowOperation(step.operation)) {
        return error(item, where,
                     "not an operation of a structured query (known: map, flat_map, filter, "
                     "with_watermark_ms, reduce_by_key, drop_duplicates, foreach_batch, "
                     "write_files, write_store)");
      }
      if (stateful_before) {
        return error(item, where, "comes after the stateful operator (this model runs it last)");
      }
      CKPT_RETURN_IF_ERROR(ValidateStep(step, where, functions()));
      query.steps.push_back(std::move(step));
    }
  }
  if (!has_sink)
    return error(node, "pipeline",
                 "no sink: end it with foreach_batch, write_files or write_store");
  return Status::Ok();
}

// output_mode, the trigger and the sources' rate limits; Spark's output-mode checks.
Status ScenarioReader::query_settings(const YAML::Node& root, Scenario& s) const {
  StructuredQuery& query = s.query;
  if (const YAML::Node mode = root["output_mode"]) {
    CKPT_ASSIGN_OR_RETURN(std::string name, string(mode, "output_mode"));
    bool known = false;
    for (OutputMode candidate : {OutputMode::kAppend, OutputMode::kUpdate, OutputMode::kComplete}) {
      if (name == ckpt::structured::OutputModeName(candidate)) {
        query.output_mode = candidate;
        known = true;
      }
    }
    if (!known) return error(mode, "output_mode", "expected append, update or complete");
  }
  if (root["trigger_ms"] && root["trigger"]) {
    return error(root["trigger"], "trigger", "either trigger_ms or trigger: once");
  }
  query.trigger_interval = Duration{0};  // Spark's default: ProcessingTime(0)
  if (const YAML::Node interval = root["trigger_ms"]) {
    CKPT_ASSIGN_OR_RETURN(query.trigger_interval, duration(interval, "trigger_ms", true));
  }
  if (const YAML::Node trigger = root["trigger"]) {
    CKPT_ASSIGN_OR_RETURN(std::string name, string(trigger, "trigger"));
    if (name != "once") return error(trigger, "trigger", "expected once (or use trigger_ms)");
    query.trigger_interval.reset();
  }
  if (query.sink == StructuredQuery::Sink::kFile && query.output_mode != OutputMode::kAppend) {
    // FileStreamSink's format (DataSource.createSink): the file sink appends only.
    return error(root["output_mode"], "output_mode",
                 std::string("Data source text does not support ") +
                     ckpt::structured::OutputModeName(query.output_mode) + " output mode");
  }
  ckpt::structured::QueryPlan plan;
  plan.aggregation = query.stateful == StructuredQuery::Stateful::kAggregate
                         ? std::optional(query.reduce)
                         : std::nullopt;
  plan.deduplicate = query.stateful == StructuredQuery::Stateful::kDeduplicate;
  plan.watermark_delay = query.watermark_delay;
  plan.output_mode = query.output_mode;
  Status checked = ckpt::structured::CheckQueryPlan(plan);
  if (!checked.ok()) {
    return error(root["output_mode"] ? root["output_mode"] : root["pipeline"],
                 root["output_mode"] ? "output_mode" : "pipeline", checked.message());
  }
  return Status::Ok();
}

}  // namespace sim
