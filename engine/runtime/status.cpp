#include "engine/runtime/status.h"

namespace ckpt {

const char* StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kNotFound:
      return "NotFound";
    case StatusCode::kAlreadyExists:
      return "AlreadyExists";
    case StatusCode::kIoError:
      return "IOError";
    case StatusCode::kNoSpace:
      return "NoSpace";
    case StatusCode::kAccessDenied:
      return "AccessDenied";
    case StatusCode::kCorruption:
      return "Corruption";
    case StatusCode::kInvalidArgument:
      return "InvalidArgument";
    case StatusCode::kIllegalState:
      return "IllegalState";
    case StatusCode::kUnsupported:
      return "Unsupported";
    case StatusCode::kProcessDead:
      return "ProcessDead";
  }
  return "Unknown";
}

const std::string& Status::message() const {
  static const std::string* const kNoMessage = new std::string();
  return error_ ? error_->message : *kNoMessage;
}

std::string Status::to_string() const {
  if (ok()) return "OK";
  return std::string(StatusCodeName(error_->code)) + ": " + error_->message;
}

Status Status::with_context(const std::string& context) const {
  if (ok()) return *this;
  return Status(error_->code, context + ": " + error_->message);
}

}  // namespace ckpt
