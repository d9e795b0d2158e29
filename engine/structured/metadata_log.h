// Spark's HDFSMetadataLog (structured-streaming-notes.md 2.2 and 1.9): one file per batch id,
// `<dir>/<batch id>`, each written once by createAtomic and never rewritten. The offset log, the
// commit log and the logs of sources and sinks are such logs over their own file formats.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/structured/checkpoint_file_manager.h"

namespace ckpt::structured {

// Deliberate bound, not Spark's: batch ids above this in a log (a hostile directory may hold
// "offsets/9223372036854775807") are refused as corrupt, so that the arithmetic on batch ids
// (L + 1, N - minBatchesToRetain, (b + 1) % k) cannot overflow.
inline constexpr int64_t kMaxBatchId = int64_t{1} << 61;

// MetadataVersionUtil.validateVersion: the version of a log file's first line "v<N>" (V1, V2).
Result<int> ValidateLogVersion(std::string_view text, int max_supported_version);

// The lines of a file as Scala's getLines gives them: split at '\n' (a '\r' before it dropped),
// no empty last line for a final newline.
std::vector<std::string_view> LogLines(std::string_view content);
// `text` (file content quoted in an error message) with every byte outside printable ASCII as
// \xNN and at most 200 bytes shown: a torn file's garbage must not make reports invalid UTF-8.
std::string PrintableFileText(std::string_view text);
// Scala's String.trim: without the characters up to ' ' at either end.
std::string_view ScalaTrim(std::string_view text);

// What a log of any format does with its files.
class MetadataLogFiles {
 public:
  MetadataLogFiles(CheckpointFileManager* manager, std::string path);

  // Creates the log's directory when it is missing (the constructor of HDFSMetadataLog).
  Status init();
  const std::string& path() const { return path_; }
  std::string batch_id_to_path(int64_t batch_id) const;

  // The batch ids of the files listed, ascending: names that parse as a long (Java's
  // Long.parseLong); temp files and anything else are skipped.
  Result<std::vector<int64_t>> list_batches();

  // Deletes every batch file whose id is below `threshold_batch_id` (a missing one is no
  // error). SPARK-34383: when at most 3 ids lie between the last purged id of this process
  // and the threshold, it deletes those paths without listing; otherwise it lists.
  // REQUIRES: threshold_batch_id >= 0.
  Status purge(int64_t threshold_batch_id);

  // HDFSMetadataLog.verifyBatchIds: `batch_ids` (ascending) cover start..end (either may be
  // open) without a gap (V13).
  static Status VerifyBatchIds(const std::vector<int64_t>& batch_ids,
                               std::optional<int64_t> start_id, std::optional<int64_t> end_id);
  // Writes `content` as batch `batch_id` (addNewBatchByStream after its existence check); public
  // for a planted defect that writes its own bytes.
  Status write_batch(int64_t batch_id, std::string_view content);

 protected:
  // The content of batch `batch_id`'s file; nullopt when it does not exist.
  Result<std::optional<std::string>> read_batch(int64_t batch_id);

 private:
  CheckpointFileManager* manager_;
  std::string path_;
  int64_t last_purged_batch_id_ = -1;  // in memory only: -1 again after a restart
};

// A log of one format. `Codec` provides
//   using Value = ...;
//   static std::string Serialize(const Value&);
//   static Result<Value> Deserialize(std::string_view content);  // IllegalState when malformed
template <typename Codec>
class MetadataLog : public MetadataLogFiles {
 public:
  using Value = typename Codec::Value;
  using MetadataLogFiles::MetadataLogFiles;

  // Writes `value` as batch `batch_id` unless that batch exists (false then, nothing written).
  // A concurrent writer that wins the rename makes it fail: "Multiple streaming queries are
  // concurrently using <path>" (V10).
  Result<bool> add(int64_t batch_id, const Value& value) {
    CKPT_ASSIGN_OR_RETURN(std::optional<Value> existing, get(batch_id));
    if (existing) return false;
    CKPT_RETURN_IF_ERROR(write_batch(batch_id, Codec::Serialize(value)));
    return true;
  }

  // Batch `batch_id`, nullopt when its file does not exist. A file its format rejects:
  // "Failed to read log file <path>. <why>" (V4).
  Result<std::optional<Value>> get(int64_t batch_id) {
    CKPT_ASSIGN_OR_RETURN(std::optional<std::string> content, read_batch(batch_id));
    if (!content) return std::optional<Value>();
    Result<Value> value = Codec::Deserialize(*content);
    if (!value.ok()) return Unreadable(batch_id, value.status());
    return std::optional<Value>(std::move(value).value());
  }

  // The batch of the highest id listed; nullopt for an empty log. No fallback to an older batch:
  // a latest file that cannot be read is an error (V5 when it vanished after the listing).
  Result<std::optional<std::pair<int64_t, Value>>> get_latest() {
    CKPT_ASSIGN_OR_RETURN(std::vector<int64_t> ids, list_batches());
    if (ids.empty()) return std::optional<std::pair<int64_t, Value>>();
    CKPT_ASSIGN_OR_RETURN(std::optional<Value> latest, get(ids.back()));
    if (!latest) {
      return Status::IllegalState("failed to read log file for batch " +
                                  std::to_string(ids.back()));
    }
    return std::optional<std::pair<int64_t, Value>>(std::in_place, ids.back(), *std::move(latest));
  }

  // The batches from `start_id` to `end_id` (either open), which must have no gap (V13).
  Result<std::vector<std::pair<int64_t, Value>>> get_range(std::optional<int64_t> start_id,
                                                           std::optional<int64_t> end_id) {
    CKPT_ASSIGN_OR_RETURN(std::vector<int64_t> listed, list_batches());
    std::vector<int64_t> ids;
    for (int64_t id : listed) {
      if ((!start_id || id >= *start_id) && (!end_id || id <= *end_id)) ids.push_back(id);
    }
    std::vector<std::pair<int64_t, Value>> batches;
    for (int64_t id : ids) {
      CKPT_ASSIGN_OR_RETURN(std::optional<Value> value, get(id));
      if (value) batches.emplace_back(id, *std::move(value));
    }
    std::vector<int64_t> read_ids;
    for (const auto& batch : batches) read_ids.push_back(batch.first);
    CKPT_RETURN_IF_ERROR(VerifyBatchIds(read_ids, start_id, end_id));
    return batches;
  }

 private:
  Status Unreadable(int64_t batch_id, const Status& why) const {
    if (why.code() != StatusCode::kIllegalState) return why;
    return Status::IllegalState("Failed to read log file " + batch_id_to_path(batch_id) + ". " +
                                why.message());
  }
};

}  // namespace ckpt::structured
