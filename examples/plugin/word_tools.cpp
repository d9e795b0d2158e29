// An example function plugin: text functions for a word-count job (word_count.yaml beside it).
// Build: CMake's `ckptsim_example_plugin` target (see CMakeLists.txt), or by hand with
//   g++ -std=c++20 -shared -fPIC -I<ckptsim checkout> word_tools.cpp -o libword_tools.so
// Use: ckptsim run examples/plugin/word_count.yaml --plugin build/libckptsim_example_plugin.so
#include <algorithm>
#include <cctype>

#include "engine/plugin.h"

namespace {

using ckpt::Records;
using ckpt::Result;
using ckpt::Status;
using ckpt::Value;

Status Expected(const char* function, const char* what, const Value& got) {
  return Status::InvalidArgument(std::string(function) + " expects " + what + ", got " +
                                 got.to_string());
}

// A line -> its words: runs of letters and digits, in order.
Result<Records> Tokens(const Value& line) {
  if (!line.is_string()) return Expected("tokens", "a string", line);
  Records words;
  std::string word;
  for (char c : line.as_string() + " ") {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      word += c;
    } else if (!word.empty()) {
      words.push_back(Value::String(word));
      word.clear();
    }
  }
  return words;
}

Result<Value> Lowercase(const Value& word) {
  if (!word.is_string()) return Expected("lowercase", "a string", word);
  std::string lower = word.as_string();
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return Value::String(lower);
}

// The `n` (word, count) pairs with the highest counts, ties broken by the word: a per-batch
// "top n" as a job would compute it with rdd.top inside transform.
Result<Records> Top(const Records& counts, int64_t n) {
  for (const Value& pair : counts) {
    if (!pair.is_pair() || !pair.second().is_int()) {
      return Expected("top", "(word, count) pairs", pair);
    }
  }
  Records sorted = counts;
  std::sort(sorted.begin(), sorted.end(), [](const Value& a, const Value& b) {
    if (a.second().as_int() != b.second().as_int()) {
      return a.second().as_int() > b.second().as_int();
    }
    return a.first() < b.first();
  });
  if (static_cast<int64_t>(sorted.size()) > n) sorted.resize(static_cast<size_t>(n));
  return sorted;
}

}  // namespace

CKPTSIM_PLUGIN(registrar) {
  registrar.add_flat_map("tokens", 0, "line -> its words (runs of letters and digits)",
                         [](const std::vector<Value>&) -> ckpt::FlatMapFn { return Tokens; });
  registrar.add_map("lowercase", 0, "word -> the word in lower case",
                    [](const std::vector<Value>&) -> ckpt::MapFn { return Lowercase; });
  registrar.add_filter("longer_than", 1, "keeps words longer than n characters",
                       [](const std::vector<Value>& args) -> ckpt::FilterFn {
                         Value n = args[0];
                         return [n](const Value& word) -> Result<bool> {
                           if (!n.is_int()) return Expected("longer_than", "an integer n", n);
                           if (!word.is_string()) return Expected("longer_than", "a string", word);
                           return static_cast<int64_t>(word.as_string().size()) > n.as_int();
                         };
                       });
  registrar.add_transform("top", 1, "(word, count) pairs -> the n most frequent",
                          [](const std::vector<Value>& args) -> ckpt::TransformFn {
                            Value n = args[0];
                            return [n](const Records& counts) -> Result<Records> {
                              if (!n.is_int() || n.as_int() < 0) {
                                return Expected("top", "a count n >= 0", n);
                              }
                              return Top(counts, n.as_int());
                            };
                          });
}
