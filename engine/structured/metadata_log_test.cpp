// The metadata logs of Structured Streaming against structured-streaming-notes.md 2.1, 2.2, 1.9
// and 5: createAtomic's temp file and rename, add/get/getLatest/purge, the offset and commit log
// formats, Spark's HDFSMetadataLogSuite and StreamingQuerySuite vectors (TV4, TV14), and the
// validation errors V1 to V5, V10 and V13.
#include <gtest/gtest.h>

#include "engine/runtime/file_system_wrapper.h"
#include "engine/structured/kafka_source.h"
#include "engine/structured/offset_commit_logs.h"
#include "sim/sim_fs.h"

namespace ckpt::structured {
namespace {

using Batches = std::vector<std::pair<int64_t, OffsetSeq>>;

OffsetSeq Plan(const std::string& offset) { return OffsetSeq{{offset}, OffsetSeqMetadata{}}; }

std::vector<std::string> Names(FileSystem& fs, const std::string& dir) {
  std::vector<std::string> names;
  std::vector<FileStatus> entries = fs.list(dir).value();
  for (const FileStatus& entry : entries) names.push_back(entry.name);
  return names;
}

class MetadataLogTest : public ::testing::Test {
 protected:
  OffsetSeqLog offset_log(FileSystem* fs = nullptr, uint64_t process_uid = 1) {
    managers_.push_back(std::make_unique<CheckpointFileManager>(
        fs ? fs : &fs_, FileManagerKind::kFileContext, process_uid));
    OffsetSeqLog log(managers_.back().get(), "/q/offsets");
    EXPECT_TRUE(log.init().ok());
    return log;
  }
  void write(const std::string& path, const std::string& content) {
    ASSERT_TRUE(fs_.mkdirs(ParentPath(path)).ok());
    ASSERT_TRUE(WriteWholeFile(fs_, path, content, false).ok());
  }

