// A structured query on the simulator's loop and filesystem, for engine tests: processes started
// on one checkpoint, crashed (their tasks and calls die, the filesystem keeps what is durable) and
// restarted; what the sink and the observer saw.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>

#include "engine/runtime/file_system_wrapper.h"
#include "engine/structured/query.h"
#include "scenario/scenario_log.h"
#include "sim/event_loop.h"
#include "sim/sim_fs.h"

namespace ckpt::structured::testing {

// Every 50 ms from 50 to `until_ms`, the next integers to each of the two partitions (one each).
inline std::vector<sim::LogAppend> Appends(int64_t until_ms) {
  std::vector<sim::LogAppend> appends;
  int64_t next = 1;
  for (int64_t at = 50; at <= until_ms; at += 50) {
    for (int32_t partition = 0; partition < 2; ++partition) {
      appends.push_back({Time{at}, partition, {Value::Int(next++)}});
    }
  }
  return appends;
}

// After a kill, every call fails as a dead process's would (the simulator's gate does this).
class DyingFs : public FileSystemWrapper {
  class DyingFile : public WritableFileWrapper {
   public:
    DyingFile(std::unique_ptr<WritableFile> file, DyingFs* fs)
        : WritableFileWrapper(std::move(file)), fs_(fs) {}
    Status append(std::string_view) override {
      fs_->dead = true;
      return Status::ProcessDead();
    }

   private:
    DyingFs* fs_;
  };

 public:
  using FileSystemWrapper::FileSystemWrapper;
  bool dead = false;
  // The process dies just before creating a path this accepts, or before the first write to it.
  std::function<bool(const std::string&)> dies_at_create;
  std::function<bool(const std::string&)> dies_at_write;
  Result<std::unique_ptr<WritableFile>> create(const std::string& path) override {
    if (dies_at_create && dies_at_create(path)) dead = true;
    if (dead) return Status::ProcessDead();
    CKPT_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, FileSystemWrapper::create(path));
    if (!dies_at_write || !dies_at_write(path)) return file;
    return std::unique_ptr<WritableFile>(new DyingFile(std::move(file), this));
  }
  Status rename(const std::string& from, const std::string& to) override {
    if (dead) return Status::ProcessDead();
    return FileSystemWrapper::rename(from, to);
  }
  Status rename_replacing(const std::string& from, const std::string& to) override {
    if (dead) return Status::ProcessDead();
    return FileSystemWrapper::rename_replacing(from, to);
  }
  Result<bool> exists(const std::string& path) override {
    if (dead) return Status::ProcessDead();
    return FileSystemWrapper::exists(path);
  }
};

class QueryTest : public ::testing::Test, public BatchSink, public QueryObserver {
 protected:
  struct Process {
    std::unique_ptr<sim::OwnerScheduler> scheduler;
    std::unique_ptr<DyingFs> fs;
    std::unique_ptr<StreamingQuery> query;
  };

  QueryTest() : log_("events", 2, Appends(3000), [this] { return loop_.now(); }) {
    plan.topic = "events";
    plan.steps = {{PlanStep::Kind::kMap, {"add", {Value::Int(100)}}}};
    options.checkpoint_location = "/ck";
    options.trigger = {Trigger::Kind::kProcessingTime, Duration{100}};
    fs_.set_clock([this] { return loop_.now(); });  // files' modification times
  }

