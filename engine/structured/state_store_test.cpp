// The HDFS-backed state store against structured-streaming-notes.md 1.5, 2.6, 3.3 and Spark's
// StateStoreSuite vectors TV8 to TV11: versions as deltas and snapshots, the cache, maintenance,
// re-commits over an earlier attempt's delta, and the errors of corrupt or missing files.
#include "engine/structured/state_store.h"

#include <gtest/gtest.h>

#include "engine/runtime/file_system_wrapper.h"
#include "sim/sim_fs.h"

namespace ckpt::structured {
namespace {

const Value kA = Value::String("a");

class StateStoreTest : public ::testing::Test {
 protected:
  StateStoreProvider provider(StateStoreConf conf, FileSystem* fs = nullptr) {
    managers_.push_back(std::make_unique<CheckpointFileManager>(
        fs ? fs : &fs_, FileManagerKind::kFileContext, managers_.size() + 1));
    return StateStoreProvider(managers_.back().get(), "/ck/state/0/0", 0, 0, conf);
  }
  // Commits version `version` + 1 of `p` with a -> value.
  void put_a(StateStoreProvider& p, int64_t version, int64_t value) {
    auto store = p.get_store(version).value();
    ASSERT_TRUE(store->put(kA, Value::Int(value)).ok());
    ASSERT_EQ(store->commit().value(), version + 1);
  }
  Result<Value> a_at(StateStoreProvider& p, int64_t version) {
    CKPT_ASSIGN_OR_RETURN(auto store, p.get_store(version));
    std::optional<Value> a = store->get(kA);
    store->abort();
    if (!a) return Status::NotFound("no a");
    return *a;
  }
  std::vector<std::string> names() {
    std::vector<std::string> result;
    std::vector<FileStatus> entries = fs_.list("/ck/state/0/0").value();
    for (const FileStatus& entry : entries) result.push_back(entry.name);
    return result;
  }
  std::vector<std::string> snapshots() {
    std::vector<std::string> result;
    for (const std::string& name : names()) {
      if (name.ends_with(".snapshot")) result.push_back(name);
    }
    return result;
  }

