// Stateful streams: updateStateByKey (Spark's StateDStream) and mapWithState (Spark's
// InternalMapWithStateDStream, its mapped records and its state snapshots).
#include <algorithm>

#include "engine/dstream/dstream_graph.h"
#include "engine/dstream/dstream_kinds.h"

namespace ckpt {
namespace {

// A pair record seen as its key and its value.
struct KeyedRecord {
  const Value* key;
  const Value* value;
};

// The pair records of `records` ordered by key, stably (a key's values keep their order).
Result<std::vector<KeyedRecord>> ByKey(const Records& records) {
  std::vector<KeyedRecord> pairs;
  pairs.reserve(records.size());
  for (const Value& record : records) {
    if (!record.is_pair()) return NotAPair("updateStateByKey", record);
    pairs.push_back(KeyedRecord{&record.first(), &record.second()});
  }
  auto key_less = [](const KeyedRecord& a, const KeyedRecord& b) { return *a.key < *b.key; };
  if (!std::is_sorted(pairs.begin(), pairs.end(), key_less)) {
    std::stable_sort(pairs.begin(), pairs.end(), key_less);
  }
  return pairs;
}

// StateDStream's cogroup of this batch's (key, value) records with the previous state's
// (key, state) records, both ordered by key (ByKey), then `update` per key, in key order: a
// merge. Of several states of one key the last counts, as a map assignment would. A failing
// update stops it with `error` set.
Records Cogroup(const std::vector<KeyedRecord>& v, const std::vector<KeyedRecord>& s,
                const UpdateStateFn& update, Status& error) {
  Records out;
  out.reserve(std::max(v.size(), s.size()));
  Records group;
  size_t i = 0, j = 0;
  while (i < v.size() || j < s.size()) {
    const Value& key =
        j == s.size() || (i < v.size() && *v[i].key < *s[j].key) ? *v[i].key : *s[j].key;
    group.clear();
    for (; i < v.size() && *v[i].key == key; ++i) group.push_back(*v[i].value);
    std::optional<Value> previous;
    for (; j < s.size() && *s[j].key == key; ++j) previous = *s[j].value;
    Result<std::optional<Value>> next = update(group, previous);
    if (!next.ok()) {
      error = next.status();
      return {};
    }
    if (next.value()) out.push_back(Value::Pair(key, std::move(*next.value())));
  }
  return out;
}

// updateStateByKey. Must checkpoint: its state at t depends on every earlier batch, so without
// checkpoint files recovery would have to replay from the beginning.
class StateDStream : public DStream {
 public:
  StateDStream(DStreamGraph* graph, DStream* parent, FunctionRef function)
      : DStream(graph, "update_state_by_key", {parent}, parent->slide_duration()),
        function_(std::move(function)) {}

  bool must_checkpoint() const override { return true; }

  Status bind_functions(const FunctionRegistry& registry) override {
    return BindTo(registry.bind_update_state(function_), update_);
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
      std::vector<KeyedRecord> values, states;
      if (batch) {
        CKPT_ASSIGN_OR_RETURN(const Records* records, batch->materialize());
        CKPT_ASSIGN_OR_RETURN(std::vector<KeyedRecord> by_key, ByKey(*records));
        values = std::move(by_key);
      }
      if (state) {
        CKPT_ASSIGN_OR_RETURN(const Records* records, state->materialize());
        CKPT_ASSIGN_OR_RETURN(std::vector<KeyedRecord> by_key, ByKey(*records));
        states = std::move(by_key);
      }
      Status error = Status::Ok();
      Records out = Cogroup(values, states, update, error);
      if (!error.ok()) return error;
      return out;
    });
  }
  void fill_snapshot(StreamSnapshot& snapshot) const override { snapshot.function = function_; }

 private:
  FunctionRef function_;
  UpdateStateFn update_;
};

// A mapWithState RDD's records (Spark's MapWithStateRDDRecord): the state map as
// ("s", (key, (state, updated_ms))) and the mapped records as ("m", record). Both go into the
// RDD checkpoint file, as Spark writes the whole record.
const Value& StateTag() {
  static const Value tag = Value::String("s");
  return tag;
}
const Value& MappedTag() {
  static const Value tag = Value::String("m");
  return tag;
}

