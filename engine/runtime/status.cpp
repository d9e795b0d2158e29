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

namespace {
const std::string& NoText() {
  static const std::string* const kNoText = new std::string();
  return *kNoText;
}
}  // namespace

Status Status::WithCode(StatusCode code, std::string m, uint8_t marks, std::string subject) {
  Status status(code, std::move(m));
  if (status.error_) {
    status.error_->marks = marks;
    status.error_->subject = std::move(subject);
  }
  return status;
}

const std::string& Status::message() const { return error_ ? error_->message : NoText(); }

const std::string& Status::subject() const { return error_ ? error_->subject : NoText(); }

Status Status::marked(ErrorMark mark, std::string subject) const {
  Status status = *this;
  if (!status.error_) return status;
  status.error_->marks |= static_cast<uint8_t>(mark);
  if (!subject.empty()) status.error_->subject = std::move(subject);
  return status;
}

Status Status::with_marks_of(const Status& other) const {
  Status status = *this;
  if (status.error_) status.error_->marks |= other.marks();
  return status;
}

std::string Status::to_string() const {
  if (ok()) return "OK";
  return std::string(StatusCodeName(error_->code)) + ": " + error_->message;
}

Status Status::with_context(const std::string& context) const {
  if (ok()) return *this;
  return WithCode(error_->code, context + ": " + error_->message, error_->marks, error_->subject);
}

}  // namespace ckpt
