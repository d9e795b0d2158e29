// The harness on the Structured Streaming engine: scenarios with `engine: structured` load, run,
// are judged by the structured oracle and explored like DStream scenarios; every defect of the
// structured catalogue is found on its scenario; and the oracle sees what it claims to see.
#include <gtest/gtest.h>

#include <set>

#include "engine/structured/defects.h"
#include "explore/explorer.h"
#include "oracle/structured_oracle.h"
#include "scenario/scenario_writer.h"
#include "sim/defect_catalogue.h"

namespace sim {
namespace {

std::string Bundled(const std::string& name) {
  return std::string(CKPTSIM_SOURCE_DIR) + "/scenarios/structured/" + name;
}

Scenario Load(const std::string& name) {
  ckpt::Result<Scenario> scenario = LoadScenario(Bundled(name));
  EXPECT_TRUE(scenario.ok()) << scenario.status().to_string();
  return scenario.ok() ? scenario.value() : Scenario{};
}

ExploreResult Exhaustive(const Scenario& scenario, const RunOptions& run = {}) {
  ExploreOptions options;
  options.strategy = Strategy::kExhaustive;
  options.run = run;
  return Explore({scenario}, options);
}

constexpr const char* kQuery = R"(engine: structured
name: q
source:
  kind: log
  partitions: 1
  appends: [{at_ms: 0, partition: 0, records: [1, 2]}]
pipeline:
  - map: pair_with_one
  - reduce_by_key: sum
  - foreach_batch: out
)";

TEST(StructuredScenario, LoadsAndRoundTripsThroughTheWriter) {
  for (const char* name :
       {"kafka_aggregation_update.yaml", "kafka_file_sink.yaml", "eio_on_delta_rename.yaml",
        "spark/tv7_pinned_shuffle_partitions.yaml"}) {
    Scenario scenario = Load(name);
    EXPECT_EQ(scenario.engine, Engine::kStructured);
    ckpt::Result<Scenario> again = LoadScenarioFromText(ScenarioToYaml(scenario), scenario.path);
    ASSERT_TRUE(again.ok()) << name << ": " << again.status().to_string();
    Scenario reread = again.value();
    // Steps carry where they were read; the writer does not.
    for (PipelineStep& step : reread.query.steps) step.origin.clear();
    for (PipelineStep& step : scenario.query.steps) step.origin.clear();
    for (FaultRule& rule : reread.faults) rule.origin.clear();
    for (FaultRule& rule : scenario.faults) rule.origin.clear();
    EXPECT_EQ(reread, scenario) << name;
  }
}

TEST(StructuredScenario, SparksStartTimeChecksAreTheScenariosErrorsAtTheirFields) {
  struct Case {
    std::string edit;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"output_mode: append\n",
       "t.yaml:11:14: output_mode: Append output mode not supported when there are streaming "
       "aggregations on streaming DataFrames/DataSets without watermark"},
      {"output_mode: sideways\n", "t.yaml:11:14: output_mode: expected append, update or complete"},
      {"trigger: twice\n", "t.yaml:11:10: trigger: expected once (or use trigger_ms)"},
      {"batches: 3\n", "t.yaml:11:1: batches: unknown field"},
  };
  std::string bad_topic = kQuery;
  bad_topic.replace(bad_topic.find("  partitions: 1"), 0, "  topic: \"ev\\x91nts\"\n");
  ckpt::Result<Scenario> topic = LoadScenarioFromText(bad_topic, "t.yaml");
  ASSERT_FALSE(topic.ok());
  EXPECT_TRUE(topic.status().message().starts_with("t.yaml:5:10: source.topic: not a Kafka topic"))
      << topic.status().message();
  for (const Case& c : cases) {
    ckpt::Result<Scenario> loaded = LoadScenarioFromText(std::string(kQuery) + c.edit, "t.yaml");
    ASSERT_FALSE(loaded.ok()) << c.edit;
    EXPECT_TRUE(loaded.status().message().starts_with(c.error)) << loaded.status().message();
  }
  std::string file_sink = kQuery;
  file_sink.replace(file_sink.find("foreach_batch: out"), 18, "write_files: /out");
  ckpt::Result<Scenario> update =
      LoadScenarioFromText(file_sink + "output_mode: update\n", "t.yaml");
  ASSERT_FALSE(update.ok());
  EXPECT_NE(update.status().message().find("Data source text does not support update output mode"),
            std::string::npos);
  std::string after_sink = std::string(kQuery) + "  - map: identity\n";
  ckpt::Result<Scenario> late =
      LoadScenarioFromText(after_sink + "output_mode: update\n", "t.yaml");
  ASSERT_FALSE(late.ok());
  EXPECT_NE(late.status().message().find("t.yaml:11:5: pipeline[3].map: the sink"),
            std::string::npos)
      << late.status().message();
}

