#include "engine/structured/kafka_source.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "engine/structured/json_text.h"

namespace ckpt::structured {

using Json = nlohmann::ordered_json;

std::string PartitionOffsetsToJson(const std::string& topic, const PartitionOffsets& offsets) {
  Json partitions = Json::object();
  for (const auto& [partition, offset] : offsets) partitions[std::to_string(partition)] = offset;
  Json json = Json::object();
  json[topic] = partitions;
  return JsonText(json);
}

Result<PartitionOffsets> PartitionOffsetsFromJson(const std::string& topic, std::string_view json) {
  const Status malformed = Status::Corruption(
      "Expected e.g. {\"topicA\":{\"0\":23,\"1\":-1}}, got " + std::string(json));
  Json parsed = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) return malformed;
  auto partitions = parsed.find(topic);
  if (parsed.size() != 1 || partitions == parsed.end() || !partitions->is_object()) {
    return malformed;
  }
  PartitionOffsets offsets;
  for (const auto& [key, value] : partitions->items()) {
    int32_t partition = -1;
    auto [end, error] = std::from_chars(key.data(), key.data() + key.size(), partition);
    // (Offsets in a log are positions; Kafka's -1 and -2 mean latest and earliest only in the
    // startingOffsets option, so a negative one here is a corrupt file.)
    if (error != std::errc() || end != key.data() + key.size() || partition < 0 ||
        !value.is_number_integer() || value.get<int64_t>() < 0) {
      return malformed;
    }
    offsets[partition] = value.get<int64_t>();
  }
  return offsets;
}

std::string KafkaInitialOffsetCodec::Serialize(const Value& value) {
  return std::string(1, '\0') + "v" + std::to_string(kVersion) + "\n" + value.json;
}

Result<KafkaInitialOffsetCodec::Value> KafkaInitialOffsetCodec::Deserialize(
    std::string_view content) {
  // Spark 2.1.0 wrote the JSON alone; every later version starts with a zero byte.
  if (content.empty() || content.front() != '\0') return Value{std::string(content)};
  content.remove_prefix(1);
  size_t newline = content.find('\n');
  if (newline == std::string_view::npos) {
    return Status::IllegalState("Log file was malformed: failed to read correct log version from " +
                                PrintableFileText(content) + ".");
  }
  CKPT_RETURN_IF_ERROR(ValidateLogVersion(content.substr(0, newline), kVersion).status());
  return Value{std::string(content.substr(newline + 1))};
}

KafkaSource::KafkaSource(CheckpointFileManager* manager, const PartitionedLog* log,
                         std::string topic, std::string source_dir, StartingOffsets starting,
                         std::optional<int64_t> max_offsets_per_trigger)
    : initial_offsets_log_(manager, std::move(source_dir)),
      defects_(manager->defects()),
      log_(log),
      topic_(std::move(topic)),
      starting_(starting),
      max_offsets_per_trigger_(max_offsets_per_trigger) {}

Result<std::optional<std::string>> KafkaSource::initial_offset() {
  if (!initial_) {
    CKPT_ASSIGN_OR_RETURN(initial_, resolve_initial_offset());
  }
  return std::optional<std::string>(PartitionOffsetsToJson(topic_, *initial_));
}

Result<std::optional<std::string>> KafkaSource::latest_offset(
    const std::optional<std::string>& start) {
  PartitionOffsets from;
  if (start) {
    CKPT_ASSIGN_OR_RETURN(from, parse(*start));
  } else {
    if (!initial_) {
      CKPT_ASSIGN_OR_RETURN(initial_, resolve_initial_offset());
    }
    from = *initial_;
  }
  return std::optional<std::string>(PartitionOffsetsToJson(topic_, next_end(from)));
}

