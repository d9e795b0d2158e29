#include "scenario/pipeline_step.h"

#include "engine/runtime/assert.h"

namespace sim {

StepArguments ArgumentsOf(Operation operation) {
  switch (operation) {
    case Operation::kMap:
    case Operation::kMapValues:
    case Operation::kFlatMap:
    case Operation::kFilter:
    case Operation::kReduce:
    case Operation::kReduceByKey:
    case Operation::kCountByValue:
    case Operation::kUpdateStateByKey:
    case Operation::kStateSnapshots:
      return NoArguments{};
    case Operation::kUnion:
    case Operation::kCogroup:
    case Operation::kJoin:
    case Operation::kLeftOuterJoin:
    case Operation::kRightOuterJoin:
    case Operation::kFullOuterJoin:
      return OtherStream{};
    case Operation::kTransform:
    case Operation::kTransformWith:
      return SubPipeline{};
    case Operation::kWindow:
    case Operation::kReduceByWindow:
    case Operation::kReduceByKeyAndWindow:
      return WindowArguments{};
    case Operation::kMapWithState:
      return StateArguments{};
    case Operation::kCollect:
    case Operation::kPrint:
    case Operation::kSaveAsTextFiles:
    case Operation::kForeachRdd:
      return OutputArguments{};
  }
  CKPT_ASSERT(false, "unknown operation");
  return NoArguments{};
}

PipelineStep PipelineStep::Of(Operation operation) {
  PipelineStep step;
  step.operation = operation;
  step.arguments = ArgumentsOf(operation);
  return step;
}

bool PipelineStep::is_output() const { return get<OutputArguments>() != nullptr; }

const std::string& PipelineStep::output_name() const {
  static const std::string kNone;
  const OutputArguments* output = get<OutputArguments>();
  return output ? output->output_name : kNone;
}

const std::string& PipelineStep::other() const {
  static const std::string kNone;
  if (const OtherStream* stream = get<OtherStream>()) return stream->other;
  const SubPipeline* sub = get<SubPipeline>();
  return sub ? sub->other : kNone;
}

const std::vector<PipelineStep>& PipelineStep::steps() const {
  static const std::vector<PipelineStep> kNone;
  const SubPipeline* sub = get<SubPipeline>();
  return sub ? sub->steps : kNone;
}

std::vector<std::string> PipelineStep::sink_names() const {
  if (is_output()) return {output_name()};
  std::vector<std::string> names;
  for (const PipelineStep& step : steps()) {
    if (step.is_output()) names.push_back(step.output_name());
  }
  return names;
}

}  // namespace sim
