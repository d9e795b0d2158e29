// libFuzzer target: the checkpoint decoder, framing and archive. Any bytes must decode or be
// rejected with a Status; never a crash, a sanitizer report or an allocation far beyond the input
// (run with -malloc_limit_mb). The payload is also framed correctly before decoding, so that the
// archive itself is fuzzed past the frame's checksum.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/checkpoint/checkpoint.h"
#include "engine/checkpoint/frame.h"
#include "engine/runtime/assert.h"

namespace {

void Expect(bool condition) {
  if (!condition) __builtin_trap();
}

bool Rejected(const ckpt::Status& status) {
  return status.code() == ckpt::StatusCode::kCorruption ||
         status.code() == ckpt::StatusCode::kUnsupported;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  ckpt::Result<ckpt::Checkpoint> raw = ckpt::DecodeCheckpoint(bytes);
  Expect(raw.ok() || Rejected(raw.status()));
  ckpt::Result<ckpt::Checkpoint> framed =
      ckpt::DecodeCheckpoint(ckpt::Frame(ckpt::kCheckpointMagic, bytes));
  Expect(framed.ok() || Rejected(framed.status()));
  if (framed.ok()) {
    // What decodes re-encodes and decodes to the same checkpoint time.
    ckpt::Result<ckpt::Checkpoint> again =
        ckpt::DecodeCheckpoint(ckpt::EncodeCheckpoint(framed.value()));
    Expect(again.ok() && again.value().checkpoint_time == framed.value().checkpoint_time);
  }
  ckpt::Result<ckpt::Records> records = ckpt::DecodeRecords(ckpt::Frame(ckpt::kRddMagic, bytes));
  Expect(records.ok() || Rejected(records.status()));
  return 0;
}
