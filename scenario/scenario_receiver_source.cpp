#include "scenario/scenario_receiver_source.h"

#include <algorithm>

namespace sim {

ScenarioReceiverSource::ScenarioReceiverSource(std::string name,
                                               const std::vector<LogAppend>& arrivals,
                                               std::function<Time()> clock)
    : clock_(std::move(clock)) {
  add_source(name, arrivals);
}

ScenarioReceiverSource::ScenarioReceiverSource(const Scenario& scenario,
                                               std::function<Time()> clock)
    : clock_(std::move(clock)) {
  for (int32_t id = 0; id < InputStreamCount(scenario); ++id) {
    if (const auto* receiver = InputSource(scenario, id).get<ReceiverInput>()) {
      add_source(receiver->topic, receiver->appends);
    }
  }
}

void ScenarioReceiverSource::add_source(const std::string& name,
                                        const std::vector<LogAppend>& arrivals) {
  Source& source = sources_[name];
  CKPT_ASSERT(source.values.empty(), "two receiver sources named " + name);
  for (const LogAppend& arrival : arrivals) {
    CKPT_ASSERT(source.arrived_at.empty() || source.arrived_at.back() <= arrival.at,
                "receiver source arrivals must be in time order");
    for (const ckpt::Value& value : arrival.records) {
      source.arrived_at.push_back(arrival.at);
      source.values.push_back(value);
    }
  }
}

const ScenarioReceiverSource::Source& ScenarioReceiverSource::at(const std::string& name) const {
  auto it = sources_.find(name);
  CKPT_ASSERT(it != sources_.end(), "unknown receiver source " + name);
  return it->second;
}

ckpt::Status ScenarioReceiverSource::check_exists(const std::string& source) const {
  if (sources_.count(source)) return ckpt::Status::Ok();
  std::string names;
  for (const auto& [name, unused] : sources_) names += (names.empty() ? "'" : ", '") + name + "'";
  return ckpt::Status::NotFound("no receiver source named '" + source + "' (the scenario has " +
                                (names.empty() ? "none" : names) + ")");
}

int64_t ScenarioReceiverSource::available(const std::string& source) const {
  const std::vector<Time>& arrived_at = at(source).arrived_at;
  return std::upper_bound(arrived_at.begin(), arrived_at.end(), clock_()) - arrived_at.begin();
}

int64_t ScenarioReceiverSource::acknowledged(const std::string& source) const {
  return at(source).acknowledged;
}

ckpt::Records ScenarioReceiverSource::read(const std::string& source, int64_t from,
                                           int64_t until) const {
  CKPT_ASSERT(until <= available(source), "a receiver read records that have not arrived");
  return records(source, from, until);
}

ckpt::Records ScenarioReceiverSource::records(const std::string& source, int64_t from,
                                              int64_t until) const {
  const ckpt::Records& values = at(source).values;
  CKPT_ASSERT(0 <= from && from <= until && until <= static_cast<int64_t>(values.size()),
              "receiver source positions out of range");
  return ckpt::Records(values.begin() + from, values.begin() + until);
}

int64_t ScenarioReceiverSource::size(const std::string& source) const {
  return static_cast<int64_t>(at(source).values.size());
}

std::map<std::string, int64_t> ScenarioReceiverSource::acknowledged_positions() const {
  std::map<std::string, int64_t> positions;
  for (const auto& [name, source] : sources_) positions[name] = source.acknowledged;
  return positions;
}

void ScenarioReceiverSource::acknowledge(const std::string& source, int64_t until) {
  auto it = sources_.find(source);
  CKPT_ASSERT(it != sources_.end() && until <= static_cast<int64_t>(it->second.values.size()),
              "acknowledged records the source never had");
  it->second.acknowledged = std::max(it->second.acknowledged, until);
}

}  // namespace sim
