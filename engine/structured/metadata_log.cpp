#include "engine/structured/metadata_log.h"

#include <algorithm>
#include <charconv>

#include "engine/runtime/assert.h"

namespace ckpt::structured {
namespace {

// Java's Long.parseLong: an optional sign, then decimal digits, within a long's range.
std::optional<int64_t> ParseLong(std::string_view text) {
  const bool plus = !text.empty() && text.front() == '+';
  if (plus) text.remove_prefix(1);
  if (text.empty() || (plus && text.front() == '-')) return std::nullopt;
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Scala's Option as Spark prints it in messages: "Some(3)" or "None".
std::string OptionText(std::optional<int64_t> id) {
  return id ? "Some(" + std::to_string(*id) + ")" : "None";
}

// Deliberate difference from Spark, which lists every id: at most this many, then "...", so that
// a hostile directory (files 0 and 10^18) cannot make a message without bound.
constexpr int kMaxIdsListed = 20;

// Appends the ids from..to (inclusive) to `text`, ", "-separated, up to kMaxIdsListed in all.
void ListIds(int64_t from, int64_t to, std::string& text, int& listed) {
  for (int64_t id = from; id <= to; ++id) {
    if (listed == kMaxIdsListed) {
      text += ", ...";
      ++listed;
    }
    if (listed > kMaxIdsListed) return;
    text += (text.empty() ? "" : ", ") + std::to_string(id);
    ++listed;
    if (id == INT64_MAX) return;
  }
}

std::string IdsText(int64_t from, int64_t to) {
  std::string text;
  int listed = 0;
  ListIds(from, to, text, listed);
  return text;
}

}  // namespace

std::string PrintableFileText(std::string_view text) {
  constexpr size_t kMaxShown = 200;
  std::string out;
  for (size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      static const char kHex[] = "0123456789abcdef";
      out += {'\\', 'x', kHex[c >> 4], kHex[c & 15]};
    }
  }
  if (text.size() > kMaxShown) out += "...";
  return out;
}

Result<int> ValidateLogVersion(std::string_view text, int max_supported_version) {
  const std::string malformed = "Log file was malformed: failed to read correct log version from " +
                                PrintableFileText(text) + ".";
  if (text.empty() || text.front() != 'v') return Status::IllegalState(malformed);
  std::optional<int64_t> version = ParseLong(text.substr(1));
  // Scala's toInt: an int's range, else NumberFormatException, reported as malformed.
  if (!version || *version <= 0 || *version > INT32_MAX) return Status::IllegalState(malformed);
  if (*version > max_supported_version) {
    return Status::IllegalState(
        "UnsupportedLogVersion: maximum supported log version is v" +
        std::to_string(max_supported_version) + ", but encountered v" + std::to_string(*version) +
        ". The log file was produced by a newer version of Spark and cannot be read by this "
        "version. Please upgrade.");
  }
  return static_cast<int>(*version);
}

std::vector<std::string_view> LogLines(std::string_view content) {
  std::vector<std::string_view> lines;
  while (!content.empty()) {
    size_t end = content.find('\n');
    std::string_view line = content.substr(0, end);
    if (line.ends_with('\r')) line.remove_suffix(1);
    lines.push_back(line);
    if (end == std::string_view::npos) break;
    content.remove_prefix(end + 1);
  }
  return lines;
}

std::string_view ScalaTrim(std::string_view text) {
  while (!text.empty() && static_cast<unsigned char>(text.front()) <= ' ') text.remove_prefix(1);
  while (!text.empty() && static_cast<unsigned char>(text.back()) <= ' ') text.remove_suffix(1);
  return text;
}

MetadataLogFiles::MetadataLogFiles(CheckpointFileManager* manager, std::string path)
    : manager_(manager), path_(std::move(path)) {}

Status MetadataLogFiles::init() {
  CKPT_ASSIGN_OR_RETURN(bool exists, manager_->fs().exists(path_));
  return exists ? Status::Ok() : manager_->fs().mkdirs(path_);
}

std::string MetadataLogFiles::batch_id_to_path(int64_t batch_id) const {
  return JoinPath(path_, std::to_string(batch_id));
}

Result<std::vector<int64_t>> MetadataLogFiles::list_batches() {
  CKPT_ASSIGN_OR_RETURN(std::vector<FileStatus> entries, manager_->fs().list(path_));
  std::vector<int64_t> ids;
  for (const FileStatus& entry : entries) {
    if (std::optional<int64_t> id = ParseLong(entry.name)) ids.push_back(*id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

Status MetadataLogFiles::purge(int64_t threshold_batch_id) {
  CKPT_ASSERT(threshold_batch_id >= 0, "purge below batch 0");
  // Defect::kPurgeInclusive plants an off-by-one: the threshold batch goes too.
  const int64_t end = manager_->defects().has(Defect::kPurgeInclusive) ? threshold_batch_id + 1
                                                                       : threshold_batch_id;
  std::vector<int64_t> targets;
  // (Unsigned: ids come from file names, so the difference may not fit a long.)
  if (threshold_batch_id <= last_purged_batch_id_ ||
      static_cast<uint64_t>(threshold_batch_id) - static_cast<uint64_t>(last_purged_batch_id_) <=
          4) {
    for (int64_t id = last_purged_batch_id_ + 1; id < end; ++id) {
      targets.push_back(id);
    }
  } else {
    CKPT_ASSIGN_OR_RETURN(std::vector<int64_t> listed, list_batches());
    for (int64_t id : listed) {
      if (id < end) targets.push_back(id);
    }
  }
  for (int64_t id : targets) {
    Status deleted = manager_->fs().remove(batch_id_to_path(id), /*recursive=*/false);
    if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) return deleted;
  }
  last_purged_batch_id_ = threshold_batch_id - 1;
  return Status::Ok();
}

Status MetadataLogFiles::VerifyBatchIds(const std::vector<int64_t>& batch_ids,
                                        std::optional<int64_t> start_id,
                                        std::optional<int64_t> end_id) {
  const std::string range =
      " don't exist (startId: " + OptionText(start_id) + ", endId: " + OptionText(end_id) + ")";
  if (start_id || end_id) {
    if (batch_ids.empty()) {
      return Status::IllegalState("batch " + std::to_string(start_id ? *start_id : *end_id) +
                                  " doesn't exist");
    }
    // Spark names the first id found among the missing ones too (`startId to minBatchId`).
    if (start_id && batch_ids.front() != *start_id) {
      return Status::IllegalState("batches (" + IdsText(*start_id, batch_ids.front()) + ")" +
                                  range);
    }
    if (end_id && batch_ids.back() != *end_id) {
      return Status::IllegalState("batches (" + IdsText(batch_ids.back(), *end_id) + ")" + range);
    }
  }
  std::string missing;
  int listed = 0;
  for (size_t i = 1; i < batch_ids.size(); ++i) {
    if (static_cast<uint64_t>(batch_ids[i]) - static_cast<uint64_t>(batch_ids[i - 1]) > 1) {
      ListIds(batch_ids[i - 1] + 1, batch_ids[i] - 1, missing, listed);
    }
  }
  if (!missing.empty()) return Status::IllegalState("batches (" + missing + ")" + range);
  return Status::Ok();
}

Result<std::optional<std::string>> MetadataLogFiles::read_batch(int64_t batch_id) {
  const std::string path = batch_id_to_path(batch_id);
  CKPT_ASSIGN_OR_RETURN(bool exists, manager_->fs().exists(path));
  if (!exists) return std::optional<std::string>();
  CKPT_ASSIGN_OR_RETURN(std::string content, manager_->fs().read_file(path));
  return std::optional<std::string>(std::move(content));
}

Status MetadataLogFiles::write_batch(int64_t batch_id, std::string_view content) {
  const std::string path = batch_id_to_path(batch_id);
  CKPT_ASSIGN_OR_RETURN(std::unique_ptr<AtomicOutputStream> output, manager_->create_atomic(path));
  Status written = output->append(content);
  if (written.ok()) written = output->close();
  if (written.ok()) return written;
  output->cancel();
  if (written.code() == StatusCode::kAlreadyExists) {
    return Status::IllegalState("Multiple streaming queries are concurrently using " + path)
        .with_marks_of(written);
  }
  return written;
}

}  // namespace ckpt::structured
