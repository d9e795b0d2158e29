// The persistence models' contracts (docs/persistence-models.md), one behaviour per test, plus the
// fault rules and the latency seam. Each test writes through SimFs directly and crashes it, so
// what survives is the model's decision alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "sim/event_loop.h"
#include "sim/faults.h"
#include "sim/sim_fs.h"
#include "sim/trial.h"

namespace sim {
namespace {

using ckpt::Status;
using ckpt::StatusCode;

std::string ReadOr(SimFs& fs, const std::string& path, const std::string& absent = "<absent>") {
  ckpt::Result<std::string> data = fs.read_file(path);
  return data.ok() ? data.value() : absent;
}

void Write(SimFs& fs, const std::string& path, const std::string& data, bool sync) {
  ASSERT_TRUE(ckpt::WriteWholeFile(fs, path, data, sync).ok()) << path;
}

TEST(PosixModel, UnsyncedDataAndEntriesAreLostAtACrash) {
  SimFs fs(PersistenceModel::kPosix);
  ASSERT_TRUE(fs.mkdirs("/d").ok());
  Write(fs, "/d/f", "data", /*sync=*/false);
  // The last state: every pending directory operation lost, so not even /d survives.
  uint64_t last = fs.crash_states() - 1;
  fs.crash(last);
  EXPECT_FALSE(fs.exists("/d").value());
}

TEST(PosixModel, ARenameCanSurviveWithoutItsData) {
  SimFs fs(PersistenceModel::kPosix);
  ASSERT_TRUE(fs.mkdirs("/d").ok());
  ASSERT_TRUE(fs.sync_dir("/").ok());
  Write(fs, "/d/temp", "checkpoint bytes", /*sync=*/false);
  ASSERT_TRUE(fs.rename("/d/temp", "/d/checkpoint").ok());
  fs.crash(0);  // state 0: directory operations kept, the newest file's unsynced data dropped
  EXPECT_EQ(ReadOr(fs, "/d/checkpoint"), "");
  EXPECT_FALSE(fs.exists("/d/temp").value());
}

TEST(PosixModel, SyncOfFileAndDirectoryMakesBothDurableInEveryState) {
  for (uint64_t state = 0; state < 64; ++state) {
    SimFs fs(PersistenceModel::kPosix);
    ASSERT_TRUE(fs.mkdirs("/d").ok());
    Write(fs, "/d/temp", "synced", /*sync=*/true);
    ASSERT_TRUE(fs.rename("/d/temp", "/d/checkpoint").ok());
    ASSERT_TRUE(fs.sync_dir("/d").ok());
    Write(fs, "/d/other", "unsynced", /*sync=*/false);
    fs.crash(state, state);
    EXPECT_EQ(ReadOr(fs, "/d/checkpoint"), "synced") << "state " << state;
  }
}

TEST(PosixModel, SyncDirCommitsEveryEarlierOperationInOrder) {
  SimFs fs(PersistenceModel::kPosix);
  ASSERT_TRUE(fs.mkdirs("/a").ok());
  ASSERT_TRUE(fs.mkdirs("/b").ok());
  Write(fs, "/a/f", "x", /*sync=*/true);
  ASSERT_TRUE(fs.sync_dir("/a").ok());  // commits /a, /b and /a/f: the journal is ordered
  EXPECT_EQ(fs.crash_states(), 1u);
  fs.crash();
  EXPECT_TRUE(fs.exists("/b").value());
  EXPECT_EQ(ReadOr(fs, "/a/f"), "x");
}

TEST(PosixModel, CrashStatesAreDistinctAndCoverEveryPrefix) {
  SimFs base(PersistenceModel::kPosix);
  auto build = [](SimFs& fs) {
    ASSERT_TRUE(fs.mkdirs("/d").ok());
    ASSERT_TRUE(fs.sync_dir("/").ok());
    Write(fs, "/d/a", std::string(2000, 'a'), /*sync=*/false);
    Write(fs, "/d/b", std::string(600, 'b'), /*sync=*/false);
  };
  build(base);
  // Two operations pending (create a, create b): prefixes keep 2, 1 or 0 of them, with 16, 4 and
  // 1 data fates.
  EXPECT_EQ(base.crash_states(), 16u + 4u + 1u);
  std::set<std::string> outcomes;
  for (uint64_t state = 0; state < base.crash_states(); ++state) {
    SimFs fs(PersistenceModel::kPosix);
    build(fs);
    EXPECT_EQ(fs.crash(state, /*seed=*/7).states, base.crash_states());
    outcomes.insert(ReadOr(fs, "/d/a") + "|" + ReadOr(fs, "/d/b"));
  }
  EXPECT_EQ(outcomes.size(), base.crash_states());
}

TEST(PosixModel, TornDataKeepsItsLengthAndBreaksAtASectorBoundary) {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    SimFs fs(PersistenceModel::kPosix);
    ASSERT_TRUE(fs.mkdirs("/d").ok());
    ASSERT_TRUE(fs.sync_dir("/").ok());
    std::string data(5000, 'x');
    Write(fs, "/d/f", data, /*sync=*/false);
    ASSERT_TRUE(fs.sync_dir("/d").ok());
    fs.crash(/*state=*/2, seed);  // one varied file: fates dropped, kept, torn, prefix
    std::string torn = ReadOr(fs, "/d/f");
    ASSERT_EQ(torn.size(), data.size());
    size_t intact = torn.find_first_not_of('x');
    if (intact != std::string::npos) {
      EXPECT_EQ(intact % 512, 0u) << "seed " << seed;
    }
  }
}

TEST(LyingDiskModel, SyncMakesNothingDurable) {
  SimFs fs(PersistenceModel::kLyingDisk);
  ASSERT_TRUE(fs.mkdirs("/d").ok());
  ASSERT_TRUE(fs.sync_dir("/").ok());
  Write(fs, "/d/f", "data", /*sync=*/true);
  ASSERT_TRUE(fs.sync_dir("/d").ok());
  fs.crash(fs.crash_states() - 1);
  EXPECT_FALSE(fs.exists("/d").value());
}

TEST(HdfsModel, ClosedFilesAndNamespaceOperationsSurviveUnclosedFilesAreEmpty) {
  SimFs fs(PersistenceModel::kHdfs);
  ASSERT_TRUE(fs.mkdirs("/d").ok());
  Write(fs, "/d/closed", "kept", /*sync=*/false);
  auto open = fs.create("/d/open");
  ASSERT_TRUE(open.ok());
  ASSERT_TRUE(open.value()->append("lost").ok());
  EXPECT_EQ(fs.crash_states(), 1u);
  std::vector<std::string> lost = fs.crash().losses;
  EXPECT_EQ(ReadOr(fs, "/d/closed"), "kept");
  EXPECT_EQ(ReadOr(fs, "/d/open"), "");
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_NE(lost[0].find("/d/open"), std::string::npos);
}

class StepRecorder : public StepGate {
 public:
  bool before_mutation(const char* operation, const std::string& path) override {
    steps.push_back(std::string(operation) + " " + path);
    return steps.size() != die_at;
  }
  bool alive() const override { return true; }
  Status fault(const char*, const std::string&, uint64_t) override { return Status::Ok(); }
  std::vector<std::string> steps;
  size_t die_at = 0;
};

TEST(ObjectStoreModel, RenameIsACopyThenADeleteWithACrashPointBetween) {
  SimFs store(PersistenceModel::kObjectStore);
  StepRecorder gate;
  GatedFileSystem fs(&store, &gate);
  ASSERT_TRUE(fs.mkdirs("/d").ok());
  ASSERT_TRUE(ckpt::WriteWholeFile(fs, "/d/temp", "bytes", false).ok());
  gate.die_at = gate.steps.size() + 2;  // die at the delete half of the rename
  EXPECT_EQ(fs.rename("/d/temp", "/d/checkpoint").code(), StatusCode::kProcessDead);
  EXPECT_EQ(gate.steps.back(), "rename.delete /d/temp");
  store.crash();
  EXPECT_EQ(ReadOr(store, "/d/temp"), "bytes");  // both names, each complete
  EXPECT_EQ(ReadOr(store, "/d/checkpoint"), "bytes");
}

// rename_replacing (what Structured Streaming's state store commits with): one atomic step that
// replaces the target on HDFS; on POSIX storage lost with its directory's unsynced operations, the
// old file then still in place; on an object store a copy over the target, then a delete.
TEST(HdfsModel, AReplacingRenameReplacesTheTargetAtomically) {
  SimFs fs(PersistenceModel::kHdfs);
  ASSERT_TRUE(fs.mkdirs("/d").ok());
  Write(fs, "/d/2.delta", "old", false);
  Write(fs, "/d/temp", "new", false);
  EXPECT_EQ(fs.rename("/d/temp", "/d/2.delta").code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(fs.rename_replacing("/d/temp", "/d/2.delta").ok());
  fs.crash();
  EXPECT_EQ(ReadOr(fs, "/d/2.delta"), "new");
  EXPECT_FALSE(fs.exists("/d/temp").value());
  EXPECT_EQ(fs.rename_replacing("/d/temp", "/d/2.delta").code(), StatusCode::kNotFound);
  EXPECT_FALSE(fs.rename_replacing("/d/2.delta", "/d").ok());  // never onto a directory
}

TEST(PosixModel, AnUnsyncedReplacingRenameCanBeLostWholeAtACrash) {
  SimFs fs(PersistenceModel::kPosix);
  ASSERT_TRUE(fs.mkdirs("/d").ok());
  Write(fs, "/d/2.delta", "old", true);
  ASSERT_TRUE(fs.sync_dir("/d").ok());
  Write(fs, "/d/temp", "new", true);
  ASSERT_TRUE(fs.rename_replacing("/d/temp", "/d/2.delta").ok());
  fs.crash(fs.crash_states() - 1);  // every unsynced directory operation lost
  EXPECT_EQ(ReadOr(fs, "/d/2.delta"), "old");
  EXPECT_FALSE(fs.exists("/d/temp").value());
}

TEST(ObjectStoreModel, AReplacingRenameIsACopyOverTheTargetThenADelete) {
  SimFs store(PersistenceModel::kObjectStore);
  StepRecorder gate;
  GatedFileSystem fs(&store, &gate);
  ASSERT_TRUE(fs.mkdirs("/d").ok());
  ASSERT_TRUE(ckpt::WriteWholeFile(fs, "/d/2.delta", "old", false).ok());
  ASSERT_TRUE(ckpt::WriteWholeFile(fs, "/d/temp", "new", false).ok());
  gate.die_at = gate.steps.size() + 2;
  EXPECT_EQ(fs.rename_replacing("/d/temp", "/d/2.delta").code(), StatusCode::kProcessDead);
  store.crash();
  EXPECT_EQ(ReadOr(store, "/d/2.delta"), "new");
  EXPECT_EQ(ReadOr(store, "/d/temp"), "new");
}

TEST(ObjectStoreModel, AnObjectNeverClosedDoesNotExistAfterACrash) {
  SimFs store(PersistenceModel::kObjectStore);
  ASSERT_TRUE(store.mkdirs("/d").ok());
  auto open = store.create("/d/upload");
  ASSERT_TRUE(open.ok());
  store.crash();
  EXPECT_FALSE(store.exists("/d/upload").value());
}

TEST(Faults, ABitFlippedTwiceStaysCorrupted) {
  // Latent corruption accumulates: a second flip drawn at the same bit must not repair the file
  // (it once did, and a checkpoint of an abandoned application read clean again).
  SimFs fs(PersistenceModel::kHdfs);
  ASSERT_TRUE(fs.mkdirs("/d").ok());
  Write(fs, "/d/f", "ab", /*sync=*/true);
  ASSERT_TRUE(fs.flip_bit("/d/f", 3));
  ASSERT_TRUE(fs.flip_bit("/d/f", 3 + 16));  // the same bit modulo the file's 16 bits
  std::string data = ReadOr(fs, "/d/f");
  EXPECT_NE(data, "ab");
  EXPECT_EQ(data[0], static_cast<char>('a' ^ 0b11000));  // bits 3 and 4 flipped
  EXPECT_TRUE(fs.corrupted_by_fault("/d/f"));
}

TEST(Faults, GlobsMatchAcrossSlashes) {
  EXPECT_TRUE(GlobMatches("/checkpoint/checkpoint-*", "/checkpoint/checkpoint-1500.bk"));
  EXPECT_TRUE(GlobMatches("*", "/any/path"));
  EXPECT_TRUE(GlobMatches("/c/*/part-?????", "/c/uuid/rdd-3/part-00000"));
  EXPECT_FALSE(GlobMatches("/checkpoint/temp", "/checkpoint/temp2"));
  EXPECT_FALSE(GlobMatches("/c/?", "/c/"));
}

TEST(Faults, NthOccurrenceFailsTimesInARowAndOnlyMatchingCalls) {
  FaultRule rule;
  rule.operation = "rename";
  rule.path = "/c/temp";
  rule.nth = 2;
  rule.times = 2;
  std::vector<FaultRule> rules = {rule};
  FaultInjector injector(rules, ~uint64_t{0}, 0);
  std::vector<bool> failed;
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(injector.decide("rename", "/c/other -> /c/x", 0, 0).error.ok());
    EXPECT_TRUE(injector.decide("delete", "/c/temp", 0, 0).error.ok());
    failed.push_back(!injector.decide("rename", "/c/temp -> /c/checkpoint-1", 0, 0).error.ok());
  }
  EXPECT_EQ(failed, (std::vector<bool>{false, true, true, false, false}));
  ckpt::Status error =
      FaultInjector(rules, ~uint64_t{0}, 0).decide("rename", "/c/temp", 0, 0).error;
  EXPECT_TRUE(error.ok());  // a fresh injector counts from one again
}

TEST(Faults, ProbabilityIsDeterministicPerSeedAndMaskSwitchesRulesOff) {
  FaultRule rule;
  rule.probability_ppm = 500'000;
  std::vector<FaultRule> rules = {rule};
  auto pattern = [&](uint64_t mask, uint64_t seed) {
    FaultInjector injector(rules, mask, seed);
    std::string hits;
    for (int i = 0; i < 64; ++i)
      hits += injector.decide("write", "/f", 0, 1).error.ok() ? '.' : 'x';
    return hits;
  };
  EXPECT_EQ(pattern(~uint64_t{0}, 3), pattern(~uint64_t{0}, 3));
  EXPECT_NE(pattern(~uint64_t{0}, 3), pattern(~uint64_t{0}, 4));
  EXPECT_NE(pattern(~uint64_t{0}, 3).find('x'), std::string::npos);
  EXPECT_EQ(pattern(0, 3), std::string(64, '.'));
}

TEST(Faults, EnospcFailsWritesBeyondTheBudgetAsAnIoError) {
  FaultRule rule;
  rule.kind = FaultKind::kEnospc;
  rule.bytes = 100;
  std::vector<FaultRule> rules = {rule};
  FaultInjector injector(rules, ~uint64_t{0}, 0);
  EXPECT_TRUE(injector.decide("write", "/f", 60, 40).error.ok());
  Status full = injector.decide("write", "/f", 60, 41).error;
  EXPECT_EQ(full.code(), StatusCode::kNoSpace);
  EXPECT_TRUE(full.is_io_error());
  EXPECT_NE(full.message().find(kInjectedFailure), std::string::npos);
  EXPECT_TRUE(injector.decide("rename", "/f -> /g", 1000, 0).error.ok());
}

TEST(EventLoop, ChargedLatencyDelaysWhatTheTaskSchedulesAndBlocksItsActor) {
  EventLoop loop;
  std::vector<std::pair<std::string, int64_t>> ran;
  TaskLabel writer{ckpt::Actor::kCheckpointWriter, "write", Time{-1}};
  TaskLabel generator{ckpt::Actor::kJobGenerator, "generate", Time{-1}};
  loop.schedule_at(1, Time{0}, writer, [&] {
    ran.push_back({"slow write", loop.now().ms});
    loop.charge(ckpt::Duration{300});
    loop.schedule_at(1, loop.now(), generator, [&] {
      ran.push_back({"completion", loop.now().ms});
    });
  });
  loop.schedule_at(1, Time{100}, writer, [&] { ran.push_back({"next write", loop.now().ms}); });
  loop.schedule_at(1, Time{100}, generator, [&] { ran.push_back({"tick", loop.now().ms}); });
  while (auto entry = loop.pop()) {
    entry->task();
    loop.finish_task(*entry);
  }
  EXPECT_EQ(ran, (std::vector<std::pair<std::string, int64_t>>{
                     {"slow write", 0}, {"tick", 100}, {"completion", 300}, {"next write", 300}}));
}

// Runs every task of `loop`, returning their names in the order they ran.
std::vector<std::string> RunAll(EventLoop& loop, std::vector<std::string>& ran) {
  while (auto entry = loop.pop()) {
    entry->task();
    loop.finish_task(*entry);
  }
  return ran;
}

std::vector<std::string> SameTimeOrder(uint64_t interleaving) {
  EventLoop loop;
  loop.set_interleaving(interleaving);
  std::vector<std::string> ran;
  const std::pair<ckpt::Actor, const char*> tasks[] = {
      {ckpt::Actor::kJobGenerator, "generator 1"},
      {ckpt::Actor::kCheckpointWriter, "writer 1"},
      {ckpt::Actor::kJobExecutor, "executor 1"},
      {ckpt::Actor::kJobGenerator, "generator 2"},
      {ckpt::Actor::kCheckpointWriter, "writer 2"}};
  for (auto [actor, name] : tasks) {
    loop.schedule_at(1, Time{500}, TaskLabel{actor, name, Time{-1}},
                     [&ran, name = std::string(name)] { ran.push_back(name); });
  }
  loop.schedule_at(kHarnessOwner, Time{500}, TaskLabel{ckpt::Actor::kDriver, "restart", Time{-1}},
                   [&ran] { ran.push_back("harness"); });
  return RunAll(loop, ran);
}

TEST(EventLoop, InterleavingPermutesActorsButKeepsEachActorsOrder) {
  EXPECT_EQ(SameTimeOrder(0), (std::vector<std::string>{"generator 1", "writer 1", "executor 1",
                                                        "generator 2", "writer 2", "harness"}));
  std::set<std::vector<std::string>> orders;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    std::vector<std::string> order = SameTimeOrder(seed);
    EXPECT_EQ(order, SameTimeOrder(seed)) << "seed " << seed;  // a pure function of the seed
    EXPECT_EQ(order.front(), "harness");  // the harness's restarts and producers go first
    auto at = [&order](const char* name) { return std::find(order.begin(), order.end(), name); };
    EXPECT_LT(at("generator 1"), at("generator 2"));  // one thread's events stay in order
    EXPECT_LT(at("writer 1"), at("writer 2"));
    orders.insert(order);
  }
  EXPECT_EQ(orders.size(), 6u);  // every order of the three actors shows up
}

TEST(TrialSpec, TokensCarryCrashStatesFaultMasksAndSeeds) {
  TrialSpec spec;
  spec.crashes = {CrashSpec{CrashBeforeStep{12}, ckpt::Duration{0}, 3},
                  CrashSpec{CrashFromTime{Time{1500}}, ckpt::Duration{700}}};
  spec.fault_mask = 0x5;
  spec.seed = 99;
  spec.variant = 17;
  spec.interleaving = 8;
  EXPECT_EQ(spec.token(), "c12+0s3,t1500+700/f5/r99/v17/i8");
  EXPECT_EQ(TrialSpec::ParseToken(spec.token()).value(), spec);
  TrialSpec faults_only;
  faults_only.seed = 4;
  EXPECT_EQ(faults_only.token(), "ref/r4");
  EXPECT_EQ(TrialSpec::ParseToken("ref/r4").value(), faults_only);
  for (const char* bad :
       {"c12", "c12+0s", "c1+2/f", "x1+2", "c1+2/r5/f1", "ref,c1+2", "", "ref/i3/v2", "ref/v"}) {
    EXPECT_FALSE(TrialSpec::ParseToken(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace sim
