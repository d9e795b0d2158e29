#include "engine/structured/compactible_log.h"

#include <algorithm>
#include <charconv>
#include <variant>

namespace ckpt::structured {
namespace {

constexpr std::string_view kCompactSuffix = ".compact";
// getBatchIdFromFileName: the name without ".compact", as a long.
std::optional<int64_t> BatchIdOf(std::string_view name) {
  if (name.ends_with(kCompactSuffix)) name.remove_suffix(kCompactSuffix.size());
  int64_t id = 0;
  auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), id);
  if (error != std::errc() || end != name.data() + name.size() || id < 0 || id > kMaxBatchId) {
    return std::nullopt;
  }
  return id;
}

// The ids of `listed` (ascending) within [from, to], or the first id of that range missing from it.
// Bounded by the listing, not by the range: a hostile directory's names may make it 2^61 long.
std::variant<std::vector<int64_t>, int64_t> IdsCovering(const std::vector<int64_t>& listed,
                                                        int64_t from, int64_t to) {
  std::vector<int64_t> ids;
  int64_t expected = from;
  for (int64_t id : listed) {
    if (id < from || id > to) continue;
    if (id != expected) return expected;
    ids.push_back(id);
    ++expected;
  }
  if (expected <= to) return expected;
  return ids;
}

}  // namespace

std::string EntriesCodec::Serialize(const Value& entries) {
  std::string text = "v" + std::to_string(kVersion);
  for (const std::string& entry : entries) text += "\n" + entry;
  return text;
}

Result<EntriesCodec::Value> EntriesCodec::Deserialize(std::string_view content) {
  std::vector<std::string_view> lines = LogLines(content);
  if (lines.empty()) return Status::IllegalState("Incomplete log file");
  CKPT_RETURN_IF_ERROR(ValidateLogVersion(lines[0], kVersion).status());
  return Value(lines.begin() + 1, lines.end());
}

bool IsCompactionBatch(int64_t batch_id, int64_t interval) {
  return (batch_id + 1) % interval == 0;
}

int64_t DeriveCompactInterval(int64_t default_interval, int64_t latest_compact) {
  const int64_t n = latest_compact + 1;
  if (n <= default_interval) return n;
  if (default_interval < n / 2) {
    // The first divisor of n from the configured interval on (n itself at the latest). Deliberate
    // bound: the search stops after kMaxDivisorSearch candidates (a hostile name such as
    // "2305843009213693951.compact" would make it run for ages) and takes n.
    constexpr int64_t kMaxDivisorSearch = int64_t{1} << 20;
    for (int64_t i = default_interval; i <= n / 2 && i - default_interval < kMaxDivisorSearch;
         ++i) {
      if (n % i == 0) return i;
    }
  }
  return n;
}

CompactibleLog::CompactibleLog(CheckpointFileManager* manager, std::string path,
                               CompactibleLogConf conf, const Scheduler* clock)
    : manager_(manager),
      path_(std::move(path)),
      conf_(conf),
      clock_(clock),
      compact_interval_(conf.default_compact_interval) {}

Status CompactibleLog::init() {
  CKPT_ASSIGN_OR_RETURN(bool exists, manager_->fs().exists(path_));
  if (!exists) return manager_->fs().mkdirs(path_);
  CKPT_ASSIGN_OR_RETURN(std::vector<FileStatus> entries, manager_->fs().list(path_));
  std::vector<int64_t> compactions;
  for (const FileStatus& entry : entries) {
    std::optional<int64_t> id = BatchIdOf(entry.name);
    if (id && std::string_view(entry.name).ends_with(kCompactSuffix)) compactions.push_back(*id);
  }
  std::sort(compactions.rbegin(), compactions.rend());
  if (compactions.size() > 1 && compactions[0] > compactions[1]) {
    compact_interval_ = compactions[0] - compactions[1];
  } else if (compactions.size() == 1) {
    compact_interval_ = DeriveCompactInterval(conf_.default_compact_interval, compactions[0]);
  }
  return Status::Ok();
}

std::string CompactibleLog::batch_id_to_path(int64_t batch_id) const {
  std::string name = std::to_string(batch_id);
  if (IsCompactionBatch(batch_id, compact_interval_)) name += kCompactSuffix;
  return JoinPath(path_, name);
}

