// The only translation unit that touches Boost.Serialization. Its exceptions stop here.
#include <boost/archive/binary_oarchive.hpp>
#include <boost/archive/impl/archive_serializer_map.ipp>
#include <boost/archive/impl/basic_binary_iarchive.ipp>
#include <boost/archive/impl/basic_binary_iprimitive.ipp>
#include <boost/serialization/map.hpp>
#include <boost/serialization/split_free.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>
#include <streambuf>

#include "engine/checkpoint/bounded_iarchive.h"
#include "engine/checkpoint/checkpoint.h"
#include "engine/checkpoint/frame.h"
#include "engine/receiver/received_block.h"
#include "engine/runtime/assert.h"
#include "engine/value_serialization.h"

namespace ckpt::codec_detail {

// A batch's records as Boost writes a bare std::vector<Value> (its count, its item version, then
// each value), with every value's bytes handed to the archive in one call: through the archive's
// per-element dispatch, encoding a state RDD's checkpoint file was a seventh of a stateful
// simulation's instructions (callgrind, issue 7). Decoded by RecordsInOneRead, in the same format
// as a std::vector<Value>.
struct RecordsInOneWrite {
  const Records& records;

  template <class Archive>
  void serialize(Archive& archive, const unsigned /*version*/) {
    boost::serialization::collection_size_type count(records.size());
    archive << count;
    const boost::serialization::item_version_type item_version(
        boost::serialization::version<Value>::value);
    archive << item_version;
    size_t size = 0;
    for (const Value& value : records) size += ArchiveBytesSize(value);
    std::string bytes(size, '\0');
    char* end = bytes.data();
    for (const Value& value : records) end = WriteArchiveBytes(value, end);
    archive.save_binary(bytes.data(), bytes.size());
  }
};

// Reads what RecordsInOneWrite wrote: the count and item version through the archive (which
// bounds the count by the bytes left), then every value in place.
struct RecordsInOneRead {
  Records records;

  template <class Archive>
  void serialize(Archive& archive, const unsigned /*version*/) {
    boost::serialization::collection_size_type count;
    archive >> count;
    boost::serialization::item_version_type item_version(0);
    archive >> item_version;
    SpanSource& source = archive.source();
    std::string_view rest = source.rest();
    ArchiveBytesReader reader(rest.data(), rest.data() + rest.size());
    reader.read_into(records, count);
    source.skip_to(reader.position());
  }
};

// no_codecvt: a binary archive never converts characters (Boost 1.74 builds the facet's locale
// all the same, which is why ArchiveBytes reuses one archive per thread).
constexpr auto kArchiveFlags = boost::archive::no_header | boost::archive::no_codecvt;

// The archive writes straight into the string that gets framed, after room for the header.
constexpr size_t kEncodeReserveBytes = 4096;
class StringSink : public std::streambuf {
 public:
  explicit StringSink(std::string* out) : out_(out) {}
  void retarget(std::string* out) { out_ = out; }

 protected:
  std::streamsize xsputn(const char* bytes, std::streamsize count) override {
    out_->append(bytes, static_cast<size_t>(count));
    return count;
  }
  int_type overflow(int_type byte) override {
    if (traits_type::eq_int_type(byte, traits_type::eof())) return traits_type::not_eof(byte);
    out_->push_back(traits_type::to_char_type(byte));
    return byte;
  }

 private:
  std::string* out_;
};

// Appends `value`'s archive bytes to `out` with this thread's archive, made once: building a
// binary_oarchive builds a std::locale with Boost's codecvt facet whatever the flags, 3% of an
// exploration's instructions when every encode built one (issue 26). Reusing the archive is safe
// because every type is written bare (below): no class information or tracked object carries
// over from one value to the next. Not reentrant: a serialize function that encodes something on
// its own uses its own archive (SourceInput's batches do).
template <class T>
void ArchiveBytes(const T& value, std::string* out) {
  struct Reused {
    StringSink sink{nullptr};
    boost::archive::binary_oarchive archive{sink, kArchiveFlags};
    bool busy = false;
  };
  thread_local Reused reused;
  CKPT_ASSERT(!reused.busy, "the thread's checkpoint archive used reentrantly");
  struct Lease {
    Reused& r;
    ~Lease() {
      r.sink.retarget(nullptr);
      r.busy = false;
    }
  } lease{reused};
  reused.busy = true;
  reused.sink.retarget(out);
  reused.archive << value;
}

}  // namespace ckpt::codec_detail

// Every type in a checkpoint is written as its bare fields: no class id, version or object
// tracking. Boost's default (class info and tracking per object) made each element of a record
// vector a lookup in its type registry, which cost more than the bytes themselves: half of an
// exhaustive exploration's instructions went to encoding checkpoints (callgrind, issue 7). The
// format was never versioned (a checkpoint is only read by the build that wrote it, as with
// Spark across upgrades), so nothing is lost.
#define CKPT_SERIALIZE_BARE(T)                       \
  BOOST_CLASS_IMPLEMENTATION(T, object_serializable) \
  BOOST_CLASS_TRACKING(T, track_never)
