// Writes fuzz/corpus/checkpoint/: real checkpoints the engine makes of a few graphs (stateless,
// stateful, windowed, log source), each whole (framed) and as its bare archive payload, plus an
// RDD file's records, and the regression input of the first fuzz finding.
// Regenerate with: build-fuzz/make_checkpoint_corpus fuzz/corpus/checkpoint
#include <fstream>
#include <iostream>

#include "engine/checkpoint/checkpoint.h"
#include "engine/checkpoint/frame.h"
#include "engine/streaming_context.h"
#include "testing/engine_fixture.h"

namespace {

using namespace ckpt;

void Write(const std::string& dir, const std::string& name, std::string_view bytes) {
  std::ofstream(dir + "/" + name, std::ios::binary) << bytes;
}

Records Words(std::initializer_list<const char*> words) {
  Records records;
  for (const char* word : words) records.push_back(Value::String(word));
  return records;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_checkpoint_corpus DIR\n";
    return 2;
  }
  std::string dir = argv[1];
  std::vector<Records> input = {Words({"a", "b"}), Words({"a"}), {}, Words({"c", "a"})};
  const std::pair<const char*, std::function<Status(StreamingContext&)>> apps[] = {
      {"stateless",
       [&](StreamingContext& c) {
         DStream* s = c.sequence_stream(input).value()->map({"pair_with_one", {}}).value();
         return s->reduce_by_key({"sum", {}}).value()->collect("out");
       }},
      {"stateful",
       [&](StreamingContext& c) {
         DStream* s = c.sequence_stream(input).value()->map({"pair_with_one", {}}).value();
         s = s->update_state_by_key({"running_sum", {}}).value();
         CKPT_RETURN_IF_ERROR(s->checkpoint(Milliseconds(1000)));
         return s->collect("out");
       }},
      {"windowed",
       [&](StreamingContext& c) {
         DStream* s = c.sequence_stream(input).value()->map({"pair_with_one", {}}).value();
         s = s->reduce_by_key_and_window({"sum", {}}, Milliseconds(1000), Milliseconds(500),
                                         {"subtract", {}})
                 .value();
         CKPT_RETURN_IF_ERROR(s->checkpoint(Milliseconds(1000)));
         return s->print(5, "printed");
       }},
  };
  for (const auto& [name, build] : apps) {
    sim::testing::EngineFixture process;
    auto context = StreamingContext::Create(process.env(), Milliseconds(500));
    if (!context->checkpoint("/ck").ok() || !build(*context).ok() ||
        !context->graph().start(Time{0}).ok()) {
      std::cerr << name << ": could not build the graph\n";
      return 1;
    }
    Checkpoint checkpoint = context->make_checkpoint(Time{1500});
    checkpoint.pending_times = {Time{1000}, Time{1500}};
    std::string framed = EncodeCheckpoint(checkpoint);
    Write(dir, std::string(name) + ".checkpoint", framed);
    Write(dir, std::string(name) + ".payload", Unframe(kCheckpointMagic, framed).value());
  }
  // The fuzzer's first finding (a bool byte of 244 was undefined behaviour): an empty graph's
  // checkpoint payload with the byte of GraphSnapshot.zero_time's presence flag, which follows
  // the batch duration, set to 244. A marker batch duration finds the byte.
  {
    sim::testing::EngineFixture process;
    auto context = StreamingContext::Create(process.env(), Milliseconds(500));
    Checkpoint checkpoint = context->make_checkpoint(Time{1500});
    const int64_t marker = 0x0123456789abcdef;
    checkpoint.graph.batch_duration = Duration{marker};
    std::string payload(Unframe(kCheckpointMagic, EncodeCheckpoint(checkpoint)).value());
    size_t at = payload.find(std::string_view(reinterpret_cast<const char*>(&marker), 8));
    if (at == std::string::npos) {
      std::cerr << "regression-bool-244: marker not found\n";
      return 1;
    }
    payload[at + 8] = static_cast<char>(244);
    Write(dir, "regression-bool-244", payload);
  }
  Records records = {Value::Pair(Value::String("a"), Value::Int(3)), Value::Double(2.5)};
  Write(dir, "records.payload", Unframe(kRddMagic, EncodeRecords(records)).value());
  return 0;
}
