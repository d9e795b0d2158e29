// transform and transformWith with a sub-pipeline: Spark's TransformedDStream whose function runs
// RDD operations, and actions, on each batch's RDD (and, with transformWith, on the other
// stream's RDD of the same batch).
//
// Spark calls the transform function while it generates the batch's jobs: the RDD operations in
// it only build lineage, but an action in it (saveAsHadoopFile, collect) runs a Spark job there
// and then, on the driver, before the batch's output jobs. That is why CheckpointSuite's "recovery
// with saveAsHadoopFile inside transform operation" fails when a batch run again after recovery
// cannot overwrite its output (SPARK-4835). A sub-pipeline without actions stays lazy.
#include "engine/dstream/dstream_graph.h"
#include "engine/dstream/dstream_kinds.h"

namespace ckpt {
namespace {

bool IsAction(const RddStep& step) {
  return step.kind == "collect" || step.kind == "save_as_text_files";
}

// One step as a batch function of (its input records, the other RDD's records or none).
using BatchFn = std::function<Result<Records>(const Records&, const Records*)>;

Result<BatchFn> BindStep(const RddStep& step, const FunctionRegistry& registry) {
  const std::string& kind = step.kind;
  if (IsAction(step)) return BatchFn([](const Records& in, const Records*) { return in; });
  if (kind == "union") {
    return BatchFn([](const Records& in, const Records* other) -> Result<Records> {
      Records out = in;
      out.insert(out.end(), other->begin(), other->end());
      return out;
    });
  }
  if (IsPairJoinKind(kind)) {
    return BatchFn([kind](const Records& in, const Records* other) {
      return CoGroupRecords(kind, in, *other);
    });
  }
  if (kind == "count_by_value") {
    return BatchFn([](const Records& in, const Records*) -> Result<Records> {
      std::map<Value, int64_t> counts;
      for (const Value& v : in) ++counts[v];
      Records out;
      for (const auto& [value, count] : counts)
        out.push_back(Value::Pair(value, Value::Int(count)));
      return out;
    });
  }
  TransformFn batch;
  if (kind == "transform") {
    CKPT_ASSIGN_OR_RETURN(batch, registry.bind_transform(step.function));
  } else if (kind == "reduce" || kind == "reduce_by_key") {
    CKPT_ASSIGN_OR_RETURN(ReduceFn reduce, registry.bind_reduce(step.function));
    bool by_key = kind == "reduce_by_key";
    batch = [reduce, by_key](const Records& in) {
      return by_key ? ReduceByKey(in, reduce) : ReduceAll(in, reduce);
    };
  } else if (kind == "map" || kind == "map_values" || kind == "flat_map" || kind == "filter") {
    CKPT_ASSIGN_OR_RETURN(batch, BindPerRecord(kind, step.function, registry));
  } else {
    return Status::InvalidArgument("a transform cannot run '" + kind + "' on its RDD");
  }
  return BatchFn([batch](const Records& in, const Records*) { return batch(in); });
}

class StepsTransformedDStream : public DStream {
 public:
  StepsTransformedDStream(DStreamGraph* graph, std::vector<DStream*> parents,
                          std::vector<RddStep> steps)
      : DStream(graph, "transform_steps", parents, parents[0]->slide_duration()),
        steps_(std::move(steps)) {}

  Status bind_functions(const FunctionRegistry& registry) override {
    bound_.clear();
    for (const RddStep& step : steps_) {
      CKPT_ASSIGN_OR_RETURN(BatchFn fn, BindStep(step, registry));
      bound_.push_back(std::move(fn));
    }
    return Status::Ok();
  }

 protected:
  Result<RddPtr> compute(Time time) override {
    std::vector<RddPtr> inputs;
    if (parents().size() == 1) {  // transform: no RDD for no parent RDD
      CKPT_ASSIGN_OR_RETURN(RddPtr input, parents()[0]->get_or_compute(time));
      if (!input) return RddPtr();
      inputs.push_back(input);
    } else {
      CKPT_ASSIGN_OR_RETURN(inputs, EveryParentRdd(*this, time));
    }
    bool has_action = std::any_of(steps_.begin(), steps_.end(), IsAction);
    if (!has_action) {
      return make_rdd(time, inputs, [inputs, steps = steps_, bound = bound_]() {
        return Run(steps, bound, inputs, nullptr);
      });
    }
    // The actions run now, as jobs of the transform function.
    Runner actions = [this, time](const RddStep& step, const Records& records) {
      return run_action(step, time, records);
    };
    CKPT_ASSIGN_OR_RETURN(Records result, Run(steps_, bound_, inputs, &actions));
    return make_rdd(time, inputs, [result]() -> Result<Records> { return result; });
  }

