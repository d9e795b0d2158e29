// The stateless DStreams (map, flatMap, filter, mapValues, transform, union, reduce,
// reduceByKey), the graph, and rebuilding both from a checkpoint snapshot.
#include <map>

#include "engine/dstream/dstream.h"
#include "engine/dstream/dstream_graph.h"
#include "engine/dstream/dstream_kinds.h"

namespace ckpt {
namespace {

// map / mapValues / flatMap / filter: one parent, records transformed one at a time.
class PerRecordDStream : public DStream {
 public:
  PerRecordDStream(DStreamGraph* graph, std::string kind, DStream* parent, FunctionRef function)
      : DStream(graph, std::move(kind), {parent}, parent->slide_duration()),
        function_(std::move(function)) {}

  Status bind_functions(const FunctionRegistry& registry) override {
    return BindTo(BindPerRecord(kind(), function_, registry), transform_);
  }

 protected:
  Result<RddPtr> compute(Time time) override { return derive_from_parent(time, transform_); }
  void fill_snapshot(StreamSnapshot& snapshot) const override { snapshot.function = function_; }

 private:
  FunctionRef function_;
  TransformFn transform_;
};

// transform (Spark's TransformedDStream) with a registered records -> records function.
class TransformedDStream : public DStream {
 public:
  TransformedDStream(DStreamGraph* graph, DStream* parent, FunctionRef function)
      : DStream(graph, "transform", {parent}, parent->slide_duration()),
        function_(std::move(function)) {}

  Status bind_functions(const FunctionRegistry& registry) override {
    return BindTo(registry.bind_transform(function_), transform_);
  }

 protected:
  Result<RddPtr> compute(Time time) override { return derive_from_parent(time, transform_); }
  void fill_snapshot(StreamSnapshot& snapshot) const override { snapshot.function = function_; }

 private:
  FunctionRef function_;
  TransformFn transform_;
};

// reduce (all records to one, Spark's map((null, _)).reduceByKey(f).map(_._2)) and
// reduceByKey (Spark's ShuffledDStream with a combiner: one record per key).
class ReducingDStream : public DStream {
 public:
  ReducingDStream(DStreamGraph* graph, std::string kind, DStream* parent, FunctionRef function)
      : DStream(graph, std::move(kind), {parent}, parent->slide_duration()),
        function_(std::move(function)),
        by_key_(this->kind() == "reduce_by_key") {}

  Status bind_functions(const FunctionRegistry& registry) override {
    return BindTo(registry.bind_reduce(function_), reduce_);
  }

 protected:
  Result<RddPtr> compute(Time time) override {
    if (by_key_) {
      return derive_from_parent(
          time, [reduce = reduce_](const Records& in) { return ReduceByKey(in, reduce); });
    }
    return derive_from_parent(
        time, [reduce = reduce_](const Records& in) { return ReduceAll(in, reduce); });
  }
  void fill_snapshot(StreamSnapshot& snapshot) const override { snapshot.function = function_; }

 private:
  FunctionRef function_;
  bool by_key_;
  ReduceFn reduce_;
};

// union (Spark's UnionDStream): every parent must have an RDD for the time.
class UnionDStream : public DStream {
 public:
  UnionDStream(DStreamGraph* graph, std::vector<DStream*> parents)
      : DStream(graph, "union", parents, parents[0]->slide_duration()) {}

 protected:
  Result<RddPtr> compute(Time time) override {
    std::vector<RddPtr> rdds;
    for (DStream* parent : parents()) {
      Result<RddPtr> rdd = parent->get_or_compute(time);
      if (!rdd.ok()) return rdd;
      if (!rdd.value()) {
        return Status::IllegalState("Could not generate RDD from a parent for unifying at time " +
                                    time.to_string());
      }
      rdds.push_back(rdd.value());
    }
    return make_rdd(time, rdds, [rdds]() { return UnionOf(rdds); });
  }
};

// cogroup and the joins (Spark's TransformedDStream over two parents, running rdd1.cogroup(rdd2)
// and, for a join, flattening its groups): both parents must have an RDD for the time.
class CoGroupedDStream : public DStream {
 public:
  CoGroupedDStream(DStreamGraph* graph, std::string kind, std::vector<DStream*> parents)
      : DStream(graph, std::move(kind), parents, parents[0]->slide_duration()) {}