  sim::SimFs fs_{sim::PersistenceModel::kHdfs};
  std::vector<std::unique_ptr<CheckpointFileManager>> managers_;
};

// Hostile names and values (not UTF-8) are written with their bad bytes replaced, never a throw,
// and file content quoted in an error is escaped.
TEST(StructuredJson, HostileStringsAreReplacedNotThrown) {
  std::string offsets = PartitionOffsetsToJson("t\x91", {{0, 5}});
  EXPECT_NE(offsets.find("t\xEF\xBF\xBD"), std::string::npos) << offsets;
  OffsetSeq seq;
  seq.offsets = {"x"};
  seq.metadata = OffsetSeqMetadata{0, 0, {{"spark.sql.shuffle.partitions", "\xff"}}};
  EXPECT_NE(OffsetSeqCodec::Serialize(seq).find("\xEF\xBF\xBD"), std::string::npos);
  Result<int> version = ValidateLogVersion("\x01v\xff", 1);
  ASSERT_FALSE(version.ok());
  EXPECT_NE(version.status().message().find("from \\x01v\\xff."), std::string::npos)
      << version.status().message();
}

TEST_F(MetadataLogTest, CreateAtomicWritesATempFileAndRenamesItAtClose) {
  ASSERT_TRUE(fs_.mkdirs("/q").ok());
  CheckpointFileManager manager(&fs_, FileManagerKind::kFileContext, 7);
  auto stream = manager.create_atomic("/q/metadata").value();
  EXPECT_TRUE(stream->temp_path().starts_with("/q/.metadata."));
  EXPECT_TRUE(stream->temp_path().ends_with(".tmp"));
  EXPECT_TRUE(IsTempFileName(BaseName(stream->temp_path())));
  ASSERT_TRUE(stream->append("{\"id\":\"x\"}").ok());
  EXPECT_EQ(Names(fs_, "/q"), std::vector<std::string>{BaseName(stream->temp_path())});
  ASSERT_TRUE(stream->close().ok());
  EXPECT_EQ(Names(fs_, "/q"), std::vector<std::string>{"metadata"});
  EXPECT_EQ(fs_.read_file("/q/metadata").value(), "{\"id\":\"x\"}");
  stream->cancel();  // terminated: nothing happens
  EXPECT_TRUE(fs_.exists("/q/metadata").value());
}

TEST_F(MetadataLogTest, CancelDeletesTheTempFile) {
  ASSERT_TRUE(fs_.mkdirs("/q").ok());
  CheckpointFileManager manager(&fs_, FileManagerKind::kFileContext, 7);
  auto stream = manager.create_atomic("/q/0").value();
  ASSERT_TRUE(stream->append("partial").ok());
  stream->cancel();
  EXPECT_TRUE(Names(fs_, "/q").empty());
}

// Both managers refuse an existing final name; the rename's loser keeps its temp file, because
// close() terminated the stream and Spark's cancel() then does nothing.
TEST_F(MetadataLogTest, AnExistingFinalNameFailsTheCloseInBothManagers) {
  struct Case {
    FileManagerKind kind;
    const char* message;
  };
  for (Case c : {Case{FileManagerKind::kFileContext, "rename destination /q/0 already exists."},
                 Case{FileManagerKind::kFileSystem, "as destination already exists"}}) {
    SCOPED_TRACE(FileManagerKindName(c.kind));
    sim::SimFs fs(sim::PersistenceModel::kHdfs);
    ASSERT_TRUE(fs.mkdirs("/q").ok());
    ASSERT_TRUE(WriteWholeFile(fs, "/q/0", "first", false).ok());
    CheckpointFileManager manager(&fs, c.kind, 7);
    auto stream = manager.create_atomic("/q/0").value();
    ASSERT_TRUE(stream->append("second").ok());
    Status closed = stream->close();
    EXPECT_EQ(closed.code(), StatusCode::kAlreadyExists);
    EXPECT_NE(closed.message().find(c.message), std::string::npos) << closed.message();
    stream->cancel();
    EXPECT_EQ(fs.read_file("/q/0").value(), "first");
    EXPECT_EQ(Names(fs, "/q").size(), 2u);
  }
}

// TV14 (HDFSMetadataLogSuite "restart"): a second log on the same directory sees what the first
// wrote.
TEST_F(MetadataLogTest, ASecondLogOnTheDirectorySeesTheLatestBatchAndTheRange) {
  OffsetSeqLog first = offset_log();
  EXPECT_TRUE(first.add(0, Plan("batch0")).value());
  EXPECT_TRUE(first.add(1, Plan("batch1")).value());
  OffsetSeqLog second = offset_log(nullptr, 2);
  auto latest = second.get_latest().value();
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->first, 1);
  EXPECT_EQ(latest->second, Plan("batch1"));
  EXPECT_EQ(second.get_range(std::nullopt, std::nullopt).value(),
            (Batches{{0, Plan("batch0")}, {1, Plan("batch1")}}));
  EXPECT_FALSE(second.get(2).value().has_value());
}

// TV14 (HDFSMetadataLogSuite "concurrent writes"), as interleavings: a writer that finds the batch
// written adds nothing; one that checked before the other renamed loses the rename (V10).
TEST_F(MetadataLogTest, OfTwoWritersOfABatchOneWinsAndTheOtherSeesAConcurrentQuery) {
  OffsetSeqLog a = offset_log();
  OffsetSeqLog b = offset_log(nullptr, 2);
  EXPECT_TRUE(a.add(0, Plan("a")).value());
  EXPECT_FALSE(b.add(0, Plan("b")).value());

  // Writer a renames its batch 1 while b writes its temp file (after b's existence check).
  class RacingFs : public FileSystemWrapper {
   public:
    RacingFs(FileSystem* target, OffsetSeqLog* rival) : FileSystemWrapper(target), rival_(rival) {}
    Result<std::unique_ptr<WritableFile>> create(const std::string& path) override {
      if (rival_) std::exchange(rival_, nullptr)->add(1, Plan("a")).value();
      return FileSystemWrapper::create(path);
    }

   private:
    OffsetSeqLog* rival_;
  } racing(&fs_, &a);
  OffsetSeqLog loser = offset_log(&racing, 3);
  Result<bool> added = loser.add(1, Plan("b"));
  ASSERT_FALSE(added.ok());
  EXPECT_EQ(added.status().message(),
            "Multiple streaming queries are concurrently using /q/offsets/1");
  EXPECT_EQ(a.get(1).value(), Plan("a"));
  EXPECT_EQ(Names(fs_, "/q/offsets").size(), 3u);  // 0, 1 and the loser's temp file
  EXPECT_EQ(a.list_batches().value(), (std::vector<int64_t>{0, 1}));
}

// TV4 (StreamingQuerySuite "SPARK-19677 ... metadata log garbage collection"), the log's part:
// after batch N is planned, purge(N - minBatchesToRetain) when minBatchesToRetain < N.
TEST_F(MetadataLogTest, RetentionKeepsTheLastBatchesAsSparksGarbageCollectionTestCounts) {
  for (int64_t retain : {1, 2}) {
    SCOPED_TRACE(retain);
    sim::SimFs fs(sim::PersistenceModel::kHdfs);
    OffsetSeqLog log = offset_log(&fs);
    const int64_t batches = retain == 1 ? 3 : 5;
    for (int64_t n = 0; n < batches; ++n) {
      ASSERT_TRUE(log.add(n, Plan(std::to_string(n))).value());
      if (retain < n) {
        ASSERT_TRUE(log.purge(n - retain).ok());
      }
    }
    std::vector<std::string> names = Names(fs, "/q/offsets");
    EXPECT_EQ(names.size(), static_cast<size_t>(retain + 1));
    EXPECT_EQ(names.front(), std::to_string(retain));
  }
}

// SPARK-34383: a purge of at most 3 ids after the last one this process purged deletes those
// paths without listing, so an older file it does not name stays; a purge of more ids lists, and
// so does the first purge after a restart (nothing purged yet).
TEST_F(MetadataLogTest, APurgeOfFewIdsDeletesByNameAndALongerOneLists) {
  OffsetSeqLog log = offset_log();
  for (int64_t n = 0; n < 13; ++n) ASSERT_TRUE(log.add(n, Plan("x")).value());
  ASSERT_TRUE(log.purge(6).ok());  // 6 ids after -1: lists
  write("/q/offsets/2", "v1\n\nstray");
  ASSERT_TRUE(log.purge(8).ok());  // 6 and 7, by name
  EXPECT_EQ(log.list_batches().value(), (std::vector<int64_t>{2, 8, 9, 10, 11, 12}));
  ASSERT_TRUE(log.purge(12).ok());  // 4 ids after 7: lists
  EXPECT_EQ(log.list_batches().value(), std::vector<int64_t>{12});
  write("/q/offsets/2", "v1\n\nstray");
  OffsetSeqLog restarted = offset_log(nullptr, 2);
  ASSERT_TRUE(restarted.purge(12).ok());
  EXPECT_EQ(restarted.list_batches().value(), std::vector<int64_t>{12});
}

TEST_F(MetadataLogTest, TheLogFormatsAreSparks) {
  OffsetSeq plan{{std::string("{\"logOffset\":3}"), std::nullopt},
                 OffsetSeqMetadata{0, 1625000000000, {{"spark.sql.shuffle.partitions", "200"}}}};
  const std::string text =
      "v1\n{\"batchWatermarkMs\":0,\"batchTimestampMs\":1625000000000,"
      "\"conf\":{\"spark.sql.shuffle.partitions\":\"200\"}}\n{\"logOffset\":3}\n-";
  EXPECT_EQ(OffsetSeqCodec::Serialize(plan), text);
  EXPECT_EQ(OffsetSeqCodec::Deserialize(text).value(), plan);
  // An old log without metadata: an empty second line.
  OffsetSeq old = OffsetSeqCodec::Deserialize("v1\n\n{\"a\":1}").value();
  EXPECT_FALSE(old.metadata.has_value());
  EXPECT_EQ(old.offsets, (std::vector<std::optional<std::string>>{"{\"a\":1}"}));
  // Missing fields take the case class's defaults.
  EXPECT_EQ(OffsetSeqCodec::Deserialize("v1\n{}\n-").value().metadata, OffsetSeqMetadata{});

  EXPECT_EQ(CommitCodec::Serialize(CommitMetadata{5000}), "v1\n{\"nextBatchWatermarkMs\":5000}");
  EXPECT_EQ(CommitCodec::Deserialize("v1\n{\"nextBatchWatermarkMs\":5000}")
                .value()
                .next_batch_watermark_ms,
            5000);
  EXPECT_EQ(CommitCodec::Deserialize("v1").value(), CommitMetadata{});  // a legacy commit file
}

// V1 to V4: what the formats reject, as get() reports it (IllegalStateExceptions wrapped with the
// file's path).
TEST_F(MetadataLogTest, MalformedFilesFailWithSparksMessages) {
  OffsetSeqLog log = offset_log();
  struct Case {
    const char* content;
    const char* message;
  };
  const Case cases[] = {
      {"v2\n{}\n-",
       "Failed to read log file /q/offsets/0. UnsupportedLogVersion: maximum supported log "
       "version is v1, but encountered v2. The log file was produced by a newer version of Spark "
       "and cannot be read by this version. Please upgrade."},
      {"x1\n{}",
       "Failed to read log file /q/offsets/0. Log file was malformed: failed to read "
       "correct log version from x1."},
      {"v0\n{}",
       "Failed to read log file /q/offsets/0. Log file was malformed: failed to read "
       "correct log version from v0."},
      {"v99999999999\n{}",
       "Failed to read log file /q/offsets/0. Log file was malformed: failed "
       "to read correct log version from v99999999999."},
      {"", "Failed to read log file /q/offsets/0. Incomplete log file"},
      {"v1", "next on empty iterator"},
      {"v1\n{\"batchWatermarkMs\":\"x\"}",
       "malformed offset log metadata: {\"batchWatermarkMs\":\"x\"}"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.content);
    write("/q/offsets/0", c.content);
    Result<std::optional<OffsetSeq>> read = log.get(0);
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.status().message(), c.message);
  }
  CheckpointFileManager manager(&fs_, FileManagerKind::kFileContext, 1);
  CommitLog commits(&manager, "/q/commits");
  write("/q/commits/0", "");
  EXPECT_EQ(commits.get(0).status().message(),
            "Failed to read log file /q/commits/0. Incomplete log file in the offset commit log");
}

