#include "engine/runtime/scheduler.h"

namespace ckpt {

const char* ActorName(Actor actor) {
  switch (actor) {
    case Actor::kTimer:
      return "timer";
    case Actor::kJobGenerator:
      return "generator";
    case Actor::kJobScheduler:
      return "scheduler";
    case Actor::kJobExecutor:
      return "executor";
    case Actor::kCheckpointWriter:
      return "writer";
    case Actor::kDriver:
      return "driver";
    case Actor::kReceiver:
      return "receiver";
    case Actor::kReceiverTracker:
      return "receiver tracker";
  }
  return "?";
}

std::string TaskLabel::to_string() const {
  std::string text;
  if (batch_time.ms >= 0) text = "batch " + std::to_string(batch_time.ms) + " \u00b7 ";
  return text + ActorName(actor) + " \u00b7 " + event;
}

}  // namespace ckpt
