// The scenario writer against the reader, over the whole catalogue: every bundled scenario written
// and read back is the same scenario, field by field (where it came from aside), writes the same
// text again, and its uncrashed run takes exactly the same steps (the same trace digest).
#include "scenario/scenario_writer.h"

#include <gtest/gtest.h>

#include "sim/trial.h"

namespace sim {
namespace {

// `s` without what says where it came from (its path, its steps' and fault rules' origins).
Scenario WithoutOrigins(Scenario s) {
  s.path.clear();
  for (PipelineStep& step : s.pipeline) {
    step.origin.clear();
    if (SubPipeline* pipeline = step.get<SubPipeline>()) {
      for (PipelineStep& sub : pipeline->steps) sub.origin.clear();
    }
  }
  for (PipelineStep& step : s.query.steps) step.origin.clear();
  for (FaultRule& rule : s.faults) rule.origin.clear();
  for (RunExpectation& expected : s.expect_all_runs) expected.origin.clear();
  for (StateExpectation& expected : s.expect_state) expected.origin.clear();
  return s;
}

std::vector<Scenario> Catalogue() {
  ckpt::Result<std::vector<Scenario>> all = LoadScenarios(CKPTSIM_SOURCE_DIR "/scenarios");
  EXPECT_TRUE(all.ok()) << all.status().to_string();
  return all.ok() ? all.value() : std::vector<Scenario>{};
}

TEST(ScenarioWriter, EveryBundledScenarioReadsBackTheSame) {
  std::vector<Scenario> catalogue = Catalogue();
  ASSERT_GT(catalogue.size(), 40u);
  for (const Scenario& original : catalogue) {
    SCOPED_TRACE(original.path);
    std::string text = ScenarioToYaml(original);
    ckpt::Result<Scenario> read = LoadScenarioFromText(text, original.path);
    ASSERT_TRUE(read.ok()) << read.status().to_string() << "\n" << text;
    EXPECT_TRUE(WithoutOrigins(read.value()) == WithoutOrigins(original)) << text;
    EXPECT_EQ(ScenarioToYaml(read.value()), text);
    RunOptions options;
    EXPECT_EQ(RunTrial(read.value(), TrialSpec{}, options).digest,
              RunTrial(original, TrialSpec{}, options).digest);
  }
}

TEST(ScenarioWriter, ValuesKeepTheirKinds) {
  Scenario s;
  s.name = "kinds";
  s.batches = 1;
  s.source.of =
      SequenceInput{{{ckpt::Value::String("12"), ckpt::Value::String(""), ckpt::Value::Int(-3),
                      ckpt::Value::Double(2.0), ckpt::Value::Double(0.25),
                      ckpt::Value::Pair(ckpt::Value::String("a b"), ckpt::Value::Int(1)),
                      ckpt::Value::String("it's \"quoted\": [x, y]"), ckpt::Value::None(),
                      ckpt::Value::Some(ckpt::Value::String("none")),
                      ckpt::Value::List({ckpt::Value::Int(1), ckpt::Value::List({})})}}};
  PipelineStep collect = PipelineStep::Of(Operation::kCollect);
  collect.get<OutputArguments>()->output_name = "out";
  s.pipeline = {collect};
  ckpt::Result<Scenario> read = LoadScenarioFromText(ScenarioToYaml(s), "kinds.yaml");
  ASSERT_TRUE(read.ok()) << read.status().to_string() << "\n" << ScenarioToYaml(s);
  ASSERT_EQ(read.value().source.held_input()->size(), 1u);
  const ckpt::Records& records = read.value().source.held_input()->at(0);
  const ckpt::Records& written = s.source.held_input()->at(0);
  ASSERT_EQ(records.size(), written.size());
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].kind(), written[i].kind()) << i;
    EXPECT_EQ(records[i].to_string(), written[i].to_string()) << i;
  }
}

TEST(ScenarioWriter, HeaderLinesBecomeComments) {
  Scenario s = Catalogue().front();
  std::string text = ScenarioToYaml(s, "first line\nsecond line");
  EXPECT_EQ(text.rfind("# first line\n# second line\n", 0), 0u) << text;
  EXPECT_TRUE(LoadScenarioFromText(text, "x.yaml").ok());
}

}  // namespace
}  // namespace sim
