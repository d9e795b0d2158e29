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
       "trial_seed", "interleaving", "initial_files", "plugins"}));
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
  if (s.source_kind != SourceKind::kLog && s.source_kind != SourceKind::kFile) {
    return error(root["source"], "source.kind",
                 "a structured query reads a log (the Kafka source) or a file source");
  }
  if (s.source_kind == SourceKind::kLog && !IsKafkaTopicName(s.log_topic)) {
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
    if (s.query.sink != StructuredQuery::Sink::kForeachBatch || sink != s.query.sink_name) {
      return error(root["expect"], "expect." + sink,
                   "names no foreach_batch sink of the query (expect holds its batches by id)");
    }
  }
  CKPT_RETURN_IF_ERROR(harness_settings(root, s));
  return s;
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
    if (has_sink) return error(item, where, "the sink (foreach_batch or write_files) comes last");
    bool stateful_before = query.stateful != StructuredQuery::Stateful::kNone;
    if (key == "foreach_batch" || key == "write_files") {
      has_sink = true;
      query.sink = key == "foreach_batch" ? StructuredQuery::Sink::kForeachBatch
                                          : StructuredQuery::Sink::kFile;
      CKPT_ASSIGN_OR_RETURN(query.sink_name, key == "foreach_batch"
                                                 ? plain_name(value, where)
                                                 : absolute_path(value, where));
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
                     "write_files)");
      }
      if (stateful_before) {
        return error(item, where, "comes after the stateful operator (this model runs it last)");
      }
      CKPT_RETURN_IF_ERROR(ValidateStep(step, where, functions()));
      query.steps.push_back(std::move(step));
    }
  }
  if (!has_sink)
    return error(node, "pipeline", "no sink: end it with foreach_batch or write_files");
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
