#include "engine/runtime/assert.h"

#include <cstdio>
#include <cstdlib>

namespace ckpt {
namespace {
thread_local AssertHandler current_handler = nullptr;
}  // namespace

AssertHandler SetAssertHandlerForThread(AssertHandler handler) {
  AssertHandler previous = current_handler;
  current_handler = handler;
  return previous;
}

void AssertFailed(const char* file, int line, const std::string& message) {
  if (current_handler != nullptr) current_handler(file, line, message);
  std::fprintf(stderr, "%s:%d: assertion failed: %s\n", file, line, message.c_str());
  std::abort();
}

}  // namespace ckpt
