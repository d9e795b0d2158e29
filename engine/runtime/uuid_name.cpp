#include "engine/runtime/uuid_name.h"

#include <cstdio>

namespace ckpt {

std::string UuidShapedName(uint64_t process_uid, uint64_t counter) {
  uint64_t a = process_uid * 0x9E3779B97F4A7C15ULL + counter;
  uint64_t b = (a ^ (a >> 31)) * 0xBF58476D1CE4E5B9ULL;
  char text[40];
  std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>(a >> 16) & 0xffff, static_cast<unsigned>(a) & 0xffff,
                static_cast<unsigned>(b >> 48),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return text;
}

}  // namespace ckpt