struct StateEntry {
  Value state;
  int64_t updated_ms = 0;
};
using StateMap = std::map<Value, StateEntry>;

StateMap StatesOf(const Records& records) {
  StateMap states;
  for (const Value& v : records) {
    if (v.first() != StateTag()) continue;
    const Value& entry = v.second();
    states[entry.first()] = StateEntry{entry.second().first(), entry.second().second().as_int()};
  }
  return states;
}

// Spark's InternalMapWithStateDStream: one state RDD per batch, built from the previous one.
class InternalMapWithStateDStream : public DStream {
 public:
  InternalMapWithStateDStream(DStreamGraph* graph, DStream* parent, FunctionRef function,
                              std::optional<Duration> timeout)
      : DStream(graph, "map_with_state_state", {parent}, parent->slide_duration()),
        function_(std::move(function)),
        timeout_(timeout) {}

  bool must_checkpoint() const override { return true; }

  Status bind_functions(const FunctionRegistry& registry) override {
    return BindTo(registry.bind_map_with_state(function_), mapping_);
  }

 protected:
  Duration default_checkpoint_interval() const override { return slide_duration() * 10; }
  Result<RddPtr> compute(Time time) override;
  void fill_snapshot(StreamSnapshot& snapshot) const override {
    snapshot.function = function_;
    if (timeout_) snapshot.params["timeout_ms"] = Value::Int(timeout_->ms);
  }

 private:
  FunctionRef function_;
  std::optional<Duration> timeout_;
  MapWithStateFn mapping_;
};

Status ApplyMapping(const StateMapping& mapping, const Value& key, Time time, bool timing_out,
                    StateMap& states, Records& mapped) {
  if (mapping.mapped) mapped.push_back(*mapping.mapped);
  if (timing_out) {
    if (mapping.action != StateMapping::Action::kKeep) {
      return Status::Unsupported("Cannot update the state that is timing out");
    }
    states.erase(key);
  } else if (mapping.action == StateMapping::Action::kUpdate) {
    states[key] = StateEntry{mapping.new_state, time.ms};
  } else if (mapping.action == StateMapping::Action::kRemove) {
    states.erase(key);
  }
  return Status::Ok();
}

Result<RddPtr> InternalMapWithStateDStream::compute(Time time) {
  Result<RddPtr> previous = get_or_compute(time - slide_duration());
  if (!previous.ok()) return previous;
  Result<RddPtr> data = parents()[0]->get_or_compute(time);
  if (!data.ok()) return data;
  RddPtr state_rdd = previous.value(), data_rdd = data.value();
  std::vector<RddPtr> dependencies;
  if (state_rdd) dependencies.push_back(state_rdd);
  if (data_rdd) dependencies.push_back(data_rdd);
  // Spark scans for timed-out keys only when the RDD is marked for checkpointing (doFullScan).
  std::optional<Time> timeout_threshold;
  if (timeout_ && is_checkpoint_time(time)) timeout_threshold = time - *timeout_;
  MapWithStateFn mapping = mapping_;
  return make_rdd(
      time, dependencies,
      [state_rdd, data_rdd, mapping, time, timeout_threshold]() -> Result<Records> {
        StateMap states;
        if (state_rdd) {
          CKPT_ASSIGN_OR_RETURN(const Records* previous, state_rdd->materialize());
          states = StatesOf(*previous);
        }
        Records mapped;
        if (data_rdd) {
          CKPT_ASSIGN_OR_RETURN(const Records* values, data_rdd->materialize());
          for (const Value& v : *values) {
            if (!v.is_pair()) return NotAPair("mapWithState", v);
            auto found = states.find(v.first());
            std::optional<Value> state;
            if (found != states.end()) state = found->second.state;
            CKPT_ASSIGN_OR_RETURN(StateMapping result,
                                  mapping(v.first(), v.second(), state, false));
            CKPT_RETURN_IF_ERROR(ApplyMapping(result, v.first(), time, false, states, mapped));
          }
        }
        if (timeout_threshold) {
          std::vector<Value> timed_out;
          for (const auto& [key, entry] : states) {
            if (entry.updated_ms < timeout_threshold->ms) timed_out.push_back(key);
          }
          for (const Value& key : timed_out) {
            CKPT_ASSIGN_OR_RETURN(StateMapping result,
                                  mapping(key, std::nullopt, states[key].state, true));
            CKPT_RETURN_IF_ERROR(ApplyMapping(result, key, time, true, states, mapped));
          }
        }
        Records out;
        for (const auto& [key, entry] : states) {
          out.push_back(Value::Pair(
              StateTag(),
              Value::Pair(key, Value::Pair(entry.state, Value::Int(entry.updated_ms)))));
        }
        for (Value& record : mapped) out.push_back(Value::Pair(MappedTag(), std::move(record)));
        return out;
      });
}

