#include "engine/structured/offset_commit_logs.h"

#include <nlohmann/json.hpp>

#include "engine/structured/json_text.h"

namespace ckpt::structured {
namespace {

using Json = nlohmann::ordered_json;  // keys in Spark's field order

constexpr std::string_view kVoidOffset = "-";  // SERIALIZED_VOID_OFFSET

// A JSON object, or nullopt when `text` is not one (json4s would throw a MappingException).
std::optional<Json> ParseObject(std::string_view text) {
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return std::nullopt;
  return json;
}

// Field `name` of `object` as a long: its default when absent (case-class defaults); false when
// present with another type.
bool ReadLong(const Json& object, const char* name, int64_t& value) {
  auto it = object.find(name);
  if (it == object.end()) return true;
  if (!it->is_number_integer()) return false;
  value = it->get<int64_t>();
  return true;
}

Result<OffsetSeqMetadata> MetadataFromJson(std::string_view text) {
  const Status malformed =
      Status::Corruption("malformed offset log metadata: " + std::string(text));
  std::optional<Json> json = ParseObject(text);
  if (!json) return malformed;
  OffsetSeqMetadata metadata;
  if (!ReadLong(*json, "batchWatermarkMs", metadata.batch_watermark_ms) ||
      !ReadLong(*json, "batchTimestampMs", metadata.batch_timestamp_ms)) {
    return malformed;
  }
  auto conf = json->find("conf");
  if (conf != json->end()) {
    if (!conf->is_object()) return malformed;
    for (const auto& [key, value] : conf->items()) {
      if (!value.is_string()) return malformed;
      metadata.conf[key] = value.get<std::string>();
    }
  }
  return metadata;
}

std::string MetadataToJson(const OffsetSeqMetadata& metadata) {
  Json json;
  json["batchWatermarkMs"] = metadata.batch_watermark_ms;
  json["batchTimestampMs"] = metadata.batch_timestamp_ms;
  Json conf = Json::object();
  for (const auto& [key, value] : metadata.conf) conf[key] = value;
  json["conf"] = conf;
  return JsonText(json);
}

}  // namespace

std::string OffsetSeqCodec::Serialize(const OffsetSeq& offsets) {
  std::string text = "v" + std::to_string(kVersion) + "\n";
  if (offsets.metadata) text += MetadataToJson(*offsets.metadata);
  for (const std::optional<std::string>& offset : offsets.offsets) {
    text += "\n";
    text += offset ? *offset : std::string(kVoidOffset);
  }
  return text;
}

Result<OffsetSeq> OffsetSeqCodec::Deserialize(std::string_view content) {
  std::vector<std::string_view> lines = LogLines(content);
  if (lines.empty()) return Status::IllegalState("Incomplete log file");
  CKPT_ASSIGN_OR_RETURN(int version, ValidateLogVersion(lines[0], kVersion));
  (void)version;
  // Spark reads the metadata line unconditionally: a file of the version line alone fails with
  // Scala's iterator error, which is no IllegalStateException.
  if (lines.size() < 2) return Status::Corruption("next on empty iterator");
  OffsetSeq offsets;
  std::string_view metadata = ScalaTrim(lines[1]);
  if (!metadata.empty()) {
    CKPT_ASSIGN_OR_RETURN(offsets.metadata, MetadataFromJson(metadata));
  }
  for (size_t i = 2; i < lines.size(); ++i) {
    if (lines[i] == kVoidOffset) {
      offsets.offsets.emplace_back();
    } else {
      offsets.offsets.emplace_back(std::string(lines[i]));
    }
  }
  return offsets;
}

std::string CommitCodec::Serialize(const CommitMetadata& commit) {
  Json json;
  json["nextBatchWatermarkMs"] = commit.next_batch_watermark_ms;
  return "v" + std::to_string(kVersion) + "\n" + JsonText(json);
}

Result<CommitMetadata> CommitCodec::Deserialize(std::string_view content) {
  std::vector<std::string_view> lines = LogLines(content);
  if (lines.empty()) return Status::IllegalState("Incomplete log file in the offset commit log");
  CKPT_RETURN_IF_ERROR(ValidateLogVersion(ScalaTrim(lines[0]), kVersion).status());
  CommitMetadata commit;
  if (lines.size() < 2) return commit;  // EMPTY_JSON: the watermark defaults to 0
  std::optional<Json> json = ParseObject(lines[1]);
  if (!json || !ReadLong(*json, "nextBatchWatermarkMs", commit.next_batch_watermark_ms)) {
    return Status::Corruption("malformed commit log metadata: " + std::string(lines[1]));
  }
  return commit;
}

}  // namespace ckpt::structured