CKPT_SERIALIZE_BARE(ckpt::Value)
CKPT_SERIALIZE_BARE(ckpt::Time)
CKPT_SERIALIZE_BARE(ckpt::Duration)
CKPT_SERIALIZE_BARE(ckpt::FunctionRef)
CKPT_SERIALIZE_BARE(ckpt::SourceInput)
CKPT_SERIALIZE_BARE(ckpt::StreamSnapshot)
CKPT_SERIALIZE_BARE(ckpt::GraphSnapshot)
CKPT_SERIALIZE_BARE(ckpt::Checkpoint)
CKPT_SERIALIZE_BARE(ckpt::WalRecordHandle)
CKPT_SERIALIZE_BARE(ckpt::ReceivedBlockInfo)
CKPT_SERIALIZE_BARE(ckpt::ReceivedBlockEvent)
CKPT_SERIALIZE_BARE(ckpt::codec_detail::RecordsInOneWrite)
CKPT_SERIALIZE_BARE(ckpt::codec_detail::RecordsInOneRead)
#undef CKPT_SERIALIZE_BARE

namespace boost::serialization {

// The same for the standard containers the snapshot types hold.
struct BareLevel {
  typedef mpl::integral_c_tag tag;
  typedef mpl::int_<object_serializable> type;
  BOOST_STATIC_CONSTANT(int, value = object_serializable);
};
struct NeverTracked {
  typedef mpl::integral_c_tag tag;
  typedef mpl::int_<track_never> type;
  BOOST_STATIC_CONSTANT(int, value = track_never);
};
template <class T, class A>
struct implementation_level_impl<const std::vector<T, A>> : BareLevel {};
template <class T, class A>
struct tracking_level<std::vector<T, A>> : NeverTracked {};
template <class K, class V, class C, class A>
struct implementation_level_impl<const std::map<K, V, C, A>> : BareLevel {};
template <class K, class V, class C, class A>
struct tracking_level<std::map<K, V, C, A>> : NeverTracked {};
template <class F, class S>
struct implementation_level_impl<const std::pair<F, S>> : BareLevel {};
template <class F, class S>
struct tracking_level<std::pair<F, S>> : NeverTracked {};
template <class T>
struct implementation_level_impl<const std::optional<T>> : BareLevel {};
template <class T>
struct tracking_level<std::optional<T>> : NeverTracked {};

template <class Archive>
void serialize(Archive& archive, ckpt::Time& time, const unsigned) {
  archive& time.ms;
}

template <class Archive>
void serialize(Archive& archive, ckpt::Duration& duration, const unsigned) {
  archive& duration.ms;
}

// std::optional support written out (Boost 1.74 predates its own).
template <class Archive, class T>
void serialize(Archive& archive, std::optional<T>& value, const unsigned) {
  bool present = value.has_value();
  archive& present;
  if constexpr (Archive::is_loading::value) {
    if (present) {
      T loaded{};
      archive& loaded;
      value = std::move(loaded);
    } else {
      value.reset();
    }
  } else if (present) {
    archive&* value;
  }
}

template <class Archive>
void serialize(Archive& archive, ckpt::FunctionRef& ref, const unsigned) {
  archive& ref.name& ref.args;
}

// A source's batches as Boost writes a std::vector<Records>, encoded when the first checkpoint
// holding them is written and copied from then on (SourceInput); read back as the vector.
template <class Archive>
void save(Archive& archive, const ckpt::SourceInput& input, const unsigned) {
  if (input.batches().empty()) {  // most streams: nothing worth keeping
    archive << input.batches();
    return;
  }
  const std::string* bytes = input.encoded();
  std::string fresh;
  if (bytes == nullptr) {
    ckpt::codec_detail::StringSink sink(&fresh);
    {
      boost::archive::binary_oarchive batches_archive(sink, ckpt::codec_detail::kArchiveFlags);
      batches_archive << input.batches();
    }
    input.keep_encoded(std::move(fresh));
    bytes = input.encoded();
  }
  archive.save_binary(bytes->data(), bytes->size());
}

template <class Archive>
void load(Archive& archive, ckpt::SourceInput& input, const unsigned) {
  std::vector<ckpt::Records> batches;
  archive >> batches;
  input = ckpt::SourceInput(std::move(batches));
}

template <class Archive>
void serialize(Archive& archive, ckpt::SourceInput& input, const unsigned version) {
  split_free(archive, input, version);
}

template <class Archive>
void serialize(Archive& archive, ckpt::StreamSnapshot& s, const unsigned) {
  archive& s.id& s.kind& s.parents& s.function& s.input& s.output_name& s.slide;
  archive& s.checkpoint_interval& s.remember& s.zero_time& s.checkpoint_files;
  archive& s.functions& s.params& s.input_data;
}

template <class Archive>
void serialize(Archive& archive, ckpt::GraphSnapshot& g, const unsigned) {
  archive& g.batch_duration& g.zero_time& g.start_time& g.remember& g.streams;
  archive& g.input_ids& g.output_ids;
}

template <class Archive>
void serialize(Archive& archive, ckpt::Checkpoint& c, const unsigned) {
  archive& c.master& c.framework& c.jars& c.graph& c.checkpoint_dir& c.checkpoint_duration;
  archive& c.pending_times& c.conf_pairs& c.checkpoint_time;
}

template <class Archive>
void serialize(Archive& archive, ckpt::WalRecordHandle& h, const unsigned) {
  archive& h.path& h.offset& h.length;
}

template <class Archive>
void serialize(Archive& archive, ckpt::ReceivedBlockInfo& b, const unsigned) {
  archive& b.stream_id& b.block_id& b.record_count& b.source_from& b.source_until& b.wal_handle;
}

template <class Archive>
void serialize(Archive& archive, ckpt::ReceivedBlockEvent& e, const unsigned) {
  auto kind = static_cast<uint8_t>(e.kind);
  archive& kind;
  if constexpr (Archive::is_loading::value) {
    if (kind > static_cast<uint8_t>(ckpt::ReceivedBlockEvent::Kind::kBatchCleanup)) {
      throw std::runtime_error("unknown received-block event kind " + std::to_string(kind));
    }
    e.kind = static_cast<ckpt::ReceivedBlockEvent::Kind>(kind);
  }
  archive& e.block& e.batch_time& e.allocated& e.cleaned_times;
}

}  // namespace boost::serialization

