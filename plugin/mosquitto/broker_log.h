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

// "(none)" for a missing value, otherwise the printable text.
std::string printable_or_none(const char* text);

}  // namespace mqauth::adapter
