// The concrete DStreams, the graph, and rebuilding both from a checkpoint snapshot.
#include <map>

#include "engine/dstream.h"
#include "engine/dstream_graph.h"

namespace ckpt {
namespace {

// map / flatMap / filter: one parent, records transformed one at a time.
class PerRecordDStream : public DStream {
 public:
  PerRecordDStream(DStreamGraph* graph, std::string kind, DStream* parent, FunctionRef function)
      : DStream(graph, std::move(kind), {parent}, parent->slide_duration()),
        function_(std::move(function)) {}

  Status bind_functions(const FunctionRegistry& registry) override {
    if (kind() == "map") {
      Result<MapFn> fn = registry.bind_map(function_);
      if (!fn.ok()) return fn.status();
      transform_ = [f = fn.value()](const Value& v, Records& out) -> Status {
        Result<Value> mapped = f(v);
        if (!mapped.ok()) return mapped.status();
        out.push_back(std::move(mapped).value());
        return Status::Ok();
      };
    } else if (kind() == "flat_map") {
      Result<FlatMapFn> fn = registry.bind_flat_map(function_);
      if (!fn.ok()) return fn.status();
      transform_ = [f = fn.value()](const Value& v, Records& out) -> Status {
        Result<Records> produced = f(v);
        if (!produced.ok()) return produced.status();
        for (Value& item : produced.value()) out.push_back(std::move(item));
        return Status::Ok();
      };
    } else {
      Result<FilterFn> fn = registry.bind_filter(function_);
      if (!fn.ok()) return fn.status();
      transform_ = [f = fn.value()](const Value& v, Records& out) -> Status {
        Result<bool> keep = f(v);
        if (!keep.ok()) return keep.status();
        if (keep.value()) out.push_back(v);
        return Status::Ok();
      };
    }
    return Status::Ok();
  }

 protected:
  Result<RddPtr> compute(Time time) override {
    return derive_from_parent(time, [transform = transform_](const Records& in) -> Result<Records> {
      Records out;
      for (const Value& v : in) CKPT_RETURN_IF_ERROR(transform(v, out));
      return out;
    });
  }
  void fill_snapshot(StreamSnapshot& snapshot) const override { snapshot.function = function_; }

 private:
  FunctionRef function_;
  std::function<Status(const Value&, Records&)> transform_;
};

Status NotAPair(const char* operation, const Value& v) {
  return Status::InvalidArgument(std::string(operation) + " needs (key, value) pairs, got " +
                                 v.to_string());
}

// reduceByKey (Spark's ShuffledDStream with a combiner): one record per key.
class ReduceByKeyDStream : public DStream {
 public:
  ReduceByKeyDStream(DStreamGraph* graph, DStream* parent, FunctionRef function)
      : DStream(graph, "reduce_by_key", {parent}, parent->slide_duration()),
        function_(std::move(function)) {}

  Status bind_functions(const FunctionRegistry& registry) override {
    Result<ReduceFn> fn = registry.bind_reduce(function_);
    if (!fn.ok()) return fn.status();
    reduce_ = fn.value();
    return Status::Ok();
  }

 protected:
  Result<RddPtr> compute(Time time) override {
    return derive_from_parent(time, [reduce = reduce_](const Records& in) -> Result<Records> {
      std::map<Value, Value> combined;
      for (const Value& v : in) {
        if (!v.is_pair()) return NotAPair("reduceByKey", v);
        auto [it, inserted] = combined.emplace(v.first(), v.second());
        if (inserted) continue;
        Result<Value> reduced = reduce(it->second, v.second());
        if (!reduced.ok()) return reduced.status();
        it->second = std::move(reduced).value();
      }
      Records out;
      for (auto& [key, value] : combined) out.push_back(Value::Pair(key, value));
      return out;
    });
  }
  void fill_snapshot(StreamSnapshot& snapshot) const override { snapshot.function = function_; }

 private:
  FunctionRef function_;
  ReduceFn reduce_;
};

// updateStateByKey (Spark's StateDStream). Must checkpoint: its state at t depends on every
// earlier batch, so without checkpoint files recovery would have to replay from the beginning.
class StateDStream : public DStream {
 public:
  StateDStream(DStreamGraph* graph, DStream* parent, FunctionRef function)
      : DStream(graph, "update_state_by_key", {parent}, parent->slide_duration()),
        function_(std::move(function)) {}

  bool must_checkpoint() const override { return true; }

  Status bind_functions(const FunctionRegistry& registry) override {
    Result<UpdateStateFn> fn = registry.bind_update_state(function_);
    if (!fn.ok()) return fn.status();
    update_ = fn.value();
    return Status::Ok();
  }

