// Reading the fields of a parsed journal line (internal to real/: journal.cpp's reader). A
// journal is a file, so hostile input: each reader checks the field's JSON type and throws
// BadLine naming the field when it is missing or of the wrong shape; the reader skips or reports
// that line.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/dstream/partitioned_log.h"
#include "engine/env.h"
#include "engine/receiver/received_block.h"
#include "engine/runtime/status.h"
#include "engine/runtime/time.h"
#include "engine/value.h"
#include "scenario/scenario.h"

namespace real {

// Thrown by the field readers on a line of the wrong shape; caught per line.
struct BadLine {
  std::string why;
};

int64_t Int(const nlohmann::json& line, const char* field);
std::string Text(const nlohmann::json& line, const char* field);
bool Flag(const nlohmann::json& line, const char* field);
// An optional field, read as its required form when present (journals from before it existed
// carry none): `fallback` or false when absent.
int64_t OptionalInt(const nlohmann::json& line, const char* field, int64_t fallback);
bool OptionalFlag(const nlohmann::json& line, const char* field);
const nlohmann::json& List(const nlohmann::json& line, const char* field);
// A map of strings to strings (a conf); nullopt when absent (journals written before confs were
// journaled).
std::optional<std::map<std::string, std::string>> Conf(const nlohmann::json& line,
                                                       const char* field);
std::vector<ckpt::Time> Times(const nlohmann::json& line, const char* field);
// Times(line, field), or none when the line has no such field (a journal of an older version).
std::vector<ckpt::Time> OptionalTimes(const nlohmann::json& line, const char* field);
// "files": [[RDD time, checkpoint file], ...]
std::map<ckpt::Time, std::string> RddFiles(const nlohmann::json& line);
// A "file" line: "op", "path", "ok", and "to" (rename) or "names" (list).
ckpt::FileEvent FileEventOf(const nlohmann::json& line);
// "status": {"code": n, "message": text}, n a StatusCode other than kOk.
ckpt::Status StatusOf(const nlohmann::json& line);
// "ranges": [[partition, from, until], ...]
std::vector<ckpt::OffsetRange> Ranges(const nlohmann::json& line);
// Records: a string is a JSON string, an int {"i":n}, a double {"d":<its 64 bits>} (exact), a
// pair a two-element array, none {"none":true}, some {"some":v}, a list {"list":[...]}; values
// nest at most 64 deep.
nlohmann::ordered_json RecordsToJson(const ckpt::Records& records);
ckpt::Records RecordsOf(const nlohmann::json& line, const char* field);
// `field`: [{"stream", "id", "count", "from", "until"}, ...]
std::vector<ckpt::ReceivedBlockInfo> Blocks(const nlohmann::json& line, const char* field);

// The input stream `id` of a line, which must be a stream of `scenario` of `kind`: a journal of
// another scenario (or a damaged one) may name any.
int32_t StreamOf(const sim::Scenario& scenario, int64_t id, sim::SourceKind kind);
// The real runtime has one receiver source (RealRuntimeSupports): its position `acknowledged` is
// that of every receiver stream of `scenario`, by stream id.
std::map<int32_t, int64_t> ReceiverPositions(const sim::Scenario& scenario, int64_t acknowledged);

}  // namespace real