// V5: the latest file listed is gone when it is read; getLatest does not fall back to an older one.
TEST_F(MetadataLogTest, ALatestFileGoneAfterTheListingFailsGetLatest) {
  OffsetSeqLog log = offset_log();
  ASSERT_TRUE(log.add(0, Plan("0")).value());
  ASSERT_TRUE(log.add(1, Plan("1")).value());
  class VanishingFs : public FileSystemWrapper {
   public:
    using FileSystemWrapper::FileSystemWrapper;
    Result<bool> exists(const std::string& path) override {
      if (path == "/q/offsets/1") return false;
      return FileSystemWrapper::exists(path);
    }
  } vanishing(&fs_);
  OffsetSeqLog reader = offset_log(&vanishing, 2);
  EXPECT_EQ(reader.get_latest().status().message(), "failed to read log file for batch 1");
}

// V13: a ranged read names the missing ids (Spark's quirk: from the start to the first id found).
TEST_F(MetadataLogTest, ARangeWithAGapNamesTheMissingBatches) {
  OffsetSeqLog log = offset_log();
  for (int64_t n : {2, 3, 5}) ASSERT_TRUE(log.add(n, Plan("x")).value());
  EXPECT_EQ(log.get_range(std::nullopt, std::nullopt).status().message(),
            "batches (4) don't exist (startId: None, endId: None)");
  EXPECT_EQ(log.get_range(0, 3).status().message(),
            "batches (0, 1, 2) don't exist (startId: Some(0), endId: Some(3))");
  EXPECT_EQ(log.get_range(2, 4).status().message(),
            "batches (3, 4) don't exist (startId: Some(2), endId: Some(4))");
  EXPECT_EQ(log.get_range(7, 9).status().message(), "batch 7 doesn't exist");
  EXPECT_EQ(log.get_range(2, 3).value().size(), 2u);
  // A hostile directory cannot make the message unbounded.
  write("/q/offsets/1000000000000000000", "v1\n\n-");
  std::string message = log.get_range(std::nullopt, std::nullopt).status().message();
  EXPECT_LT(message.size(), 400u) << message;
  EXPECT_NE(message.find(", ..."), std::string::npos);
}

// W1: a writer that crashed before its rename leaves a temp file, which no listing takes for a
// batch.
TEST_F(MetadataLogTest, ATempFileLeftByACrashIsNoBatch) {
  OffsetSeqLog log = offset_log();
  ASSERT_TRUE(log.add(0, Plan("0")).value());
  CheckpointFileManager manager(&fs_, FileManagerKind::kFileContext, 9);
  auto stream = manager.create_atomic("/q/offsets/1").value();
  ASSERT_TRUE(stream->append("v1\n\n-").ok());
  fs_.crash();
  EXPECT_EQ(Names(fs_, "/q/offsets").size(), 2u);
  OffsetSeqLog restarted = offset_log(nullptr, 2);
  EXPECT_EQ(restarted.list_batches().value(), std::vector<int64_t>{0});
  EXPECT_EQ(restarted.get_latest().value()->first, 0);
}

}  // namespace
}  // namespace ckpt::structured
