#include "real/journal_fields.h"

#include <bit>

namespace real {

using ckpt::Status;
using ckpt::Time;
using nlohmann::json;

namespace {

nlohmann::ordered_json ValueToJson(const ckpt::Value& value) {
  switch (value.kind()) {
    case ckpt::Value::Kind::kInt:
      return nlohmann::ordered_json{{"i", value.as_int()}};
    case ckpt::Value::Kind::kDouble:
      return nlohmann::ordered_json{{"d", std::bit_cast<uint64_t>(value.as_double())}};
    case ckpt::Value::Kind::kString:
      return value.as_string();
    case ckpt::Value::Kind::kPair:
      return nlohmann::ordered_json::array(
          {ValueToJson(value.first()), ValueToJson(value.second())});
    case ckpt::Value::Kind::kNone:
      return nlohmann::ordered_json{{"none", true}};
    case ckpt::Value::Kind::kSome:
      return nlohmann::ordered_json{{"some", ValueToJson(value.some_value())}};
    case ckpt::Value::Kind::kList: {
      nlohmann::ordered_json items = nlohmann::ordered_json::array();
      for (const ckpt::Value& item : value.items()) items.push_back(ValueToJson(item));
      return nlohmann::ordered_json{{"list", std::move(items)}};
    }
  }
  return nullptr;
}

// Values nest at most this deep in a journal, as in a checkpoint (a hostile line must not recurse
// the reader off its stack).
constexpr int kMaxValueDepth = 64;

std::optional<ckpt::Value> ValueFromJson(const json& j, int depth = 0) {
  if (j.is_string()) return ckpt::Value::String(j.get<std::string>());
  if (j.is_object() && j.size() == 1 && j.contains("i") && j["i"].is_number_integer()) {
    return ckpt::Value::Int(j["i"].get<int64_t>());
  }
  if (j.is_object() && j.size() == 1 && j.contains("d") && j["d"].is_number_unsigned()) {
    return ckpt::Value::Double(std::bit_cast<double>(j["d"].get<uint64_t>()));
  }
  if (depth >= kMaxValueDepth) return std::nullopt;
  if (j.is_array() && j.size() == 2) {
    std::optional<ckpt::Value> first = ValueFromJson(j[0], depth + 1);
    std::optional<ckpt::Value> second = ValueFromJson(j[1], depth + 1);
    if (first && second) return ckpt::Value::Pair(*first, *second);
  }
  if (!j.is_object() || j.size() != 1) return std::nullopt;
  if (j.contains("none") && j["none"] == true) return ckpt::Value::None();
  if (j.contains("some")) {
    std::optional<ckpt::Value> inner = ValueFromJson(j["some"], depth + 1);
    if (inner) return ckpt::Value::Some(*inner);
  }
  if (j.contains("list") && j["list"].is_array()) {
    std::vector<ckpt::Value> items;
    for (const json& item : j["list"]) {
      std::optional<ckpt::Value> value = ValueFromJson(item, depth + 1);
      if (!value) return std::nullopt;
      items.push_back(*value);
    }
    return ckpt::Value::List(std::move(items));
  }
  return std::nullopt;
}

}  // namespace

nlohmann::ordered_json RecordsToJson(const ckpt::Records& records) {
  nlohmann::ordered_json values = nlohmann::ordered_json::array();
  for (const ckpt::Value& value : records) values.push_back(ValueToJson(value));
  return values;
}

ckpt::Records RecordsOf(const json& line, const char* field) {
  ckpt::Records records;
  for (const json& v : List(line, field)) {
    std::optional<ckpt::Value> value = ValueFromJson(v);
    if (!value) throw BadLine{std::string("a record of ") + field + " that is no value"};
    records.push_back(std::move(*value));
  }
  return records;
}

int64_t Int(const json& line, const char* field) {
  auto it = line.find(field);
  if (it == line.end() || !it->is_number_integer())
    throw BadLine{std::string("no integer ") + field};
  return it->get<int64_t>();
}

std::string Text(const json& line, const char* field) {
  auto it = line.find(field);
  if (it == line.end() || !it->is_string()) throw BadLine{std::string("no string ") + field};
  return it->get<std::string>();
}

std::optional<std::map<std::string, std::string>> Conf(const json& line, const char* field) {
  auto it = line.find(field);
  if (it == line.end()) return std::nullopt;
  if (!it->is_object()) throw BadLine{std::string("no object ") + field};
  std::map<std::string, std::string> conf;
  for (const auto& [key, value] : it->items()) {
    if (!value.is_string()) throw BadLine{std::string("a value of ") + field + " is no string"};
    conf[key] = value.get<std::string>();
  }
  return conf;
}

bool Flag(const json& line, const char* field) {
  auto it = line.find(field);
  if (it == line.end() || !it->is_boolean()) throw BadLine{std::string("no boolean ") + field};
  return it->get<bool>();
}

int64_t OptionalInt(const json& line, const char* field, int64_t fallback) {
  return line.contains(field) ? Int(line, field) : fallback;
}

bool OptionalFlag(const json& line, const char* field) {
  return line.contains(field) && Flag(line, field);
}

const json& List(const json& line, const char* field) {
  auto it = line.find(field);
  if (it == line.end() || !it->is_array()) throw BadLine{std::string("no list ") + field};
  return *it;
}

std::vector<Time> Times(const json& line, const char* field) {
  std::vector<Time> times;
  for (const json& t : List(line, field)) {
    if (!t.is_number_integer()) throw BadLine{std::string("a time of ") + field};
    times.push_back(Time{t.get<int64_t>()});
  }
  return times;
}

std::vector<Time> OptionalTimes(const json& line, const char* field) {
  return line.contains(field) ? Times(line, field) : std::vector<Time>{};
}

std::map<Time, std::string> RddFiles(const json& line) {
  std::map<Time, std::string> files;
  for (const json& pair : List(line, "files")) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number_integer() ||
        !pair[1].is_string()) {
      throw BadLine{"an RDD file that is no [time, file] pair"};
    }
    files[Time{pair[0].get<int64_t>()}] = pair[1].get<std::string>();
  }
  return files;
}

