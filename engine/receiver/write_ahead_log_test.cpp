// FileBasedWriteAheadLog, after Spark's WriteAheadLogSuite: records written and read back, files
// rolled by time and cleaned by time, a torn or corrupt tail tolerated, nothing created before
// the first write, and retries on new files.
#include "engine/receiver/write_ahead_log.h"

#include <gtest/gtest.h>

#include "engine/checkpoint/frame.h"
#include "sim/sim_fs.h"
#include "testing/flaky_fs.h"

namespace ckpt {
namespace {

class WriteAheadLogTest : public ::testing::Test {
 protected:
  std::unique_ptr<FileBasedWriteAheadLog> Open(FileSystem* fs = nullptr) {
    return std::make_unique<FileBasedWriteAheadLog>(
        fs ? fs : &fs_, "/ck/log", Duration{1000}, /*sync_directory=*/false,
        [this](const std::string& warning) { warnings_.push_back(warning); });
  }
  std::vector<std::string> Files() {
    std::vector<std::string> names;
    Result<std::vector<FileStatus>> listing = fs_.list("/ck/log");
    if (!listing.ok()) return names;
    for (const FileStatus& file : listing.value()) names.push_back(file.name);
    return names;
  }
  std::string Path(const std::string& name) { return "/ck/log/" + name; }

