// Always-on assertions for bugs (never for operating errors, which are Status values).
//
// A failed assertion calls the installed handler. The default handler prints the message and
// aborts. The simulator installs a handler that unwinds to the trial boundary so that an engine
// assertion becomes a reported failure (`engine_assert`) instead of killing a whole exploration;
// that unwinding is the one place where an exception crosses the engine/sim boundary, and it only
// ever happens on a bug.
#pragma once

#include <string>

namespace ckpt {

using AssertHandler = void (*)(const char* file, int line, const std::string& message);

// Installs `handler` for the calling thread and returns the previous one (nullptr = default).
AssertHandler SetAssertHandlerForThread(AssertHandler handler);

[[noreturn]] void AssertFailed(const char* file, int line, const std::string& message);

}  // namespace ckpt

#define CKPT_ASSERT(condition, message)                                                     \
  do {                                                                                      \
    if (!(condition))                                                                       \
      ::ckpt::AssertFailed(__FILE__, __LINE__, std::string(message) + " [" #condition "]"); \
  } while (false)
