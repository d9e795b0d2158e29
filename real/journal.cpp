#include "real/journal.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "engine/checkpoint/checkpoint.h"
#include "oracle/run_recorder.h"
#include "real/journal_events.h"
#include "real/journal_fields.h"
#include "real/structured_journal.h"
#include "scenario/application.h"

namespace real {
namespace {

using ckpt::Result;
using ckpt::Status;
using ckpt::Time;
using nlohmann::json;
// Written lines keep their keys in order, the event first ("{\"e\":..."): readable, and what
// KillPointLine and ProcessesInJournal look for.
using OrderedJson = nlohmann::ordered_json;

// [[RDD time, file], ...]: what RddFiles (journal_fields.h) reads back.
OrderedJson RddFilesToJson(const std::map<Time, std::string>& rdd_files) {
  OrderedJson files = OrderedJson::array();
  for (const auto& [rdd_time, file] : rdd_files) files.push_back({rdd_time.ms, file});
  return files;
}

OrderedJson TimesToJson(const std::vector<Time>& times) {
  OrderedJson list = OrderedJson::array();
  for (Time t : times) list.push_back(t.ms);
  return list;
}

OrderedJson StatusToJson(const Status& status) {
  OrderedJson json{{"code", static_cast<int>(status.code())}, {"message", status.message()}};
  if (status.marks() != 0) json["marks"] = status.marks();
  if (!status.subject().empty()) json["subject"] = status.subject();
  return json;
}

OrderedJson BlockToJson(const ckpt::ReceivedBlockInfo& block) {
  return OrderedJson{{"stream", block.stream_id},
                     {"id", block.block_id},
                     {"count", block.record_count},
                     {"from", block.source_from},
                     {"until", block.source_until}};
}

OrderedJson BlocksToJson(const std::vector<ckpt::ReceivedBlockInfo>& blocks) {
  OrderedJson list = OrderedJson::array();
  for (const ckpt::ReceivedBlockInfo& block : blocks) list.push_back(BlockToJson(block));
  return list;
}

}  // namespace

void JournalWriter::write_line(const std::string& line) {
  std::string text = line + "\n";
  std::string_view rest = text;
  while (!rest.empty()) {
    ssize_t written = ::write(fd_, rest.data(), rest.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      std::fprintf(stderr, "ckptsim: cannot write the journal: %s\n", std::strerror(errno));
      std::_Exit(3);
    }
    rest.remove_prefix(static_cast<size_t>(written));
  }
}

void JournalWriter::write_event(ckpt::EngineEvent event, OrderedJson fields) {
  write_fields(JournalName(event), std::move(fields));
}

void JournalWriter::write_fields(const char* event, OrderedJson fields) {
  OrderedJson line{{"e", event}, {"at", now().ms}};
  for (auto& [key, value] : fields.items()) line[key] = std::move(value);
  write_line(line.dump());
}

void JournalWriter::echo(const std::string& text) {
  if (!echo_) return;
  std::fprintf(echo_, "[%lld ms] %s\n", static_cast<long long>(now().ms), text.c_str());
  std::fflush(echo_);
}

void JournalWriter::process_started(int index, Time at, int64_t source_acknowledged,
                                    const std::map<std::string, std::string>& conf) {
  write_line(OrderedJson{
      {"e", "process"},
      {"index", index},
      {"pid", static_cast<int64_t>(::getpid())},
      {"at", at.ms},
      {"acknowledged", source_acknowledged},
      {"conf",
       conf}}.dump());
  echo("process " + std::to_string(index) + " (pid " + std::to_string(::getpid()) + ") starts");
}

void JournalWriter::context_conf(const std::map<std::string, std::string>& conf) {
  write_line(OrderedJson{{"e", "conf"}, {"at", now().ms}, {"conf", conf}}.dump());
}

void JournalWriter::start_failed(const Status& error) {
  write_line(
      OrderedJson{{"e", "start_failed"}, {"at", now().ms}, {"status", StatusToJson(error)}}.dump());
  echo("start failed: " + error.to_string());
}

void JournalWriter::kill_point(uint64_t step, const std::string& label) {
  write_line(
      OrderedJson{{"e", "kill_point"}, {"at", now().ms}, {"step", step}, {"label", label}}.dump());
}

void JournalWriter::finished(Time at, uint64_t steps) {
  write_line(OrderedJson{{"e", "finished"}, {"at", at.ms}, {"steps", steps}}.dump());
  echo("done after " + std::to_string(steps) + " steps: no batch left to run");
}

void JournalWriter::engine_assert(const std::string& message) {
  write_line(OrderedJson{{"e", "assert"}, {"at", now().ms}, {"message", message}}.dump());
}

Status JournalWriter::emit(const std::string& output, Time batch_time,
                           const ckpt::Records& records) {
  write_line(OrderedJson{{"e", "emit"},
                         {"at", now().ms},
                         {"output", output},
                         {"time", batch_time.ms},
                         {"records", RecordsToJson(records)}}
                 .dump());
  echo("output " + output + " of batch " + batch_time.to_string() + ": " +
       ckpt::RecordsToString(records));
  return Status::Ok();
}

void JournalWriter::on_event(const ckpt::EngineEventRecord& record) {
  std::visit([this](const auto& event) { handle(event); }, record);
}

void JournalWriter::handle(const ckpt::event::Log& e) {
  if (e.level == ckpt::LogLevel::kInfo) return;  // the simulator's trace keeps none either
  write_event(ckpt::EngineEvent::kLog,
              {{"warning", e.level == ckpt::LogLevel::kWarning}, {"message", e.message}});
}

void JournalWriter::handle(const ckpt::event::ContextStarted& e) {
  write_event(ckpt::EngineEvent::kContextStarted,
              {{"zero", e.zero_time.ms}, {"recovered", e.recovered}});
}

void JournalWriter::handle(const ckpt::event::CheckpointRecovered& e) {
  write_event(ckpt::EngineEvent::kCheckpointRecovered, {{"file", e.file},
                                                        {"time", e.checkpoint_time.ms},
                                                        {"pending", TimesToJson(e.pending_times)}});
  echo("recovered from " + e.file + " (content time " + e.checkpoint_time.to_string() + ")");
}

void JournalWriter::handle(const ckpt::event::Restart& e) {
  write_event(ckpt::EngineEvent::kRestart, {{"time", e.restart_time.ms},
                                            {"rescheduled", TimesToJson(e.rescheduled)},
                                            {"clock", e.clock.ms}});
}

void JournalWriter::handle(const ckpt::event::StreamRestored& e) {
  write_event(ckpt::EngineEvent::kStreamRestored,
              {{"stream", e.stream_id}, {"files", RddFilesToJson(e.rdd_files)}});
}

void JournalWriter::handle(const ckpt::event::CheckpointWritten& e) {
  write_event(ckpt::EngineEvent::kCheckpointWritten,
              {{"file", e.file},
               {"time", e.content_time.ms},
               {"clear_later", e.clear_checkpoint_data_later}});
  echo("wrote " + e.file);
}

void JournalWriter::handle(const ckpt::event::ClearCheckpointData& e) {
  write_event(ckpt::EngineEvent::kClearCheckpointData,
              {{"time", e.time.ms}, {"pending", TimesToJson(e.pending_times)}});
}

void JournalWriter::handle(const ckpt::event::CheckpointDataUpdated& e) {
  write_event(
      ckpt::EngineEvent::kCheckpointDataUpdated,
      {{"stream", e.stream_id}, {"time", e.time.ms}, {"files", RddFilesToJson(e.rdd_files)}});
}

void JournalWriter::handle(const ckpt::event::JobFailed& e) {
  write_event(ckpt::EngineEvent::kJobFailed,
              {{"time", e.batch_time.ms}, {"status", StatusToJson(e.error)}});
}

void JournalWriter::handle(const ckpt::event::CheckpointUnreadable& e) {
  write_event(ckpt::EngineEvent::kCheckpointUnreadable,
              {{"file", e.file}, {"status", StatusToJson(e.error)}});
}

void JournalWriter::handle(const ckpt::event::CheckpointGivenUp& e) {
  write_event(ckpt::EngineEvent::kCheckpointGivenUp, {{"time", e.content_time.ms},
                                                      {"attempts", e.attempts},
                                                      {"status", StatusToJson(e.first_error)}});
}

void JournalWriter::handle(const ckpt::GracefulStop& stop) {
  auto time = [](std::optional<Time> t) { return t ? OrderedJson(t->ms) : OrderedJson(nullptr); };
  write_event(ckpt::EngineEvent::kGracefulStop, {{"requested", stop.requested_at.ms},
                                                 {"stop", time(stop.stop_time)},
                                                 {"last", time(stop.last_processed_batch)},
                                                 {"timed_out", stop.timed_out}});
  echo("stopped gracefully");
}

void JournalWriter::handle(const ckpt::event::OffsetRanges& e) {
  OrderedJson list = OrderedJson::array();
  for (const ckpt::OffsetRange& r : e.ranges)
    list.push_back(OrderedJson::array({r.partition, r.from, r.until}));
  write_event(ckpt::EngineEvent::kOffsetRanges, {{"stream", e.stream_id},
                                                 {"time", e.batch_time.ms},
                                                 {"ranges", std::move(list)},
                                                 {"restored", e.restored}});
}

void JournalWriter::handle(const ckpt::event::BlocksAllocated& e) {
  OrderedJson list = OrderedJson::array();
  for (const auto& [stream_id, stream_blocks] : e.blocks) {
    for (const ckpt::ReceivedBlockInfo& block : stream_blocks) list.push_back(BlockToJson(block));
  }
  write_event(ckpt::EngineEvent::kBlocksAllocated,
              {{"time", e.batch_time.ms},
               {"blocks", std::move(list)},
               {"acknowledged", source_ ? source_->acknowledged(source_name_) : 0}});
}

void JournalWriter::handle(const ckpt::event::ReceivedBlocks& e) {
  write_event(ckpt::EngineEvent::kReceivedBlocks, {{"stream", e.stream_id},
                                                   {"time", e.batch_time.ms},
                                                   {"blocks", BlocksToJson(e.blocks)},
                                                   {"missing", BlocksToJson(e.missing)}});
}

void JournalWriter::handle(const ckpt::event::Error& e) {
  write_event(ckpt::EngineEvent::kError, {{"status", StatusToJson(e.error)}});
  echo("error: " + e.error.to_string());
}

void JournalWriter::handle(const ckpt::FileEvent& event) {
  OrderedJson line{{"e", JournalName(ckpt::EngineEvent::kFileOperation)},
                   {"at", now().ms},
                   {"op", ckpt::FileOperationName(event.operation)},
                   {"path", event.path},
                   {"ok", event.ok}};
  if (!event.target.empty()) line["to"] = event.target;
  if (event.operation == ckpt::FileOperation::kList) line["names"] = event.listing;
  write_line(line.dump());
}

bool IsKillPointLine(std::string_view line) { return line.starts_with("{\"e\":\"kill_point\""); }

int ProcessesInJournal(std::string_view journal) {
  int processes = 0;
  for (size_t at = 0; (at = journal.find("{\"e\":\"process\"", at)) != std::string_view::npos;
       ++at) {
    ++processes;
  }
  return processes;
}

std::string KilledLine(Time at) {
  return OrderedJson{{"e", "killed"}, {"at", at.ms}}.dump() + "\n";
}

std::string UnstartedLine(int index, Time at) {
  return OrderedJson{{"e", "unstarted"}, {"at", at.ms}, {"index", index}}.dump() + "\n";
}

namespace {

// Replays journal lines into a TrialRun through the simulator's recorder.
class JournalReader {
 public:
  JournalReader(const sim::Scenario& scenario, bool record_trace)
      : scenario_(scenario),
        log_(scenario, [] { return Time{INT64_MAX}; }),
        source_(scenario, [] { return Time{INT64_MAX}; }),
        recorder_(&run_, scenario, &log_, &source_, record_trace, [this] { return now_; }) {
    run_.digest = ckpt::kFnvOffset;
    checkpoint_dir_ = scenario.checkpoint_dir;
    // A killed process keeps what write() accepted: unlike a power cut it loses no data, so no
    // persistence model explains a failure of a real run by lost unsynced data.
    run_.fs_model = sim::PersistenceModel::kHdfs;
  }