// The bounded archive's instantiations (Boost's recipe for a derived archive).
template class boost::archive::basic_binary_iarchive<ckpt::BoundedIArchive>;
template class boost::archive::basic_binary_iprimitive<ckpt::BoundedIArchive, char,
                                                       std::char_traits<char>>;
template class boost::archive::detail::archive_serializer_map<ckpt::BoundedIArchive>;

namespace ckpt {
namespace {

using codec_detail::kArchiveFlags;
using codec_detail::kEncodeReserveBytes;

template <typename T>
std::string EncodeFramed(std::string_view magic, const T& value) {
  std::string framed(kFrameHeaderBytes, '\0');
  framed.reserve(kEncodeReserveBytes);
  codec_detail::ArchiveBytes(value, &framed);
  SealFrame(magic, &framed);
  return framed;
}

template <typename T>
Result<T> DecodeFramed(std::string_view magic, std::string_view bytes) {
  CKPT_ASSIGN_OR_RETURN(std::string_view payload, Unframe(magic, bytes));
  T value{};
  try {
    SpanSource source(payload);
    BoundedIArchive archive(source, kArchiveFlags);
    archive >> value;
    if (source.bytes_left() != 0) return Status::Corruption("trailing bytes after the archive");
  } catch (const std::exception& error) {
    return Status::Corruption(std::string("undecodable archive: ") + error.what());
  }
  return value;
}

}  // namespace

std::string EncodeCheckpoint(const Checkpoint& checkpoint) {
  return EncodeFramed(kCheckpointMagic, checkpoint);
}

Result<Checkpoint> DecodeCheckpoint(std::string_view bytes) {
  Result<Checkpoint> checkpoint = DecodeFramed<Checkpoint>(kCheckpointMagic, bytes);
  if (!checkpoint.ok()) return checkpoint;
  Status valid = checkpoint.value().validate();
  if (!valid.ok()) return Status::Corruption(valid.message());
  // Spark's QueueInputDStream.readObject throws, so a checkpoint holding one cannot be read.
  for (const StreamSnapshot& stream : checkpoint.value().graph.streams) {
    if (stream.kind == "queue") {
      return Status::Unsupported(
          "java.io.NotSerializableException: queueStream doesn't support checkpointing. Please "
          "don't use queueStream when checkpointing is enabled.");
    }
  }
  return checkpoint;
}

std::string EncodeRecords(const Records& records) {
  return EncodeFramed(kRddMagic, codec_detail::RecordsInOneWrite{records});
}

Result<Records> DecodeRecords(std::string_view bytes) {
  CKPT_ASSIGN_OR_RETURN(codec_detail::RecordsInOneRead decoded,
                        DecodeFramed<codec_detail::RecordsInOneRead>(kRddMagic, bytes));
  return std::move(decoded.records);
}

std::string EncodeReceivedBlockEvent(const ReceivedBlockEvent& event) {
  return EncodeFramed(kBlockEventMagic, event);
}

Result<ReceivedBlockEvent> DecodeReceivedBlockEvent(std::string_view bytes) {
  return DecodeFramed<ReceivedBlockEvent>(kBlockEventMagic, bytes);
}

std::string EncodeBlockData(const Records& records) {
  return EncodeFramed(kBlockDataMagic, codec_detail::RecordsInOneWrite{records});
}

Result<Records> DecodeBlockData(std::string_view bytes) {
  CKPT_ASSIGN_OR_RETURN(codec_detail::RecordsInOneRead decoded,
                        DecodeFramed<codec_detail::RecordsInOneRead>(kBlockDataMagic, bytes));
  return std::move(decoded.records);
}

}  // namespace ckpt
