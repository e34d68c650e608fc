// SPDX-License-Identifier: Apache-2.0
#include "refusal_log.h"

#include <string>

#include "authorizers/authorizer_username.h"
#include "broker_log.h"

namespace mqauth::adapter {
namespace {

std::string loggable_username(const char* username) {
    if (!username) return "(none)";
    return printable_field(authorizers::redacted_username(username));
}

bool logged_per_episode(engine::Reason reason) {
    return reason == engine::Reason::Throttled || reason == engine::Reason::AuthorizerUnavailable ||
           reason == engine::Reason::AuthorizerBusy;
}

}  // namespace

void log_refusal(const char* client_id, const char* address, const char* username,
                 const engine::Decision& decision) {
    if (logged_per_episode(decision.reason)) return;
    const bool broken = decision.verdict == engine::Verdict::Error;
    log_line(broken ? LogLevel::Error : LogLevel::Notice,
             std::string(broken ? "error deciding" : "refused") + " client_id=" +
                 printable_or_none(client_id) + " address=" + printable_or_none(address) +
                 " username=" + loggable_username(username) +
                 " reason=" + std::string(engine::reason_code(decision.reason)));
}

void log_left_to_next_plugin(const char* client_id, const char* address, const char* username) {
    log_line(LogLevel::Debug, "left to the next plugin client_id=" + printable_or_none(client_id) +
                                  " address=" + printable_or_none(address) + " username=" +
                                  loggable_username(username) + " reason=unknown_username");
}

}  // namespace mqauth::adapter