 protected:
  // As StateDStream.compute: previous state cogrouped with this batch's values; no previous
  // state means groupByKey of the batch; neither means no RDD.
  Result<RddPtr> compute(Time time) override {
    Result<RddPtr> previous = get_or_compute(time - slide_duration());
    if (!previous.ok()) return previous;
    Result<RddPtr> parent = parents()[0]->get_or_compute(time);
    if (!parent.ok()) return parent;
    RddPtr state = previous.value(), batch = parent.value();
    if (!state && !batch) return RddPtr();
    std::vector<RddPtr> dependencies;
    if (state) dependencies.push_back(state);
    if (batch) dependencies.push_back(batch);
    UpdateStateFn update = update_;
    return make_rdd(time, dependencies, [state, batch, update]() -> Result<Records> {
      std::map<Value, std::pair<Records, std::optional<Value>>> cogrouped;
      if (batch) {
        Result<const Records*> values = batch->materialize();
        if (!values.ok()) return values.status();
        for (const Value& v : *values.value()) {
          if (!v.is_pair()) return NotAPair("updateStateByKey", v);
          cogrouped[v.first()].first.push_back(v.second());
        }
      }
      if (state) {
        Result<const Records*> states = state->materialize();
        if (!states.ok()) return states.status();
        for (const Value& s : *states.value()) cogrouped[s.first()].second = s.second();
      }
      Records out;
      for (auto& [key, group] : cogrouped) {
        Result<std::optional<Value>> next = update(group.first, group.second);
        if (!next.ok()) return next.status();
        if (next.value()) out.push_back(Value::Pair(key, *next.value()));
      }
      return out;
    });
  }
  void fill_snapshot(StreamSnapshot& snapshot) const override { snapshot.function = function_; }

