#include "engine/structured/file_source.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "engine/structured/json_text.h"

namespace ckpt::structured {

using Json = nlohmann::ordered_json;

std::string FileSourceOffsetJson(int64_t log_offset) {
  Json json;
  json["logOffset"] = log_offset;
  return JsonText(json);
}

Result<int64_t> FileSourceOffsetFromJson(const std::string& json) {
  Json parsed = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  auto offset = parsed.is_object() ? parsed.find("logOffset") : parsed.end();
  if (parsed.is_discarded() || !parsed.is_object() || offset == parsed.end() ||
      !offset->is_number_integer() || offset->get<int64_t>() < -1) {
    return Status::Corruption("malformed file source offset: " + json);
  }
  return offset->get<int64_t>();
}

std::string FileStreamSource::EntryJson(const Entry& entry) {
  Json json;
  json["path"] = entry.path;
  json["timestamp"] = entry.timestamp_ms;
  json["batchId"] = entry.batch_id;
  return JsonText(json);
}

Result<FileStreamSource::Entry> FileStreamSource::EntryFromJson(const std::string& json) {
  Json parsed = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return Status::Corruption("malformed file source log entry: " + json);
  }
  auto path = parsed.find("path");
  auto timestamp = parsed.find("timestamp");
  auto batch = parsed.find("batchId");
  if (path == parsed.end() || !path->is_string() || timestamp == parsed.end() ||
      !timestamp->is_number_integer() || batch == parsed.end() || !batch->is_number_integer()) {
    return Status::Corruption("malformed file source log entry: " + json);
  }
  return Entry{path->get<std::string>(), timestamp->get<int64_t>(), batch->get<int64_t>()};
}

FileStreamSource::FileStreamSource(CheckpointFileManager* manager, std::string source_dir,
                                   FileSourceOptions options, CompactibleLogConf log_conf,
                                   const Scheduler* clock)
    : manager_(manager),
      options_(std::move(options)),
      log_(manager, std::move(source_dir), log_conf, clock) {}

Status FileStreamSource::init() {
  CKPT_RETURN_IF_ERROR(log_.init());
  CKPT_ASSIGN_OR_RETURN(std::vector<std::string> entries, log_.all_entries());
  for (const std::string& json : entries) {
    CKPT_ASSIGN_OR_RETURN(Entry entry, EntryFromJson(json));
    see(entry.path, entry.timestamp_ms);
  }
  CKPT_ASSIGN_OR_RETURN(std::optional<int64_t> latest, log_.latest_batch_id());
  current_log_offset_ = latest.value_or(-1);
  purge_seen();
  return Status::Ok();
}

void FileStreamSource::see(const std::string& path, int64_t timestamp_ms) {
  seen_[path] = timestamp_ms;
  latest_timestamp_ms_ = std::max(latest_timestamp_ms_, timestamp_ms);
}

// SeenFilesMap.purge: files older than maxFileAge behind the newest are forgotten, and no file
// older than that counts as new any more.
void FileStreamSource::purge_seen() {
  last_purge_timestamp_ms_ = latest_timestamp_ms_ - options_.max_file_age.ms;
  std::erase_if(seen_,
                [this](const auto& entry) { return entry.second < last_purge_timestamp_ms_; });
}

Result<std::optional<std::string>> FileStreamSource::latest_offset(
    const std::optional<std::string>& /*start*/) {
  CKPT_ASSIGN_OR_RETURN(std::vector<FileStatus> listed, manager_->fs().list(options_.directory));
  std::stable_sort(listed.begin(), listed.end(), [](const FileStatus& a, const FileStatus& b) {
    return a.modification_time < b.modification_time;
  });
  std::vector<Entry> batch;
  for (const FileStatus& file : listed) {
    if (file.is_directory) continue;
    const std::string path = JoinPath(options_.directory, file.name);
    const int64_t timestamp = file.modification_time.ms;
    if (timestamp < last_purge_timestamp_ms_ || seen_.count(path)) continue;
    if (options_.max_files_per_trigger &&
        static_cast<int64_t>(batch.size()) >= *options_.max_files_per_trigger) {
      break;
    }
    batch.push_back(Entry{path, timestamp, current_log_offset_ + 1});
  }
  for (const Entry& entry : batch) see(entry.path, entry.timestamp_ms);
  purge_seen();
  if (!batch.empty()) {
    ++current_log_offset_;
    std::vector<std::string> entries;
    for (const Entry& entry : batch) entries.push_back(EntryJson(entry));
    CKPT_ASSIGN_OR_RETURN(bool added, log_.add(current_log_offset_, entries));
    if (!added && !manager_->defects().has(Defect::kIgnoreLogAddResults)) {
      return Status::IllegalState(
          "Concurrent update to the log. Multiple streaming jobs detected for " +
          std::to_string(current_log_offset_));
    }
  }
  if (current_log_offset_ == -1) return std::optional<std::string>();
  return std::optional<std::string>(FileSourceOffsetJson(current_log_offset_));
}

Result<Records> FileStreamSource::read(const std::optional<std::string>& start,
                                       const std::string& end) {
  int64_t from = -1;
  if (start) {
    CKPT_ASSIGN_OR_RETURN(from, FileSourceOffsetFromJson(*start));
  }
  CKPT_ASSIGN_OR_RETURN(int64_t until, FileSourceOffsetFromJson(end));
  if (from > until) {
    return Status::IllegalState("assertion failed: file source offsets go back: " +
                                std::to_string(from) + " > " + std::to_string(until));
  }
  // Only the ids listed are read, so that offsets from a hostile log cannot make the walk long.
  CKPT_ASSIGN_OR_RETURN(std::vector<int64_t> listed, log_.list_batches());
  std::vector<int64_t> found;
  Records records;
  for (int64_t id : listed) {
    if (id <= from || id > until) continue;
    CKPT_ASSIGN_OR_RETURN(auto entries, log_.get(id));
    if (!entries) continue;
    found.push_back(id);
    for (const std::string& json : *entries) {
      CKPT_ASSIGN_OR_RETURN(Entry entry, EntryFromJson(json));
      if (entry.batch_id != id) continue;  // a compaction file holds earlier batches too
      CKPT_ASSIGN_OR_RETURN(std::string content, manager_->fs().read_file(entry.path));
      for (std::string_view line : LogLines(content))
        records.push_back(Value::String(std::string(line)));
    }
  }
  if (from + 1 <= until)
    CKPT_RETURN_IF_ERROR(MetadataLogFiles::VerifyBatchIds(found, from + 1, until));
  return records;
}

}  // namespace ckpt::structured
