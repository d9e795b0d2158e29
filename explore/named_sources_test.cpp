// Named sources of the producer kinds (a second log topic, receiver or file directory): each is
// the engine's input stream of its index, is fed by its own producer, and is checked by the oracle
// on its own, so a loss or a duplicate in a named stream is a failure that names it.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "explore/explorer.h"
#include "explore/references.h"
#include "oracle/oracle.h"
#include "testing/bundled_scenario.h"

namespace sim {
namespace {

Scenario Load(const std::string& name) { return testing::LoadBundled("situations/" + name); }

// The first failure whose detail contains `text`, or nullptr.
const Failure* FailureWith(const std::vector<Failure>& failures, const std::string& text) {
  auto it = std::find_if(failures.begin(), failures.end(), [&](const Failure& failure) {
    return failure.detail.find(text) != std::string::npos;
  });
  return it == failures.end() ? nullptr : &*it;
}

// A passing crashed run of `scenario` (its own crashes), with its references.
class NamedSourceRun {
 public:
  explicit NamedSourceRun(Scenario scenario)
      : scenario_(std::move(scenario)), references_(scenario_, RunOptions{}) {
    run_ = RunTrial(scenario_, OwnTrial(scenario_), RunOptions{});
  }
  const Scenario& scenario() const { return scenario_; }
  const TrialRun& run() const { return run_; }
  std::vector<Failure> check(const TrialRun& run) { return references_.check(run); }
  // The last batch that `stream_id` read anything in, recovered or not.
  static InputBatch& LastRead(TrialRun& run, int32_t stream_id) {
    for (size_t i = run.input_batches.size(); i-- > 0;) {
      InputBatch& batch = run.input_batches[i];
      if (batch.stream_id == stream_id && !batch.ranges.empty() && !batch.records.empty()) {
        return batch;
      }
    }
    ADD_FAILURE() << "stream " << stream_id << " read nothing";
    return run.input_batches.front();
  }

