// Virtual or wall time in integer milliseconds, and durations between times.
//
// Spark's streaming code works with `Time` and `Duration` in milliseconds; so do we. Both are plain
// values: no clock is read here (see scheduler.h for the only source of "now").
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <vector>

namespace ckpt {

struct Duration {
  int64_t ms = 0;

  constexpr auto operator<=>(const Duration&) const = default;
  constexpr Duration operator+(Duration other) const { return {ms + other.ms}; }
  constexpr Duration operator-(Duration other) const { return {ms - other.ms}; }
  constexpr Duration operator*(int64_t factor) const { return {ms * factor}; }
  // True when this duration is a whole multiple of `other` (Spark's Duration.isMultipleOf).
  constexpr bool is_multiple_of(Duration other) const {
    return other.ms != 0 && ms % other.ms == 0;
  }
  std::string to_string() const { return std::to_string(ms) + " ms"; }
};

constexpr Duration Milliseconds(int64_t ms) { return {ms}; }
constexpr Duration Seconds(int64_t s) { return {s * 1000}; }

struct Time {
  int64_t ms = 0;

  constexpr auto operator<=>(const Time&) const = default;
  constexpr Time operator+(Duration d) const { return {ms + d.ms}; }
  constexpr Time operator-(Duration d) const { return {ms - d.ms}; }
  constexpr Duration operator-(Time other) const { return {ms - other.ms}; }
  std::string to_string() const { return std::to_string(ms) + " ms"; }

  // Spark's Time.until: the half-open range [this, end) in steps of `step`.
  // REQUIRES: step.ms > 0.
  std::vector<Time> until(Time end, Duration step) const;
};

}  // namespace ckpt
