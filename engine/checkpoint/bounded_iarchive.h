// A Boost binary input archive that never believes a length beyond its input: every collection
// count and string length must fit in the bytes left, so hostile bytes cannot make a decoder
// allocate more than a small multiple of the checkpoint's own size; and a bool must be 0 or 1.
// Only engine/checkpoint/checkpoint_codec.cpp includes it; its exceptions stop there.
#pragma once

#include <boost/archive/archive_exception.hpp>
#include <boost/archive/binary_iarchive_impl.hpp>
#include <boost/archive/detail/register_archive.hpp>
#include <boost/serialization/array_optimization.hpp>
#include <boost/serialization/collection_size_type.hpp>
#include <istream>
#include <streambuf>
#include <string>
#include <string_view>

namespace ckpt {

// The archive reads the payload in place, and knows how much of it is left.
class SpanSource : public std::streambuf {
 public:
  explicit SpanSource(std::string_view bytes) {
    char* begin = const_cast<char*>(bytes.data());  // only ever read: no putback area is used
    setg(begin, begin, begin + bytes.size());
  }
  size_t bytes_left() const { return static_cast<size_t>(egptr() - gptr()); }
  // The bytes not read yet, for a reader that parses them in place and then skips to where it
  // stopped (REQUIRES: `at` within rest()).
  std::string_view rest() const { return {gptr(), bytes_left()}; }
  void skip_to(const char* at) { setg(eback(), const_cast<char*>(at), egptr()); }
};

class BoundedIArchive
    : public boost::archive::binary_iarchive_impl<BoundedIArchive, std::istream::char_type,
                                                  std::istream::traits_type> {
  using Base = boost::archive::binary_iarchive_impl<BoundedIArchive, std::istream::char_type,
                                                    std::istream::traits_type>;
  using Primitive =
      boost::archive::basic_binary_iprimitive<BoundedIArchive, std::istream::char_type,
                                              std::istream::traits_type>;

 public:
  BoundedIArchive(SpanSource& source, unsigned flags) : Base(source, flags), source_(source) {}
  SpanSource& source() { return source_; }

  // Friends of the archive machinery call these.
  template <class T>
  void load_override(T& t) {
    Base::load_override(t);
  }
  void load_override(boost::serialization::collection_size_type& count) {
    Base::load_override(count);
    // Every element takes at least one byte of the archive.
    check(static_cast<size_t>(count), "collection of");
  }
  using Primitive::load;
  // Boost reads a bool's byte straight into the bool: any byte but 0 and 1 is undefined
  // behaviour (the checkpoint fuzz target found it). Read the byte, then judge it.
  void load(bool& value) {
    unsigned char byte = 0;
    load_binary(&byte, 1);
    if (byte > 1) {
      throw boost::archive::archive_exception(boost::archive::archive_exception::input_stream_error,
                                              "a bool that is neither 0 nor 1");
    }
    value = byte == 1;
  }
  void load(std::string& text) {
    std::size_t length = 0;
    Primitive::load(length);
    check(length, "string of");
    text.resize(length);
    if (length > 0) load_binary(text.data(), length);
  }

 private:
  void check(size_t claimed, const char* what) {
    size_t left = source_.bytes_left();
    if (claimed > left) {
      throw boost::archive::archive_exception(
          boost::archive::archive_exception::input_stream_error,
          (std::string(what) + " " + std::to_string(claimed) + " beyond the " +
           std::to_string(left) + " bytes left")
              .c_str());
    }
  }

  SpanSource& source_;
};

}  // namespace ckpt

BOOST_SERIALIZATION_REGISTER_ARCHIVE(ckpt::BoundedIArchive)
// Like binary_iarchive: vectors of primitives are one block, as binary_oarchive writes them.
BOOST_SERIALIZATION_USE_ARRAY_OPTIMIZATION(ckpt::BoundedIArchive)
