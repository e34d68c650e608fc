// SPDX-License-Identifier: Apache-2.0
#include "config/timestamp.h"

#include <ctime>

namespace mqauth::config {
namespace {

// The digits at text[at, at + count), as a number; nullopt when any is not a digit.
std::optional<int> digits(std::string_view text, std::size_t at, std::size_t count) {
    if (at + count > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = at; i < at + count; ++i) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

bool is_leap(int year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in(int year, int month) {
    constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

// The offset from UTC in seconds: "Z", "+HH:MM" or "-HH:MM".
std::optional<long> utc_offset(std::string_view zone) {
    if (zone.size() == 1 && (zone[0] == 'Z' || zone[0] == 'z')) return 0L;
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':') {
        return std::nullopt;
    }
    const auto hours = digits(zone, 1, 2);
    const auto minutes = digits(zone, 4, 2);
    if (!hours || !minutes || *hours > 23 || *minutes > 59) return std::nullopt;
    const long seconds = *hours * 3600L + *minutes * 60L;
    return zone[0] == '-' ? -seconds : seconds;
}

}  // namespace

std::optional<WallTime> parse_timestamp(std::string_view text) {
    // YYYY-MM-DDTHH:MM:SS then the zone.
    if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
        (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':') {
        return std::nullopt;
    }
    const auto year = digits(text, 0, 4);
    const auto month = digits(text, 5, 2);
    const auto day = digits(text, 8, 2);
    const auto hour = digits(text, 11, 2);
    const auto minute = digits(text, 14, 2);
    const auto second = digits(text, 17, 2);
    const auto offset = utc_offset(text.substr(19));
    if (!year || !month || !day || !hour || !minute || !second || !offset || *year < 1970 ||
        *month < 1 || *month > 12 || *day < 1 || *day > days_in(*year, *month) || *hour > 23 ||
        *minute > 59 || *second > 59) {
        return std::nullopt;
    }
    std::tm utc{};
    utc.tm_year = *year - 1900;
    utc.tm_mon = *month - 1;
    utc.tm_mday = *day;
    utc.tm_hour = *hour;
    utc.tm_min = *minute;
    utc.tm_sec = *second;
    const std::time_t seconds = ::timegm(&utc) - *offset;
    // The clock counts nanoseconds in 64 bits: it ends in 2262.
    const auto last =
        std::chrono::duration_cast<std::chrono::seconds>(WallTime::max().time_since_epoch());
    if (seconds < 0 || seconds >= last.count()) return std::nullopt;
    return std::chrono::system_clock::from_time_t(seconds);
}

}  // namespace mqauth::config