  // Starts a process (owner `owner`) on the checkpoint; its batches take `batch_ms`.
  Status start(sim::OwnerId owner, int64_t batch_ms = 20) {
    Process& p = processes_[owner];
    p.scheduler = std::make_unique<sim::OwnerScheduler>(&loop_, owner);
    p.fs = std::make_unique<DyingFs>(&fs_);
    QueryEnv env;
    env.scheduler = p.scheduler.get();
    env.fs = p.fs.get();
    env.log = &log_;
    env.sink = this;
    env.observer = this;
    env.process_uid = owner;
    env.defects = defects;
    env.functions = functions;
    env.batch_duration = [batch_ms](size_t) { return Duration{batch_ms}; };
    CKPT_ASSIGN_OR_RETURN(p.query, StreamingQuery::Start(env, plan, options));
    return Status::Ok();
  }
  StreamingQuery& query(sim::OwnerId owner) { return *processes_.at(owner).query; }
  // The machine crashes: the process's tasks and calls die, the filesystem keeps what is durable.
  void crash(sim::OwnerId owner) {
    loop_.kill_owner(owner);
    processes_.at(owner).fs->dead = true;
    fs_.crash();
  }
  void run_until(int64_t ms) {
    for (auto next = loop_.next_time(); next && next->ms <= ms; next = loop_.next_time()) {
      loop_.pop()->task();
    }
  }
  // Moves the clock to `ms` (a harness task), running what is due before.
  void advance_to(int64_t ms) {
    loop_.schedule_at(sim::kHarnessOwner, Time{ms}, {}, [] {});
    run_until(ms);
  }
  std::vector<std::string> names(const std::string& dir) {
    std::vector<std::string> result;
    std::vector<FileStatus> entries = fs_.list(dir).value();
    for (const FileStatus& entry : entries) result.push_back(entry.name);
    return result;
  }
  OffsetSeq logged_plan(int64_t batch_id) {
    CheckpointFileManager manager(&fs_, FileManagerKind::kFileContext, 99);
    OffsetSeqLog offsets(&manager, "/ck/offsets");
    return offsets.get(batch_id).value().value();
  }
  // The records a batch delivered, in the order of the calls.
  std::vector<Records> deliveries(int64_t batch_id) const {
    auto it = sink_calls.find(batch_id);
    return it == sink_calls.end() ? std::vector<Records>{} : it->second;
  }

  Status add_batch(const std::string&, int64_t batch_id, const Records& records) override {
    sink_calls[batch_id].push_back(records);
    if (kill_in_sink_of && *kill_in_sink_of == batch_id) {
      loop_.kill_owner(kill_owner);
      processes_.at(kill_owner).fs->dead = true;
    }
    return Status::Ok();
  }
  void on_start_offsets(int64_t first_batch_id, bool rerun) override {
    starts.emplace_back(first_batch_id, rerun);
  }
  void on_batch_planned(int64_t batch_id, const OffsetSeq&) override {
    planned.push_back(batch_id);
  }
  void on_batch_committed(int64_t batch_id) override { committed.push_back(batch_id); }
  void on_query_terminated(const Status& error) override { terminations.push_back(error); }
  void on_warning(const std::string& message) override { warnings.push_back(message); }

  QueryPlan plan;
  QueryOptions options;
  DefectSet defects;
  const FunctionRegistry* functions = &FunctionRegistry::Builtins();
  std::map<int64_t, std::vector<Records>> sink_calls;
  std::optional<int64_t> kill_in_sink_of;
  sim::OwnerId kill_owner = 1;
  std::vector<std::pair<int64_t, bool>> starts;
  std::vector<int64_t> planned;
  std::vector<int64_t> committed;
  std::vector<Status> terminations;
  std::vector<std::string> warnings;

  sim::EventLoop loop_;
  sim::SimFs fs_{sim::PersistenceModel::kHdfs};
  sim::ScenarioLog log_;
  std::map<sim::OwnerId, Process> processes_;
};

// A one-partition log with the rows of StreamingAggregationSuite's "simple count, update mode":
// 3 at 50 ms; 3, 2 at 150; 3, 2, 1 at 250; 4, 4, 4, 4 at 350.
inline std::vector<sim::LogAppend> CountAppends() {
  auto ints = [](std::initializer_list<int64_t> values) {
    Records records;
    for (int64_t v : values) records.push_back(Value::Int(v));
    return records;
  };
  return {{Time{50}, 0, ints({3})},
          {Time{150}, 0, ints({3, 2})},
          {Time{250}, 0, ints({3, 2, 1})},
          {Time{350}, 0, ints({4, 4, 4, 4})}};
}

inline Records Counts(std::initializer_list<std::pair<int64_t, int64_t>> counts) {
  Records rows;
  for (auto [key, count] : counts) rows.push_back(Value::Pair(Value::Int(key), Value::Int(count)));
  return rows;
}

class AggregationQueryTest : public QueryTest {
 protected:
  AggregationQueryTest() {
    log_ = sim::ScenarioLog("events", 1, CountAppends(), [this] { return loop_.now(); });
    plan.steps = {{PlanStep::Kind::kMap, {"pair_with_one", {}}}};
    plan.aggregation = FunctionRef{"sum", {}};
    plan.output_mode = OutputMode::kUpdate;
    options.conf["spark.sql.shuffle.partitions"] = "2";
  }
};

}  // namespace ckpt::structured::testing
