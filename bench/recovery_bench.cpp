// Recovery time (Google Benchmark): getOrCreate of a crashed stateful application, from reading
// the checkpoint directory until the restarted process has caught up (every rescheduled batch
// has run and emitted), against the state's size, the number of batches to run again, and the
// number of corrupted newest checkpoint files the reader must fall back over.
//
//   build/ckpt_bench --benchmark_filter='Recovery|ReadAndCopy'
//
// The application: a log stream of `keys` distinct words (all in the first batch), pair_with_one,
// updateStateByKey(running_sum) with its state RDD checkpointed every 1 s batch, print. It ran
// three batches before the crash, so its state RDD file holds `keys` (word, count) pairs.
// BM_RecoveryVsStateSize reports bytes_per_second over the bytes recovery read; BM_ReadAndCopy
// reads the same files and copies their bytes, the floor for restoring them, in the same run.
#include <benchmark/benchmark.h>

#include <cstring>
#include <functional>
#include <memory>

#include "engine/checkpoint/checkpoint.h"
#include "engine/streaming_context.h"
#include "scenario/scenario_log.h"
#include "sim/sim_fs.h"
#include "testing/engine_fixture.h"

namespace {

using namespace ckpt;

constexpr Duration kBatch = Milliseconds(1000);
const Time kCrashTime{3000};

// Stateful: the running counts above. Stateless: a per-batch reduceByKey, whose checkpoints name
// no RDD file, so that a reader falling back to an older checkpoint finds everything it needs
// (a stateful application's older checkpoints name RDD files that are deleted by then, which
// fails recovery as it fails Spark's).
enum class App { kStateful, kStateless };

Result<std::unique_ptr<StreamingContext>> BuildApplication(const EngineEnv& env, App app) {
  std::unique_ptr<StreamingContext> context = StreamingContext::Create(env, kBatch);
  CKPT_RETURN_IF_ERROR(context->checkpoint("/ck"));
  CKPT_ASSIGN_OR_RETURN(DStream* words, context->log_stream("words"));
  CKPT_ASSIGN_OR_RETURN(DStream* pairs, words->map({"pair_with_one", {}}));
  if (app == App::kStateless) {
    CKPT_ASSIGN_OR_RETURN(DStream* counts, pairs->reduce_by_key({"sum", {}}));
    CKPT_RETURN_IF_ERROR(counts->print(10, "out"));
    return context;
  }
  CKPT_ASSIGN_OR_RETURN(DStream* counts, pairs->update_state_by_key({"running_sum", {}}));
  CKPT_RETURN_IF_ERROR(counts->checkpoint(kBatch));
  CKPT_RETURN_IF_ERROR(counts->print(10, "out"));
  return context;
}

std::vector<sim::LogAppend> DistinctWords(int64_t keys) {
  sim::LogAppend append{Time{0}, 0, {}};
  append.records.reserve(static_cast<size_t>(keys));
  for (int64_t k = 0; k < keys; ++k)
    append.records.push_back(Value::String("w" + std::to_string(k)));
  return {append};
}

// Counts what recovery reads, and remembers which files.
class ReadCountingFs : public sim::SimFs {
 public:
  ReadCountingFs() : SimFs(sim::PersistenceModel::kHdfs) {}
  Result<std::string> read_file(const std::string& path) override {
    Result<std::string> bytes = SimFs::read_file(path);
    if (bytes.ok()) {
      bytes_read += bytes.value().size();
      files_read.push_back(path);
    }
    return bytes;
  }
  uint64_t bytes_read = 0;
  std::vector<std::string> files_read;
};

// The checkpoint directory a crashed application left behind, kept as bytes so that every
// iteration recovers from the same state.
struct CrashedDirectory {
  std::vector<std::string> directories;      // parents first
  std::map<std::string, std::string> files;  // path -> bytes
};

void Snapshot(sim::SimFs& fs, const std::string& dir, CrashedDirectory& out) {
  std::vector<FileStatus> listing = fs.list(dir).value();
  for (const FileStatus& entry : listing) {
    std::string path = JoinPath(dir, entry.name);
    if (entry.is_directory) {
      out.directories.push_back(path);
      Snapshot(fs, path, out);
    } else {
      out.files[path] = fs.read_file(path).value();
    }
  }
}

// Runs the application on `keys` words up to kCrashTime and keeps its files.
CrashedDirectory Crash(int64_t keys, App app) {
  sim::testing::EngineFixture process;
  sim::ScenarioLog log("words", 1, DistinctWords(keys),
                       [&process] { return process.loop().now(); });
  ckpt::EngineEnv env = process.env();
  env.log = &log;
  CrashedDirectory crashed;
  {
    std::unique_ptr<StreamingContext> context = BuildApplication(env, app).value();
    if (!context->start().ok()) return crashed;
    process.advance_to(kCrashTime);
  }
  Snapshot(process.sim_fs(), "/", crashed);
  return crashed;
}

const CrashedDirectory& CrashedWithKeys(int64_t keys, App app = App::kStateful) {
  static std::map<std::pair<int64_t, App>, CrashedDirectory> cache;
  auto it = cache.find({keys, app});
  if (it == cache.end()) it = cache.emplace(std::pair(keys, app), Crash(keys, app)).first;
  return it->second;
}

// Flips a payload byte of the `count` newest checkpoint files (the reader tries newest first).
CrashedDirectory CorruptNewest(CrashedDirectory crashed, int64_t count) {
  std::vector<CheckpointFile> files;
  for (const auto& [path, bytes] : crashed.files) {
    if (auto file = ParseCheckpointName(ParentPath(path), BaseName(path))) files.push_back(*file);
  }
  std::sort(files.begin(), files.end(), [](const CheckpointFile& a, const CheckpointFile& b) {
    return a.time != b.time ? a.time > b.time : !a.is_backup && b.is_backup;
  });
  for (int64_t i = 0; i < count && i < static_cast<int64_t>(files.size()); ++i) {
    std::string& bytes = crashed.files[files[i].path];
    bytes[bytes.size() - 1] = static_cast<char>(bytes.back() ^ 0x40);
  }
  return crashed;
}

// A new process `downtime_batches` batches after the crash, its filesystem holding what the
// crashed one left, its clock at the restart time: everything before getOrCreate.
struct Restart {
  Restart(const CrashedDirectory& crashed, const std::vector<sim::LogAppend>& appends,
          int64_t downtime_batches)
      : process(&fs),
        log("words", 1, appends, [this] { return process.loop().now(); }),
        at(kCrashTime + kBatch * downtime_batches) {
    for (const std::string& dir : crashed.directories) (void)fs.mkdirs(dir);
    for (const auto& [path, bytes] : crashed.files) (void)WriteWholeFile(fs, path, bytes, false);
    env = process.env(2);
    env.log = &log;
    process.advance_to(at);
  }