// The two views of the state stream: its mapped records (what mapWithState returns) and its
// (key, state) snapshots (stateSnapshots()).
class StateViewDStream : public DStream {
 public:
  StateViewDStream(DStreamGraph* graph, std::string kind, DStream* state_stream)
      : DStream(graph, std::move(kind), {state_stream}, state_stream->slide_duration()) {}

  // checkpoint(d) on mapWithState's result configures the state stream (Spark forwards it).
  DStream* checkpoint_target() override { return kind() == "map_with_state" ? parents()[0] : this; }

 protected:
  Result<RddPtr> compute(Time time) override {
    bool snapshots = kind() == "state_snapshots";
    return derive_from_parent(time, [snapshots](const Records& in) -> Result<Records> {
      Records out;
      for (const Value& v : in) {
        if (snapshots && v.first() == StateTag()) {
          out.push_back(Value::Pair(v.second().first(), v.second().second().first()));
        } else if (!snapshots && v.first() == MappedTag()) {
          out.push_back(v.second());
        }
      }
      return out;
    });
  }
};

}  // namespace

Result<DStream*> DStream::update_state_by_key(FunctionRef f) {
  return add_child<StateDStream>(this, std::move(f));
}

Result<DStream*> DStream::map_with_state(FunctionRef f, std::optional<Duration> timeout) {
  Result<DStream*> state = add_child<InternalMapWithStateDStream>(this, std::move(f), timeout);
  if (!state.ok()) return state;
  return state.value()->add_child<StateViewDStream>("map_with_state", state.value());
}

Result<DStream*> DStream::state_snapshots() {
  if (kind() != "map_with_state") {
    return Status::InvalidArgument("stateSnapshots() needs a mapWithState stream, not " + kind());
  }
  return add_child<StateViewDStream>("state_snapshots", parents()[0]);
}

Result<std::unique_ptr<DStream>> MakeStateStream(DStreamGraph* graph, const StreamSnapshot& s,
                                                 const std::vector<DStream*>& parents) {
  using Made = std::unique_ptr<DStream>;
  if (s.kind != "update_state_by_key" && s.kind != "map_with_state_state" &&
      s.kind != "map_with_state" && s.kind != "state_snapshots") {
    return Made();
  }
  CKPT_RETURN_IF_ERROR(ExpectParents(s, parents, 1));
  if (s.kind == "update_state_by_key") return Made(new StateDStream(graph, parents[0], s.function));
  if (s.kind == "map_with_state_state") {
    std::optional<Duration> timeout;
    if (auto it = s.params.find("timeout_ms"); it != s.params.end()) {
      if (!it->second.is_int()) return Status::InvalidArgument("malformed mapWithState timeout");
      timeout = Duration{it->second.as_int()};
    }
    return Made(new InternalMapWithStateDStream(graph, parents[0], s.function, timeout));
  }
  if (parents[0]->kind() != "map_with_state_state") {
    return Status::InvalidArgument(s.kind + " stream " + std::to_string(s.id) +
                                   " must follow a mapWithState state stream");
  }
  return Made(new StateViewDStream(graph, s.kind, parents[0]));
}

}  // namespace ckpt