  sim::SimFs fs_{sim::PersistenceModel::kHdfs};
  std::vector<std::string> warnings_;
};

TEST_F(WriteAheadLogTest, ReadsBackEveryRecordInOrderAndEachByItsHandle) {
  auto log = Open();
  std::vector<WalRecordHandle> handles;
  for (int i = 0; i < 5; ++i) {
    Result<WalRecordHandle> handle = log->write("record " + std::to_string(i), Time{100 + i});
    ASSERT_TRUE(handle.ok()) << handle.status().to_string();
    handles.push_back(handle.value());
  }
  std::vector<std::string> expected = {"record 0", "record 1", "record 2", "record 3", "record 4"};
  EXPECT_EQ(log->read_all().value(), expected);
  EXPECT_EQ(Open()->read_all().value(), expected);  // a new process reads the same
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(ReadWriteAheadLogRecord(fs_, handles[i]).value(), expected[i]);
  }
  EXPECT_EQ(Files(), std::vector<std::string>{"log-100-1100"});
}

TEST_F(WriteAheadLogTest, RollsToANewFileOnceTheTimeIsPastTheCurrentFilesEnd) {
  auto log = Open();
  for (int64_t t : {0, 1000, 1001, 1500, 2001, 2002}) {
    ASSERT_TRUE(log->write("at " + std::to_string(t), Time{t}).ok());
  }
  EXPECT_EQ(Files(), (std::vector<std::string>{"log-0-1000", "log-1001-2001", "log-2002-3002"}));
  EXPECT_EQ(log->read_all().value().size(), 6u);
}

TEST_F(WriteAheadLogTest, CleanDeletesTheClosedFilesThatEndBeforeTheThreshold) {
  auto log = Open();
  for (int64_t t : {0, 1500, 3000}) ASSERT_TRUE(log->write("x", Time{t}).ok());
  log->clean(Time{2500});  // log-0-1000 ends before; log-1500-2500 does not (end == threshold)
  EXPECT_EQ(Files(), (std::vector<std::string>{"log-1500-2500", "log-3000-4000"}));
  log->clean(Time{10'000});  // the current file stays
  EXPECT_EQ(Files(), std::vector<std::string>{"log-3000-4000"});
  // A new process cleans the files earlier ones left, whether or not they closed them.
  ASSERT_TRUE(Open()->write("y", Time{5000}).ok());
  auto later = Open();
  later->clean(Time{5500});
  EXPECT_EQ(Files(), std::vector<std::string>{"log-5000-6000"});
}

TEST_F(WriteAheadLogTest, DoesNotCreateTheDirectoryOrAFileUntilTheFirstWrite) {
  auto log = Open();
  EXPECT_TRUE(log->read_all().value().empty());
  log->clean(Time{5000});
  log->close();
  EXPECT_FALSE(fs_.exists("/ck/log").value());
  EXPECT_TRUE(warnings_.empty());
}

TEST_F(WriteAheadLogTest, ATornOrCorruptTailEndsItsFileAndTheNextFileIsStillRead) {
  auto log = Open();
  ASSERT_TRUE(log->write("a", Time{0}).ok());
  ASSERT_TRUE(log->write("b", Time{10}).ok());
  ASSERT_TRUE(log->write("c", Time{2000}).ok());
  log->close();
  std::string first = fs_.read_file(Path("log-0-1000")).value();
  for (size_t cut : {first.size() - 1, first.size() - 5, first.size() / 2 + 3}) {
    ASSERT_TRUE(WriteWholeFile(fs_, Path("log-0-1000"), first.substr(0, cut), false).ok());
    EXPECT_EQ(Open()->read_all().value(), (std::vector<std::string>{"a", "c"})) << "cut at " << cut;
  }
  std::string garbage = first;
  garbage[garbage.size() - 1] ^= 0x10;  // a flipped bit in the last record's payload
  ASSERT_TRUE(WriteWholeFile(fs_, Path("log-0-1000"), garbage, false).ok());
  warnings_.clear();
  EXPECT_EQ(Open()->read_all().value(), (std::vector<std::string>{"a", "c"}));
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find("checksum mismatch"), std::string::npos) << warnings_[0];
  // The random reader refuses the corrupt record.
  WalRecordHandle second{Path("log-0-1000"), static_cast<int64_t>(first.size() / 2),
                         static_cast<int64_t>(first.size() / 2)};
  EXPECT_EQ(ReadWriteAheadLogRecord(fs_, second).status().code(), StatusCode::kCorruption);
}

TEST_F(WriteAheadLogTest, ANewWriterNeverTruncatesAFileOfTheSameName) {
  ASSERT_TRUE(Open()->write("old", Time{500}).ok());
  ASSERT_TRUE(Open()->write("new", Time{500}).ok());  // Spark would append to log-500-1500
  EXPECT_EQ(Files(), (std::vector<std::string>{"log-500-1500", "log-501-1501"}));
  EXPECT_EQ(Open()->read_all().value(), (std::vector<std::string>{"old", "new"}));
}

TEST_F(WriteAheadLogTest, RetriesAFailedWriteOnANewFileUpToThreeAttempts) {
  sim::testing::FlakyFs fs;
  auto log = std::make_unique<FileBasedWriteAheadLog>(&fs, "/ck/log", Duration{1000}, false,
                                                      [](const std::string&) {});
  fs.failing_appends = 2;
  Result<WalRecordHandle> written = log->write("kept", Time{100});
  ASSERT_TRUE(written.ok()) << written.status().to_string();
  EXPECT_EQ(written.value().path, "/ck/log/log-102-1102");  // the third file
  EXPECT_EQ(log->read_all().value(), std::vector<std::string>{"kept"});
  fs.failing_appends = 3;
  EXPECT_EQ(log->write("lost", Time{200}).status().code(), StatusCode::kIoError);
  EXPECT_EQ(log->read_all().value(), std::vector<std::string>{"kept"});
}

// initializeOrRecover: a directory that does not exist has nothing to recover; any other error
// listing it escapes, so the log is not opened (the driver's start fails on it).
TEST_F(WriteAheadLogTest, AListingErrorAtOpeningIsTheLogsErrorAndAMissingDirectoryIsNot) {
  EXPECT_TRUE(Open()->opened().ok());
  sim::testing::FlakyFs fs;
  fs.failing_lists = true;
  auto log = Open(&fs);
  EXPECT_EQ(log->opened().code(), StatusCode::kIoError);
  EXPECT_NE(log->opened().message().find("listing write ahead log directory /ck/log"),
            std::string::npos)
      << log->opened().to_string();
}

// readAll reads the files the log's constructor listed, without listing again: a file that
// appears later is not read, and one deleted since reads as empty (HdfsUtils.getInputStream's
// null). An error reading a file that exists escapes (FileBasedWriteAheadLogReader rethrows it),
// so a recovery never goes on without the records of a file it could not read.
TEST_F(WriteAheadLogTest, ReadAllReadsTheListedFilesAndAReadErrorIsAnError) {
  sim::testing::FlakyFs fs;
  ASSERT_TRUE(Open(&fs)->write("first", Time{0}).ok());
  auto log = Open(&fs);
  ASSERT_TRUE(WriteWholeFile(fs, Path("log-5000-6000"), "later", false).ok());
  fs.failing_lists = true;  // not listed again
  EXPECT_EQ(log->read_all().value(), std::vector<std::string>{"first"});
  fs.failing_reads = -1;
  Result<std::vector<std::string>> failed = log->read_all();
  ASSERT_EQ(failed.status().code(), StatusCode::kIoError);
  EXPECT_NE(failed.status().message().find("reading write ahead log file /ck/log/log-0-1000"),
            std::string::npos)
      << failed.status().to_string();
  fs.failing_reads = 0;
  ASSERT_TRUE(fs.remove(Path("log-0-1000"), false).ok());
  EXPECT_TRUE(log->read_all().value().empty());
}

TEST(LogFileName, ParsesOnlyWellFormedNames) {
  EXPECT_EQ(ParseLogFileName("log-0-1000"), (std::pair{Time{0}, Time{1000}}));
  for (const char* name : {"log-1-", "log--2", "log-a-2", "log-1-2x", "checkpoint-1", "log-1"}) {
    EXPECT_FALSE(ParseLogFileName(name).has_value()) << name;
  }
}

}  // namespace
}  // namespace ckpt