  void apply(const json& line);
  sim::TrialRun finish() {
    if (observer_) close_incarnation();
    run_.quiesced = finished_;
    run_.end_time = now_;
    return std::move(run_);
  }

 private:
  sim::IncarnationObserver& current() {
    if (!observer_) throw BadLine{"an event before the first process line"};
    return *observer_;
  }
  // A process that did not finish died: killed (at the harness's killed line, else at its last
  // line), or it aborted.
  void close_incarnation() {
    sim::IncarnationRecord& record = observer_->record();
    if (!finished_ && !record.crashed_at) record.crashed_at = now_;
    run_.total_steps += record.steps;
  }
  // A process killed before its first line did nothing: a crash before its first step, its
  // receiver source where its predecessor's started.
  void unstarted() {
    sim::IncarnationRecord& record = run_.incarnations.back();
    record.crashed_at = now_;
    if (run_.incarnations.size() > 1) {
      record.source_acknowledged_at_start =
          run_.incarnations[run_.incarnations.size() - 2].source_acknowledged_at_start;
    }
    recorder_.trace_line(static_cast<int>(run_.incarnations.size()) - 1,
                         "killed (SIGKILL) before its first journal line");
  }
  void apply_process_event(const std::string& event, const json& line);
  void apply_engine_event(ckpt::EngineEvent event, const json& line);
  // An allocation line, through the recorder (it carries the source's position itself).
  void apply_allocation(int incarnation, const json& line);