 protected:
  Result<RddPtr> compute(Time time) override {
    CKPT_ASSIGN_OR_RETURN(std::vector<RddPtr> rdds, EveryParentRdd(*this, time));
    return make_rdd(time, rdds, [rdds, kind = kind()]() -> Result<Records> {
      CKPT_ASSIGN_OR_RETURN(const Records* left, rdds[0]->materialize());
      CKPT_ASSIGN_OR_RETURN(const Records* right, rdds[1]->materialize());
      return CoGroupRecords(kind, *left, *right);
    });
  }
};

}  // namespace

bool IsPairJoinKind(const std::string& kind) {
  for (const char* known : kPairJoinKinds) {
    if (kind == known) return true;
  }
  return false;
}

Result<std::vector<RddPtr>> EveryParentRdd(DStream& stream, Time time) {
  std::vector<RddPtr> rdds;
  for (DStream* parent : stream.parents()) {
    CKPT_ASSIGN_OR_RETURN(RddPtr rdd, parent->get_or_compute(time));
    if (!rdd) {
      return Status::IllegalState("Couldn't generate RDD from parent at time " + time.to_string());
    }
    rdds.push_back(rdd);
  }
  return rdds;
}

namespace {

// A transform that applies `per_record` (Status(const Value&, Records& out)) to each record in
// order. The per-record step is inlined into the loop rather than called through a second
// std::function: two of them per record were a fifth of a stateful job's instructions (issue 26,
// virtual time).
template <class PerRecord>
TransformFn EachRecord(PerRecord per_record) {
  return [per_record = std::move(per_record)](const Records& in) -> Result<Records> {
    Records out;
    out.reserve(in.size());
    for (const Value& v : in) CKPT_RETURN_IF_ERROR(per_record(v, out));
    return out;
  };
}

}  // namespace

Result<TransformFn> BindPerRecord(const std::string& kind, const FunctionRef& function,
                                  const FunctionRegistry& registry) {
  if (kind == "map") {
    CKPT_ASSIGN_OR_RETURN(MapFn fn, registry.bind_map(function));
    return EachRecord([f = std::move(fn)](const Value& v, Records& out) -> Status {
      CKPT_ASSIGN_OR_RETURN(Value mapped, f(v));
      out.push_back(std::move(mapped));
      return Status::Ok();
    });
  }
  if (kind == "map_values") {
    CKPT_ASSIGN_OR_RETURN(MapFn fn, registry.bind_map(function));
    return EachRecord([f = std::move(fn)](const Value& v, Records& out) -> Status {
      if (!v.is_pair()) return NotAPair("mapValues", v);
      CKPT_ASSIGN_OR_RETURN(Value mapped, f(v.second()));
      out.push_back(Value::Pair(v.first(), std::move(mapped)));
      return Status::Ok();
    });
  }
  if (kind == "flat_map") {
    CKPT_ASSIGN_OR_RETURN(FlatMapFn fn, registry.bind_flat_map(function));
    return EachRecord([f = std::move(fn)](const Value& v, Records& out) -> Status {
      CKPT_ASSIGN_OR_RETURN(Records produced, f(v));
      for (Value& item : produced) out.push_back(std::move(item));
      return Status::Ok();
    });
  }
  CKPT_ASSIGN_OR_RETURN(FilterFn fn, registry.bind_filter(function));
  return EachRecord([f = std::move(fn)](const Value& v, Records& out) -> Status {
    CKPT_ASSIGN_OR_RETURN(bool keep, f(v));
    if (keep) out.push_back(v);
    return Status::Ok();
  });
}

Result<Records> ReduceAll(const Records& records, const ReduceFn& reduce) {
  if (records.empty()) return Records{};
  Value total = records[0];
  for (size_t i = 1; i < records.size(); ++i) {
    CKPT_ASSIGN_OR_RETURN(Value next, reduce(total, records[i]));
    total = std::move(next);
  }
  return Records{total};
}

Result<Records> CoGroupRecords(const std::string& kind, const Records& left, const Records& right) {
  std::map<Value, std::pair<Records, Records>> groups;
  for (const Value& v : left) {
    if (!v.is_pair()) return NotAPair("cogroup", v);
    groups[v.first()].first.push_back(v.second());
  }
  for (const Value& w : right) {
    if (!w.is_pair()) return NotAPair("cogroup", w);
    groups[w.first()].second.push_back(w.second());
  }
  const bool keep_left = kind == "left_outer_join" || kind == "full_outer_join";
  const bool keep_right = kind == "right_outer_join" || kind == "full_outer_join";
  const bool wrap_left = kind == "right_outer_join" || kind == "full_outer_join";
  const bool wrap_right = kind == "left_outer_join" || kind == "full_outer_join";
  Records out;
  for (auto& [key, sides] : groups) {
    auto& [values, others] = sides;
    if (kind == "cogroup") {
      out.push_back(Value::Pair(key, Value::Pair(Value::List(values), Value::List(others))));
      continue;
    }
    // A missing side joins as None when the join keeps the other side's key, else not at all.
    if (values.empty() && !keep_right) continue;
    if (others.empty() && !keep_left) continue;
    auto wrap = [](const Records& side, bool wrapped) {
      Records out;
      for (const Value& v : side) out.push_back(wrapped ? Value::Some(v) : v);
      if (side.empty()) out.push_back(Value::None());
      return out;
    };
    for (const Value& v : wrap(values, wrap_left)) {
      for (const Value& w : wrap(others, wrap_right)) {
        out.push_back(Value::Pair(key, Value::Pair(v, w)));
      }
    }
  }
  return out;
}

Result<Records> UnionOf(const std::vector<RddPtr>& rdds) {
  Records out;
  for (const RddPtr& rdd : rdds) {
    CKPT_ASSIGN_OR_RETURN(const Records* records, rdd->materialize());
    out.insert(out.end(), records->begin(), records->end());
  }
  return out;
}

Status NotAPair(const char* operation, const Value& v) {
  return Status::InvalidArgument(std::string(operation) + " needs (key, value) pairs, got " +
                                 v.to_string());
}

Result<Records> ReduceByKey(const Records& records, const ReduceFn& reduce) {
  std::map<Value, Value> combined;
  for (const Value& v : records) {
    if (!v.is_pair()) return NotAPair("reduceByKey", v);
    auto [it, inserted] = combined.emplace(v.first(), v.second());
    if (inserted) continue;
    CKPT_ASSIGN_OR_RETURN(Value reduced, reduce(it->second, v.second()));
    it->second = std::move(reduced);
  }
  Records out;
  for (auto& [key, value] : combined) out.push_back(Value::Pair(key, value));
  return out;
}

Status ExpectParents(const StreamSnapshot& s, const std::vector<DStream*>& parents, size_t count) {
  if (parents.size() == count) return Status::Ok();
  return Status::InvalidArgument(s.kind + " stream " + std::to_string(s.id) + " needs " +
                                 std::to_string(count) + " parent(s)");
}

Result<Value> SnapshotParam(const StreamSnapshot& s, const std::string& name) {
  auto it = s.params.find(name);
  if (it == s.params.end()) {
    return Status::InvalidArgument(s.kind + " stream " + std::to_string(s.id) +
                                   " lacks its parameter '" + name + "'");
  }
  return it->second;
}

Result<std::unique_ptr<DStream>> MakeBasicStream(DStreamGraph* graph, const StreamSnapshot& s,
                                                 const std::vector<DStream*>& parents) {
  using Made = std::unique_ptr<DStream>;
  if (s.kind == "union") {
    if (parents.size() < 2) return ExpectParents(s, parents, 2);
    return Made(new UnionDStream(graph, parents));
  }
  if (IsPairJoinKind(s.kind)) {
    CKPT_RETURN_IF_ERROR(ExpectParents(s, parents, 2));
    return Made(new CoGroupedDStream(graph, s.kind, parents));
  }
  bool per_record =
      s.kind == "map" || s.kind == "map_values" || s.kind == "flat_map" || s.kind == "filter";
  bool reducing = s.kind == "reduce" || s.kind == "reduce_by_key";
  if (!per_record && !reducing && s.kind != "transform") return Made();
  CKPT_RETURN_IF_ERROR(ExpectParents(s, parents, 1));
  if (per_record) return Made(new PerRecordDStream(graph, s.kind, parents[0], s.function));
  if (reducing) return Made(new ReducingDStream(graph, s.kind, parents[0], s.function));
  return Made(new TransformedDStream(graph, parents[0], s.function));
}

// ---- builders ----

Result<DStream*> DStream::map(FunctionRef f) {
  return add_child<PerRecordDStream>("map", this, std::move(f));
}
Result<DStream*> DStream::map_values(FunctionRef f) {
  return add_child<PerRecordDStream>("map_values", this, std::move(f));
}
Result<DStream*> DStream::flat_map(FunctionRef f) {
  return add_child<PerRecordDStream>("flat_map", this, std::move(f));
}
Result<DStream*> DStream::filter(FunctionRef f) {
  return add_child<PerRecordDStream>("filter", this, std::move(f));
}
Result<DStream*> DStream::transform(FunctionRef f) {
  return add_child<TransformedDStream>(this, std::move(f));
}
Result<DStream*> DStream::reduce(FunctionRef f) {
  return add_child<ReducingDStream>("reduce", this, std::move(f));
}
Result<DStream*> DStream::reduce_by_key(FunctionRef f) {
  return add_child<ReducingDStream>("reduce_by_key", this, std::move(f));
}
Result<DStream*> DStream::union_with(DStream* other) {
  if (other->slide_duration() != slide_duration()) {
    return Status::InvalidArgument("Some of the DStreams have different slide durations");
  }
  return add_child<UnionDStream>(std::vector<DStream*>{this, other});
}
Result<DStream*> DStream::join_with(const std::string& kind, DStream* other) {
  CKPT_ASSERT(IsPairJoinKind(kind), "not a pair join kind: " + kind);
  // TransformedDStream's requirement, in Spark's words (its other one, one context for all,
  // holds by construction: a scenario has one).
  if (other->slide_duration() != slide_duration()) {
    return Status::InvalidArgument("Some of the DStreams have different slide durations");
  }
  return add_child<CoGroupedDStream>(kind, std::vector<DStream*>{this, other});
}
// Spark's countByValue: map((_, 1L)).reduceByKey(_ + _).
Result<DStream*> DStream::count_by_value() {
  Result<DStream*> pairs = map(FunctionRef{"pair_with_one", {}});
  if (!pairs.ok()) return pairs;
  return pairs.value()->reduce_by_key(FunctionRef{"sum", {}});
}

// ---- the graph ----

uint64_t DStreamGraph::state_digest() const {
  uint64_t digest = kFnvOffset;
  for (const std::unique_ptr<DStream>& stream : streams_) digest = stream->state_digest(digest);
  return digest;
}

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

Duration DStreamGraph::max_input_remember_duration() const {
  Duration longest{0};
  for (const DStream* input : inputs_) {
    if (input->remember_duration()) longest = std::max(longest, *input->remember_duration());
  }
  return longest;
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
  // ssc.remember(d): every output, and so every stream it depends on, remembers at least d.
  if (remember_) {
    for (OutputDStream* output : outputs_) output->remember(*remember_);
  }
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
    CKPT_ASSIGN_OR_RETURN(RddPtr rdd, output->job_rdd(time));
    if (rdd) jobs.push_back(Job{time, output, rdd});
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
  snapshot.remember = remember_;
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
  graph->remember_ = snapshot.remember;
  std::map<int32_t, DStream*> by_id;
  for (const StreamSnapshot& stream_snapshot : snapshot.streams) {
    if (stream_snapshot.id != graph->next_stream_id()) {
      return Status::InvalidArgument("checkpointed graph lists streams out of order");
    }
    CKPT_ASSIGN_OR_RETURN(std::unique_ptr<DStream> stream,
                          MakeStreamFromSnapshot(graph.get(), stream_snapshot, by_id));
    stream->restore_snapshot(stream_snapshot);
    by_id[stream_snapshot.id] = graph->add_stream(std::move(stream));
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
  for (StreamFactory factory : {MakeBasicStream, MakeWindowStream, MakeStateStream, MakeInputStream,
                                MakeTransformStream, MakeOutputStream}) {
    Result<std::unique_ptr<DStream>> stream = factory(graph, s, parents);
    if (!stream.ok() || stream.value()) return stream;
  }
  return Status::InvalidArgument("checkpoint names an unknown kind of stream '" + s.kind + "'");
}

}  // namespace ckpt
