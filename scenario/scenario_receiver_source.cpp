#include "scenario/scenario_receiver_source.h"

#include <algorithm>

namespace sim {

ScenarioReceiverSource::ScenarioReceiverSource(std::string name,
                                               const std::vector<LogAppend>& arrivals,
                                               std::function<Time()> clock)
    : name_(std::move(name)), clock_(std::move(clock)) {
  for (const LogAppend& arrival : arrivals) {
    CKPT_ASSERT(arrived_at_.empty() || arrived_at_.back() <= arrival.at,
                "receiver source arrivals must be in time order");
    for (const ckpt::Value& value : arrival.records) {
      arrived_at_.push_back(arrival.at);
      values_.push_back(value);
    }
  }
}

ckpt::Status ScenarioReceiverSource::check_exists(const std::string& source) const {
  if (source == name_) return ckpt::Status::Ok();
  return ckpt::Status::NotFound("no receiver source named '" + source + "' (the scenario has '" +
                                name_ + "')");
}

int64_t ScenarioReceiverSource::available(const std::string& source) const {
  CKPT_ASSERT(source == name_, "unknown receiver source " + source);
  Time now = clock_();
  return std::upper_bound(arrived_at_.begin(), arrived_at_.end(), now) - arrived_at_.begin();
}

int64_t ScenarioReceiverSource::acknowledged(const std::string& source) const {
  CKPT_ASSERT(source == name_, "unknown receiver source " + source);
  return acknowledged_;
}

ckpt::Records ScenarioReceiverSource::read(const std::string& source, int64_t from,
                                           int64_t until) const {
  CKPT_ASSERT(source == name_ && until <= available(source),
              "a receiver read records that have not arrived");
  return records(from, until);
}

ckpt::Records ScenarioReceiverSource::records(int64_t from, int64_t until) const {
  CKPT_ASSERT(0 <= from && from <= until && until <= static_cast<int64_t>(values_.size()),
              "receiver source positions out of range");
  return ckpt::Records(values_.begin() + from, values_.begin() + until);
}

void ScenarioReceiverSource::acknowledge(const std::string& source, int64_t until) {
  CKPT_ASSERT(source == name_ && until <= static_cast<int64_t>(values_.size()),
              "acknowledged records the source never had");
  acknowledged_ = std::max(acknowledged_, until);
}

}  // namespace sim