  // The offset ranges of a line, each readable from its log stream's topic.
  std::vector<ckpt::OffsetRange> LogRanges(const json& line, int32_t stream_id) const {
    std::vector<ckpt::OffsetRange> ranges = Ranges(line);
    for (const ckpt::OffsetRange& range : ranges) {
      if (!log_.read(sim::InputSource(scenario_, stream_id).topic(), range).ok()) {
        throw BadLine{"an offset range outside the log"};
      }
    }
    return ranges;
  }

  // The blocks of `field`, each a range of its receiver stream's source.
  std::vector<ckpt::ReceivedBlockInfo> SourceBlocks(const json& line, const char* field) const {
    std::vector<ckpt::ReceivedBlockInfo> blocks = Blocks(line, field);
    for (const ckpt::ReceivedBlockInfo& block : blocks) {
      const int64_t size =
          source_.size(sim::InputSource(scenario_, StreamOf(scenario_, block.stream_id,
                                                            sim::SourceKind::kReceiver))
                           .topic());
      if (block.source_from < 0 || block.source_from > block.source_until ||
          block.source_until > size) {
        throw BadLine{std::string("a block of ") + field + " outside the source's " +
                      std::to_string(size) + " records"};
      }
    }
    return blocks;
  }

  const sim::Scenario& scenario_;
  Time now_{0};
  sim::ScenarioLog log_;
  sim::ScenarioReceiverSource source_;
  sim::TrialRun run_;
  std::string checkpoint_dir_;
  std::vector<std::string> last_checkpoint_listing_;  // the newest listing of checkpoint_dir_
  sim::RunRecorder recorder_;
  std::unique_ptr<sim::IncarnationObserver> observer_;
  bool finished_ = false;
};

void JournalReader::apply(const json& line) {
  if (!line.is_object()) throw BadLine{"not an object"};
  std::string event = Text(line, "e");
  now_ = std::max(now_, Time{Int(line, "at")});
  if (event == "process" || event == "unstarted") {
    if (observer_) close_incarnation();
    observer_.reset();
    int index = static_cast<int>(run_.incarnations.size());
    if (Int(line, "index") != index) throw BadLine{"process index out of order"};
    run_.incarnations.push_back(sim::IncarnationRecord{});
    run_.incarnations.back().started_at = Time{Int(line, "at")};
    last_checkpoint_listing_.clear();
    if (event == "unstarted") return unstarted();
    run_.incarnations.back().source_acknowledged_at_start =
        ReceiverPositions(scenario_, Int(line, "acknowledged"));
    run_.incarnations.back().process_conf = Conf(line, "conf");
    // Allocation lines carry the position themselves (replayed through the recorder below).
    observer_ = std::make_unique<sim::IncarnationObserver>(&recorder_, index,
                                                           [](int32_t) { return int64_t{0}; });
    finished_ = false;
    return;
  }
  apply_process_event(event, line);
}

void JournalReader::apply_process_event(const std::string& event, const json& line) {
  sim::IncarnationObserver& observer = current();
  if (event == "emit") {
    recorder_.emission(observer.index(), Text(line, "output"), Time{Int(line, "time")},
                       RecordsOf(line, "records"), now_);
  } else if (event == "conf") {
    observer.record().conf = Conf(line, "conf").value_or(std::map<std::string, std::string>{});
  } else if (event == "start_failed") {
    observer.start_failed(StatusOf(line));
    // A real run injects no faults: every checkpoint file the reader listed was intact, so a
    // reader that gave up on them broke the contract (EveryCheckpointCorruptedByFaults).
    for (const std::string& name : last_checkpoint_listing_) {
      if (std::optional<ckpt::CheckpointFile> file =
              ckpt::ParseCheckpointName(checkpoint_dir_, name)) {
        observer.record().intact_checkpoint_files.push_back(file->path);
      }
    }
  } else if (event == "assert") {
    run_.engine_assert = Text(line, "message");
    recorder_.trace_line(observer.index(), "engine assertion: " + run_.engine_assert);
  } else if (event == "kill_point") {
    observer.record().steps = static_cast<uint64_t>(Int(line, "step"));
    recorder_.trace_line(observer.index(), "KILL before step " + std::to_string(Int(line, "step")) +
                                               ": " + Text(line, "label"));
  } else if (event == "killed") {
    observer.record().crashed_at = now_;
    recorder_.trace_line(observer.index(), "killed (SIGKILL)");
  } else if (event == "finished") {
    observer.record().steps = static_cast<uint64_t>(Int(line, "steps"));
    finished_ = true;
  } else if (std::optional<ckpt::EngineEvent> engine_event = ParseEngineEvent(event)) {
    apply_engine_event(*engine_event, line);
  } else if (!ApplyStructuredLine(event, line, checkpoint_dir_, observer.index(), observer.record(),
                                  run_)) {
    throw BadLine{"unknown event '" + event + "'"};
  }
}

void JournalReader::apply_allocation(int incarnation, const json& line) {
  // Every receiver stream has its list, an empty one too, as the engine reports them.
  ckpt::AllocatedBlocks blocks;
  const int64_t acknowledged = Int(line, "acknowledged");
  for (const auto& [stream_id, unused] : ReceiverPositions(scenario_, acknowledged))
    blocks[stream_id];
  for (ckpt::ReceivedBlockInfo& block : SourceBlocks(line, "blocks")) {
    blocks[block.stream_id].push_back(std::move(block));
  }
  // The position is the one the writing process saw, not the reader's.
  recorder_.allocation(incarnation, Time{Int(line, "time")}, blocks,
                       [acknowledged](int32_t) { return acknowledged; });
}

// Every engine event, each through the observer method it came from (no default: an event the
// journal does not replay does not compile).
void JournalReader::apply_engine_event(ckpt::EngineEvent event, const json& line) {
  sim::IncarnationObserver& observer = current();
  switch (event) {
    case ckpt::EngineEvent::kLog:
      return observer.on_event(ckpt::event::Log{
          Flag(line, "warning") ? ckpt::LogLevel::kWarning : ckpt::LogLevel::kError,
          Text(line, "message")});
    case ckpt::EngineEvent::kContextStarted:
      return observer.on_event(
          ckpt::event::ContextStarted{Time{Int(line, "zero")}, Flag(line, "recovered")});
    case ckpt::EngineEvent::kCheckpointRecovered:
      return observer.on_event(ckpt::event::CheckpointRecovered{
          Text(line, "file"), Time{Int(line, "time")}, Times(line, "pending")});
    case ckpt::EngineEvent::kRestart:
      // Journals written before the clock was journaled: the line's own time.
      return observer.on_event(
          ckpt::event::Restart{Time{Int(line, "time")}, Times(line, "rescheduled"),
                               Time{OptionalInt(line, "clock", Int(line, "at"))}});
    case ckpt::EngineEvent::kStreamRestored:
      return observer.on_event(
          ckpt::event::StreamRestored{static_cast<int32_t>(Int(line, "stream")), RddFiles(line)});
    case ckpt::EngineEvent::kCheckpointWritten:
      // Journals written before clear_later was journaled carry none.
      return observer.on_event(ckpt::event::CheckpointWritten{
          Text(line, "file"), Time{Int(line, "time")}, OptionalFlag(line, "clear_later")});
    case ckpt::EngineEvent::kClearCheckpointData:
      return observer.on_event(ckpt::event::ClearCheckpointData{Time{Int(line, "time")},
                                                                OptionalTimes(line, "pending")});
    case ckpt::EngineEvent::kCheckpointDataUpdated:
      return observer.on_event(ckpt::event::CheckpointDataUpdated{
          static_cast<int32_t>(Int(line, "stream")), Time{Int(line, "time")}, RddFiles(line)});
    case ckpt::EngineEvent::kJobFailed:
      return observer.on_event(ckpt::event::JobFailed{Time{Int(line, "time")}, StatusOf(line)});
    case ckpt::EngineEvent::kCheckpointUnreadable:
      return observer.on_event(
          ckpt::event::CheckpointUnreadable{Text(line, "file"), StatusOf(line)});
    case ckpt::EngineEvent::kCheckpointGivenUp:
      return observer.on_event(ckpt::event::CheckpointGivenUp{
          Time{Int(line, "time")}, static_cast<int>(Int(line, "attempts")), StatusOf(line)});
    case ckpt::EngineEvent::kOffsetRanges: {
      const int32_t stream_id = StreamOf(scenario_, Int(line, "stream"), sim::SourceKind::kLog);
      return observer.on_event(ckpt::event::OffsetRanges{
          stream_id, Time{Int(line, "time")}, LogRanges(line, stream_id), Flag(line, "restored")});
    }
    case ckpt::EngineEvent::kBlocksAllocated:
      return apply_allocation(observer.index(), line);
    case ckpt::EngineEvent::kReceivedBlocks:
      return observer.on_event(ckpt::event::ReceivedBlocks{
          StreamOf(scenario_, Int(line, "stream"), sim::SourceKind::kReceiver),
          Time{Int(line, "time")}, SourceBlocks(line, "blocks"), SourceBlocks(line, "missing")});
    case ckpt::EngineEvent::kError:
      return observer.on_event(ckpt::event::Error{StatusOf(line)});
    case ckpt::EngineEvent::kFileOperation: {
      ckpt::FileEvent file = FileEventOf(line);
      if (file.operation == ckpt::FileOperation::kList && file.ok && file.path == checkpoint_dir_) {
        last_checkpoint_listing_ = file.listing;
      }
      return observer.on_event(std::move(file));
    }
    case ckpt::EngineEvent::kGracefulStop: {
      auto time = [&line](const char* key) -> std::optional<Time> {
        if (line.contains(key) && line.at(key).is_null()) return std::nullopt;
        return Time{Int(line, key)};
      };
      return observer.on_event(ckpt::GracefulStop{Time{Int(line, "requested")}, time("stop"),
                                                  time("last"), Flag(line, "timed_out")});
    }
  }
}

}  // namespace

Result<sim::TrialRun> RunFromJournal(const sim::Scenario& scenario, std::string_view journal,
                                     bool record_trace) {
  JournalReader reader(scenario, record_trace);
  size_t line_number = 0;
  while (!journal.empty()) {
    ++line_number;
    size_t end = journal.find('\n');
    if (end == std::string_view::npos) break;  // a torn last line: the kill cut it
    std::string_view text = journal.substr(0, end);
    journal.remove_prefix(end + 1);
    json line = json::parse(text, nullptr, /*allow_exceptions=*/false);
    try {
      if (line.is_discarded()) throw BadLine{"not JSON"};
      reader.apply(line);
    } catch (const BadLine& bad) {
      return Status::Corruption("journal line " + std::to_string(line_number) + ": " + bad.why);
    }
  }
  return reader.finish();
}

}  // namespace real