TEST(StructuredScenario, RateLimitsBelongToAStructuredQuerysSource) {
  ckpt::Result<Scenario> dstream = LoadScenarioFromText(R"(name: d
batches: 2
source: {kind: log, partitions: 1, max_offsets_per_trigger: 3}
pipeline: [{collect: out}]
)",
                                                        "d.yaml");
  ASSERT_FALSE(dstream.ok());
  EXPECT_NE(
      dstream.status().message().find(
          "d.yaml:3:61: source.max_offsets_per_trigger: only a structured query's log source"),
      std::string::npos)
      << dstream.status().message();
}

// The uncrashed run delivers every batch once, in order, and its last commit covers the topic.
TEST(StructuredTrial, AnUncrashedRunDeliversEveryRecordOnceAndIsDeterministic) {
  Scenario scenario = Load("kafka_foreach_batch.yaml");
  TrialRun run = RunTrial(scenario, TrialSpec{}, RunOptions{});
  ASSERT_TRUE(run.quiesced);
  size_t records = 0;
  for (size_t i = 0; i < run.structured.deliveries.size(); ++i) {
    EXPECT_EQ(run.structured.deliveries[i].batch_id, static_cast<int64_t>(i));
    records += run.structured.deliveries[i].records.size();
  }
  EXPECT_EQ(records, 120u);  // 30 appends of 2 records to each of 2 partitions
  ASSERT_FALSE(run.structured.commit_ids.empty());
  EXPECT_EQ(run.structured.logged_offsets.at(run.structured.commit_ids.back()),
            R"({"events":{"0":60,"1":60}})");
  EXPECT_TRUE(run.structured.leaked_temp_files.empty());
  EXPECT_EQ(RunTrial(scenario, TrialSpec{}, RunOptions{}).digest, run.digest);
  EXPECT_TRUE(BuildReference(scenario, run).failures.empty());
}

// A crash after a batch's delta renames and before its commit: the restart re-runs that batch,
// delivering it a second time with the same records, the one re-delivery the oracle allows.
TEST(StructuredTrial, TheReRunOfTheUncommittedBatchIsTheOneRedeliveryAllowed) {
  Scenario scenario = Load("kafka_aggregation_update.yaml");
  TrialSpec spec;
  spec.crashes = scenario.crashes;
  TrialRun run = RunTrial(scenario, spec, RunOptions{});
  ASSERT_EQ(run.incarnations.size(), 2u);
  ASSERT_EQ(run.structured.starts.size(), 2u);
  EXPECT_TRUE(run.structured.starts[1].rerun);
  std::map<int64_t, int> deliveries;
  for (const StructuredDelivery& d : run.structured.deliveries) ++deliveries[d.batch_id];
  EXPECT_EQ(deliveries.at(run.structured.starts[1].first_batch_id), 2);
  ReferenceOutcome reference = BuildReference(scenario, RunTrial(scenario, {}, {}));
  EXPECT_TRUE(CheckTrial(scenario, reference.reference, run).empty());
}

