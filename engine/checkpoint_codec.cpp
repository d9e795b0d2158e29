// The only translation unit that touches Boost.Serialization. Its exceptions stop here.
#include <boost/archive/binary_oarchive.hpp>
#include <boost/archive/impl/archive_serializer_map.ipp>
#include <boost/archive/impl/basic_binary_iarchive.ipp>
#include <boost/archive/impl/basic_binary_iprimitive.ipp>
#include <boost/serialization/map.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>
#include <sstream>

#include "engine/bounded_iarchive.h"
#include "engine/checkpoint.h"
#include "engine/frame.h"
#include "engine/value_serialization.h"

namespace boost::serialization {

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

}  // namespace boost::serialization

// The bounded archive's instantiations (Boost's recipe for a derived archive).
template class boost::archive::basic_binary_iarchive<ckpt::BoundedIArchive>;
template class boost::archive::basic_binary_iprimitive<ckpt::BoundedIArchive, char,
                                                       std::char_traits<char>>;
template class boost::archive::detail::archive_serializer_map<ckpt::BoundedIArchive>;

namespace ckpt {
namespace {

constexpr auto kArchiveFlags = boost::archive::no_header;

template <typename T>
std::string EncodeFramed(std::string_view magic, const T& value) {
  std::ostringstream stream;
  {
    boost::archive::binary_oarchive archive(stream, kArchiveFlags);
    archive << value;
  }
  return Frame(magic, stream.str());
}

template <typename T>
Result<T> DecodeFramed(std::string_view magic, std::string_view bytes) {
  Result<std::string_view> payload = Unframe(magic, bytes);
  if (!payload.ok()) return payload.status();
  T value{};
  try {
    std::istringstream stream{std::string(payload.value())};
    BoundedIArchive archive(stream, kArchiveFlags, payload.value().size());
    archive >> value;
    if (stream.peek() != std::char_traits<char>::eof()) {
      return Status::Corruption("trailing bytes after the archive");
    }
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

std::string EncodeRecords(const Records& records) { return EncodeFramed(kRddMagic, records); }

Result<Records> DecodeRecords(std::string_view bytes) {
  return DecodeFramed<Records>(kRddMagic, bytes);
}

}  // namespace ckpt
