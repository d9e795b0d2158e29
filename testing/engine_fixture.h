// A small world for engine unit tests: virtual time, an hdfs SimFs, a sink and an observer that
// record everything, and a fixed job duration. Header-only; tests only.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/streaming_context.h"
#include "sim/event_loop.h"
#include "sim/sim_fs.h"

namespace sim::testing {

class EngineFixture : public ckpt::OutputSink,
                      public ckpt::EngineObserver,
                      public ckpt::ExecutionModel {
 public:
  explicit EngineFixture(ckpt::FileSystem* fs = nullptr)
      : sim_fs_(PersistenceModel::kHdfs), fs_(fs ? fs : &sim_fs_), scheduler_(&loop_, 1) {}

  ckpt::EngineEnv env(uint64_t process_uid = 1) {
    ckpt::EngineEnv env;
    env.scheduler = &scheduler_;
    env.fs = fs_;
    env.sink = this;
    env.observer = this;
    env.execution = this;
    env.defects = defects;
    env.process_uid = process_uid;
    env.process_conf = process_conf;
    env.stop_after_batches = stop_after_batches;
    return env;
  }

  // Runs tasks until the loop is idle or the next task is after `until`.
  void run_until(ckpt::Time until) {
    for (std::optional<ckpt::Time> next = loop_.next_time(); next && *next <= until;
         next = loop_.next_time()) {
      loop_.pop()->task();
    }
  }
  // Advances the clock to `time` (a harness task), as Spark's tests move a ManualClock.
  void advance_to(ckpt::Time time) {
    loop_.schedule_at(kHarnessOwner, time, {}, [] {});
    run_until(time);
  }

  ckpt::Status emit(const std::string& output, ckpt::Time time,
                    const ckpt::Records& records) override {
    outputs[output][time.ms].push_back(records);
    return ckpt::Status::Ok();
  }
  // Keeps the warnings, errors, the restart and the graceful stop; engine tests look at no other
  // event.
  void on_event(const ckpt::EngineEventRecord& record) override {
    if (const auto* log = std::get_if<ckpt::event::Log>(&record)) {
      if (log->level != ckpt::LogLevel::kInfo) warnings.push_back(log->message);
    } else if (const auto* restart = std::get_if<ckpt::event::Restart>(&record)) {
      restart_time = restart->restart_time;
      rescheduled.clear();
      for (ckpt::Time t : restart->rescheduled) rescheduled.push_back(t.ms);
    } else if (const auto* error = std::get_if<ckpt::event::Error>(&record)) {
      errors.push_back(error->error.to_string());
    } else if (const auto* stop = std::get_if<ckpt::GracefulStop>(&record)) {
      graceful_stop = *stop;
    }
  }
  ckpt::Duration job_duration(ckpt::Time, size_t, size_t) const override {
    return job_duration_value;
  }

  SimFs& sim_fs() { return sim_fs_; }
  ckpt::FileSystem& fs() { return *fs_; }
  EventLoop& loop() { return loop_; }

  ckpt::DefectSet defects;
  std::map<std::string, std::string> process_conf;
  int64_t stop_after_batches = 0;
  ckpt::Duration job_duration_value{0};
  std::map<std::string, std::map<int64_t, std::vector<ckpt::Records>>> outputs;
  std::vector<std::string> warnings;
  std::vector<std::string> errors;
  std::optional<ckpt::Time> restart_time;
  std::vector<int64_t> rescheduled;
  std::optional<ckpt::GracefulStop> graceful_stop;

 private:
  EventLoop loop_;
  SimFs sim_fs_;
  ckpt::FileSystem* fs_;
  OwnerScheduler scheduler_;
};

inline ckpt::Records Words(std::initializer_list<const char*> words) {
  ckpt::Records records;
  for (const char* w : words) records.push_back(ckpt::Value::String(w));
  return records;
}

inline ckpt::Value Pair(const char* key, int64_t value) {
  return ckpt::Value::Pair(ckpt::Value::String(key), ckpt::Value::Int(value));
}

}  // namespace sim::testing