// What the oracle claims to check, it sees: each check fails on a record broken its way. A
// trial with the scenario's crash (a re-run after a restart) passes; each test breaks a copy.
class StructuredOracleTest : public ::testing::Test {
 protected:
  StructuredOracleTest() : scenario(Load("kafka_aggregation_update.yaml")) {
    TrialSpec spec;
    spec.crashes = scenario.crashes;
    good = RunTrial(scenario, spec, RunOptions{});
    reference = BuildReference(scenario, RunTrial(scenario, {}, {})).reference;
  }
  // "pass", or the first failure's kind and rule.
  std::string first(const TrialRun& run) {
    std::vector<Failure> failures = CheckTrial(scenario, reference, run);
    if (failures.empty()) return "pass";
    if (!failures.front().rule.empty()) rules_seen.insert(failures.front().rule);
    return std::string(FailureKindName(failures.front().kind)) + " " + failures.front().rule;
  }

  // The rule of the first failure of `run` of another scenario (noted as seen), or "pass".
  std::string rule_of(const Scenario& other, const Reference& other_reference,
                      const TrialRun& run) {
    std::vector<Failure> failures = CheckTrial(other, other_reference, run);
    if (failures.empty()) return "pass";
    rules_seen.insert(failures.front().rule);
    return failures.front().rule;
  }

  // The file sink's log, on a scenario whose query writes files.
  void BreakFileSinkLog() {
    Scenario files = Load("kafka_file_sink.yaml");
    TrialRun written = RunTrial(files, {}, {});
    Reference files_reference = BuildReference(files, RunTrial(files, {}, {})).reference;
    ASSERT_TRUE(CheckTrial(files, files_reference, written).empty());
    ASSERT_FALSE(written.structured.sink_log_files.empty());
    TrialRun compacted_twice = written;  // batch 0 as a plain and a compaction file
    compacted_twice.structured.sink_log_files.push_back("0.compact");
    EXPECT_EQ(rule_of(files, files_reference, compacted_twice), "structured.sink_log");
    TrialRun ahead = written;  // a sink batch no plan names
    ahead.structured.sink_log_files.push_back(
        std::to_string(written.structured.offset_ids.back() + 1));
    EXPECT_EQ(rule_of(files, files_reference, ahead), "structured.sink_log");
    TrialRun listed_twice = written;
    listed_twice.structured.sink_duplicate_paths.push_back("/out/part-00000");
    EXPECT_EQ(rule_of(files, files_reference, listed_twice), "structured.sink_log");
  }
  // The file source's seen-files log, on a scenario that reads files.
  void BreakSeenFilesLog() {
    Scenario read_files = Load("file_source_foreach_batch.yaml");
    TrialRun seen = RunTrial(read_files, {}, {});
    Reference listed_reference = BuildReference(read_files, RunTrial(read_files, {}, {})).reference;
    ASSERT_GE(seen.structured.source_files.size(), 3u);
    EXPECT_EQ(rule_of(read_files, listed_reference, seen), "pass");
    TrialRun seen_twice = seen;  // a file in two source batches
    seen_twice.structured.source_files.rbegin()->second.push_back(
        seen.structured.source_files.begin()->second.front());
    EXPECT_EQ(rule_of(read_files, listed_reference, seen_twice), "structured.source_log");
    TrialRun skipped = seen;  // a source batch missing from the log
    skipped.structured.source_files.erase(std::next(skipped.structured.source_files.begin()));
    EXPECT_EQ(rule_of(read_files, listed_reference, skipped), "structured.source_log");
  }

  Scenario scenario;
  TrialRun good;
  Reference reference;
  std::set<std::string> rules_seen;
};

