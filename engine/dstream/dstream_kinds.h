// Rebuilding streams from checkpoint snapshots, one factory per family of stream kinds.
//
// Each factory returns the rebuilt stream, nullptr when the kind is not of its family, or
// InvalidArgument when the snapshot is malformed. MakeStreamFromSnapshot asks each in turn.
#pragma once

#include <memory>
#include <vector>

#include "engine/dstream/dstream.h"

namespace ckpt {

using StreamFactory = Result<std::unique_ptr<DStream>> (*)(DStreamGraph* graph,
                                                           const StreamSnapshot& snapshot,
                                                           const std::vector<DStream*>& parents);

Result<std::unique_ptr<DStream>> MakeBasicStream(DStreamGraph*, const StreamSnapshot&,
                                                 const std::vector<DStream*>&);
Result<std::unique_ptr<DStream>> MakeWindowStream(DStreamGraph*, const StreamSnapshot&,
                                                  const std::vector<DStream*>&);
Result<std::unique_ptr<DStream>> MakeStateStream(DStreamGraph*, const StreamSnapshot&,
                                                 const std::vector<DStream*>&);
Result<std::unique_ptr<DStream>> MakeInputStream(DStreamGraph*, const StreamSnapshot&,
                                                 const std::vector<DStream*>&);
Result<std::unique_ptr<DStream>> MakeTransformStream(DStreamGraph*, const StreamSnapshot&,
                                                     const std::vector<DStream*>&);
Result<std::unique_ptr<DStream>> MakeOutputStream(DStreamGraph*, const StreamSnapshot&,
                                                  const std::vector<DStream*>&);

// Checks a snapshot's parent count: InvalidArgument naming the stream otherwise.
Status ExpectParents(const StreamSnapshot& snapshot, const std::vector<DStream*>& parents,
                     size_t count);
// A parameter of a snapshot, or InvalidArgument naming the stream and the parameter.
Result<Value> SnapshotParam(const StreamSnapshot& snapshot, const std::string& name);

// "(k, v) pairs needed" error of keyed operators.
Status NotAPair(const char* operation, const Value& value);

// Stores a bound function in `into`, or returns the binding error.
template <typename Fn>
Status BindTo(Result<Fn> bound, Fn& into) {
  if (!bound.ok()) return bound.status();
  into = std::move(bound).value();
  return Status::Ok();
}

// The records of every RDD in order (Spark's UnionRDD on one partition).
Result<Records> UnionOf(const std::vector<RddPtr>& rdds);

// map / map_values / flat_map / filter (`kind`) of `function` as a whole-batch function.
Result<TransformFn> BindPerRecord(const std::string& kind, const FunctionRef& function,
                                  const FunctionRegistry& registry);

// All records reduced to one (none for none): Spark's reduce on one partition.
Result<Records> ReduceAll(const Records& records, const ReduceFn& reduce);

// Whether `kind` is one of kPairJoinKinds.
bool IsPairJoinKind(const std::string& kind);

// The RDD of every parent of `stream` at `time` (Spark's TransformedDStream): IllegalState
// "Couldn't generate RDD from parent at time ..." when one has none.
Result<std::vector<RddPtr>> EveryParentRdd(DStream& stream, Time time);

// saveAsTextFiles' job for one batch: `lines` into <prefix>-<ms>[.<suffix>]/part-00000 through
// Hadoop's commit protocol, overwriting a batch that runs again (SPARK-4835).
Status WriteTextFiles(StreamingRuntime& runtime, const std::string& prefix,
                      const std::string& suffix, Time time, const Records& lines);

// One batch of a pair operation (kPairJoinKinds) of `left` with `right`, keys in order.
Result<Records> CoGroupRecords(const std::string& kind, const Records& left, const Records& right);

// Keyed reduce of `records` with `reduce`, keys in order (Spark's reduceByKey on one partition).
Result<Records> ReduceByKey(const Records& records, const ReduceFn& reduce);

}  // namespace ckpt
