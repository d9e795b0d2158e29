// Window operations: window, reduceByWindow, reduceByKeyAndWindow without and with an inverse
// function (Spark's WindowedDStream and ReducedWindowedDStream).
#include "engine/dstream/dstream_graph.h"
#include "engine/dstream/dstream_kinds.h"

namespace ckpt {
namespace {

// Spark's V8: window and slide must be multiples of the parent's slide. `what` names the stream
// class as Spark's message does.
Status CheckWindow(const std::string& what, const char* verb, Duration window, Duration slide,
                   Duration parent_slide) {
  auto check = [&](const char* which, Duration d) -> Status {
    if (d.is_multiple_of(parent_slide)) return Status::Ok();
    return Status::InvalidArgument("The " + std::string(which) + " duration of " + what + " (" +
                                   d.to_string() + ") must " + verb +
                                   " multiple of the slide duration of parent DStream (" +
                                   parent_slide.to_string() + ")");
  };
  CKPT_RETURN_IF_ERROR(check("window", window));
  return check("slide", slide);
}

class WindowedDStream : public DStream {
 public:
  WindowedDStream(DStreamGraph* graph, DStream* parent, Duration window, Duration slide)
      : DStream(graph, "window", {parent}, slide), window_(window) {}

 protected:
  // The window (t - window, t] of the parent's RDDs; always an RDD, possibly empty.
  Result<RddPtr> compute(Time time) override {
    DStream* parent = parents()[0];
    CKPT_ASSIGN_OR_RETURN(std::vector<RddPtr> rdds,
                          parent->slice(time - window_ + parent->slide_duration(), time));
    std::vector<RddPtr> in_window = rdds;
    return make_rdd(time, in_window, [in_window]() { return UnionOf(in_window); });
  }
  Duration parent_remember_duration() const override { return *remember_duration() + window_; }
  void fill_snapshot(StreamSnapshot& snapshot) const override {
    snapshot.params["window_ms"] = Value::Int(window_.ms);
  }

 private:
  Duration window_;
};

// reduceByKeyAndWindow with an inverse function. The window's value at t is the value at
// t - slide, inverse-reduced with the batches that left the window and reduced with those that
// entered it; so it depends on every earlier window and must checkpoint. The parent is the
// per-batch reduceByKey stream (Spark builds it inside; it is not checkpointed, SPARK-25302).
class ReducedWindowedDStream : public DStream {
 public:
  ReducedWindowedDStream(DStreamGraph* graph, DStream* reduced, FunctionRef reduce,
                         FunctionRef inverse, FunctionRef filter, Duration window, Duration slide)
      : DStream(graph, "reduced_window", {reduced}, slide),
        reduce_ref_(std::move(reduce)),
        inverse_ref_(std::move(inverse)),
        filter_ref_(std::move(filter)),
        window_(window) {}

  bool must_checkpoint() const override { return true; }

  Status bind_functions(const FunctionRegistry& registry) override {
    CKPT_RETURN_IF_ERROR(BindTo(registry.bind_reduce(reduce_ref_), reduce_));
    CKPT_RETURN_IF_ERROR(BindTo(registry.bind_reduce(inverse_ref_), inverse_));
    if (filter_ref_.empty()) return Status::Ok();
    return BindTo(registry.bind_filter(filter_ref_), filter_);
  }

 protected:
  Result<RddPtr> compute(Time time) override;
  Duration parent_remember_duration() const override { return *remember_duration() + window_; }
  void fill_snapshot(StreamSnapshot& snapshot) const override {
    snapshot.function = reduce_ref_;
    snapshot.functions["inverse"] = inverse_ref_;
    if (!filter_ref_.empty()) snapshot.functions["filter"] = filter_ref_;
    snapshot.params["window_ms"] = Value::Int(window_.ms);
  }

