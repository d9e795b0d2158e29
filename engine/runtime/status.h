// Status and Result<T>: how every fallible operation of the engine reports an operating error.
//
// Bugs are assertions (assert.h); everything that can go wrong in normal operation (an I/O error,
// a corrupted file, a bad argument from a user) is a Status. No exception crosses an engine or
// simulator interface.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "engine/runtime/assert.h"

namespace ckpt {

enum class StatusCode {
  kOk,
  kNotFound,
  kAlreadyExists,
  kIoError,          // retryable I/O failure (Hadoop's IOException)
  kNoSpace,          // ENOSPC: an IOException too, retried like one
  kAccessDenied,     // EACCES, EPERM, EROFS (Hadoop's AccessControlException): an IOException too
  kCorruption,       // bytes that fail framing, checksum or decoding
  kInvalidArgument,  // a caller or user error (Spark's IllegalArgumentException)
  kIllegalState,     // an operation not allowed in the current state
  kUnsupported,      // Spark's UnsupportedOperationException / NotSerializableException
  kProcessDead,      // the simulated process has crashed; the call had no effect
};

const char* StatusCodeName(StatusCode code);

// What an error means to those who judge a run (the oracle), carried by the Status and kept by
// with_context, so that no verdict depends on a message's wording. Marks combine.
enum class ErrorMark : uint8_t {
  kInjected = 1 << 0,                  // a fault the scenario injected, or a sink it made refuse
  kRddCheckpointMissing = 1 << 1,      // recovery: a restored RDD's checkpoint file is gone
  kWalRecordUnreadable = 1 << 2,       // a job: a received block's record could not be read back
  kCheckpointUnreadable = 1 << 3,      // getOrCreate: no checkpoint file of the directory read
  kCheckpointNameMatchError = 1 << 4,  // listing: a near-miss checkpoint name (Spark's MatchError)
  kLineageTooDeep = 1 << 5,            // a job: its RDD's lineage overflows (StackOverflowError)
};

// As LevelDB's Status: OK is a null pointer, so that the success path (every record a map
// function returns goes through a Result) costs a word, and only an error allocates.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(const Status& other) : error_(other.error_ ? new Error(*other.error_) : nullptr) {}
  Status(Status&& other) noexcept = default;
  Status& operator=(const Status& other) {
    if (this != &other) error_.reset(other.error_ ? new Error(*other.error_) : nullptr);
    return *this;
  }
  Status& operator=(Status&& other) noexcept = default;

  static Status Ok() { return Status(); }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status NoSpace(std::string m) { return {StatusCode::kNoSpace, std::move(m)}; }
  static Status AccessDenied(std::string m) { return {StatusCode::kAccessDenied, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status IllegalState(std::string m) { return {StatusCode::kIllegalState, std::move(m)}; }
  static Status Unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
  static Status ProcessDead() { return {StatusCode::kProcessDead, "process crashed"}; }
  // A status rebuilt from its parts (one that crossed a process boundary).
  static Status WithCode(StatusCode code, std::string m, uint8_t marks = 0,
                         std::string subject = "");

  bool ok() const { return error_ == nullptr; }
  StatusCode code() const { return error_ ? error_->code : StatusCode::kOk; }
  // Empty when OK.
  const std::string& message() const;
  // Hadoop's IOException family: what the checkpoint writer retries.
  bool is_io_error() const {
    return code() == StatusCode::kIoError || code() == StatusCode::kNoSpace ||
           code() == StatusCode::kAccessDenied;
  }
  // The storage itself refused (full, read-only, not permitted): on a real disk, the machine's
  // doing rather than the engine's.
  bool is_storage_refusal() const {
    return code() == StatusCode::kNoSpace || code() == StatusCode::kAccessDenied;
  }
  std::string to_string() const;

  // Prefixes the message with context, keeping the code and marks: "reading checkpoint-1500:
  // <message>".
  Status with_context(const std::string& context) const;

  // This error with `mark` added and, when `subject` is not empty, that subject: what the error
  // is about, for its judge (the block id of an unreadable record, the missing file's path).
  Status marked(ErrorMark mark, std::string subject = "") const;
  // The marks of `other` added to this error's (what an error built from another's text keeps).
  Status with_marks_of(const Status& other) const;
  bool has(ErrorMark mark) const { return (marks() & static_cast<uint8_t>(mark)) != 0; }
  uint8_t marks() const { return error_ ? error_->marks : 0; }
  // Empty when OK or when no mark set a subject.
  const std::string& subject() const;

 private:
  struct Error {
    StatusCode code;
    std::string message;
    uint8_t marks = 0;
    std::string subject;
  };
  Status(StatusCode code, std::string message)
      : error_(code == StatusCode::kOk ? nullptr : new Error{code, std::move(message), 0, {}}) {}
  std::unique_ptr<Error> error_;
};

// A value or the Status that explains its absence.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    CKPT_ASSERT(!status_.ok(), "a Result built from a Status must carry an error");
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & {
    CKPT_ASSERT(ok(), "value() of a failed Result: " + status_.to_string());
    return *value_;
  }
  const T& value() const& {
    CKPT_ASSERT(ok(), "value() of a failed Result: " + status_.to_string());
    return *value_;
  }
  T&& value() && {
    CKPT_ASSERT(ok(), "value() of a failed Result: " + status_.to_string());
    return std::move(*value_);
  }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace ckpt

// Returns the Status of `expression` from the enclosing function when it is an error.
#define CKPT_RETURN_IF_ERROR(expression)           \
  do {                                             \
    ::ckpt::Status status_macro_ = (expression);   \
    if (!status_macro_.ok()) return status_macro_; \
  } while (false)

// Evaluates `expression`, a Result<T>. On an error, returns its Status from the enclosing
// function; otherwise moves the value into `declaration`, a new variable (`Duration d`) or an
// existing one (`s.name`). `declaration` must not contain a comma outside parentheses.
#define CKPT_ASSIGN_OR_RETURN(declaration, expression) \
  CKPT_ASSIGN_OR_RETURN_IMPL_(CKPT_CONCAT_(result_macro_, __LINE__), declaration, expression)
#define CKPT_CONCAT_(a, b) CKPT_CONCAT_INNER_(a, b)
#define CKPT_CONCAT_INNER_(a, b) a##b
#define CKPT_ASSIGN_OR_RETURN_IMPL_(result, declaration, expression) \
  auto result = (expression);                                        \
  if (!result.ok()) return result.status();                          \
  declaration = std::move(result).value()
