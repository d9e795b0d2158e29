// The file source against structured-streaming-notes.md 1.4, 2.4 (B1), 2.7 (W0) and 3.5: each
// batch takes the files that appeared since the last, logged in `sources/0` before the offset
// log names the batch; a restart rebuilds the files seen from that log; maxFilesPerTrigger; a
// file older than maxFileAge behind the newest is skipped by design.
#include "engine/structured/file_source.h"

#include <gtest/gtest.h>

#include "testing/structured_query_fixture.h"

namespace ckpt::structured {
namespace {

Records Lines(std::initializer_list<const char*> lines) {
  Records records;
  for (const char* line : lines) records.push_back(Value::String(line));
  return records;
}

class FileSourceTest : public testing::QueryTest {
 protected:
  FileSourceTest() {
    plan.source = QueryPlan::Source::kFiles;
    plan.files.directory = "/in";
    plan.steps.clear();
    EXPECT_TRUE(fs_.mkdirs("/in").ok());
  }
  // A producer outside the driver writes `name` at `at_ms` (with `modified_ms` as its time).
  void produce(int64_t at_ms, const std::string& name, const std::string& content,
               std::optional<int64_t> modified_ms = std::nullopt) {
    loop_.schedule_at(sim::kHarnessOwner, Time{at_ms}, {}, [this, name, content, modified_ms] {
      ASSERT_TRUE(WriteWholeFile(fs_, "/in/" + name, content, /*sync=*/true).ok());
      if (modified_ms) fs_.set_modification_time("/in/" + name, Time{*modified_ms});
    });
  }
};

TEST_F(FileSourceTest, EachBatchTakesTheNewFilesLoggedBeforeTheBatch) {
  produce(50, "a", "1\n2\n");
  produce(150, "b", "3\n");
  ASSERT_TRUE(start(1).ok());
  run_until(250);
  EXPECT_EQ(planned, (std::vector<int64_t>{0, 1}));  // no batch before the first file
  EXPECT_EQ(deliveries(0), std::vector<Records>{Lines({"1", "2"})});
  EXPECT_EQ(deliveries(1), std::vector<Records>{Lines({"3"})});
  EXPECT_EQ(fs_.read_file("/ck/sources/0/0").value(),
            "v1\n{\"path\":\"/in/a\",\"timestamp\":50,\"batchId\":0}");
  EXPECT_EQ(logged_plan(1).offsets[0], "{\"logOffset\":1}");
}

TEST_F(FileSourceTest, MaxFilesPerTriggerTakesTheOldestFirst) {
  plan.files.max_files_per_trigger = 1;
  produce(40, "late-name", "x\n");
  produce(50, "early-name", "y\n");
  ASSERT_TRUE(start(1).ok());
  run_until(250);
  EXPECT_EQ(deliveries(0), std::vector<Records>{Lines({"x"})});
  EXPECT_EQ(deliveries(1), std::vector<Records>{Lines({"y"})});
}

// W0: the source logged batch 1 (file b), then the process died before offsets/1. The restart
// knows b as seen from the source's log, plans batch 1 at that log offset and reads b once.
TEST_F(FileSourceTest, ACrashBetweenTheSourceLogAndTheOffsetLogLosesNothing) {
  produce(50, "a", "1\n");
  produce(150, "b", "2\n");
  ASSERT_TRUE(start(1).ok());
  processes_.at(1).fs->dies_at_create = [](const std::string& path) {
    return path.starts_with("/ck/offsets/.1.");
  };
  run_until(250);
  ASSERT_TRUE(fs_.exists("/ck/sources/0/1").value());
  ASSERT_FALSE(fs_.exists("/ck/offsets/1").value());
  fs_.crash();
  ASSERT_TRUE(start(2).ok());
  run_until(350);
  EXPECT_EQ(deliveries(1), std::vector<Records>{Lines({"2"})});
  EXPECT_EQ(logged_plan(1).offsets[0], "{\"logOffset\":1}");
  EXPECT_FALSE(fs_.exists("/ck/sources/0/2").value());
}

// A file whose modification time is older than maxFileAge behind the newest file seen is not new
// (SeenFilesMap.isNewFile): it is never read, by design.
TEST_F(FileSourceTest, AFileOlderThanTheMaxFileAgeIsSkipped) {
  plan.files.max_file_age = Duration{100};
  produce(50, "a", "1\n");
  produce(150, "b", "2\n");
  produce(250, "old", "3\n", /*modified_ms=*/10);
  ASSERT_TRUE(start(1).ok());
  run_until(450);
  EXPECT_EQ(planned, (std::vector<int64_t>{0, 1}));
  for (const auto& [batch, calls] : sink_calls) {
    for (const Records& records : calls) {
      EXPECT_EQ(std::count(records.begin(), records.end(), Value::String("3")), 0) << batch;
    }
  }
}

TEST(FileSourceOffsets, TheOffsetIsTheLogOffsetAndMalformedOnesAreCorrupt) {
  EXPECT_EQ(FileSourceOffsetJson(3), "{\"logOffset\":3}");
  EXPECT_EQ(FileSourceOffsetFromJson("{\"logOffset\":3}").value(), 3);
  EXPECT_EQ(FileSourceOffsetFromJson("{\"logOffset\":\"3\"}").status().code(),
            StatusCode::kCorruption);
  EXPECT_EQ(FileSourceOffsetFromJson("[").status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace ckpt::structured
