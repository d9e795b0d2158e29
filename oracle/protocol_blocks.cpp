// The rule on the receivers' block logs (spark-notes.md 4.4 and invariant 6): which log files
// ClearCheckpointData(t) may and must delete. The cleanup threshold is t (under
// Fix::kPendingBatchesKeepTheirMetadata the oldest batch pending or awaiting its completion
// checkpoint, if older) minus the longest remember duration of the input streams, which the
// specification computes from the scenario's graph the way DStream.initialize and DStream.remember
// do (spark-notes.md 2.5), not from the engine's streams.
#include <set>

#include "oracle/protocol_spec.h"

namespace sim::protocol {
namespace {

using ckpt::FileOperation;
using Kind = ProtocolEvent::Kind;

// One DStream of Spark's graph as the specification sees it. A chain of streams of one slide
// without windows or checkpoints remembers what its consumer asks, so each operation is one
// node here, except where Spark puts a window or a checkpointed stream inside it.
struct SpecStream {
  std::vector<size_t> parents;
  int64_t slide_ms = 0;
  int64_t window_ms = 0;                 // windowed streams ask parents for remember + window
  std::optional<int64_t> checkpoint_ms;  // checkpointDuration once initialized
  std::optional<int64_t> requested_ms;   // the longest remember duration a consumer asked
  bool output = false;
};

class GraphSpec {
 public:
  explicit GraphSpec(const Scenario& scenario)
      : graph_remember_ms_(scenario.remember ? scenario.remember->ms : 0) {
    std::map<std::string, size_t> named = {{"source", add({}, scenario.batch_duration.ms)}};
    for (const NamedSource& source : scenario.sources) {
      named[source.name] = add({}, scenario.batch_duration.ms);
    }
    size_t previous = 0;
    for (const PipelineStep& step : scenario.pipeline) {
      size_t input = step.from.empty() ? previous : named.at(step.from);
      size_t made = apply(step, input, named);
      if (step.is_output()) continue;
      previous = made;
      if (!step.name.empty()) named[step.name] = made;
    }
  }

  // getMaxInputStreamRememberDuration: the longest of the input streams that an output uses
  // (none when no output uses any).
  std::optional<int64_t> input_remember_ms() {
    std::vector<bool> used(streams_.size(), false);
    for (size_t i = streams_.size(); i-- > 0;) {
      if (!streams_[i].output && !used[i]) continue;  // DStreamGraph initializes from outputs
      for (size_t parent : streams_[i].parents) used[parent] = true;
    }
    // Consumers come after their parents, so one pass from the last stream settles every
    // remember duration: max(own minimum, what consumers asked).
    std::optional<int64_t> input;
    for (size_t i = streams_.size(); i-- > 0;) {
      if (!streams_[i].output && !used[i]) continue;
      int64_t remember = own_minimum(streams_[i]);
      // DStreamGraph.start: every output remembers at least ssc.remember's duration.
      if (streams_[i].output) remember = std::max(remember, graph_remember_ms_);
      if (streams_[i].requested_ms) remember = std::max(remember, *streams_[i].requested_ms);
      for (size_t parent : streams_[i].parents) {
        std::optional<int64_t>& asked = streams_[parent].requested_ms;
        asked = std::max(asked.value_or(0), remember + streams_[i].window_ms);
      }
      if (streams_[i].parents.empty()) input = std::max(input.value_or(0), remember);
    }
    return input;
  }

 private:
  // DStream.initialize: the slide, or twice the checkpoint interval when that is not shorter.
  static int64_t own_minimum(const SpecStream& stream) {
    if (stream.checkpoint_ms && stream.slide_ms <= *stream.checkpoint_ms) {
      return *stream.checkpoint_ms * 2;
    }
    return stream.slide_ms;
  }

  size_t add(std::vector<size_t> parents, int64_t slide_ms, int64_t window_ms = 0) {
    streams_.push_back({std::move(parents), slide_ms, window_ms, std::nullopt, std::nullopt});
    return streams_.size() - 1;
  }

  // A stream that must checkpoint gets slide x ceil(10 s / slide) unless one was set.
  size_t add_checkpointed(size_t parent, int64_t slide_ms, int64_t window_ms,
                          int64_t default_interval_ms) {
    size_t made = add({parent}, slide_ms, window_ms);
    streams_[made].checkpoint_ms = default_interval_ms;
    return made;
  }

  static int64_t default_interval_ms(int64_t slide_ms) {
    return slide_ms * ((10000 + slide_ms - 1) / slide_ms);
  }

