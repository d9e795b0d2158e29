#include "oracle/structured_files.h"

#include <algorithm>
#include <charconv>
#include <memory>

#include "engine/structured/compactible_log.h"
#include "engine/structured/file_sink.h"
#include "engine/structured/file_source.h"
#include "engine/structured/kafka_source.h"
#include "engine/structured/metadata_log.h"
#include "engine/structured/offset_commit_logs.h"
#include "engine/structured/state_store.h"
#include "scenario/structured_application.h"

namespace sim {
namespace {

using ckpt::Result;
namespace ss = ckpt::structured;

// A metadata log's batch ids, as its own listing parses them.
std::vector<int64_t> BatchIds(ss::CheckpointFileManager& manager, const std::string& dir) {
  Result<std::vector<int64_t>> ids = ss::MetadataLogFiles(&manager, dir).list_batches();
  return ids.ok() ? ids.value() : std::vector<int64_t>{};
}

// Every createAtomic temp file below `dir` (at most 8 directories deep: a hostile run directory
// may nest without end).
void CollectTempFiles(ckpt::FileSystem& fs, const std::string& dir, int depth,
                      std::vector<std::string>& found) {
  Result<std::vector<ckpt::FileStatus>> listed = fs.list(dir);
  if (!listed.ok() || depth > 8) return;
  for (const ckpt::FileStatus& file : listed.value()) {
    std::string path = ckpt::JoinPath(dir, file.name);
    if (file.is_directory) {
      CollectTempFiles(fs, path, depth + 1, found);
    } else if (ss::IsTempFileName(file.name)) {
      found.push_back(path);
    }
  }
}

void ReadLogs(const Scenario& scenario, ss::CheckpointFileManager& manager, StructuredRecord& out) {
  const std::string& root = scenario.checkpoint_dir;
  out.offset_ids = BatchIds(manager, ckpt::JoinPath(root, "offsets"));
  out.commit_ids = BatchIds(manager, ckpt::JoinPath(root, "commits"));
  ss::OffsetSeqLog offsets(&manager, ckpt::JoinPath(root, "offsets"));
  for (int64_t id : out.offset_ids) {
    Result<std::optional<ss::OffsetSeq>> plan = offsets.get(id);
    if (!plan.ok() || !plan.value() || plan.value()->offsets.empty()) continue;
    out.logged_offsets[id] = plan.value()->offsets[0].value_or("-");
  }
}

void ReadTempFiles(const Scenario& scenario, const ss::QueryPlan& plan,
                   const FinalFilesReader& reader, TrialRun& run) {
  std::vector<std::string> temp_files;
  CollectTempFiles(*reader.fs, scenario.checkpoint_dir, 0, temp_files);
  if (plan.sink == ss::QueryPlan::Sink::kFile)
    CollectTempFiles(*reader.fs, plan.sink_path, 0, temp_files);
  const std::map<std::string, int>& creators = run.structured.temp_file_creators;
  for (const std::string& path : temp_files) {
    auto creator = creators.find(path);
    bool creator_crashed = creator != creators.end() && creator->second >= 0 &&
                           static_cast<size_t>(creator->second) < run.incarnations.size() &&
                           run.incarnations[creator->second].crashed_at;
    if (creator_crashed || (reader.temp_file_may_stay && reader.temp_file_may_stay(path))) {
      continue;
    }
    run.structured.leaked_temp_files.push_back(path);
  }
}

// The file sink log's batch files ("N" or "N.compact").
void ListSinkLog(const ss::QueryPlan& plan, ckpt::FileSystem& fs, StructuredRecord& out) {
  Result<std::vector<ckpt::FileStatus>> files =
      fs.list(ckpt::JoinPath(plan.sink_path, ss::kMetadataDir));
  if (!files.ok()) return;
  for (const ckpt::FileStatus& file : files.value()) {
    if (!file.is_directory && !ss::IsTempFileName(file.name)) {
      out.sink_log_files.push_back(file.name);
    }
  }
}

// The file source's seen-files log: every entry of every log batch (its compaction files hold
// the batches before them).
void ReadSeenFilesLog(const Scenario& scenario, ss::CheckpointFileManager& manager,
                      const std::map<std::string, std::string>& conf, ckpt::Scheduler* clock,
                      StructuredRecord& out) {
  Result<ss::CompactibleLogConf> log_conf =
      ss::CompactibleLogConfOf(conf, ss::CompactibleLogKind::kFileSource);
  if (!log_conf.ok()) return;
  ss::CompactibleLog log(&manager, ckpt::JoinPath(scenario.checkpoint_dir, "sources/0"),
                         log_conf.value(), clock);
  Result<std::vector<std::string>> entries =
      log.init().ok() ? log.all_entries() : std::vector<std::string>{};
  if (!entries.ok()) return;
  for (const std::string& json : entries.value()) {
    Result<ss::FileStreamSource::Entry> entry = ss::FileStreamSource::EntryFromJson(json);
    if (entry.ok()) out.source_files[entry.value().batch_id].push_back(entry.value().path);
  }
}

// What sources/0/0 holds, as the Kafka source reads it back.
void ReadSourceLog(const Scenario& scenario, ss::CheckpointFileManager& manager,
                   StructuredRecord& out) {
  if (scenario.source.kind() != SourceKind::kLog) return;
  ss::MetadataLog<ss::KafkaInitialOffsetCodec> log(
      &manager, ckpt::JoinPath(scenario.checkpoint_dir, "sources/0"));
  Result<std::optional<ss::KafkaInitialOffsetCodec::Value>> initial = log.get(0);
  if (!initial.ok()) {
    out.source_initial_offsets = initial.status().to_string();
  } else if (initial.value()) {
    out.source_initial_offsets = initial.value()->json;
  }
}

// What a reader of the sink's log sees (the paths the log lists, read once, then their lines),
// and the data files listed more than once.
void ReadFileSink(const ss::QueryPlan& plan, ss::CheckpointFileManager& manager,
                  const FinalFilesReader& reader, const std::map<std::string, std::string>& conf,
                  StructuredRecord& out) {
  ListSinkLog(plan, *reader.fs, out);
  Result<ss::CompactibleLogConf> log_conf =
      ss::CompactibleLogConfOf(conf, ss::CompactibleLogKind::kFileSink);
  Result<std::vector<std::string>> paths =
      log_conf.ok() ? ss::SinkLogPaths(&manager, plan.sink_path, log_conf.value(), reader.clock)
                    : Result<std::vector<std::string>>(log_conf.status());
  Result<std::vector<std::string>> read =
      paths.ok() ? ss::ReadSinkFiles(*reader.fs, paths.value()) : paths;
  if (!read.ok()) {
    out.sink_read_error = read.status().to_string();
    return;
  }
  std::map<std::string, int> listed;
  for (const std::string& path : paths.value()) {
    if (++listed[path] == 2) out.sink_duplicate_paths.push_back(path);
  }
  for (const std::string& line : read.value()) out.sink_read.push_back(ckpt::Value::String(line));
  ckpt::SortRecords(out.sink_read);
  Result<std::vector<std::string>> all = ss::ReadSinkDirectory(*reader.fs, plan.sink_path);
  if (all.ok() && all.value().size() > read.value().size()) {
    out.sink_orphans = all.value().size() - read.value().size();
  }
}

void ReadState(const Scenario& scenario, const ss::QueryPlan& plan, ckpt::FileSystem& fs,
               ss::CheckpointFileManager& manager, StructuredRecord& out) {
  if (!plan.aggregation && !plan.deduplicate) return;
  if (out.commit_ids.empty()) return;
  const int64_t version = out.commit_ids.back() + 1;
  const std::string dir = ckpt::JoinPath(scenario.checkpoint_dir, "state/0");
  Result<std::vector<ckpt::FileStatus>> partitions = fs.list(dir);
  if (!partitions.ok()) return;
  for (const ckpt::FileStatus& partition : partitions.value()) {
    int64_t id = 0;
    const char* end = partition.name.data() + partition.name.size();
    auto parsed = std::from_chars(partition.name.data(), end, id);
    if (!partition.is_directory || parsed.ec != std::errc() || parsed.ptr != end) continue;
    ss::StateStoreProvider provider(&manager, ckpt::JoinPath(dir, partition.name), 0, id, {});
    Result<std::unique_ptr<ss::StateStore>> store = provider.get_store(version);
    if (!store.ok()) {
      out.state_error = store.status().to_string();
      return;
    }
    for (const auto& [key, value] : store.value()->map()) {
      out.state.push_back(key.to_string() + " -> " + value.to_string());
    }
    store.value()->abort();
  }
  std::sort(out.state.begin(), out.state.end());
}

}  // namespace

void NoteStructuredStart(const std::string& checkpoint_dir, int incarnation, int64_t first_batch_id,
                         bool rerun, IncarnationRecord& record, StructuredRecord& out) {
  out.starts.push_back(StructuredStart{incarnation, first_batch_id, rerun});
  // Recovered from the checkpoint: what it read is the latest plan, offsets/L (L re-runs, or the
  // batch after it starts).
  record.recovered = first_batch_id > 0 || rerun;
  if (record.recovered) {
    record.checkpoint_file = ckpt::JoinPath(
        checkpoint_dir, "offsets/" + std::to_string(rerun ? first_batch_id : first_batch_id - 1));
  }
}

StructuredPlan PlanRecord(int incarnation, int64_t batch_id, const ss::OffsetSeq& plan) {
  return StructuredPlan{incarnation, batch_id,
                        plan.offsets.empty() ? "" : plan.offsets[0].value_or(""),
                        plan.metadata ? plan.metadata->batch_watermark_ms : 0,
                        plan.metadata ? plan.metadata->batch_timestamp_ms : 0};
}

std::optional<CommitRename> CommitRenameOf(const std::string& checkpoint_dir,
                                           const std::string& rename_path) {
  size_t arrow = rename_path.find(" -> ");
  if (arrow == std::string::npos) return std::nullopt;
  CommitRename rename{rename_path.substr(arrow + 4)};
  if (ckpt::ParentPath(rename.to) != ckpt::JoinPath(checkpoint_dir, "commits")) return std::nullopt;
  const std::string name = ckpt::BaseName(rename.to);
  auto parsed = std::from_chars(name.data(), name.data() + name.size(), rename.batch_id);
  if (parsed.ec != std::errc() || parsed.ptr != name.data() + name.size()) return std::nullopt;
  return rename;
}

void ReadStructuredFinalFiles(const Scenario& scenario, const FinalFilesReader& reader,
                              TrialRun& run) {
  const ss::QueryPlan plan = StructuredPlanOf(scenario);
  ss::CheckpointFileManager manager(reader.fs, reader.file_manager, /*process_uid=*/0);
  ReadLogs(scenario, manager, run.structured);
  ReadTempFiles(scenario, plan, reader, run);
  // Readers with the last process's session conf (its compact intervals).
  const std::map<std::string, std::string>& conf =
      run.incarnations.empty() ? scenario.conf : run.incarnations.back().conf;
  if (plan.sink == ss::QueryPlan::Sink::kFile)
    ReadFileSink(plan, manager, reader, conf, run.structured);
  if (scenario.source.kind() == SourceKind::kFile) {
    ReadSeenFilesLog(scenario, manager, conf, reader.clock, run.structured);
  }
  ReadSourceLog(scenario, manager, run.structured);
  ReadState(scenario, plan, *reader.fs, manager, run.structured);
}

}  // namespace sim
