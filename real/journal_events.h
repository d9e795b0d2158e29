// The journal's names of the engine's events (engine/env.h's EngineEvent): what a journal line's
// "e" says. Internal to real/ (journal.cpp writes and reads them).
#pragma once

#include <optional>
#include <string>

#include "engine/env.h"

namespace real {

constexpr ckpt::EngineEvent kEngineEvents[] = {ckpt::EngineEvent::kLog,
                                               ckpt::EngineEvent::kContextStarted,
                                               ckpt::EngineEvent::kCheckpointRecovered,
                                               ckpt::EngineEvent::kRestart,
                                               ckpt::EngineEvent::kStreamRestored,
                                               ckpt::EngineEvent::kCheckpointWritten,
                                               ckpt::EngineEvent::kJobFailed,
                                               ckpt::EngineEvent::kCheckpointUnreadable,
                                               ckpt::EngineEvent::kCheckpointGivenUp,
                                               ckpt::EngineEvent::kOffsetRanges,
                                               ckpt::EngineEvent::kBlocksAllocated,
                                               ckpt::EngineEvent::kReceivedBlocks,
                                               ckpt::EngineEvent::kError,
                                               ckpt::EngineEvent::kFileOperation,
                                               ckpt::EngineEvent::kGracefulStop,
                                               ckpt::EngineEvent::kClearCheckpointData,
                                               ckpt::EngineEvent::kCheckpointDataUpdated};

// The event's name in journals: "log", "started", "recovered", "restart", "restored", "written",
// "job_failed", "unreadable", "given_up", "ranges", "allocated", "received", "error", "file",
// "stopped", "cleared", "updated".
constexpr const char* JournalName(ckpt::EngineEvent event) {
  switch (event) {
    case ckpt::EngineEvent::kLog:
      return "log";
    case ckpt::EngineEvent::kContextStarted:
      return "started";
    case ckpt::EngineEvent::kCheckpointRecovered:
      return "recovered";
    case ckpt::EngineEvent::kRestart:
      return "restart";
    case ckpt::EngineEvent::kStreamRestored:
      return "restored";
    case ckpt::EngineEvent::kCheckpointWritten:
      return "written";
    case ckpt::EngineEvent::kJobFailed:
      return "job_failed";
    case ckpt::EngineEvent::kCheckpointUnreadable:
      return "unreadable";
    case ckpt::EngineEvent::kCheckpointGivenUp:
      return "given_up";
    case ckpt::EngineEvent::kOffsetRanges:
      return "ranges";
    case ckpt::EngineEvent::kBlocksAllocated:
      return "allocated";
    case ckpt::EngineEvent::kReceivedBlocks:
      return "received";
    case ckpt::EngineEvent::kError:
      return "error";
    case ckpt::EngineEvent::kFileOperation:
      return "file";
    case ckpt::EngineEvent::kGracefulStop:
      return "stopped";
    case ckpt::EngineEvent::kClearCheckpointData:
      return "cleared";
    case ckpt::EngineEvent::kCheckpointDataUpdated:
      return "updated";
  }
  return "?";
}

inline std::optional<ckpt::EngineEvent> ParseEngineEvent(const std::string& name) {
  for (ckpt::EngineEvent event : kEngineEvents) {
    if (name == JournalName(event)) return event;
  }
  return std::nullopt;
}

}  // namespace real