  // The stream the step makes (its output stream for an output operation). The step's own
  // checkpoint interval goes where Spark's checkpoint(d) lands: the stream the operation returns,
  // except mapWithState, which forwards it to its internal state stream.
  size_t apply(const PipelineStep& step, size_t input, const std::map<std::string, size_t>& named) {
    const int64_t in_slide = streams_[input].slide_ms;
    const WindowArguments* arguments = step.get<WindowArguments>();
    const int64_t slide = arguments && arguments->slide ? arguments->slide->ms : in_slide;
    const int64_t window = arguments && arguments->window ? arguments->window->ms : 0;
    size_t made = 0, checkpointed = 0;
    switch (step.operation) {
      case Operation::kUnion:
      case Operation::kCogroup:
      case Operation::kJoin:
      case Operation::kLeftOuterJoin:
      case Operation::kRightOuterJoin:
      case Operation::kFullOuterJoin:
      case Operation::kTransformWith:
        made = checkpointed = add({input, named.at(step.other())}, in_slide);
        break;
      case Operation::kWindow:
        made = checkpointed = add({input}, slide, window);
        break;
      case Operation::kReduceByWindow:
      case Operation::kReduceByKeyAndWindow:
        made = checkpointed = windowed_reduce(step, input, slide, window);
        break;
      case Operation::kUpdateStateByKey:
        made = checkpointed = add_checkpointed(input, in_slide, 0, default_interval_ms(in_slide));
        break;
      case Operation::kMapWithState:
        checkpointed = add_checkpointed(input, in_slide, 0, in_slide * 10);  // SPARK-11814
        made = add({checkpointed}, in_slide);
        internal_state_[made] = checkpointed;
        break;
      case Operation::kStateSnapshots: {
        auto internal = internal_state_.find(input);
        made = checkpointed =
            add({internal == internal_state_.end() ? input : internal->second}, in_slide);
        break;
      }
      default:  // per-record and per-batch operations, and the output operations
        made = checkpointed = add({input}, in_slide);
        streams_[made].output = step.is_output();
    }
    if (step.checkpoint_interval)
      streams_[checkpointed].checkpoint_ms = step.checkpoint_interval->ms;
    return made;
  }

  // Without an inverse: reduce(f).window(w, s).reduce(f) (the outer reduce is returned). With
  // one: ReducedWindowedDStream over a per-batch reduce, which must checkpoint; reduceByWindow
  // wraps it in map((1, _)) ... map(_._2), so a checkpoint(d) lands on the outer map.
  size_t windowed_reduce(const PipelineStep& step, size_t input, int64_t slide, int64_t window) {
    size_t per_batch = add({input}, streams_[input].slide_ms);
    if (step.get<WindowArguments>()->inverse.empty()) {
      return add({add({per_batch}, slide, window)}, slide);
    }
    size_t reduced = add_checkpointed(per_batch, slide, window, default_interval_ms(slide));
    if (step.operation == Operation::kReduceByKeyAndWindow) return reduced;
    return add({reduced}, slide);
  }

  std::vector<SpecStream> streams_;
  std::map<size_t, size_t> internal_state_;  // mapWithState stream -> its internal state stream
  int64_t graph_remember_ms_;                // ssc.remember (0: none)
};

// "log-<start>-<end>": the end time of a write-ahead log file.
std::optional<int64_t> LogEndTime(std::string_view name) {
  if (!name.starts_with("log-")) return std::nullopt;
  size_t dash = name.find('-', 4);
  if (dash == std::string_view::npos || dash == 4 || dash + 1 == name.size()) return std::nullopt;
  int64_t end = 0;
  for (size_t i = dash + 1; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9' || end > (INT64_MAX - 9) / 10) return std::nullopt;
    end = end * 10 + (name[i] - '0');
  }
  for (size_t i = 4; i < dash; ++i) {
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
  }
  return end;
}

class BlockLogWalk {
 public:
  BlockLogWalk(const Scenario& scenario, const TrialRun& run, int64_t remember_ms, int incarnation,
               Breaches& breaches)
      : metadata_dir_(scenario.checkpoint_dir + "/receivedBlockMetadata"),
        data_dir_(scenario.checkpoint_dir + "/receivedData"),
        record_(run.incarnations[static_cast<size_t>(incarnation)]),
        remember_ms_(remember_ms),
        drops_abandoned_log_(run.fixes.has(ckpt::Fix::kFreshApplicationDropsBlockLog)),
        keeps_pending_(run.fixes.has(ckpt::Fix::kPendingBatchesKeepTheirMetadata)),
        incarnation_(incarnation),
        breaches_(breaches) {}

  void run() {
    for (const ProtocolEvent& event : record_.protocol) {
      at_ = event.at;
      if (event.kind == Kind::kFile) {
        file(event.file);
        continue;
      }
      close_cleanup();
      if (event.kind == Kind::kCleared) open_cleanup(event.time.ms, event.times);
    }
    if (!record_.crashed_at) close_cleanup();  // a process that died inside may be part-way
  }

 private:
  void file(const ckpt::FileEvent& file) {
    const bool metadata_log = ParentOf(file.path) == metadata_dir_;
    // A failed delete is FileBasedWriteAheadLog.clean's own: it had dropped the file from its
    // past logs before deleting, so the file stays on disk, unknown to this process (a later
    // process lists it again). Any other failure inside the cleanup may have been its record's.
    if (metadata_log && !file.ok) {
      if (file.operation == FileOperation::kDelete) {
        logs_.erase(file.path);
      } else if (cleanup_) {
        cleanup_->log_failed = true;
      }
    }
    if (file.operation == FileOperation::kList && file.ok && file.path == metadata_dir_) {
      for (const std::string& entry : file.listing) known(metadata_dir_ + "/" + entry);
    }
    if (file.operation == FileOperation::kCreate && metadata_log) {
      current_.reset();  // the writer moves its file to the past logs before it opens another
      if (file.ok && known(file.path)) current_ = file.path;
    }
    if (file.operation == FileOperation::kDelete && file.ok) deleted(file.path, metadata_log);
  }