ckpt::FileEvent FileEventOf(const json& line) {
  std::optional<ckpt::FileOperation> operation = ckpt::ParseFileOperation(Text(line, "op"));
  if (!operation) throw BadLine{"an unknown file operation"};
  ckpt::FileEvent event{*operation, Text(line, "path"), {}, Flag(line, "ok"), {}};
  if (line.contains("to")) event.target = Text(line, "to");
  if (*operation == ckpt::FileOperation::kList) {
    for (const json& name : List(line, "names")) {
      if (!name.is_string()) throw BadLine{"a name that is no string"};
      event.listing.push_back(name.get<std::string>());
    }
  }
  return event;
}

Status StatusOf(const json& line) {
  auto it = line.find("status");
  if (it == line.end() || !it->is_object()) throw BadLine{"no status"};
  int64_t code = Int(*it, "code");
  if (code <= 0 || code > static_cast<int64_t>(ckpt::StatusCode::kProcessDead)) {
    throw BadLine{"a status code out of range"};
  }
  // Journals written before errors carried marks have none.
  int64_t marks = it->contains("marks") ? Int(*it, "marks") : 0;
  if (marks < 0 || marks > 0xff) throw BadLine{"status marks out of range"};
  return Status::WithCode(static_cast<ckpt::StatusCode>(code), Text(*it, "message"),
                          static_cast<uint8_t>(marks),
                          it->contains("subject") ? Text(*it, "subject") : "");
}

std::vector<ckpt::OffsetRange> Ranges(const json& line) {
  std::vector<ckpt::OffsetRange> ranges;
  for (const json& r : List(line, "ranges")) {
    if (!r.is_array() || r.size() != 3 || !r[0].is_number_integer() || !r[1].is_number_integer() ||
        !r[2].is_number_integer()) {
      throw BadLine{"an offset range"};
    }
    ranges.push_back(
        ckpt::OffsetRange{r[0].get<int32_t>(), r[1].get<int64_t>(), r[2].get<int64_t>()});
  }
  return ranges;
}

std::vector<ckpt::ReceivedBlockInfo> Blocks(const json& line, const char* field) {
  std::vector<ckpt::ReceivedBlockInfo> blocks;
  for (const json& b : List(line, field)) {
    if (!b.is_object()) throw BadLine{std::string("a block of ") + field};
    blocks.push_back(ckpt::ReceivedBlockInfo{static_cast<int32_t>(Int(b, "stream")), Text(b, "id"),
                                             Int(b, "count"), Int(b, "from"), Int(b, "until"),
                                             std::nullopt});
  }
  return blocks;
}

int32_t StreamOf(const sim::Scenario& scenario, int64_t id, sim::SourceKind kind) {
  if (id < 0 || id >= sim::InputStreamCount(scenario) ||
      sim::InputSource(scenario, static_cast<int32_t>(id)).kind() != kind) {
    throw BadLine{"stream " + std::to_string(id) + " is no " + sim::SourceKindName(kind) +
                  " stream of the scenario"};
  }
  return static_cast<int32_t>(id);
}

std::map<int32_t, int64_t> ReceiverPositions(const sim::Scenario& scenario, int64_t acknowledged) {
  std::map<int32_t, int64_t> positions;
  for (int32_t id = 0; id < sim::InputStreamCount(scenario); ++id) {
    if (sim::InputSource(scenario, id).kind() == sim::SourceKind::kReceiver) {
      positions[id] = acknowledged;
    }
  }
  return positions;
}

}  // namespace real
