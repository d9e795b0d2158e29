// Quoting for command lines the tool prints (replay, reproduce and crash-real commands): a
// printed command pasted into a POSIX shell must run exactly that command, whatever a scenario's
// path, a token or a flag's value holds (spaces, quotes, `$(...)`).
#pragma once

#include <string>

namespace sim {

// `word` as one shell word: unchanged when it holds only characters no POSIX shell treats
// specially (letters, digits and _ - . / : = + , @ %) and is not empty; otherwise in single
// quotes, each ' written as '\''.
inline std::string ShellQuote(const std::string& word) {
  bool plain = !word.empty();
  for (char c : word) {
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                std::string("_-./:=+,@%").find(c) != std::string::npos;
    plain = plain && safe;
  }
  if (plain) return word;
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

}  // namespace sim