 private:
  FunctionRef reduce_ref_, inverse_ref_, filter_ref_;
  ReduceFn reduce_, inverse_;
  FilterFn filter_;
  Duration window_;
};

// Reduces the non-empty values of `groups` (one reduced value per batch at most).
Result<std::optional<Value>> ReduceAll(const std::vector<std::optional<Value>>& values,
                                       const ReduceFn& reduce) {
  std::optional<Value> total;
  for (const std::optional<Value>& value : values) {
    if (!value) continue;
    if (!total) {
      total = value;
      continue;
    }
    CKPT_ASSIGN_OR_RETURN(Value next, reduce(*total, *value));
    total = next;
  }
  return total;
}

Result<RddPtr> ReducedWindowedDStream::compute(Time time) {
  DStream* reduced = parents()[0];
  Duration parent_slide = reduced->slide_duration();
  Time current_begin = time - window_ + parent_slide;
  Time previous_begin = current_begin - slide_duration();
  Time previous_end = time - slide_duration();
  CKPT_ASSIGN_OR_RETURN(std::vector<RddPtr> old_rdds,
                        reduced->slice(previous_begin, current_begin - parent_slide));
  CKPT_ASSIGN_OR_RETURN(std::vector<RddPtr> new_rdds,
                        reduced->slice(previous_end + parent_slide, time));
  Result<RddPtr> previous = get_or_compute(previous_end);
  if (!previous.ok()) return previous;
  std::vector<RddPtr> all{previous.value()};  // the previous window first, possibly null
  all.insert(all.end(), old_rdds.begin(), old_rdds.end());
  all.insert(all.end(), new_rdds.begin(), new_rdds.end());
  size_t old_count = old_rdds.size();
  std::vector<RddPtr> dependencies;
  for (const RddPtr& rdd : all) {
    if (rdd) dependencies.push_back(rdd);
  }
  ReduceFn reduce = reduce_, inverse = inverse_;
  FilterFn filter = filter_;
  return make_rdd(
      time, dependencies, [all, old_count, reduce, inverse, filter]() -> Result<Records> {
        // Cogroup: key -> one optional value per RDD (each is already reduced by key).
        std::map<Value, std::vector<std::optional<Value>>> cogrouped;
        for (size_t i = 0; i < all.size(); ++i) {
          if (!all[i]) continue;
          CKPT_ASSIGN_OR_RETURN(const Records* records, all[i]->materialize());
          for (const Value& v : *records) {
            if (!v.is_pair()) return NotAPair("reduceByKeyAndWindow", v);
            auto& slots = cogrouped[v.first()];
            slots.resize(all.size());
            slots[i] = v.second();
          }
        }
        Records out;
        for (auto& [key, slots] : cogrouped) {
          std::vector<std::optional<Value>> old_values(slots.begin() + 1,
                                                       slots.begin() + 1 + old_count);
          std::vector<std::optional<Value>> new_values(slots.begin() + 1 + old_count, slots.end());
          Result<std::optional<Value>> old_total = ReduceAll(old_values, reduce);
          Result<std::optional<Value>> new_total = ReduceAll(new_values, reduce);
          if (!old_total.ok()) return old_total.status();
          if (!new_total.ok()) return new_total.status();
          Value value;
          if (!slots[0]) {
            if (!new_total.value()) {
              return Status::IllegalState(
                  "Neither previous window has value for key, nor new values found. Are you sure "
                  "your key class hashes consistently?");
            }
            value = *new_total.value();
          } else {
            value = *slots[0];
            if (old_total.value()) {
              CKPT_ASSIGN_OR_RETURN(Value next, inverse(value, *old_total.value()));
              value = next;
            }
            if (new_total.value()) {
              CKPT_ASSIGN_OR_RETURN(Value next, reduce(value, *new_total.value()));
              value = next;
            }
          }
          Value pair = Value::Pair(key, value);
          if (filter) {
            CKPT_ASSIGN_OR_RETURN(bool keep, filter(pair));
            if (!keep) continue;
          }
          out.push_back(pair);
        }
        return out;
      });
}

}  // namespace

Result<DStream*> DStream::window(Duration window, Duration slide) {
  CKPT_RETURN_IF_ERROR(CheckWindow("windowed DStream", "be a", window, slide, slide_duration()));
  return add_child<WindowedDStream>(this, window, slide);
}

// Spark's reduceByWindow. Without an inverse: reduce(f).window(w, s).reduce(f). With one:
// map((1, _)).reduceByKeyAndWindow(f, inverse, w, s).map(_._2), so each window is one record, and
// a checkpoint(d) of the result lands on that outer map (the ReducedWindowedDStream keeps its
// default interval).
Result<DStream*> DStream::reduce_by_window(FunctionRef f, Duration window, Duration slide,
                                           FunctionRef inverse) {
  if (!inverse.empty()) {
    Result<DStream*> keyed = map(FunctionRef{"keyed", {Value::Int(1)}});
    if (!keyed.ok()) return keyed;
    Result<DStream*> reduced =
        keyed.value()->reduce_by_key_and_window(std::move(f), window, slide, std::move(inverse));
    if (!reduced.ok()) return reduced;
    return reduced.value()->map(FunctionRef{"pair_value", {}});
  }
  CKPT_RETURN_IF_ERROR(CheckWindow("windowed DStream", "be a", window, slide, slide_duration()));
  Result<DStream*> reduced = reduce(f);
  if (!reduced.ok()) return reduced;
  Result<DStream*> windowed = reduced.value()->window(window, slide);
  if (!windowed.ok()) return windowed;
  return windowed.value()->reduce(std::move(f));
}

Result<DStream*> DStream::reduce_by_key_and_window(FunctionRef f, Duration window, Duration slide,
                                                   FunctionRef inverse, FunctionRef filter) {
  if (inverse.empty()) {
    // reduceByKey(f).window(w, s).reduceByKey(f); Spark has no filter without an inverse.
    CKPT_RETURN_IF_ERROR(CheckWindow("windowed DStream", "be a", window, slide, slide_duration()));
    Result<DStream*> reduced = reduce_by_key(f);
    if (!reduced.ok()) return reduced;
    Result<DStream*> windowed = reduced.value()->window(window, slide);
    if (!windowed.ok()) return windowed;
    return windowed.value()->reduce_by_key(std::move(f));
  }
  CKPT_RETURN_IF_ERROR(
      CheckWindow("ReducedWindowedDStream", "be", window, slide, slide_duration()));
  Result<DStream*> reduced = reduce_by_key(f);
  if (!reduced.ok()) return reduced;
  return reduced.value()->add_child<ReducedWindowedDStream>(
      reduced.value(), std::move(f), std::move(inverse), std::move(filter), window, slide);
}

Result<std::unique_ptr<DStream>> MakeWindowStream(DStreamGraph* graph, const StreamSnapshot& s,
                                                  const std::vector<DStream*>& parents) {
  using Made = std::unique_ptr<DStream>;
  if (s.kind != "window" && s.kind != "reduced_window") return Made();
  CKPT_RETURN_IF_ERROR(ExpectParents(s, parents, 1));
  Result<Value> window = SnapshotParam(s, "window_ms");
  if (!window.ok()) return window.status();
  if (!window.value().is_int() || window.value().as_int() <= 0) {
    return Status::InvalidArgument(s.kind + " stream " + std::to_string(s.id) +
                                   " has a malformed window");
  }
  Duration window_duration{window.value().as_int()};
  if (s.kind == "window")
    return Made(new WindowedDStream(graph, parents[0], window_duration, s.slide));
  auto inverse = s.functions.find("inverse");
  if (inverse == s.functions.end()) {
    return Status::InvalidArgument("reduced_window stream " + std::to_string(s.id) +
                                   " lacks its inverse function");
  }
  auto filter = s.functions.find("filter");
  return Made(new ReducedWindowedDStream(
      graph, parents[0], s.function, inverse->second,
      filter == s.functions.end() ? FunctionRef{} : filter->second, window_duration, s.slide));
}

}  // namespace ckpt
