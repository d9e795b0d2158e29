// The checkpoint format and the reader: framing rejects every damaged byte string before Boost
// sees it; the reader lists files as Spark does and falls back from the newest to older ones.
#include "engine/checkpoint/checkpoint.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "engine/checkpoint/checkpoint_writer.h"
#include "engine/checkpoint/frame.h"
#include "sim/sim_fs.h"
#include "testing/flaky_fs.h"

namespace ckpt {
namespace {

Checkpoint SampleCheckpoint(int64_t time_ms) {
  Checkpoint c;
  c.master = "local[2]";
  c.framework = "app";
  c.checkpoint_dir = "/ck";
  c.checkpoint_duration = Milliseconds(500);
  c.pending_times = {Time{1000}, Time{1500}};
  c.conf_pairs = {{"someKey", "someValue"}};
  c.checkpoint_time = Time{time_ms};
  StreamSnapshot input;
  input.kind = "sequence";
  // The second record is longer than a value's stack buffer in the encoder.
  input.input = SourceInput(
      {{Value::String("a"), Value::Pair(Value::String(std::string(100, 'b')), Value::Int(2))}, {}});
  input.slide = Milliseconds(500);
  input.zero_time = Time{0};
  StreamSnapshot state;
  state.id = 1;
  state.kind = "update_state_by_key";
  state.parents = {0};
  state.function = FunctionRef{"running_sum", {}};
  state.slide = Milliseconds(500);
  state.checkpoint_interval = Milliseconds(1000);
  state.remember = Milliseconds(2000);
  state.checkpoint_files = {{Time{1000}, "/ck/u/rdd-3"}, {Time{2000}, "/ck/u/rdd-9"}};
  c.graph.batch_duration = Milliseconds(500);
  c.graph.zero_time = Time{0};
  c.graph.streams = {input, state};
  c.graph.output_ids = {1};
  return c;
}

// A source's batches are encoded when the first checkpoint holding them is written; later
// checkpoints copy those bytes, and they are the bytes a fresh encoding writes.
TEST(CheckpointCodec, ASourceInputIsEncodedOnceWithTheSameBytes) {
  Checkpoint original = SampleCheckpoint(1500);
  const SourceInput& input = original.graph.streams[0].input;
  ASSERT_EQ(input.encoded(), nullptr);
  std::string first = EncodeCheckpoint(original);
  ASSERT_NE(input.encoded(), nullptr);
  const std::string* kept = input.encoded();
  Checkpoint copy = original;  // shares the batches and their bytes
  copy.checkpoint_time = Time{2000};
  std::string later = EncodeCheckpoint(copy);
  EXPECT_EQ(copy.graph.streams[0].input.encoded(), kept);
  Checkpoint fresh = SampleCheckpoint(2000);
  EXPECT_EQ(later, EncodeCheckpoint(fresh));
  Result<Checkpoint> decoded = DecodeCheckpoint(later);
  ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded.value().graph.streams[0].input, input);
  EXPECT_EQ(decoded.value().graph.streams[0].input.size(), 2u);
}

TEST(CheckpointCodec, RoundTripsEveryField) {
  Checkpoint original = SampleCheckpoint(1500);
  Result<Checkpoint> decoded = DecodeCheckpoint(EncodeCheckpoint(original));
  ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
  const Checkpoint& c = decoded.value();
  EXPECT_EQ(c.master, "local[2]");
  EXPECT_EQ(c.checkpoint_time, Time{1500});
  EXPECT_EQ(c.pending_times, original.pending_times);
  EXPECT_EQ(c.conf_pairs, original.conf_pairs);
  ASSERT_EQ(c.graph.streams.size(), 2u);
  EXPECT_EQ(c.graph.streams[0].input, original.graph.streams[0].input);
  EXPECT_EQ(c.graph.streams[1].function.name, "running_sum");
  EXPECT_EQ(c.graph.streams[1].checkpoint_interval, Milliseconds(1000));
  EXPECT_FALSE(c.graph.streams[0].checkpoint_interval.has_value());
  EXPECT_EQ(c.graph.streams[1].checkpoint_files, original.graph.streams[1].checkpoint_files);
}

TEST(CheckpointCodec, RejectsTruncatedPaddedAndFlippedBytes) {
  std::string bytes = EncodeCheckpoint(SampleCheckpoint(1500));
  EXPECT_EQ(DecodeCheckpoint(bytes.substr(0, bytes.size() - 1)).status().code(),
            StatusCode::kCorruption);
  EXPECT_EQ(DecodeCheckpoint(bytes + "x").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeCheckpoint("blablabla").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeCheckpoint("").status().code(), StatusCode::kCorruption);
  for (size_t i = 0; i < bytes.size(); i += 7) {
    std::string flipped = bytes;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x10);
    EXPECT_FALSE(DecodeCheckpoint(flipped).ok()) << "flip at byte " << i;
  }
}

