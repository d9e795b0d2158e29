#include "sim/state_probe.h"

#include <charconv>

#include "engine/receiver/received_block_tracker.h"
#include "sim/start_check.h"
#include "sim/trial.h"

namespace sim {
namespace {

std::vector<int64_t> Millis(const std::vector<ckpt::Time>& times) {
  std::vector<int64_t> out;
  for (ckpt::Time t : times) out.push_back(t.ms);
  return out;
}

// The time of a field "<group>.<T_MS>".
int64_t TimeOf(const std::string& field) {
  int64_t ms = 0;
  const std::string digits = field.substr(field.find('.') + 1);
  std::from_chars(digits.data(), digits.data() + digits.size(), ms);
  return ms;
}

}  // namespace

StateProbe::StateProbe(const Scenario& scenario)
    : scenario_(scenario),
      stream_ids_(StreamIdsByName(scenario)),
      matches_(scenario.expect_state.size()),
      due_next_step_(scenario.expect_state.size()) {}

void StateProbe::start_incarnation(int incarnation) {
  incarnation_ = incarnation;
  std::fill(matches_.begin(), matches_.end(), 0);
  std::fill(due_next_step_.begin(), due_next_step_.end(), false);
}

void StateProbe::before_step(const std::string& label, const ckpt::StreamingContext* context,
                             ckpt::FileSystem& fs, std::vector<StateObservation>& out) {
  for (size_t i = 0; i < scenario_.expect_state.size(); ++i) {
    const StateExpectation& expectation = scenario_.expect_state[i];
    bool due = due_next_step_[i];
    due_next_step_[i] = false;
    if (CrashEventMatches(expectation.event, label, scenario_.checkpoint_dir) &&
        ++matches_[i] == expectation.event.nth) {
      if (expectation.event.after) due_next_step_[i] = true;
      if (!expectation.event.after) due = true;
    }
    if (!due) continue;
    if (expectation.process && *expectation.process != incarnation_) continue;
    StateObservation observation{i, incarnation_, {}};
    for (const auto& [field, expected] : expectation.fields) {
      observation.fields[field] = field_text(field, context, fs);
    }
    out.push_back(std::move(observation));
  }
}

const ckpt::DStream* StateProbe::stream(const std::string& name,
                                        const ckpt::StreamingContext* context) const {
  const std::string suffix = kInternalStream;
  bool internal = name.ends_with(suffix);
  auto id = stream_ids_.find(internal ? name.substr(0, name.size() - suffix.size()) : name);
  if (!context || id == stream_ids_.end()) return nullptr;
  for (const auto& candidate : context->graph().streams()) {
    if (candidate->id() != id->second) continue;
    // mapWithState's internal stream is the one its checkpoint(d) configures.
    return internal ? candidate->checkpoint_target() : candidate.get();
  }
  return nullptr;
}

std::string StateProbe::field_text(const std::string& field, const ckpt::StreamingContext* context,
                                   ckpt::FileSystem& fs) const {
  if (field == "checkpoint_files") {
    std::vector<std::string> names;
    ckpt::Result<std::vector<ckpt::FileStatus>> files = fs.list(scenario_.checkpoint_dir);
    for (const ckpt::FileStatus& file :
         files.ok() ? files.value() : std::vector<ckpt::FileStatus>{}) {
      if (!file.is_directory && file.name.starts_with("checkpoint-")) names.push_back(file.name);
    }
    return StateText(names);
  }
  if (!context) return "(no context yet)";
  if (field.starts_with("streams.")) {
    size_t dot = field.rfind('.');
    const ckpt::DStream* found = stream(field.substr(8, dot - 8), context);
    if (!found) return "(no such stream in this process)";
    const std::string what = field.substr(dot + 1);
    if (what == "generated_rdd_times")
      return StateText(Millis(ckpt::KeysOf(found->generated_rdds())));
    if (what == "checkpoint_data_times") return StateText(Millis(found->checkpoint_data_times()));
    if (what == "rdd_files_present") {
      // CheckpointSuite's "the checkpoint files exist": the times whose RDD file is on disk.
      std::vector<ckpt::Time> present;
      for (const auto& [time, path] : found->rdd_checkpoint_files()) {
        ckpt::Result<bool> exists = fs.exists(path);
        if (exists.ok() && exists.value()) present.push_back(time);
      }
      return StateText(Millis(present));
    }
    std::optional<ckpt::Duration> duration =
        what == "remember_ms" ? found->remember_duration() : found->checkpoint_interval();
    return duration ? std::to_string(duration->ms) : "none";
  }
  const ckpt::Time time{TimeOf(field)};
  if (field.starts_with("block_allocations.")) {
    const ckpt::ReceivedBlockTracker* tracker = context->block_tracker();
    if (!tracker) return "(no receiver)";
    size_t blocks = 0;
    auto allocated = tracker->allocations().find(time);
    if (allocated != tracker->allocations().end()) {
      for (const auto& [stream_id, infos] : allocated->second) blocks += infos.size();
    }
    return std::to_string(blocks);
  }
  std::vector<std::vector<int64_t>> rows;  // offset_ranges.T
  for (const auto& candidate : context->graph().streams()) {
    auto ranges = candidate->offset_ranges();
    auto at = ranges.find(time);
    if (at == ranges.end()) continue;
    for (const ckpt::OffsetRange& range : at->second) {
      rows.push_back({range.partition, range.from, range.until});
    }
  }
  std::sort(rows.begin(), rows.end());
  return StateText(rows);
}

}  // namespace sim