TEST_F(StructuredOracleTest, EachOutputCheckSeesTheBreakItNames) {
  ASSERT_EQ(first(good), "pass");
  TrialRun duplicated = good;  // batch 1 again, by the process that did not start re-running it
  duplicated.structured.deliveries.push_back(duplicated.structured.deliveries[1]);
  EXPECT_EQ(first(duplicated), "unexpected_duplicate ");

  TrialRun changed = good;  // the re-run delivered other rows
  int64_t rerun = good.structured.starts[1].first_batch_id;
  for (StructuredDelivery& d : changed.structured.deliveries) {
    if (d.batch_id == rerun && d.incarnation == 1) d.records.pop_back();
  }
  EXPECT_EQ(first(changed), "divergent_output ");

  TrialRun lost = good;  // batch 2 never delivered
  std::erase_if(lost.structured.deliveries,
                [](const StructuredDelivery& d) { return d.batch_id == 2; });
  EXPECT_EQ(first(lost), "lost_batch ");

  TrialRun short_commit = good;  // the last commit is missing on disk: the one before covers less
  short_commit.structured.commit_ids.pop_back();
  EXPECT_EQ(first(short_commit), "lost_records ");
}

// A file source's offsets name batches of its seen-files log, whose files depend on when a process
// listed the directory: a restart that lists later plans batch 0 with more files, which is no
// duplicate. What the last commit covers is compared as files, and a lost file is still caught.
TEST(StructuredOracle, AFileSourcesBatchesAreJudgedByTheirFiles) {
  Scenario scenario = Load("file_source_foreach_batch.yaml");
  Reference reference = BuildReference(scenario, RunTrial(scenario, {}, {})).reference;
  EXPECT_EQ(CommittedInput(scenario, reference.structured),
            "files [/input/f1, /input/f2, /input/f3, "
            "/input/f4, /input/f5, /input/f6, /input/f7]");
  TrialSpec late_first_listing = TrialSpec::ParseToken("c3+300").value();
  TrialRun run = RunTrial(scenario, late_first_listing, {});
  EXPECT_EQ(CommittedInput(scenario, run.structured),
            CommittedInput(scenario, reference.structured));
  EXPECT_TRUE(CheckTrial(scenario, reference, run).empty());
  // The last log batch's files never reached the log: the commit covers fewer files.
  run.structured.source_files.erase(std::prev(run.structured.source_files.end()));
  std::vector<Failure> failures = CheckTrial(scenario, reference, run);
  ASSERT_FALSE(failures.empty());
  EXPECT_EQ(failures.front().kind, FailureKind::kLostRecords);
}

TEST_F(StructuredOracleTest, EachProtocolRuleSeesTheBreakItNames) {
  TrialRun leaked = good;
  leaked.structured.leaked_temp_files.push_back("/checkpoint/offsets/.3.x.tmp");
  EXPECT_EQ(first(leaked), "protocol_violation structured.no_temp_files");

  TrialRun replanned = good;  // a batch planned twice with other offsets
  StructuredPlan again = replanned.structured.plans[2];
  again.offsets = R"({"events":{"0":1,"1":1}})";
  replanned.structured.plans.push_back(again);
  EXPECT_EQ(first(replanned), "protocol_violation structured.plan");

  TrialRun state = good;
  state.structured.state.pop_back();
  EXPECT_EQ(first(state), "protocol_violation structured.state");

  TrialRun gap = good;  // commits/ skips an id
  gap.structured.commit_ids.erase(gap.structured.commit_ids.begin() + 1);
  EXPECT_EQ(first(gap), "protocol_violation structured.log_shape");

  TrialRun purged = good;  // offsets/L-1 deleted
  purged.structured.offset_ids.erase(purged.structured.offset_ids.end() - 2);
  EXPECT_EQ(first(purged), "protocol_violation structured.retention");

  TrialRun late = good;  // a later batch planned an older watermark
  late.structured.plans.back().watermark_ms = -1;
  EXPECT_EQ(first(late), "protocol_violation structured.watermark");

  TrialRun zombie = good;  // a second driver acknowledged the commit another wrote
  zombie.structured.commits.push_back(
      StructuredCommit{1, zombie.structured.commits.back().batch_id, /*writer=*/0, ckpt::Time{0}});
  EXPECT_EQ(first(zombie), "protocol_violation structured.single_writer");

  ASSERT_NE(good.structured.source_initial_offsets, "");  // read from the disk at the end
  TrialRun rewritten = good;                              // sources/0/0 resolved again, later
  rewritten.structured.source_initial_offsets = R"({"events":{"0":4,"1":4}})";
  EXPECT_EQ(first(rewritten), "protocol_violation structured.source_log");

  BreakFileSinkLog();
  BreakSeenFilesLog();

  TrialRun no_rules = state;  // --no-protocol-oracle: the state is not a rule any more
  no_rules.protocol_recorded = false;
  EXPECT_EQ(first(no_rules), "pass");

  // Each rule `ckptsim rules` lists was seen breaking here, and no other.
  std::set<std::string> listed;
  for (const ProtocolRule& rule : StructuredProtocolRules()) listed.insert(rule.name);
  EXPECT_EQ(rules_seen, listed);
}

