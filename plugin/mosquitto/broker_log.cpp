// SPDX-License-Identifier: Apache-2.0
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

namespace {

// Escapes `text` into `out` until `limit` characters would be exceeded; returns how many bytes
// of `text` it took.
std::size_t append_printable(std::string& out, std::string_view text, std::size_t limit) {
    std::size_t taken = 0;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        const bool plain = byte >= 0x20 && byte < 0x7f && byte != '\\';
        if (out.size() + (plain ? 1 : 4) > limit) break;
        if (plain) {
            out += c;
        } else {
            char escaped[5];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
            out += escaped;
        }
        ++taken;
    }
    return taken;
}

}  // namespace

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    append_printable(out, text, std::string::npos);
    return out;
}

std::string printable_field(std::string_view text) {
    std::string out;
    if (append_printable(out, text, kMaxFieldChars) < text.size()) {
        out += "...(" + std::to_string(text.size()) + " bytes)";
    }
    return out;
}

std::string printable_or_none(const char* text) {
    return text ? printable_field(text) : "(none)";
}

}  // namespace mqauth::adapter