  // getOrCreate and start, then run everything due at the restart: the part that is timed.
  Status RecoverAndCatchUp() {
    auto never_create = [](const EngineEnv&) -> Result<std::unique_ptr<StreamingContext>> {
      return Status::IllegalState("recovery found no checkpoint");
    };
    CKPT_ASSIGN_OR_RETURN(
        std::unique_ptr<StreamingContext> recovered,
        StreamingContext::GetOrCreate(env, "/ck", never_create, /*create_on_error=*/false));
    context = std::move(recovered);
    CKPT_RETURN_IF_ERROR(context->start());
    process.run_until(at);
    if (process.outputs["out"].count(at.ms) == 0) {
      return Status::IllegalState("the restarted process did not catch up");
    }
    return Status::Ok();
  }

  ReadCountingFs fs;
  sim::testing::EngineFixture process;
  sim::ScenarioLog log;
  Time at;
  EngineEnv env;
  std::unique_ptr<StreamingContext> context;
};

// One timed recovery per iteration; reports the bytes recovery read per second.
void BenchmarkRecovery(benchmark::State& state, const CrashedDirectory& crashed, int64_t keys,
                       int64_t downtime_batches) {
  std::vector<sim::LogAppend> appends = DistinctWords(keys);
  uint64_t bytes_read = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto restart = std::make_unique<Restart>(crashed, appends, downtime_batches);
    state.ResumeTiming();
    Status caught_up = restart->RecoverAndCatchUp();
    state.PauseTiming();
    if (!caught_up.ok()) {
      state.SkipWithError(caught_up.to_string().c_str());
      break;
    }
    bytes_read = restart->fs.bytes_read;
    restart.reset();
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes_read));
  state.counters["bytes_read"] = static_cast<double>(bytes_read);
}

void BM_RecoveryVsStateSize(benchmark::State& state) {
  BenchmarkRecovery(state, CrashedWithKeys(state.range(0)), state.range(0), 0);
  state.counters["keys"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_RecoveryVsStateSize)
    ->RangeMultiplier(10)
    ->Range(1000, 1000000)
    ->Unit(benchmark::kMillisecond);

// The floor under restoring the same bytes: read each file a recovery read, copy its bytes.
void BM_ReadAndCopy(benchmark::State& state) {
  const CrashedDirectory& crashed = CrashedWithKeys(state.range(0));
  Restart probe(crashed, DistinctWords(state.range(0)), 0);
  if (!probe.RecoverAndCatchUp().ok()) return state.SkipWithError("recovery failed");
  ReadCountingFs& fs = probe.fs;
  const std::vector<std::string> paths = fs.files_read;
  uint64_t bytes_per_iteration = 0;
  std::string copy;
  for (auto _ : state) {
    bytes_per_iteration = 0;
    for (const std::string& path : paths) {
      Result<std::string> bytes = fs.SimFs::read_file(path);
      copy.resize(bytes.value().size());
      std::memcpy(copy.data(), bytes.value().data(), bytes.value().size());
      benchmark::DoNotOptimize(copy.data());
      bytes_per_iteration += bytes.value().size();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes_per_iteration));
  state.counters["keys"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_ReadAndCopy)->RangeMultiplier(10)->Range(1000, 1000000)->Unit(benchmark::kMillisecond);

// Down time of `range(0)` batches: restart runs the checkpoint-time batch again and every batch
// the process was down for (Spark reschedules pending and down times alike).
void BM_RecoveryVsRescheduledBatches(benchmark::State& state) {
  BenchmarkRecovery(state, CrashedWithKeys(1000), 1000, state.range(0));
  state.counters["downtime_batches"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_RecoveryVsRescheduledBatches)
    ->Arg(0)
    ->Arg(10)
    ->Arg(100)
    ->Arg(1000)
    ->Unit(benchmark::kMillisecond);

// The `range(0)` newest checkpoint files are corrupted: the reader skips them and reads older
// ones (of the stateless application, see App).
void BM_RecoveryVsCorruptedNewestFiles(benchmark::State& state) {
  CrashedDirectory crashed = CorruptNewest(CrashedWithKeys(1000, App::kStateless), state.range(0));
  BenchmarkRecovery(state, crashed, 1000, 0);
  state.counters["corrupted_files"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_RecoveryVsCorruptedNewestFiles)
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->Arg(4)
    ->Unit(benchmark::kMillisecond);

}  // namespace
