// CheckpointWriter, step by step as Spark's CheckpointWriteHandler: temp file, .bk of the
// previous file of the same name, the file named after the newest time seen, retention of ten
// files, and three attempts on I/O errors only.
#include "engine/checkpoint/checkpoint_writer.h"

#include <gtest/gtest.h>

#include "testing/engine_fixture.h"

namespace ckpt {
namespace {

using sim::testing::EngineFixture;

// Fails the next `io_failures` renames, and the next `list_failures` listings, with an I/O error.
class FailingRenameFs : public sim::SimFs {
 public:
  FailingRenameFs() : SimFs(sim::PersistenceModel::kHdfs) {}
  Result<std::vector<FileStatus>> list(const std::string& dir) override {
    if (list_failures > 0) {
      --list_failures;
      return Status::IoError("injected list failure");
    }
    return SimFs::list(dir);
  }
  Status rename(const std::string& from, const std::string& to) override {
    ++renames;
    if (io_failures > 0) {
      --io_failures;
      return Status::IoError("injected rename failure");
    }
    return SimFs::rename(from, to);
  }
  int io_failures = 0;
  int list_failures = 0;
  int renames = 0;
};

class WriterTest : public ::testing::Test {
 protected:
  explicit WriterTest(FileSystem* fs = nullptr) : fixture_(fs) {
    runtime_.env = fixture_.env();
    EXPECT_TRUE(fixture_.fs().mkdirs("/ck").ok());
    writer_.emplace(&runtime_, "/ck", [this](Time t, bool clear_later) {
      completions_.push_back({t.ms, clear_later});
    });
  }
  Checkpoint Make(int64_t time_ms) {
    Checkpoint c;
    c.master = "m";
    c.framework = "f";
    c.graph.batch_duration = Milliseconds(500);
    c.graph.streams.resize(1);
    c.graph.streams[0].kind = "sequence";
    c.checkpoint_time = Time{time_ms};
    return c;
  }
  std::vector<std::string> Files() {
    std::vector<std::string> names;
    Result<std::vector<FileStatus>> listing = fixture_.fs().list("/ck");
    for (const FileStatus& f : listing.value()) names.push_back(f.name);
    return names;
  }
  Time ContentTime(const std::string& name) {
    return DecodeCheckpoint(fixture_.fs().read_file("/ck/" + name).value()).value().checkpoint_time;
  }