  void fill_snapshot(StreamSnapshot& snapshot) const override {
    Records steps;
    for (size_t i = 0; i < steps_.size(); ++i) {
      const RddStep& step = steps_[i];
      steps.push_back(
          Value::Pair(Value::String(step.kind),
                      Value::Pair(Value::String(step.target), Value::String(step.suffix))));
      if (!step.function.empty()) snapshot.functions["step" + std::to_string(i)] = step.function;
    }
    snapshot.params["steps"] = Value::List(std::move(steps));
  }

 private:
  using Runner = std::function<Status(const RddStep&, const Records&)>;

  static Result<Records> Run(const std::vector<RddStep>& steps, const std::vector<BatchFn>& bound,
                             const std::vector<RddPtr>& inputs, const Runner* actions) {
    CKPT_ASSIGN_OR_RETURN(const Records* first, inputs[0]->materialize());
    const Records* other = nullptr;
    if (inputs.size() > 1) {
      CKPT_ASSIGN_OR_RETURN(other, inputs[1]->materialize());
    }
    Records records = *first;
    for (size_t i = 0; i < steps.size(); ++i) {
      if (IsAction(steps[i])) {
        CKPT_RETURN_IF_ERROR((*actions)(steps[i], records));
        continue;
      }
      CKPT_ASSIGN_OR_RETURN(records, bound[i](records, other));
    }
    return records;
  }

  // collect hands the records to its sink; save_as_text_files writes them as the output
  // operation does, and its sink sees the lines.
  Status run_action(const RddStep& step, Time time, const Records& records) {
    if (step.kind == "collect") return runtime().env.sink->emit(step.target, time, records);
    Records lines;
    for (const Value& v : records) lines.push_back(Value::String(v.to_string()));
    CKPT_RETURN_IF_ERROR(WriteTextFiles(runtime(), step.target, step.suffix, time, lines));
    return runtime().env.sink->emit(step.target, time, lines);
  }

  std::vector<RddStep> steps_;
  std::vector<BatchFn> bound_;
};

}  // namespace

Result<DStream*> DStream::transform_steps(std::vector<RddStep> steps, DStream* other) {
  std::vector<DStream*> parents = {this};
  if (other) {
    if (other->slide_duration() != slide_duration()) {
      return Status::InvalidArgument("Some of the DStreams have different slide durations");
    }
    parents.push_back(other);
  }
  return add_child<StepsTransformedDStream>(std::move(parents), std::move(steps));
}

Result<std::unique_ptr<DStream>> MakeTransformStream(DStreamGraph* graph, const StreamSnapshot& s,
                                                     const std::vector<DStream*>& parents) {
  using Made = std::unique_ptr<DStream>;
  if (s.kind != "transform_steps") return Made();
  if (parents.empty() || parents.size() > 2) return ExpectParents(s, parents, 1);
  CKPT_ASSIGN_OR_RETURN(Value encoded, SnapshotParam(s, "steps"));
  auto malformed = [&s] {
    return Status::InvalidArgument("transform_steps stream " + std::to_string(s.id) +
                                   " has malformed steps");
  };
  if (!encoded.is_list()) return malformed();
  std::vector<RddStep> steps;
  for (const Value& item : encoded.items()) {
    if (!item.is_pair() || !item.first().is_string() || !item.second().is_pair() ||
        !item.second().first().is_string() || !item.second().second().is_string()) {
      return malformed();
    }
    RddStep step{item.first().as_string(),
                 {},
                 item.second().first().as_string(),
                 item.second().second().as_string()};
    auto function = s.functions.find("step" + std::to_string(steps.size()));
    if (function != s.functions.end()) step.function = function->second;
    steps.push_back(std::move(step));
  }
  return Made(new StepsTransformedDStream(graph, parents, std::move(steps)));
}

}  // namespace ckpt