// Overwrites the first 8-byte little-endian `from` in `bytes` with `to`.
void ReplaceLength(std::string& bytes, uint64_t from, uint64_t to) {
  std::string pattern(8, '\0'), replacement(8, '\0');
  for (int i = 0; i < 8; ++i) {
    pattern[static_cast<size_t>(i)] = static_cast<char>(from >> (8 * i));
    replacement[static_cast<size_t>(i)] = static_cast<char>(to >> (8 * i));
  }
  size_t at = bytes.find(pattern);
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, 8, replacement);
}

// A correctly framed payload whose archive claims a length far beyond the file: reported as
// corruption before anything that size is allocated (the archive checks every string length and
// collection count against the bytes left).
TEST(CheckpointCodec, HostileLengthsAreCorruptionNotAllocations) {
  Checkpoint sample = SampleCheckpoint(1500);
  std::string payload(Unframe(kCheckpointMagic, EncodeCheckpoint(sample)).value());
  for (uint64_t claimed : {uint64_t{1} << 40, uint64_t{payload.size()}}) {
    std::string hostile = payload;
    ReplaceLength(hostile, sample.master.size(), claimed);  // the master string's length
    Result<Checkpoint> decoded = DecodeCheckpoint(Frame(kCheckpointMagic, hostile));
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
    EXPECT_NE(decoded.status().message().find("string of " + std::to_string(claimed) + " beyond"),
              std::string::npos)
        << decoded.status().message();
  }
  // Pairs nested deeper than any engine value: corruption, not a stack overflow.
  Value deep = Value::Int(0);
  for (int i = 0; i < 100; ++i) deep = Value::Pair(deep, Value::Int(i));
  Result<Records> nested = DecodeRecords(EncodeRecords({deep}));
  ASSERT_FALSE(nested.ok());
  EXPECT_NE(nested.status().message().find("pairs nested too deep"), std::string::npos)
      << nested.status().message();

  // A list claiming more items than the bytes left: corruption before any item is read.
  std::string list(
      Unframe(kRddMagic, EncodeRecords({Value::List({Value::Int(5), Value::Int(6)})})).value());
  ReplaceLength(list, 2, uint64_t{1} << 44);  // the list's count
  Result<Records> long_list = DecodeRecords(Frame(kRddMagic, list));
  ASSERT_FALSE(long_list.ok());
  EXPECT_NE(long_list.status().message().find("collection of 17592186044416 beyond"),
            std::string::npos)
      << long_list.status().message();

  std::string records(Unframe(kRddMagic, EncodeRecords({Value::Int(1), Value::Int(2)})).value());
  ReplaceLength(records, 2, uint64_t{1} << 50);  // the record count
  Result<Records> decoded = DecodeRecords(Frame(kRddMagic, records));
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("collection of 1125899906842624 beyond"),
            std::string::npos)
      << decoded.status().message();
}

// The fuzz target's first finding (kept in its corpus): a bool byte of 244 inside a correctly
// framed archive was undefined behaviour in Boost's reader; it is corruption now.
TEST(CheckpointCodec, ABoolThatIsNeitherZeroNorOneIsCorruption) {
  std::ifstream file(CKPTSIM_SOURCE_DIR "/fuzz/corpus/checkpoint/regression-bool-244",
                     std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(bytes.empty());
  Result<Checkpoint> decoded = DecodeCheckpoint(Frame(kCheckpointMagic, bytes));
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("a bool that is neither 0 nor 1"), std::string::npos)
      << decoded.status().message();
}

TEST(CheckpointCodec, ValidateRejectsACheckpointWithoutMaster) {
  Checkpoint c = SampleCheckpoint(1500);
  c.master.clear();
  Result<Checkpoint> decoded = DecodeCheckpoint(EncodeCheckpoint(c));
  EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
  EXPECT_NE(decoded.status().message().find("Checkpoint.master is null"), std::string::npos);
}

TEST(CheckpointCodec, RecordsRoundTripAndCannotBeReadAsACheckpoint) {
  Records records = {
      Value::Int(-3),
      Value::Double(2.5),
      Value::String(""),
      Value::Pair(Value::String("a"), Value::Pair(Value::Int(1), Value::Int(2))),
      Value::String(std::string(1000, 'x')),
      Value::Pair(Value::Int(7), Value::Pair(Value::Some(Value::String("v")), Value::None())),
      Value::List({}),
      Value::List({Value::Int(1), Value::List({Value::Double(0.5)})})};
  std::string bytes = EncodeRecords(records);
  Result<Records> decoded = DecodeRecords(bytes);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded.value(), records);
  EXPECT_EQ(DecodeCheckpoint(bytes).status().code(), StatusCode::kCorruption);
}

class CheckpointFilesTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(fs_.mkdirs("/ck").ok()); }
  void Write(const std::string& name, const std::string& bytes) {
    ASSERT_TRUE(WriteWholeFile(fs_, "/ck/" + name, bytes, false).ok());
  }
  sim::SimFs fs_{sim::PersistenceModel::kHdfs};
};

TEST_F(CheckpointFilesTest, ListsOldestFirstWithBackupBeforePlainFile) {
  for (const char* name : {"checkpoint-1500", "checkpoint-500", "checkpoint-1500.bk", "temp",
                           "checkpoint-1000", "other", "checkpoint-", "checkpoint-x9"}) {
    Write(name, "x");
  }
  ASSERT_TRUE(fs_.mkdirs("/ck/checkpoint-3000").ok());  // directories are skipped
  Result<std::vector<CheckpointFile>> files = ListCheckpointFiles(fs_, "/ck");
  ASSERT_TRUE(files.ok());
  std::vector<std::string> names;
  for (const CheckpointFile& f : files.value()) names.push_back(BaseName(f.path));
  EXPECT_EQ(names, (std::vector<std::string>{"checkpoint-500", "checkpoint-1000",
                                             "checkpoint-1500.bk", "checkpoint-1500"}));
}

// Spark keeps a file whose name merely contains a match and then fails to sort it: the residual
// form of SPARK-28912.
TEST_F(CheckpointFilesTest, ANearMissNameFailsTheListingWithAMatchError) {
  Write("checkpoint-500", "x");
  Write("old-checkpoint-1", "x");
  Result<std::vector<CheckpointFile>> files = ListCheckpointFiles(fs_, "/ck");
  ASSERT_FALSE(files.ok());
  EXPECT_EQ(files.status().message().rfind(std::string(kMatchError) + ": old-checkpoint-1", 0), 0u)
      << files.status().to_string();
}

// SPARK-28912: the regex is matched on names, so a directory named like a checkpoint file lists
// only its checkpoint files; matched on the whole path (the defect), every file is kept.
TEST_F(CheckpointFilesTest, ADirectoryNamedLikeACheckpointFileListsOnlyCheckpointFiles) {
  ASSERT_TRUE(fs_.mkdirs("/jobs/checkpoint-1").ok());
  ASSERT_TRUE(WriteWholeFile(fs_, "/jobs/checkpoint-1/checkpoint-500", "x", false).ok());
  ASSERT_TRUE(WriteWholeFile(fs_, "/jobs/checkpoint-1/temp", "x", false).ok());
  Result<std::vector<CheckpointFile>> files = ListCheckpointFiles(fs_, "/jobs/checkpoint-1");
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files.value().size(), 1u);
  DefectSet defects;
  defects.add(Defect::kMatchCheckpointPath);
  Result<std::vector<CheckpointFile>> whole_path =
      ListCheckpointFiles(fs_, "/jobs/checkpoint-1", defects);
  ASSERT_FALSE(whole_path.ok());
  EXPECT_NE(whole_path.status().message().find("temp"), std::string::npos);
}

TEST_F(CheckpointFilesTest, MissingDirectoryListsNothing) {
  Result<std::vector<CheckpointFile>> files = ListCheckpointFiles(fs_, "/nowhere");
  ASSERT_TRUE(files.ok());
  EXPECT_TRUE(files.value().empty());
}

TEST_F(CheckpointFilesTest, ReaderTakesTheNewestReadableFile) {
  Write("checkpoint-1000", EncodeCheckpoint(SampleCheckpoint(1000)));
  Write("checkpoint-1500.bk", EncodeCheckpoint(SampleCheckpoint(1499)));
  Write("checkpoint-1500", EncodeCheckpoint(SampleCheckpoint(1500)));
  Result<CheckpointReadOutcome> read = ReadCheckpoint(fs_, "/ck", false);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read.value().file, "/ck/checkpoint-1500");
  EXPECT_EQ(read.value().checkpoint->checkpoint_time, Time{1500});
}

TEST_F(CheckpointFilesTest, ReaderFallsBackToTheBackupThenOlderFiles) {
  Write("checkpoint-1000", EncodeCheckpoint(SampleCheckpoint(1000)));
  Write("checkpoint-1500.bk", "torn");
  Write("checkpoint-1500", EncodeCheckpoint(SampleCheckpoint(1500)).substr(0, 40));
  Result<CheckpointReadOutcome> read = ReadCheckpoint(fs_, "/ck", false);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read.value().file, "/ck/checkpoint-1000");
  EXPECT_EQ(read.value().failures.size(), 2u);
  EXPECT_EQ(ckpt::BaseName(read.value().failures[0].path), "checkpoint-1500");
  EXPECT_EQ(ckpt::BaseName(read.value().failures[1].path), "checkpoint-1500.bk");
}