 private:
  Scenario scenario_;
  References references_;
  TrialRun run_;
};

TEST(NamedSources, TheMainSourceIsStreamZeroAndEachNamedOneItsIndex) {
  const Scenario scenario = Load("two_log_topics_join");
  ASSERT_EQ(InputStreamCount(scenario), 2);
  EXPECT_EQ(InputStreamName(scenario, 0), "source");
  EXPECT_EQ(InputStreamName(scenario, 1), "payments");
  const LogInput* payments = InputSource(scenario, 1).get<LogInput>();
  ASSERT_NE(payments, nullptr);
  EXPECT_EQ(payments->topic, "payments");
  EXPECT_EQ(payments->partitions, 1);
  EXPECT_FALSE(payments->appends.empty());
  // Both streams' offset ranges are recorded under their own ids, read from their own topics.
  NamedSourceRun crashed(scenario);
  std::set<int32_t> streams;
  for (const InputBatch& batch : crashed.run().input_batches) streams.insert(batch.stream_id);
  EXPECT_EQ(streams, (std::set<int32_t>{0, 1}));
}

TEST(NamedSources, EachLogTopicIsHeldToExactlyOnceOnItsOwn) {
  NamedSourceRun crashed(Load("two_log_topics_join"));
  ASSERT_EQ(crashed.run().incarnations.size(), 2u);
  ASSERT_TRUE(crashed.run().incarnations[1].recovered);
  ASSERT_TRUE(crashed.check(crashed.run()).empty());
  // The named topic's last batch skips its first record: a gap in `payments` only.
  TrialRun gap = crashed.run();
  NamedSourceRun::LastRead(gap, 1).ranges.front().from += 1;
  std::vector<Failure> named_failures = crashed.check(gap);
  const Failure* lost = FailureWith(named_failures, "stream payments: partition 0: batch ");
  ASSERT_NE(lost, nullptr);
  EXPECT_EQ(lost->kind, FailureKind::kLostRecords) << lost->detail;
  // The same on the main topic reads as it always did.
  TrialRun main_gap = crashed.run();
  NamedSourceRun::LastRead(main_gap, 0).ranges.front().from += 1;
  std::vector<Failure> failures = crashed.check(main_gap);
  EXPECT_NE(FailureWith(failures, "partition "), nullptr);
  EXPECT_EQ(FailureWith(failures, "stream payments"), nullptr);
}

// The receiver-and-log scenario with its views read by a second receiver instead.
Scenario TwoReceivers() {
  Scenario scenario = Load("receiver_and_log_union");
  NamedSource& views = scenario.sources.at(0);
  LogInput log = *views.get<LogInput>();
  for (LogAppend& append : log.appends) append.partition = 0;
  views.of = ReceiverInput{log.topic, log.appends};
  return scenario;
}

TEST(NamedSources, EachReceiverStreamIsHeldToAtLeastOnceOnItsOwn) {
  NamedSourceRun crashed(TwoReceivers());
  const TrialRun& run = crashed.run();
  ASSERT_EQ(run.incarnations.size(), 2u);
  ASSERT_TRUE(run.incarnations[1].recovered);
  ASSERT_TRUE(crashed.check(run).empty());
  // Each receiver stream has its allocations and its source's position at the restart.
  std::set<int32_t> allocated;
  for (const ReceiverAllocation& allocation : run.receiver_allocations) {
    allocated.insert(allocation.stream_id);
  }
  EXPECT_EQ(allocated, (std::set<int32_t>{0, 1}));
  EXPECT_EQ(run.incarnations[1].source_acknowledged_at_start.size(), 2u);
  // A block of the named receiver that no batch reads is lost records of that stream.
  TrialRun lost_block = run;
  InputBatch& batch = NamedSourceRun::LastRead(lost_block, 1);
  batch.block_ids.erase(batch.block_ids.begin());
  batch.ranges.erase(batch.ranges.begin());
  std::vector<Failure> failures = crashed.check(lost_block);
  const Failure* lost = FailureWith(failures, "stream views: ");
  ASSERT_NE(lost, nullptr);
  EXPECT_EQ(lost->kind, FailureKind::kLostRecords) << lost->detail;
  EXPECT_TRUE(lost->known_weakness.empty());
}

TEST(NamedSources, EachFileDirectoryFeedsItsOwnStream) {
  const Scenario scenario = Load("two_file_directories");
  TrialRun run = RunTrial(scenario, TrialSpec{}, RunOptions{});
  // Batch 1000 selects eu-1.txt (a, b) and us-1.txt (b).
  auto first = std::find_if(run.emissions.begin(), run.emissions.end(), [](const Emission& e) {
    return e.output == "batch_counts" && e.batch_time == Time{1000};
  });
  ASSERT_NE(first, run.emissions.end());
  EXPECT_EQ(ckpt::RecordsToString(first->records), "[(a,1), (b,2)]");
  // Whole: every line of both directories is counted once.
  auto totals = std::find_if(run.emissions.rbegin(), run.emissions.rend(),
                             [](const Emission& e) { return e.output == "totals"; });
  ASSERT_NE(totals, run.emissions.rend());
  EXPECT_EQ(ckpt::RecordsToString(totals->records), "[(a,5), (b,3), (c,4)]");
}

TEST(NamedSources, ExhaustiveExplorationOfEveryProducerMixPasses) {
  std::vector<Scenario> scenarios = {Load("two_log_topics_join"), Load("receiver_and_log_union"),
                                     Load("two_file_directories"), TwoReceivers()};
  ExploreOptions exhaustive;
  ExploreResult result = Explore(scenarios, exhaustive);
  EXPECT_GT(result.trials, 500u);
  EXPECT_EQ(result.failures, 0u) << (result.failing.empty()
                                         ? ""
                                         : result.failing.front().failure.detail + " replay " +
                                               result.failing.front().token);
}

// A defect in how log streams recover is found through a named log source: in the receiver-and-log
// scenario the log is only the named `views`, and its lost offsets are reported as its own.
TEST(NamedSources, ALogRecoveryDefectIsFoundOnANamedTopic) {
  ExploreOptions options;
  options.run.defects.add(ckpt::Defect::kOffsetsNotCheckpointed);
  ExploreResult result = Explore({Load("receiver_and_log_union")}, options);
  EXPECT_GT(result.failures, 0u);
  auto named =
      std::find_if(result.failing.begin(), result.failing.end(), [](const FailingTrial& f) {
        return f.failure.detail.find("stream views: partition ") != std::string::npos;
      });
  EXPECT_NE(named, result.failing.end());
}

}  // namespace
}  // namespace sim
