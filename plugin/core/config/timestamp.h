// SPDX-License-Identifier: Apache-2.0
#pragma once
// Points in time in the config (previous_secret_until): RFC 3339 date-times with a UTC offset,
// "2026-12-31T23:59:59Z" or "2027-01-01T00:59:59+01:00", as `date -u +%FT%TZ` prints them.
#include <chrono>
#include <optional>
#include <string_view>

namespace mqauth::config {

using WallTime = std::chrono::system_clock::time_point;

// nullopt for anything else: no offset (a local time would move with the broker's zone), a
// fraction of a second, a date that does not exist, a time before 1970 or after 2262.
std::optional<WallTime> parse_timestamp(std::string_view text);

}  // namespace mqauth::config
