// Checkpoint I/O (Google Benchmark): the codec against state size, and the CheckpointWriter's
// protocol (temp file, .bk, rename, retention) on SimFs and on the real disk.
//
//   build/ckpt_bench --benchmark_filter='State|CheckpointWriter'
//
// State lives where Spark keeps it, in the RDD checkpoint files of the stateful streams (the
// metadata checkpoint only names them), so "checkpoint size" here is the state RDD's: `keys`
// (word, count) pairs.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include "engine/checkpoint/checkpoint.h"
#include "engine/checkpoint/checkpoint_writer.h"
#include "engine/runtime/posix_file_system.h"
#include "testing/engine_fixture.h"

namespace {

using namespace ckpt;

Records StateOfKeys(int64_t keys) {
  Records state;
  state.reserve(static_cast<size_t>(keys));
  for (int64_t k = 0; k < keys; ++k) {
    state.push_back(Value::Pair(Value::String("word-" + std::to_string(k)), Value::Int(k % 97)));
  }
  return state;
}

void BM_EncodeState(benchmark::State& state) {
  Records records = StateOfKeys(state.range(0));
  size_t bytes = 0;
  for (auto _ : state) {
    std::string encoded = EncodeRecords(records);
    bytes += encoded.size();
    benchmark::DoNotOptimize(encoded.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["keys"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_EncodeState)->RangeMultiplier(10)->Range(1000, 1000000)->Unit(benchmark::kMillisecond);

void BM_DecodeState(benchmark::State& state) {
  std::string encoded = EncodeRecords(StateOfKeys(state.range(0)));
  for (auto _ : state) {
    Result<Records> decoded = DecodeRecords(encoded);
    if (!decoded.ok() || decoded.value().size() != static_cast<size_t>(state.range(0))) {
      state.SkipWithError("the state did not decode");
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * encoded.size()));
  state.counters["keys"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_DecodeState)->RangeMultiplier(10)->Range(1000, 1000000)->Unit(benchmark::kMillisecond);

// A metadata checkpoint of a stateful graph, as the job generator hands it to the writer.
Checkpoint StatefulCheckpoint(sim::testing::EngineFixture& process) {
  auto context = StreamingContext::Create(process.env(), Milliseconds(1000));
  DStream* stream = context->sequence_stream({}).value()->map({"pair_with_one", {}}).value();
  stream = stream->update_state_by_key({"running_sum", {}}).value();
  if (!context->checkpoint("/ck").ok() || !stream->checkpoint(Milliseconds(1000)).ok() ||
      !stream->collect("out").ok() || !context->graph().start(Time{0}).ok()) {
    return {};
  }
  return context->make_checkpoint(Time{1000});
}

enum class WriterFs { kSim, kPosix, kPosixSynced };

// One write() per iteration, run to completion: encoding, temp file, .bk rename of the previous
// file of the same time (two checkpoints per batch, as Spark writes them), rename into place and
// the retention pass over the directory.
void BM_CheckpointWriter(benchmark::State& state) {
  auto kind = static_cast<WriterFs>(state.range(0));
  std::string temp_dir = "/tmp/ckptsim-bench-XXXXXX";
  std::unique_ptr<FileSystem> posix;
  if (kind != WriterFs::kSim) {
    if (::mkdtemp(temp_dir.data()) == nullptr) return state.SkipWithError("no temp directory");
    posix = std::make_unique<PosixFileSystem>(temp_dir);
  }
  sim::testing::EngineFixture process(posix.get());
  Checkpoint checkpoint = StatefulCheckpoint(process);
  StreamingRuntime runtime;
  runtime.env = process.env(2);
  runtime.checkpoint_sync = kind == WriterFs::kPosixSynced;
  int completed = 0;
  CheckpointWriter writer(&runtime, "/ck", [&completed](Time, bool) { ++completed; });
  int64_t batch = 0;
  for (auto _ : state) {
    checkpoint.checkpoint_time = Time{1000 * (++batch / 2)};
    writer.write(checkpoint, /*clear_checkpoint_data_later=*/batch % 2 == 0);
    process.run_until(process.loop().now());
  }
  if (completed != batch) state.SkipWithError("a checkpoint write did not complete");
  writer.stop({});
  if (posix && !PosixFileSystem("").remove(temp_dir, /*recursive=*/true).ok()) {
    state.SkipWithError("could not remove the temp directory");
  }
  state.SetLabel(kind == WriterFs::kSim     ? "SimFs (hdfs)"
                 : kind == WriterFs::kPosix ? "POSIX, no fsync (Spark's default)"
                                            : "POSIX, fsync of file and directory");
}
BENCHMARK(BM_CheckpointWriter)
    ->Arg(static_cast<int>(WriterFs::kSim))
    ->Arg(static_cast<int>(WriterFs::kPosix))
    ->Arg(static_cast<int>(WriterFs::kPosixSynced))
    ->UseRealTime()  // a write blocked in fsync uses no CPU but is still waited for
    ->Unit(benchmark::kMicrosecond);

}  // namespace