  EngineFixture fixture_;
  StreamingRuntime runtime_;
  std::optional<CheckpointWriter> writer_;
  std::vector<std::pair<int64_t, bool>> completions_;
};

TEST_F(WriterTest, SecondWriteOfATimeMovesTheFirstToBackup) {
  writer_->write(Make(1500), false);
  writer_->write(Make(1500), true);
  fixture_.run_until(Time{0});
  EXPECT_EQ(Files(), (std::vector<std::string>{"checkpoint-1500", "checkpoint-1500.bk"}));
  EXPECT_EQ(completions_, (std::vector<std::pair<int64_t, bool>>{{1500, false}, {1500, true}}));
}

// SPARK-11267's test: handler(2000, bytes1, false) then handler(1000, bytes2, true) leaves two
// files, checkpoint-2000 holding the 1000 content and checkpoint-2000.bk the 2000 content.
TEST_F(WriterTest, LateOlderCheckpointIsNamedAfterTheNewestTimeSeen) {
  writer_->write(Make(2000), false);
  writer_->write(Make(1000), true);
  fixture_.run_until(Time{0});
  EXPECT_EQ(Files(), (std::vector<std::string>{"checkpoint-2000", "checkpoint-2000.bk"}));
  EXPECT_EQ(ContentTime("checkpoint-2000"), Time{1000});
  EXPECT_EQ(ContentTime("checkpoint-2000.bk"), Time{2000});
  // The callback carries the content time, not the name.
  EXPECT_EQ(completions_.back(), std::make_pair(int64_t{1000}, true));
}

TEST_F(WriterTest, KeepsTheTenNewestFilesBackupsIncluded) {
  for (int64_t t = 500; t <= 5000; t += 500) {
    writer_->write(Make(t), false);
    writer_->write(Make(t), true);
  }
  fixture_.run_until(Time{0});
  std::vector<std::string> files = Files();
  EXPECT_EQ(files.size(), 10u);
  EXPECT_EQ(files.front(), "checkpoint-3000");
  EXPECT_EQ(files.back(), "checkpoint-5000.bk");
}

TEST_F(WriterTest, TempFileIsNeverLeftAfterASuccessfulWrite) {
  writer_->write(Make(500), false);
  fixture_.run_until(Time{0});
  EXPECT_EQ(Files(), std::vector<std::string>{"checkpoint-500"});
}

// The filesystem must exist before WriterTest's constructor uses it: a base listed first.
struct FailingFsHolder {
  FailingRenameFs fs_;
};

class RetryingWriterTest : protected FailingFsHolder, public WriterTest {
 protected:
  RetryingWriterTest() : WriterTest(&fs_) {}
};

TEST_F(RetryingWriterTest, RetriesIoErrorsUpToThreeAttempts) {
  fs_.io_failures = 2;
  writer_->write(Make(500), false);
  fixture_.run_until(Time{0});
  EXPECT_EQ(Files(), std::vector<std::string>{"checkpoint-500"});
  EXPECT_EQ(completions_.size(), 1u);
}

TEST_F(RetryingWriterTest, GivesUpAfterThreeFailedAttemptsWithoutCallback) {
  fs_.io_failures = 3;
  writer_->write(Make(500), true);
  fixture_.run_until(Time{0});
  EXPECT_EQ(fs_.renames, 3);
  EXPECT_TRUE(completions_.empty());
  EXPECT_NE(fixture_.warnings.back().find("Could not write checkpoint for time 500"),
            std::string::npos);
}

// Fix::kWriterLearnsNewestName: before its first write the writer lists the directory and names
// its files after the newest time there. A listing that fails fails the attempt, which is
// retried: no file is named before the writer has learned (the drawn I/O fault found a fixed
// writer that went on without learning and wrote under an older name).
TEST_F(RetryingWriterTest, AWriterLearningTheNewestNameRetriesAFailedListing) {
  ASSERT_TRUE(
      WriteWholeFile(fixture_.fs(), "/ck/checkpoint-3000", EncodeCheckpoint(Make(3000)), false)
          .ok());
  runtime_.env.fixes.add(Fix::kWriterLearnsNewestName);
  fs_.list_failures = 1;
  writer_->write(Make(1000), false);
  fixture_.run_until(Time{0});
  EXPECT_EQ(Files(), (std::vector<std::string>{"checkpoint-3000", "checkpoint-3000.bk"}));
  EXPECT_EQ(ContentTime("checkpoint-3000"), Time{1000});
  EXPECT_EQ(completions_.size(), 1u);
}

// Spark's stop(): executor.shutdown() and awaitTermination(10 s): the queued writes still run,
// a write after the stop is refused, and the callback runs once the queue is done.
TEST_F(WriterTest, StopRunsTheQueuedWritesAndRefusesNewOnes) {
  writer_->write(Make(500), false);
  writer_->write(Make(1000), false);
  writer_->write(Make(1000), true);
  int stopped = 0;
  writer_->stop([&stopped] { ++stopped; });
  writer_->write(Make(1500), false);
  EXPECT_EQ(stopped, 0);
  fixture_.run_until(Time{0});
  EXPECT_EQ(stopped, 1);
  EXPECT_EQ(completions_,
            (std::vector<std::pair<int64_t, bool>>{{500, false}, {1000, false}, {1000, true}}));
  EXPECT_NE(fixture_.warnings.back().find("the writer is stopped"), std::string::npos);
  writer_->stop([&stopped] { ++stopped; });  // idempotent: already stopped, runs at once
  EXPECT_EQ(stopped, 2);
}

TEST_F(WriterTest, DropsWritesBeyondTheQueueCapacity) {
  for (int i = 0; i < 1005; ++i) writer_->write(Make(500), false);
  EXPECT_LE(writer_->queued(), kCheckpointWriterQueueCapacity + 1);
  EXPECT_FALSE(fixture_.warnings.empty());
  EXPECT_NE(fixture_.warnings.back().find("queue full"), std::string::npos);
}

}  // namespace
}  // namespace ckpt