Result<std::vector<int64_t>> CompactibleLog::list_batches() {
  CKPT_ASSIGN_OR_RETURN(std::vector<FileStatus> entries, manager_->fs().list(path_));
  std::vector<int64_t> ids;
  for (const FileStatus& entry : entries) {
    if (std::optional<int64_t> id = BatchIdOf(entry.name)) ids.push_back(*id);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

Result<std::optional<int64_t>> CompactibleLog::latest_batch_id() {
  CKPT_ASSIGN_OR_RETURN(std::vector<int64_t> ids, list_batches());
  if (ids.empty()) return std::optional<int64_t>();
  return std::optional<int64_t>(ids.back());
}

Result<std::optional<std::vector<std::string>>> CompactibleLog::get(int64_t batch_id) {
  const std::string path = batch_id_to_path(batch_id);
  CKPT_ASSIGN_OR_RETURN(bool exists, manager_->fs().exists(path));
  if (!exists) return std::optional<std::vector<std::string>>();
  CKPT_ASSIGN_OR_RETURN(std::string content, manager_->fs().read_file(path));
  Result<std::vector<std::string>> entries = EntriesCodec::Deserialize(content);
  if (!entries.ok()) {
    return Status::IllegalState("Failed to read log file " + path + ". " +
                                entries.status().message());
  }
  return std::optional<std::vector<std::string>>(std::move(entries).value());
}

Result<bool> CompactibleLog::add(int64_t batch_id, const std::vector<std::string>& entries) {
  if (batch_id < 0 || batch_id > kMaxBatchId) {
    return Status::InvalidArgument("batch id out of range: " + std::to_string(batch_id));
  }
  CKPT_ASSIGN_OR_RETURN(auto existing, get(batch_id));
  if (existing) return false;
  std::vector<std::string> written;
  if (IsCompactionBatch(batch_id, compact_interval_)) {
    auto missing = [&](int64_t id) {
      return Status::IllegalState(batch_id_to_path(id) + " doesn't exist when compacting batch " +
                                  std::to_string(batch_id) +
                                  " (compactInterval: " + std::to_string(compact_interval_) + ")");
    };
    CKPT_ASSIGN_OR_RETURN(std::vector<int64_t> listed, list_batches());
    auto ids =
        IdsCovering(listed, std::max<int64_t>(0, batch_id - compact_interval_), batch_id - 1);
    if (auto* gap = std::get_if<int64_t>(&ids)) return missing(*gap);
    for (int64_t id : std::get<std::vector<int64_t>>(ids)) {
      CKPT_ASSIGN_OR_RETURN(auto earlier, get(id));
      if (!earlier) return missing(id);
      written.insert(written.end(), earlier->begin(), earlier->end());
    }
  }
  written.insert(written.end(), entries.begin(), entries.end());
  const std::string path = batch_id_to_path(batch_id);
  CKPT_ASSIGN_OR_RETURN(auto output, manager_->create_atomic(path));
  Status done = output->append(EntriesCodec::Serialize(written));
  if (done.ok()) done = output->close();
  if (!done.ok()) {
    output->cancel();
    if (done.code() != StatusCode::kAlreadyExists) return done;
    return Status::IllegalState("Multiple streaming queries are concurrently using " + path);
  }
  if (conf_.deletion) CKPT_RETURN_IF_ERROR(delete_expired(batch_id));
  return true;
}

// deleteExpiredLog: files before the compaction batch that the oldest retained batch's readers
// start from, once their modification time is older than the cleanup delay.
Status CompactibleLog::delete_expired(int64_t current_batch_id) {
  const int64_t min_batch_id = current_batch_id + 1 - conf_.min_batches_to_retain;
  if (compact_interval_ > min_batch_id) return Status::Ok();
  const int64_t min_compaction_batch_id = min_batch_id - (min_batch_id % compact_interval_) - 1;
  const Time expired_before = clock_->now() - conf_.cleanup_delay;
  CKPT_ASSIGN_OR_RETURN(std::vector<FileStatus> entries, manager_->fs().list(path_));
  for (const FileStatus& entry : entries) {
    std::optional<int64_t> id = BatchIdOf(entry.name);
    if (!id || *id >= min_compaction_batch_id || entry.modification_time > expired_before) continue;
    Status deleted = manager_->fs().remove(JoinPath(path_, entry.name), /*recursive=*/false);
    if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) return deleted;
  }
  return Status::Ok();
}

Result<std::vector<std::string>> CompactibleLog::all_entries() {
  CKPT_ASSIGN_OR_RETURN(std::vector<int64_t> listed, list_batches());
  std::vector<std::string> all;
  if (listed.empty()) return all;
  const int64_t latest = listed.back();
  auto missing = [&](int64_t id) {
    return Status::IllegalState(batch_id_to_path(id) +
                                " doesn't exist (latestId: " + std::to_string(latest) +
                                ", compactInterval: " + std::to_string(compact_interval_) + ")");
  };
  const int64_t start =
      std::max<int64_t>(0, (latest + 1) / compact_interval_ * compact_interval_ - 1);
  auto ids = IdsCovering(listed, start, latest);
  if (auto* gap = std::get_if<int64_t>(&ids)) return missing(*gap);
  for (int64_t id : std::get<std::vector<int64_t>>(ids)) {
    CKPT_ASSIGN_OR_RETURN(auto entries, get(id));
    if (!entries) return missing(id);
    all.insert(all.end(), entries->begin(), entries->end());
  }
  return all;
}

Status CompactibleLog::purge(int64_t /*threshold_batch_id*/) {
  return Status::Unsupported("Cannot purge as it might break internal state.");
}

}  // namespace ckpt::structured
