// Parsing an enum from the names its Name function gives, with one error format for every enum:
// "unknown <what> '<name>' (known: a, b, c)".
#pragma once

#include <initializer_list>
#include <string>

#include "engine/runtime/status.h"

namespace sim {

template <typename Enum, typename NameOf>
ckpt::Result<Enum> ParseNamed(const std::string& name, std::initializer_list<Enum> all,
                              NameOf name_of, const char* what) {
  std::string known;
  for (Enum value : all) {
    if (name == name_of(value)) return value;
    known += (known.empty() ? "" : ", ") + std::string(name_of(value));
  }
  return ckpt::Status::InvalidArgument("unknown " + std::string(what) + " '" + name +
                                       "' (known: " + known + ")");
}

}  // namespace sim
