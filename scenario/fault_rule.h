// Fault rules: what goes wrong on top of a persistence model, declared in a scenario's `faults:`
// block (docs/scenarios.md) and decided deterministically from the trial's seed.
//
//   eio        - an operation of a kind (create, write, close, sync, rename, delete, mkdirs,
//                sync_dir, list, read, exists) on a matching path fails with an I/O error: the
//                nth matching occurrence and the `times - 1` after it, or each with a probability.
//   enospc     - a write fails with "No space left on device" once the files would hold more than
//                `bytes` bytes.
//   latency    - matching operations take `latency_ms` of virtual time: the actor that issued them
//                is busy that long, and what it schedules happens that much later.
//   bitflip    - a matching read finds one bit flipped in the stored file (latent corruption; the
//                flip stays).
//   torn_write - at every crash, the most recently written file matching the path is torn.
//   stale_exists - an exists() on a matching path answers false although the file is there (an
//                object store's stale view: S3 cached a missing HEAD until its 2020 strong
//                consistency), counted as eio is; the store's check-then-act "create if absent"
//                then overwrites a file another writer put there.
//
// Every injected error is marked ckpt::ErrorMark::kInjected, so the oracle can tell a documented
// consequence from an engine error; its message starts with kInjectedFailure for the reader.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/runtime/status.h"
#include "engine/runtime/time.h"

namespace sim {

inline constexpr const char* kInjectedFailure = "injected failure";

enum class FaultKind { kEio, kEnospc, kLatency, kBitflip, kTornWrite, kStaleExists };
const char* FaultKindName(FaultKind kind);
// Whether rules of `kind` strike at counted occurrences (nth and times, or a probability).
inline bool CountsOccurrences(FaultKind kind) {
  return kind == FaultKind::kEio || kind == FaultKind::kBitflip || kind == FaultKind::kStaleExists;
}
ckpt::Result<FaultKind> ParseFaultKind(const std::string& name);

// The operation names a rule may name: every ckpt::FileOperation's name, in its order.
const std::vector<std::string>& FaultOperations();

struct FaultRule {
  FaultKind kind = FaultKind::kEio;
  std::string operation;   // eio, latency: one of FaultOperations(), "" for any; bitflip: read
  std::string path = "*";  // a glob ('*' and '?' match any character, '/' included)
  int64_t nth = 0;         // the first matching occurrence that fails (1-based); 0: probability
  int64_t times = 1;       // eio, stale_exists: how many consecutive matching occurrences from nth
  uint32_t probability_ppm = 0;  // per matching occurrence, in parts per million
  ckpt::Duration latency;        // latency
  uint64_t bytes = 0;            // enospc: the space the files may use
  std::string origin;            // "file:line" of the rule, for messages

  std::string describe() const;
  auto operator<=>(const FaultRule&) const = default;
};

// True when `path` matches the glob `pattern`.
bool GlobMatches(const std::string& pattern, const std::string& path);

}  // namespace sim
