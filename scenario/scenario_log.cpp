#include "scenario/scenario_log.h"

#include <algorithm>

#include "engine/runtime/assert.h"

namespace sim {

ScenarioLog::ScenarioLog(std::string topic, int32_t partitions,
                         const std::vector<LogAppend>& appends, std::function<Time()> clock)
    : clock_(std::move(clock)) {
  add_topic(topic, partitions, appends);
}

ScenarioLog::ScenarioLog(const Scenario& scenario, std::function<Time()> clock)
    : clock_(std::move(clock)) {
  for (int32_t id = 0; id < InputStreamCount(scenario); ++id) {
    if (const auto* log = InputSource(scenario, id).get<LogInput>()) {
      add_topic(log->topic, log->partitions, log->appends);
    }
  }
}

void ScenarioLog::add_topic(const std::string& topic, int32_t partitions,
                            const std::vector<LogAppend>& appends) {
  auto [it, added] = topics_.emplace(topic, Partitions(static_cast<size_t>(partitions)));
  CKPT_ASSERT(added, "two log sources of topic " + topic);
  for (const LogAppend& append : appends) {
    CKPT_ASSERT(append.partition >= 0 && append.partition < partitions,
                "append to a partition the log does not have");
    for (const ckpt::Value& value : append.records) {
      it->second[append.partition].push_back(Entry{append.at, value});
    }
  }
}

ckpt::Result<int32_t> ScenarioLog::partition_count(const std::string& topic) const {
  auto it = topics_.find(topic);
  if (it == topics_.end()) return ckpt::Status::NotFound("the log has no topic '" + topic + "'");
  return static_cast<int32_t>(it->second.size());
}

int64_t ScenarioLog::end_offset(const std::string& topic, int32_t partition) const {
  auto it = topics_.find(topic);
  CKPT_ASSERT(
      it != topics_.end() && partition >= 0 && partition < static_cast<int32_t>(it->second.size()),
      "end_offset of an unknown partition");
  const std::vector<Entry>& entries = it->second[partition];
  Time now = clock_();
  auto visible_end = std::partition_point(entries.begin(), entries.end(),
                                          [now](const Entry& e) { return e.appended_at <= now; });
  return visible_end - entries.begin();
}

ckpt::Result<ckpt::Records> ScenarioLog::read(const std::string& topic,
                                              const ckpt::OffsetRange& range) const {
  CKPT_ASSIGN_OR_RETURN(int32_t count, partition_count(topic));
  if (range.partition < 0 || range.partition >= count || range.from < 0 ||
      range.until < range.from || range.until > end_offset(topic, range.partition)) {
    return ckpt::Status::InvalidArgument("offsets [" + std::to_string(range.from) + ", " +
                                         std::to_string(range.until) + ") of partition " +
                                         std::to_string(range.partition) + " are not in the log");
  }
  const std::vector<Entry>& entries = topics_.at(topic)[range.partition];
  ckpt::Records records;
  records.reserve(static_cast<size_t>(range.until - range.from));
  for (int64_t offset = range.from; offset < range.until; ++offset) {
    records.push_back(entries[offset].value);
  }
  return records;
}

}  // namespace sim
