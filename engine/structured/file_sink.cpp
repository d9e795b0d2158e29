#include "engine/structured/file_sink.h"

#include <nlohmann/json.hpp>

#include "engine/runtime/uuid_name.h"
#include "engine/structured/json_text.h"

namespace ckpt::structured {
namespace {

using Json = nlohmann::ordered_json;

// The counter range of part file names (temp files of the process count from 0).
constexpr uint64_t kPartFileCounterBase = uint64_t{1} << 62;

// SinkFileStatus as FileStreamSinkLog writes it.
std::string SinkFileStatus(const std::string& path, uint64_t size, Time modified) {
  Json json;
  json["path"] = path;
  json["size"] = size;
  json["isDir"] = false;
  json["modificationTime"] = modified.ms;
  json["blockReplication"] = 1;
  json["blockSize"] = 33554432;
  json["action"] = "add";
  return JsonText(json);
}

void AppendLines(std::string_view content, std::vector<std::string>& lines) {
  for (std::string_view line : LogLines(content)) lines.emplace_back(line);
}

}  // namespace

FileStreamSink::FileStreamSink(CheckpointFileManager* manager, std::string output_dir,
                               CompactibleLogConf conf, const Scheduler* clock,
                               uint64_t process_uid)
    : manager_(manager),
      output_dir_(std::move(output_dir)),
      log_(manager, JoinPath(output_dir_, kMetadataDir), conf, clock),
      clock_(clock),
      process_uid_(process_uid) {}

Status FileStreamSink::init() {
  CKPT_RETURN_IF_ERROR(manager_->fs().mkdirs(output_dir_));
  return log_.init();
}

Status FileStreamSink::add_batch(int64_t batch_id, const Records& records) {
  CKPT_ASSIGN_OR_RETURN(std::optional<int64_t> latest, log_.latest_batch_id());
  if (latest && batch_id <= *latest) return Status::Ok();  // "Skipping already committed batch"
  std::vector<std::string> statuses;
  if (!records.empty()) {
    // The task writes its part file at its final name: nothing renames it (R3b).
    const std::string path = JoinPath(
        output_dir_, "part-00000-" +
                         UuidShapedName(process_uid_, kPartFileCounterBase + files_written_++) +
                         ".c000.txt");
    std::string content;
    for (const Value& record : records) content += record.to_string() + "\n";
    CKPT_RETURN_IF_ERROR(WriteWholeFile(manager_->fs(), path, content, /*sync=*/false));
    statuses.push_back(SinkFileStatus(path, content.size(), clock_->now()));
  }
  CKPT_ASSIGN_OR_RETURN(bool added, log_.add(batch_id, statuses));
  if (!added) {
    return Status::IllegalState("Race while writing batch " + std::to_string(batch_id));
  }
  return Status::Ok();
}

Result<std::vector<std::string>> SinkLogPaths(CheckpointFileManager* manager,
                                              const std::string& output_dir,
                                              CompactibleLogConf conf, const Scheduler* clock) {
  CompactibleLog log(manager, JoinPath(output_dir, kMetadataDir), conf, clock);
  CKPT_RETURN_IF_ERROR(log.init());
  CKPT_ASSIGN_OR_RETURN(std::vector<std::string> entries, log.all_entries());
  std::vector<std::string> paths;
  for (const std::string& entry : entries) {
    Json json = Json::parse(entry, nullptr, /*allow_exceptions=*/false);
    auto path = json.is_object() ? json.find("path") : json.end();
    if (json.is_discarded() || !json.is_object() || path == json.end() || !path->is_string()) {
      return Status::Corruption("malformed sink log entry: " + entry);
    }
    paths.push_back(path->get<std::string>());
  }
  return paths;
}

Result<std::vector<std::string>> ReadSinkFiles(FileSystem& fs,
                                               const std::vector<std::string>& paths) {
  std::vector<std::string> lines;
  for (const std::string& path : paths) {
    CKPT_ASSIGN_OR_RETURN(std::string content, fs.read_file(path));
    AppendLines(content, lines);
  }
  return lines;
}

Result<std::vector<std::string>> ReadSinkThroughLog(CheckpointFileManager* manager,
                                                    const std::string& output_dir,
                                                    CompactibleLogConf conf,
                                                    const Scheduler* clock) {
  CKPT_ASSIGN_OR_RETURN(std::vector<std::string> paths,
                        SinkLogPaths(manager, output_dir, conf, clock));
  return ReadSinkFiles(manager->fs(), paths);
}

Result<std::vector<std::string>> ReadSinkDirectory(FileSystem& fs, const std::string& output_dir) {
  CKPT_ASSIGN_OR_RETURN(std::vector<FileStatus> entries, fs.list(output_dir));
  std::vector<std::string> lines;
  for (const FileStatus& entry : entries) {
    if (entry.is_directory || !entry.name.starts_with("part-")) continue;
    CKPT_ASSIGN_OR_RETURN(std::string content, fs.read_file(JoinPath(output_dir, entry.name)));
    AppendLines(content, lines);
  }
  return lines;
}

}  // namespace ckpt::structured
