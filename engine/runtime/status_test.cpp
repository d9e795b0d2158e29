// Error marks: what decides a verdict travels with the error, not in its message.
#include "engine/runtime/status.h"

#include <gtest/gtest.h>

namespace ckpt {
namespace {

TEST(StatusMarks, MarksAndSubjectSurviveContextAndRebuilding) {
  Status read = Status::IoError("disk").marked(ErrorMark::kInjected);
  Status job = read.with_context("Could not read data from write ahead log record input-0-250")
                   .marked(ErrorMark::kWalRecordUnreadable, "input-0-250");
  Status reported = job.with_context("job of batch 1000 ms failed");
  EXPECT_TRUE(reported.has(ErrorMark::kInjected));
  EXPECT_TRUE(reported.has(ErrorMark::kWalRecordUnreadable));
  EXPECT_FALSE(reported.has(ErrorMark::kRddCheckpointMissing));
  EXPECT_EQ(reported.subject(), "input-0-250");
  EXPECT_EQ(reported.code(), StatusCode::kIoError);

  Status rebuilt =
      Status::WithCode(reported.code(), reported.message(), reported.marks(), reported.subject());
  EXPECT_EQ(rebuilt.marks(), reported.marks());
  EXPECT_EQ(rebuilt.subject(), "input-0-250");
}

TEST(StatusMarks, TheWordingDecidesNothing) {
  Status unmarked = Status::IoError("injected failure (eio on read of /x): Input/output error");
  EXPECT_FALSE(unmarked.has(ErrorMark::kInjected));
  EXPECT_TRUE(Status::IoError("reworded").marked(ErrorMark::kInjected).has(ErrorMark::kInjected));
  EXPECT_EQ(Status::Ok().marked(ErrorMark::kInjected).marks(), 0);
  Status wrapped =
      Status::Corruption("unreadable").with_marks_of(unmarked.marked(ErrorMark::kInjected));
  EXPECT_TRUE(wrapped.has(ErrorMark::kInjected));
}

}  // namespace
}  // namespace ckpt