 private:
  FunctionRef function_;
  UpdateStateFn update_;
};

}  // namespace

// ---- builders ----

template <typename Stream, typename... Args>
Result<DStream*> DStream::add_child(Args&&... args) {
  CKPT_RETURN_IF_ERROR(runtime().check_can_add_stream());
  return graph_->add_stream(std::make_unique<Stream>(graph_, std::forward<Args>(args)...));
}

Result<DStream*> DStream::map(FunctionRef f) {
  return add_child<PerRecordDStream>("map", this, std::move(f));
}
Result<DStream*> DStream::flat_map(FunctionRef f) {
  return add_child<PerRecordDStream>("flat_map", this, std::move(f));
}
Result<DStream*> DStream::filter(FunctionRef f) {
  return add_child<PerRecordDStream>("filter", this, std::move(f));
}
Result<DStream*> DStream::reduce_by_key(FunctionRef f) {
  return add_child<ReduceByKeyDStream>(this, std::move(f));
}
Result<DStream*> DStream::update_state_by_key(FunctionRef f) {
  return add_child<StateDStream>(this, std::move(f));
}
Status DStream::collect(std::string output_name) {
  return add_child<OutputDStream>(this, std::move(output_name)).status();
}

// ---- inputs ----

InputDStream::InputDStream(DStreamGraph* graph, std::string kind, std::vector<Records> input)
    : DStream(graph, std::move(kind), {}, graph->batch_duration()), input_(std::move(input)) {}

Result<RddPtr> SequenceInputDStream::compute(Time time) {
  int64_t index = (time - *zero_time()).ms / slide_duration().ms - 1;
  Records records;
  if (index >= 0 && index < static_cast<int64_t>(input().size())) records = input()[index];
  return make_rdd(time, {}, [records]() -> Result<Records> { return records; });
}

Result<RddPtr> ConstantInputDStream::compute(Time time) {
  Records records = input()[0];
  return make_rdd(time, {}, [records]() -> Result<Records> { return records; });
}

// ---- the graph ----

DStreamGraph::DStreamGraph(StreamingRuntime* runtime, Duration batch_duration)
    : runtime_(runtime), batch_duration_(batch_duration) {}

DStream* DStreamGraph::add_stream(std::unique_ptr<DStream> stream) {
  CKPT_ASSERT(stream->id() == next_stream_id(), "streams must be added in id order");
  DStream* raw = stream.get();
  streams_.push_back(std::move(stream));
  if (raw->is_input()) inputs_.push_back(raw);
  if (raw->is_output()) outputs_.push_back(static_cast<OutputDStream*>(raw));
  return raw;
}

Status DStreamGraph::validate() const {
  if (outputs_.empty()) {
    return Status::InvalidArgument("No output operations registered, so nothing to execute");
  }
  return Status::Ok();
}

Status DStreamGraph::start(Time zero_time) {
  zero_time_ = zero_time;
  start_time_ = zero_time;
  for (OutputDStream* output : outputs_) CKPT_RETURN_IF_ERROR(output->initialize(zero_time));
  for (OutputDStream* output : outputs_) output->remember(*output->remember_duration());
  for (OutputDStream* output : outputs_) CKPT_RETURN_IF_ERROR(output->validate_at_start());
  return Status::Ok();
}

Status DStreamGraph::bind_functions(const FunctionRegistry& registry) {
  for (const auto& stream : streams_) CKPT_RETURN_IF_ERROR(stream->bind_functions(registry));
  return Status::Ok();
}

Result<std::vector<Job>> DStreamGraph::generate_jobs(Time time) {
  std::vector<Job> jobs;
  for (OutputDStream* output : outputs_) {
    Result<RddPtr> rdd = output->job_rdd(time);
    if (!rdd.ok()) return rdd.status();
    if (rdd.value()) jobs.push_back(Job{time, output, rdd.value()});
  }
  return jobs;
}

void DStreamGraph::clear_metadata(Time time) {
  for (OutputDStream* output : outputs_) output->clear_metadata(time);
}

void DStreamGraph::update_checkpoint_data(Time time) {
  for (OutputDStream* output : outputs_) output->update_checkpoint_data(time);
}

void DStreamGraph::clear_checkpoint_data(Time time) {
  for (OutputDStream* output : outputs_) output->clear_checkpoint_data(time);
}

void DStreamGraph::restore_checkpoint_data() {
  for (OutputDStream* output : outputs_) output->restore_checkpoint_data();
}

GraphSnapshot DStreamGraph::snapshot() const {
  GraphSnapshot snapshot;
  snapshot.batch_duration = batch_duration_;
  snapshot.zero_time = zero_time_;
  snapshot.start_time = start_time_;
  for (const auto& stream : streams_) snapshot.streams.push_back(stream->snapshot());
  for (const DStream* input : inputs_) snapshot.input_ids.push_back(input->id());
  for (const DStream* output : outputs_) snapshot.output_ids.push_back(output->id());
  return snapshot;
}

Result<std::unique_ptr<DStreamGraph>> DStreamGraph::FromSnapshot(StreamingRuntime* runtime,
                                                                 const GraphSnapshot& snapshot) {
  if (snapshot.batch_duration.ms <= 0) {
    return Status::InvalidArgument("checkpointed graph has no batch duration");
  }
  auto graph = std::make_unique<DStreamGraph>(runtime, snapshot.batch_duration);
  graph->zero_time_ = snapshot.zero_time;
  graph->start_time_ = snapshot.start_time;
  std::map<int32_t, DStream*> by_id;
  for (const StreamSnapshot& stream_snapshot : snapshot.streams) {
    if (stream_snapshot.id != graph->next_stream_id()) {
      return Status::InvalidArgument("checkpointed graph lists streams out of order");
    }
    Result<std::unique_ptr<DStream>> stream =
        MakeStreamFromSnapshot(graph.get(), stream_snapshot, by_id);
    if (!stream.ok()) return stream.status();
    stream.value()->restore_snapshot(stream_snapshot);
    by_id[stream_snapshot.id] = graph->add_stream(std::move(stream).value());
  }
  return graph;
}

Result<std::unique_ptr<DStream>> MakeStreamFromSnapshot(DStreamGraph* graph,
                                                        const StreamSnapshot& s,
                                                        const std::map<int32_t, DStream*>& by_id) {
  std::vector<DStream*> parents;
  for (int32_t parent_id : s.parents) {
    auto it = by_id.find(parent_id);
    if (it == by_id.end()) {
      return Status::InvalidArgument("stream " + std::to_string(s.id) +
                                     " names an unknown parent " + std::to_string(parent_id));
    }
    parents.push_back(it->second);
  }
  auto needs_parents = [&](size_t count) -> Status {
    if (parents.size() == count) return Status::Ok();
    return Status::InvalidArgument(s.kind + " stream " + std::to_string(s.id) + " needs " +
                                   std::to_string(count) + " parent(s)");
  };
  if (s.kind == "sequence") {
    CKPT_RETURN_IF_ERROR(needs_parents(0));
    return std::unique_ptr<DStream>(new SequenceInputDStream(graph, s.input));
  }
  if (s.kind == "constant") {
    CKPT_RETURN_IF_ERROR(needs_parents(0));
    if (s.input.size() != 1) return Status::InvalidArgument("constant stream without its records");
    return std::unique_ptr<DStream>(new ConstantInputDStream(graph, s.input[0]));
  }
  CKPT_RETURN_IF_ERROR(needs_parents(1));
  if (s.kind == "map" || s.kind == "flat_map" || s.kind == "filter") {
    return std::unique_ptr<DStream>(new PerRecordDStream(graph, s.kind, parents[0], s.function));
  }
  if (s.kind == "reduce_by_key") {
    return std::unique_ptr<DStream>(new ReduceByKeyDStream(graph, parents[0], s.function));
  }
  if (s.kind == "update_state_by_key") {
    return std::unique_ptr<DStream>(new StateDStream(graph, parents[0], s.function));
  }
  if (s.kind == "collect") {
    return std::unique_ptr<DStream>(new OutputDStream(graph, parents[0], s.output_name));
  }
  return Status::InvalidArgument("checkpoint names an unknown kind of stream '" + s.kind + "'");
}

}  // namespace ckpt
