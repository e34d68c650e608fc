#include "broker_log.h"

#include <mosquitto.h>
#include <mosquitto_broker.h>

#include <cstdio>

namespace mqauth::adapter {
namespace {

int broker_level(LogLevel level) {
    switch (level) {
        case LogLevel::Debug: return MOSQ_LOG_DEBUG;
        case LogLevel::Info: return MOSQ_LOG_INFO;
        case LogLevel::Notice: return MOSQ_LOG_NOTICE;
        case LogLevel::Warning: return MOSQ_LOG_WARNING;
        case LogLevel::Error: return MOSQ_LOG_ERR;
    }
    return MOSQ_LOG_ERR;
}

}  // namespace

void log_line(LogLevel level, const std::string& message) {
    mosquitto_log_printf(broker_level(level), "mqauth: %s", message.c_str());
}

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte < 0x7f && byte != '\\') {
            out += c;
        } else {
            char escaped[5];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
            out += escaped;
        }
    }
    return out;
}

std::string printable_or_none(const char* text) {
    return text ? printable(text) : "(none)";
}

}  // namespace mqauth::adapter
