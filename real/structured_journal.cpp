#include "real/structured_journal.h"

#include "engine/runtime/posix_file_system.h"
#include "engine/structured/checkpoint_file_manager.h"
#include "oracle/structured_files.h"
#include "real/journal_fields.h"

namespace real {

using nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

void StructuredJournal::before_mutation(ckpt::FileOperation operation, const std::string& path) {
  if (operation == ckpt::FileOperation::kCreate &&
      ckpt::structured::IsTempFileName(ckpt::BaseName(path))) {
    journal_->write_fields("s_temp", {{"path", path}});
  }
  // One process at a time serves a run directory (RealRuntimeSupports): a rename onto a free
  // commits/N is this process's write of it.
  if (operation != ckpt::FileOperation::kRename) return;
  std::optional<sim::CommitRename> rename = sim::CommitRenameOf(checkpoint_dir_, path);
  if (!rename) return;
  ckpt::Result<bool> taken = disk_->exists(rename->to);
  if (taken.ok() && !taken.value()) commits_renamed_.insert(rename->batch_id);
}

ckpt::Status StructuredJournal::add_batch(const std::string&, int64_t batch_id,
                                          const ckpt::Records& records) {
  ckpt::Records sorted = records;
  ckpt::SortRecords(sorted);
  journal_->write_fields("s_deliver", {{"batch", batch_id}, {"records", RecordsToJson(sorted)}});
  return ckpt::Status::Ok();
}

void StructuredJournal::on_start_offsets(int64_t first_batch_id, bool rerun) {
  journal_->write_fields("s_start", {{"first", first_batch_id}, {"rerun", rerun}});
}

void StructuredJournal::on_batch_planned(int64_t batch_id,
                                         const ckpt::structured::OffsetSeq& plan) {
  sim::StructuredPlan planned = sim::PlanRecord(index_, batch_id, plan);
  journal_->write_fields("s_plan", {{"batch", batch_id},
                                    {"offsets", planned.offsets},
                                    {"watermark", planned.watermark_ms},
                                    {"timestamp", planned.timestamp_ms}});
}

void StructuredJournal::on_batch_committed(int64_t batch_id) {
  journal_->write_fields("s_commit", {{"batch", batch_id},
                                      {"writer", commits_renamed_.count(batch_id) ? index_ : -1}});
}

void StructuredJournal::on_query_terminated(const ckpt::Status& error) {
  if (!error.ok()) journal_->on_event(ckpt::event::Error{error});
}

void StructuredJournal::on_warning(const std::string& message) {
  journal_->on_event(ckpt::event::Log{ckpt::LogLevel::kWarning, message});
}

void StructuredJournal::on_no_new_data() {
  if (on_no_new_data_) on_no_new_data_();
}

bool ApplyStructuredLine(const std::string& event, const json& line,
                         const std::string& checkpoint_dir, int incarnation,
                         sim::IncarnationRecord& record, sim::TrialRun& run) {
  sim::StructuredRecord& out = run.structured;
  if (event == "s_start") {
    sim::NoteStructuredStart(checkpoint_dir, incarnation, Int(line, "first"), Flag(line, "rerun"),
                             record, out);
  } else if (event == "s_plan") {
    out.plans.push_back(sim::StructuredPlan{incarnation, Int(line, "batch"), Text(line, "offsets"),
                                            Int(line, "watermark"), Int(line, "timestamp")});
  } else if (event == "s_deliver") {
    ckpt::Records records = RecordsOf(line, "records");
    ckpt::SortRecords(records);
    out.deliveries.push_back(sim::StructuredDelivery{
        incarnation, Int(line, "batch"), std::move(records), ckpt::Time{Int(line, "at")}});
  } else if (event == "s_commit") {
    int64_t writer = Int(line, "writer");
    if (writer != -1 && writer != incarnation) throw BadLine{"a commit written by another process"};
    out.commits.push_back(sim::StructuredCommit{
        incarnation, Int(line, "batch"), static_cast<int>(writer), ckpt::Time{Int(line, "at")}});
  } else if (event == "s_temp") {
    out.temp_file_creators[Text(line, "path")] = incarnation;
  } else {
    return false;
  }
  return true;
}

void ReadRunDirectoryFiles(const sim::Scenario& scenario, const std::string& run_directory,
                           const ckpt::WallTimeLine& line, sim::TrialRun& run) {
  ckpt::PosixFileSystem disk(run_directory);
  ckpt::WallClockScheduler clock(line);
  sim::FinalFilesReader reader{&disk, ckpt::structured::FileManagerKind::kFileContext, &clock,
                               nullptr};
  sim::ReadStructuredFinalFiles(scenario, reader, run);
}

}  // namespace real