  sim::SimFs fs_{sim::PersistenceModel::kHdfs};
  std::vector<std::unique_ptr<CheckpointFileManager>> managers_;
};

TEST_F(StateStoreTest, ValuesSurviveTheirEncoding) {
  const Value values[] = {
      Value::Int(-7),        Value::Double(2.5),
      Value::String("word"), Value::Pair(Value::String("k"), Value::Some(Value::Int(1))),
      Value::None(),         Value::List({Value::Int(1), Value::String("x")})};
  for (const Value& value : values) {
    EXPECT_EQ(DecodeStateValue(EncodeStateValue(value)).value(), value) << value.to_string();
  }
  EXPECT_FALSE(DecodeStateValue(std::string("\x02\xff\xff\xff\x7f", 5)).ok());  // a huge string
  EXPECT_FALSE(DecodeStateValue(std::string(1000, '\x03')).ok());  // pairs nested without end
}

// Batch N loads version N and commits N+1 as `<N+1>.delta`; version 0 is the empty map.
TEST_F(StateStoreTest, EachCommitWritesTheNextVersionsDelta) {
  StateStoreProvider p = provider({});
  put_a(p, 0, 1);
  put_a(p, 1, 2);
  EXPECT_EQ(names(), (std::vector<std::string>{"1.delta", "2.delta"}));
  StateStoreProvider restarted = provider({});  // nothing cached: the deltas are read
  EXPECT_EQ(a_at(restarted, 1).value(), Value::Int(1));
  EXPECT_EQ(a_at(restarted, 2).value(), Value::Int(2));
  EXPECT_TRUE(restarted.get_store(0).value()->map().empty());
  auto store = restarted.get_store(2).value();
  ASSERT_TRUE(store->commit().ok());
  EXPECT_EQ(store->commit().status().message(), "Cannot commit after already committed or aborted");
}

// TV8 (StateStoreSuite "snapshotting"): with minDeltasForSnapshot 5, maintenance writes a snapshot
// once more than 5 deltas follow the last one, and a version loads from it alone.
TEST_F(StateStoreTest, MaintenanceSnapshotsTheLatestVersionAfterEnoughDeltas) {
  StateStoreConf conf;
  conf.min_deltas_for_snapshot = 5;
  conf.max_versions_in_memory = 2;
  StateStoreProvider p = provider(conf);
  for (int64_t v = 0; v < 2; ++v) put_a(p, v, v + 1);
  ASSERT_TRUE(p.do_maintenance().ok());
  EXPECT_TRUE(snapshots().empty());
  for (int64_t v = 2; v < 6; ++v) put_a(p, v, v + 1);
  ASSERT_TRUE(p.do_maintenance().ok());
  EXPECT_EQ(snapshots(), std::vector<std::string>{"6.snapshot"});
  for (int64_t v = 1; v <= 6; ++v) {
    ASSERT_TRUE(fs_.remove("/ck/state/0/0/" + std::to_string(v) + ".delta", false).ok());
  }
  StateStoreProvider restarted = provider(conf);
  EXPECT_EQ(a_at(restarted, 6).value(), Value::Int(6));
  for (int64_t v = 6; v < 20; ++v) put_a(restarted, v, v + 1);
  ASSERT_TRUE(restarted.do_maintenance().ok());
  EXPECT_EQ(snapshots(), (std::vector<std::string>{"20.snapshot", "6.snapshot"}));
  StateStoreProvider again = provider(conf);
  EXPECT_EQ(a_at(again, 20).value(), Value::Int(20));
}

// TV9 (StateStoreSuite "failure after committing with MAX_BATCHES_TO_RETAIN_IN_MEMORY set to 1"):
// a re-run of batch 1 commits version 2 again, over the first attempt's delta.
TEST_F(StateStoreTest, ARecommitReplacesTheVersionAnEarlierAttemptCommitted) {
  StateStoreConf conf;
  conf.max_versions_in_memory = 1;
  StateStoreProvider p = provider(conf);
  put_a(p, 0, 1);
  put_a(p, 1, 2);
  put_a(p, 1, -2);
  EXPECT_EQ(a_at(p, 2).value(), Value::Int(-2));
  StateStoreProvider restarted = provider(conf);
  EXPECT_EQ(a_at(restarted, 2).value(), Value::Int(-2));
  EXPECT_EQ(names(), (std::vector<std::string>{"1.delta", "2.delta"}));  // no temp file left
}

// TV10 (StateStoreSuite "corrupted file handling"): a corrupt snapshot or delta fails the load;
// a missing delta fails with V16.
TEST_F(StateStoreTest, CorruptOrMissingFilesFailTheLoad) {
  StateStoreConf conf;
  conf.min_deltas_for_snapshot = 5;
  StateStoreProvider p = provider(conf);
  for (int64_t v = 0; v < 6; ++v) {
    put_a(p, v, v + 1);
    ASSERT_TRUE(p.do_maintenance().ok());
  }
  ASSERT_EQ(snapshots(), std::vector<std::string>{"6.snapshot"});
  const std::string dir = "/ck/state/0/0/";
  ASSERT_TRUE(
      WriteWholeFile(fs_, dir + "6.snapshot", std::string("\xff\xff\xff\xfe", 4), false).ok());
  StateStoreProvider reader = provider(conf);
  EXPECT_EQ(a_at(reader, 6).status().message(),
            "Error reading snapshot file /ck/state/0/0/6.snapshot of HDFSStateStoreProvider[id = "
            "(op=0,part=0),dir = /ck/state/0/0]: key size cannot be -2");
  ASSERT_TRUE(WriteWholeFile(fs_, dir + "5.delta", "\x00\x00", false).ok());
  StateStoreProvider fresh = provider(conf);
  EXPECT_EQ(a_at(fresh, 5).status().code(), StatusCode::kIoError);
  ASSERT_TRUE(fs_.remove(dir + "3.delta", false).ok());
  EXPECT_EQ(a_at(fresh, 4).status().message(),
            "Error reading delta file /ck/state/0/0/3.delta of HDFSStateStoreProvider[id = "
            "(op=0,part=0),dir = /ck/state/0/0]: /ck/state/0/0/3.delta does not exist");
}

// Cleanup keeps every file that versions from latest - minVersionsToRetain on need.
TEST_F(StateStoreTest, CleanupDeletesOnlyWhatNoRetainedVersionNeeds) {
  StateStoreConf conf;
  conf.min_deltas_for_snapshot = 3;
  conf.min_versions_to_retain = 2;
  StateStoreProvider p = provider(conf);
  for (int64_t v = 0; v < 4; ++v) put_a(p, v, v + 1);
  ASSERT_TRUE(p.do_maintenance().ok());  // 4.snapshot; keep what version 2 needs: 1 to 4
  EXPECT_EQ(names(),
            (std::vector<std::string>{"1.delta", "2.delta", "3.delta", "4.delta", "4.snapshot"}));
  for (int64_t v = 4; v < 7; ++v) put_a(p, v, v + 1);
  ASSERT_TRUE(p.do_maintenance().ok());  // version 5 needs 4.snapshot and 5.delta
  EXPECT_EQ(names(),
            (std::vector<std::string>{"4.delta", "4.snapshot", "5.delta", "6.delta", "7.delta"}));
  StateStoreProvider restarted = provider(conf);
  for (int64_t v = 5; v <= 7; ++v) EXPECT_EQ(a_at(restarted, v).value(), Value::Int(v)) << v;
}

// TV11 (SPARK-19677): committing version 1 twice succeeds and leaves no temp file. TV11b: a
// rename that "returns false" without a reason fails the commit, naming the cause.
TEST_F(StateStoreTest, ADeltaCommittedOverAnExistingOneAndARefusedRename) {
  StateStoreProvider p = provider({});
  ASSERT_TRUE(p.get_store(0).value()->commit().ok());
  ASSERT_TRUE(p.get_store(0).value()->commit().ok());
  EXPECT_EQ(names(), std::vector<std::string>{"1.delta"});

  class RefusingFs : public FileSystemWrapper {
   public:
    using FileSystemWrapper::FileSystemWrapper;
    Status rename(const std::string& from, const std::string&) override {
      return Status::AlreadyExists("rename " + from + " returned false");
    }
  } refusing(&fs_);
  CheckpointFileManager manager(&refusing, FileManagerKind::kFileSystem, 9);
  StateStoreProvider q(&manager, "/ck/state/0/1", 0, 1, {});
  Result<int64_t> committed = q.get_store(0).value()->commit();
  ASSERT_FALSE(committed.ok());
  EXPECT_TRUE(committed.status().message().starts_with(
      "Error committing version 1 into HDFSStateStoreProvider[id = (op=0,part=1),dir = "
      "/ck/state/0/1]: Failed to rename temp file /ck/state/0/1/.1.delta."))
      << committed.status().message();
}

// A hostile offset log may ask for a huge version: the load looks for its base in the listing, not
// version by version, and fails at the first missing delta.
TEST_F(StateStoreTest, AHugeVersionFailsAtOnce) {
  StateStoreProvider p = provider({});
  put_a(p, 0, 1);
  StateStoreProvider restarted = provider({});
  Result<std::unique_ptr<StateStore>> store = restarted.get_store(int64_t{1} << 60);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("2.delta does not exist"), std::string::npos)
      << store.status().message();
}

}  // namespace
}  // namespace ckpt::structured
