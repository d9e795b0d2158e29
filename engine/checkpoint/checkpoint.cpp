#include "engine/checkpoint/checkpoint.h"

#include <algorithm>
#include <charconv>

#include "engine/runtime/assert.h"

namespace ckpt {
namespace {

constexpr std::string_view kPrefix = "checkpoint-";

}  // namespace

std::optional<CheckpointFile> ParseCheckpointName(const std::string& dir, const std::string& name) {
  if (name.rfind(kPrefix, 0) != 0) return std::nullopt;
  size_t pos = kPrefix.size();
  size_t digits_end = pos;
  while (digits_end < name.size() && std::isdigit(static_cast<unsigned char>(name[digits_end]))) {
    ++digits_end;
  }
  if (digits_end == pos || digits_end - pos > 18) return std::nullopt;
  for (size_t i = digits_end; i < name.size(); ++i) {
    char c = name[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.') return std::nullopt;
  }
  CheckpointFile file;
  file.path = JoinPath(dir, name);
  std::from_chars(name.data() + pos, name.data() + digits_end, file.time.ms);  // <= 18 digits
  file.is_backup = digits_end < name.size();
  return file;
}

const std::vector<Records>& SourceInput::batches() const {
  static const std::vector<Records> kNone;
  return shared_ ? shared_->batches : kNone;
}

const std::string* SourceInput::encoded() const {
  return shared_ && !shared_->encoded.empty() ? &shared_->encoded : nullptr;
}

void SourceInput::keep_encoded(std::string bytes) const {
  CKPT_ASSERT(shared_ && !shared_->batches.empty() && !bytes.empty(),
              "only the bytes of an input with batches are kept");
  shared_->encoded = std::move(bytes);
}

Status Checkpoint::validate() const {
  if (master.empty()) return Status::Corruption("Checkpoint.master is null");
  if (framework.empty()) return Status::Corruption("Checkpoint.framework is null");
  if (graph.streams.empty()) return Status::Corruption("Checkpoint.graph is null");
  if (checkpoint_time.ms < 0) return Status::Corruption("Checkpoint.checkpointTime is null");
  return Status::Ok();
}

std::string CheckpointFileName(Time time) { return std::string(kPrefix) + std::to_string(time.ms); }

std::string CheckpointBackupName(Time time) { return CheckpointFileName(time) + ".bk"; }

namespace {

// Whether `text` contains a match of checkpoint-(\d+)([\w.]*): the prefix and one digit.
bool ContainsCheckpointMatch(std::string_view text) {
  for (size_t at = text.find(kPrefix); at != std::string_view::npos;
       at = text.find(kPrefix, at + 1)) {
    size_t digit = at + kPrefix.size();
    if (digit < text.size() && std::isdigit(static_cast<unsigned char>(text[digit]))) return true;
  }
  return false;
}

}  // namespace

Result<std::vector<CheckpointFile>> ListCheckpointFiles(FileSystem& fs, const std::string& dir,
                                                        const DefectSet& defects) {
  Result<std::vector<FileStatus>> entries = fs.list(dir);
  if (!entries.ok()) {
    if (entries.status().code() == StatusCode::kNotFound) return std::vector<CheckpointFile>{};
    return entries.status();
  }
  std::vector<CheckpointFile> files;
  for (const FileStatus& entry : entries.value()) {
    if (entry.is_directory) continue;
    bool whole_path = defects.has(Defect::kMatchCheckpointPath);
    if (!ContainsCheckpointMatch(whole_path ? JoinPath(dir, entry.name) : entry.name)) continue;
    std::optional<CheckpointFile> file = ParseCheckpointName(dir, entry.name);
    if (!file) {
      return Status::IllegalState(std::string(kMatchError) + ": " + entry.name +
                                  " (of class java.lang.String), sorting the checkpoint files of " +
                                  dir)
          .marked(ErrorMark::kCheckpointNameMatchError, entry.name);
    }
    files.push_back(std::move(*file));
  }
  // Oldest first; at equal time the suffixed (.bk) file sorts before the plain one.
  std::sort(files.begin(), files.end(), [](const CheckpointFile& a, const CheckpointFile& b) {
    if (a.time != b.time) return a.time < b.time;
    if (a.is_backup != b.is_backup) return a.is_backup;
    return a.path < b.path;
  });
  return files;
}

}  // namespace ckpt