Result<Records> KafkaSource::read(const std::optional<std::string>& start, const std::string& end) {
  PartitionOffsets from;
  if (start) {
    CKPT_ASSIGN_OR_RETURN(from, parse(*start));
  }
  CKPT_ASSIGN_OR_RETURN(PartitionOffsets until, parse(end));
  return read_ranges(from, until);
}

// Offsets from the offset log, which may name partitions the topic does not have (a hostile or
// foreign checkpoint): refused here, before anything asks the log about them.
Result<PartitionOffsets> KafkaSource::parse(const std::string& json) const {
  CKPT_ASSIGN_OR_RETURN(PartitionOffsets offsets, PartitionOffsetsFromJson(topic_, json));
  CKPT_ASSIGN_OR_RETURN(int32_t partitions, log_->partition_count(topic_));
  for (const auto& [partition, offset] : offsets) {
    if (partition >= partitions) {
      return Status::Corruption("offsets of partition " + std::to_string(partition) + " of " +
                                topic_ + ", which has " + std::to_string(partitions));
    }
  }
  return offsets;
}

Result<PartitionOffsets> KafkaSource::resolve_initial_offset() {
  CKPT_RETURN_IF_ERROR(initial_offsets_log_.init());
  CKPT_ASSIGN_OR_RETURN(auto written, initial_offsets_log_.get(0));
  if (written) return parse(written->json);
  CKPT_ASSIGN_OR_RETURN(int32_t partitions, log_->partition_count(topic_));
  PartitionOffsets offsets;
  for (int32_t p = 0; p < partitions; ++p) {
    offsets[p] = starting_ == StartingOffsets::kLatest ? log_->end_offset(topic_, p) : 0;
  }
  const std::string json = PartitionOffsetsToJson(topic_, offsets);
  if (defects_.has(Defect::kKafkaInitialOffsetsLengthHeader)) {
    // Spark 2.1.1's bug: a length header where the zero byte and version line belong.
    CKPT_RETURN_IF_ERROR(initial_offsets_log_.write_batch(
        0, std::string(1, '\0') + std::to_string(json.size()) + "\n" + json));
    return offsets;
  }
  CKPT_RETURN_IF_ERROR(initial_offsets_log_.add(0, {json}).status());
  return offsets;
}

PartitionOffsets KafkaSource::next_end(const PartitionOffsets& start) const {
  PartitionOffsets until;
  for (const auto& [partition, from] : start)
    until[partition] = log_->end_offset(topic_, partition);
  if (!max_offsets_per_trigger_) return until;
  // KafkaMicroBatchStream.rateLimit.
  std::map<int32_t, int64_t> backlog;
  double total = 0;
  for (const auto& [partition, end] : until) {
    int64_t size = end - start.at(partition);
    if (size > 0) {
      backlog[partition] = size;
      total += static_cast<double>(size);
    }
  }
  if (total < 1) return until;
  for (auto& [partition, end] : until) {
    auto size = backlog.find(partition);
    if (size == backlog.end()) continue;
    double prorate = static_cast<double>(*max_offsets_per_trigger_) *
                     (static_cast<double>(size->second) / total);
    // A share below one record is rounded up, so that a small partition is not starved.
    auto share = static_cast<int64_t>(prorate < 1 ? std::ceil(prorate) : std::floor(prorate));
    int64_t begin = start.at(partition);
    int64_t off = share > INT64_MAX - begin ? INT64_MAX : begin + share;  // SPARK-26718
    end = std::min(end, off);
  }
  return until;
}

Result<Records> KafkaSource::read_ranges(const PartitionOffsets& start,
                                         const PartitionOffsets& end) const {
  Records records;
  for (const auto& [partition, until] : end) {
    auto from = start.find(partition);
    OffsetRange range{partition, from == start.end() ? 0 : from->second, until};
    if (range.until <= range.from) continue;
    CKPT_ASSIGN_OR_RETURN(Records part, log_->read(topic_, range));
    records.insert(records.end(), part.begin(), part.end());
  }
  return records;
}

}  // namespace ckpt::structured