// Spark's reader moves on to an older file on a transient read error too; with
// Fix::kReaderRetriesAFailedRead it reads the file once more. A torn file reads no better.
TEST(CheckpointReader, RetriesAFailedReadOnlyWithItsFix) {
  sim::testing::FlakyFs fs;
  ASSERT_TRUE(fs.mkdirs("/ck").ok());
  ASSERT_TRUE(
      WriteWholeFile(fs, "/ck/checkpoint-1000", EncodeCheckpoint(SampleCheckpoint(1000)), false)
          .ok());
  ASSERT_TRUE(
      WriteWholeFile(fs, "/ck/checkpoint-1500", EncodeCheckpoint(SampleCheckpoint(1500)), false)
          .ok());
  FixSet retries;
  retries.add(Fix::kReaderRetriesAFailedRead);
  auto read_with_one_failure = [&](FixSet fixes) {
    fs.failing_reads = 1;
    Result<CheckpointReadOutcome> read = ReadCheckpoint(fs, "/ck", false, {}, fixes);
    EXPECT_TRUE(read.ok());
    return read.ok() ? read.value() : CheckpointReadOutcome{};
  };
  CheckpointReadOutcome spark = read_with_one_failure({});
  EXPECT_EQ(spark.file, "/ck/checkpoint-1000");
  ASSERT_EQ(spark.failures.size(), 1u);
  EXPECT_TRUE(spark.failures[0].error.is_io_error());
  CheckpointReadOutcome fixed = read_with_one_failure(retries);
  EXPECT_EQ(fixed.file, "/ck/checkpoint-1500");
  EXPECT_TRUE(fixed.failures.empty());
  fs.failing_reads = 2;  // the retry fails too: the older file, as Spark
  EXPECT_EQ(ReadCheckpoint(fs, "/ck", false, {}, retries).value().file, "/ck/checkpoint-1000");
  ASSERT_TRUE(WriteWholeFile(fs, "/ck/checkpoint-1500", "torn", false).ok());
  EXPECT_EQ(ReadCheckpoint(fs, "/ck", false, {}, retries).value().file, "/ck/checkpoint-1000");
}

TEST_F(CheckpointFilesTest, AllCorruptedIsAnErrorUnlessIgnored) {
  Write("checkpoint-1000", "blablabla");
  Result<CheckpointReadOutcome> strict = ReadCheckpoint(fs_, "/ck", false);
  ASSERT_FALSE(strict.ok());
  EXPECT_NE(strict.status().message().find("Failed to read checkpoint from directory /ck"),
            std::string::npos);
  Result<CheckpointReadOutcome> lenient = ReadCheckpoint(fs_, "/ck", true);
  ASSERT_TRUE(lenient.ok());
  EXPECT_FALSE(lenient.value().checkpoint.has_value());
}

TEST(Frame, ChecksHeaderFieldsInOrder) {
  std::string framed = Frame(kCheckpointMagic, "payload");
  EXPECT_EQ(Unframe(kCheckpointMagic, framed).value(), "payload");
  EXPECT_NE(Unframe(kRddMagic, framed).status().message().find("bad magic"), std::string::npos);
  std::string wrong_version = framed;
  wrong_version[8] = 9;
  EXPECT_NE(Unframe(kCheckpointMagic, wrong_version).status().message().find("version"),
            std::string::npos);
}

TEST(Frame, EveryFlippedPayloadBitIsCaughtByTheChecksum) {
  std::string framed = Frame(kCheckpointMagic, "a payload of 8-byte words and a tail");
  for (size_t byte = kFrameHeaderBytes; byte < framed.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = framed;
      flipped[byte] = static_cast<char>(flipped[byte] ^ (1 << bit));
      EXPECT_EQ(Unframe(kCheckpointMagic, flipped).status().message(), "checksum mismatch")
          << "byte " << byte << " bit " << bit;
    }
  }
}

TEST(TimeTest, UntilIsHalfOpen) {
  std::vector<Time> times = Time{1500}.until(Time{3000}, Milliseconds(500));
  EXPECT_EQ(times, (std::vector<Time>{Time{1500}, Time{2000}, Time{2500}}));
  EXPECT_TRUE(Time{1500}.until(Time{1500}, Milliseconds(500)).empty());
  EXPECT_TRUE(Seconds(12).is_multiple_of(Seconds(3)));
  EXPECT_FALSE(Seconds(10).is_multiple_of(Seconds(3)));
}

}  // namespace
}  // namespace ckpt