  // A metadata log file this process knows of (its write-ahead log's listing or its own).
  bool known(const std::string& path) {
    std::optional<int64_t> end = LogEndTime(LastComponent(path));
    if (end) logs_[path] = *end;
    return end.has_value();
  }

  bool is_data_log(const std::string& path) const {
    return ParentOf(ParentOf(path)) == data_dir_ && LogEndTime(LastComponent(path));
  }

  // Fix::kPendingBatchesKeepTheirMetadata: the cleanup keeps what the oldest batch still needing
  // its metadata needs (the engine reports them: pending, or awaiting its completion checkpoint).
  void open_cleanup(int64_t time_ms, const std::vector<ckpt::Time>& pending) {
    int64_t as_of_ms = time_ms;
    for (ckpt::Time t : pending) {
      if (keeps_pending_) as_of_ms = std::min(as_of_ms, t.ms);
    }
    int64_t threshold = 0;
    if (__builtin_sub_overflow(as_of_ms, remember_ms_, &threshold)) threshold = INT64_MIN;
    cleanup_ = Cleanup{time_ms, threshold, false};
  }

  // The metadata log files whose end is before the threshold, except the one being written.
  std::set<std::string> expired() const {
    std::set<std::string> paths;
    for (const auto& [path, end_ms] : logs_) {
      if (end_ms < cleanup_->threshold_ms && path != current_) paths.insert(path);
    }
    return paths;
  }

  void deleted(const std::string& path, bool metadata_log) {
    if (!metadata_log && !is_data_log(path)) return;
    const bool was_known = logs_.erase(path) > 0;
    if (!cleanup_) {
      // Fix::kFreshApplicationDropsBlockLog: a fresh application logs the blocks it adopted again
      // and deletes the abandoned log it read them from.
      if (metadata_log && was_known && drops_abandoned_log_) return;
      return breach("deletes of block log files only inside ClearCheckpointData",
                    "delete " + path + " outside any ClearCheckpointData");
    }
    std::optional<int64_t> end = LogEndTime(LastComponent(path));
    if (*end >= cleanup_->threshold_ms) {
      breach(cleanup_text() + " deleting only log files that end before " +
                 std::to_string(cleanup_->threshold_ms) + " ms",
             "delete " + path);
    }
  }

  std::string cleanup_text() const {
    return "ClearCheckpointData(" + std::to_string(cleanup_->time_ms) + ") with remember " +
           std::to_string(remember_ms_) + " ms";
  }

  // BatchCleanupEvent written, the driver's log keeps no file that ends before the threshold
  // (FileBasedWriteAheadLog.clean). A failed write of that record cleans nothing.
  void close_cleanup() {
    if (!cleanup_) return;
    std::set<std::string> kept = cleanup_->log_failed ? std::set<std::string>{} : expired();
    if (!kept.empty()) {
      breach(cleanup_text() + " deleting every log file that ends before " +
                 std::to_string(cleanup_->threshold_ms) + " ms",
             "kept " + PathsText(kept));
    }
    cleanup_.reset();
  }

  void breach(const std::string& expected, const std::string& got) {
    breaches_.report("receiver.log_cleanup", incarnation_, at_, expected, got);
  }

  struct Cleanup {
    int64_t time_ms = 0;
    int64_t threshold_ms = 0;
    bool log_failed = false;  // an operation on the metadata log failed inside it
  };

  const std::string metadata_dir_, data_dir_;
  const IncarnationRecord& record_;
  const int64_t remember_ms_;
  const bool drops_abandoned_log_;
  const bool keeps_pending_;
  const int incarnation_;
  Breaches& breaches_;
  std::optional<ckpt::Time> at_;
  std::map<std::string, int64_t> logs_;  // metadata log files this process knows -> end time
  std::optional<std::string> current_;   // the file its writer appends to
  std::optional<Cleanup> cleanup_;
};

}  // namespace

std::optional<int64_t> InputRememberMs(const Scenario& scenario) {
  return GraphSpec(scenario).input_remember_ms();
}

void CheckBlockLogRules(const Scenario& scenario, const TrialRun& run, Breaches& breaches) {
  if (!HasSourceOf(scenario, SourceKind::kReceiver) || scenario.checkpoint_dir.empty()) return;
  std::optional<int64_t> remember_ms = InputRememberMs(scenario);
  if (!remember_ms) return;
  for (size_t i = 0; i < run.incarnations.size(); ++i) {
    BlockLogWalk(scenario, run, *remember_ms, static_cast<int>(i), breaches).run();
  }
}

}  // namespace sim::protocol