// The bundled structured catalogue passes on the correct engine, and each defect of the
// structured catalogue fails on its scenario (ckptsim mutation does the same, with shrink).
TEST(StructuredExploration, EveryStructuredDefectIsFoundOnItsScenarioAndOnlyWithIt) {
  size_t hunted = 0;
  for (const CatalogueDefect& defect : DefectCatalogue()) {
    if (defect.engine != Engine::kStructured) continue;
    ++hunted;
    ckpt::Result<Scenario> scenario =
        LoadScenario(std::string(CKPTSIM_SOURCE_DIR) + "/" + defect.exposed_by);
    ASSERT_TRUE(scenario.ok()) << defect.name;
    EXPECT_EQ(Exhaustive(scenario.value()).failures, 0u) << defect.name;
    RunOptions run;
    defect.add_to(run);
    EXPECT_GT(Exhaustive(scenario.value(), run).failures, 0u) << defect.name;
  }
  EXPECT_EQ(hunted, ckpt::structured::AllDefects().size());
}

// An idempotent keyed store is judged by its contents: the re-run batch written again is no
// duplicate there; an upsert missing leaves the key's older value, a divergent store.
TEST(StructuredTrial, AKeyedStoreIsJudgedByItsContentsNotItsCalls) {
  Scenario scenario = Load("kafka_keyed_store.yaml");
  ReferenceOutcome reference = BuildReference(scenario, RunTrial(scenario, {}, {}));
  ASSERT_TRUE(reference.failures.empty());
  TrialSpec spec;
  spec.crashes = scenario.crashes;
  TrialRun run = RunTrial(scenario, spec, {});
  std::map<int64_t, int> calls;
  for (const StructuredDelivery& d : run.structured.deliveries) ++calls[d.batch_id];
  EXPECT_EQ(calls.at(2), 2);  // batch 2 written again by the restart
  EXPECT_TRUE(CheckTrial(scenario, reference.reference, run).empty());

  TrialRun stale = run;  // the last batch's last upsert never made
  stale.structured.deliveries.back().records.pop_back();
  std::vector<Failure> failures = CheckTrial(scenario, reference.reference, stale);
  ASSERT_FALSE(failures.empty());
  EXPECT_EQ(failures[0].kind, FailureKind::kDivergentOutput) << failures[0].detail;
  EXPECT_NE(failures[0].detail.find("the keyed store's contents differs"), std::string::npos);
}

// Storage models: a local disk without fsync loses renamed checkpoint files at a crash (an
// unsafe configuration the scenario documents); an object store, one driver, keeps the query's
// guarantees even where its rename is a copy and a delete.
TEST(StructuredExploration, LocalDiskWithoutFsyncFailsAndAnObjectStoreHolds) {
  ExploreResult local = Exhaustive(Load("local_disk_without_fsync.yaml"));
  EXPECT_EQ(local.failures, 0u);
  EXPECT_GT(local.expected_failures, 0u);
  RunOptions object_store;
  object_store.fs_model = PersistenceModel::kObjectStore;
  for (const char* name : {"kafka_file_sink.yaml", "kafka_aggregation_update.yaml"}) {
    ExploreResult result = Exhaustive(Load(name), object_store);
    EXPECT_EQ(result.failures, 0u) << name;
    EXPECT_GT(result.trials, 100u) << name;
  }
}

}  // namespace
}  // namespace sim
