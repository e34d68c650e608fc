// SPDX-License-Identifier: Apache-2.0
#pragma once
// Log lines through the broker's own logging, so they land wherever `log_dest` says. Every line
// starts with "mqauth: " so operators can grep for the plugin's decisions.
#include <string>
#include <string_view>

namespace mqauth::adapter {

enum class LogLevel { Debug, Info, Notice, Warning, Error };

void log_line(LogLevel level, const std::string& message);

// Client-supplied text (client ids, usernames) made safe for a log line: control characters and
// bytes outside printable ASCII are escaped, so a client cannot forge extra log lines.
std::string printable(std::string_view text);

// printable(), cut to at most kMaxFieldChars characters with the length it had appended, for a
// field a client chose (a client id, a username, a topic: up to 64 KiB each). Mosquitto cuts
// every log line at about 1000 bytes, so an unbounded field would push out whatever follows it
// in the line, the client's address and the reason of a refusal included.
std::string printable_field(std::string_view text);
inline constexpr std::size_t kMaxFieldChars = 160;

// "(none)" for a missing value, otherwise printable_field(text).
std::string printable_or_none(const char* text);

}  // namespace mqauth::adapter
