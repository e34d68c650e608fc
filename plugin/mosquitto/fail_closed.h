// SPDX-License-Identifier: Apache-2.0
#pragma once
// No exception may cross into the broker (it is C): every callback body runs inside this guard,
// which logs what escaped and returns the callback's fail-closed result instead.
#include <exception>
#include <string>

#include "broker_log.h"

namespace mqauth::adapter {

template <typename Body>
int fail_closed(const char* event, int closed_result, Body&& body) noexcept {
    try {
        return body();
    } catch (const std::exception& error) {
        try {
            log_line(LogLevel::Error, std::string(event) + " failed: " + error.what());
        } catch (...) {
        }
    } catch (...) {
        try {
            log_line(LogLevel::Error, std::string(event) + " failed: unknown exception");
        } catch (...) {
        }
    }
    return closed_result;
}

}  // namespace mqauth::adapter
