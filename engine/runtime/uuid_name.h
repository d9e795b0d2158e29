// UUID-shaped names that are a pure function of a process and a counter: Spark names RDD
// checkpoint directories and temp files after random UUIDs; a simulation must be deterministic.
#pragma once

#include <cstdint>
#include <string>

namespace ckpt {

// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (lower-case hex) from `process_uid` and `counter`:
// distinct counters of one process give distinct names.
std::string UuidShapedName(uint64_t process_uid, uint64_t counter);

}  // namespace ckpt
