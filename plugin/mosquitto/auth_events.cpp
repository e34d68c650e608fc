#include <mosquitto.h>

#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "broker_log.h"
#include "client_connection.h"
#include "decision_mapping.h"
#include "events.h"

namespace mqauth::adapter {
namespace {

using engine::Decision;
using engine::Verdict;

std::optional<std::string_view> optional_text(const char* text) {
    if (!text) return std::nullopt;
    return std::string_view(text);
}

engine::ConnectionId connection_of(const mosquitto* client) {
    return reinterpret_cast<engine::ConnectionId>(client);
}

std::string_view client_id_of(const mosquitto* client) {
    const char* id = mosquitto_client_id(client);
    return id ? id : "";
}

// The server name is no secret; at debug level, so operators can see what a client asked for.
void log_server_name(const mosquitto* client, std::string_view server_name) {
    log_line(LogLevel::Debug,
             "TLS client_id=" + printable_or_none(mosquitto_client_id(client)) +
                 " address=" + printable_or_none(mosquitto_client_address(client)) +
                 " server_name=" + printable(server_name));
}

// One line per refusal: who, from where, why. Never a password or any authentication data.
void log_refusal(const mosquitto* client, const char* username, const Decision& decision) {
    const bool broken = decision.verdict == Verdict::Error;
    log_line(broken ? LogLevel::Error : LogLevel::Notice,
             std::string(broken ? "error deciding" : "refused") +
                 " client_id=" + printable_or_none(mosquitto_client_id(client)) +
                 " address=" + printable_or_none(mosquitto_client_address(client)) +
                 " username=" + printable_or_none(username) +
                 " reason=" + std::string(engine::reason_code(decision.reason)));
}

engine::AuthRequest auth_request(const mosquitto_evt_extended_auth& event) {
    engine::AuthRequest request;
    request.connection = connection_of(event.client);
    request.client_id = client_id_of(event.client);
    request.method = event.auth_method ? event.auth_method : "";
    request.data = std::string_view(static_cast<const char*>(event.data_in),
                                    event.data_in ? event.data_in_len : 0);
    return request;
}

// The broker frees data_out with free(), so it must come from malloc. MQTT caps it at 65535.
bool hand_over_data(mosquitto_evt_extended_auth& event, const std::string& data) {
    if (data.empty()) return true;
    if (data.size() > UINT16_MAX) return false;
    void* copy = std::malloc(data.size());
    if (!copy) return false;
    std::memcpy(copy, data.data(), data.size());
    event.data_out = copy;
    event.data_out_len = static_cast<uint16_t>(data.size());
    return true;
}

int answer_auth_step(PluginState& state, mosquitto_evt_extended_auth& event,
                     engine::AuthStep step) {
    if (step.decision.verdict == Verdict::Allow &&
        mosquitto_set_username(event.client, step.username.c_str()) != MOSQ_ERR_SUCCESS) {
        state.engine->forget(connection_of(event.client));
        step.decision = Decision::error();
    }
    if (step.decision.verdict != Verdict::Deny && step.decision.verdict != Verdict::Error &&
        !hand_over_data(event, step.data)) {
        state.engine->forget(connection_of(event.client));
        step.decision = Decision::error();
    }
    if (step.decision.verdict == Verdict::Deny || step.decision.verdict == Verdict::Error) {
        const char* username = mosquitto_client_username(event.client);
        log_refusal(event.client, step.username.empty() ? username : step.username.c_str(),
                    step.decision);
    }
    return to_auth_step_result(step.decision);
}

}  // namespace

int on_basic_auth(PluginState& state, mosquitto_evt_basic_auth& event) {
    engine::ConnectRequest request;
    request.connection = connection_of(event.client);
    request.client_id = client_id_of(event.client);
    request.username = optional_text(event.username);
    // Mosquitto hands the password over NUL-terminated, so a password can't hold a NUL byte here.
    request.password = optional_text(event.password);
    request.server_name = client_server_name(state.tls_connections, event.client);
    if (request.server_name) log_server_name(event.client, *request.server_name);
    const Decision decision = state.engine->authenticate(request);
    if (decision.verdict != Verdict::Allow) log_refusal(event.client, event.username, decision);
    return to_connect_result(decision);
}

// A CONNECT with an Authentication Method, or an AUTH 0x19 re-authentication (Mosquitto sends
// both here). Mosquitto never calls BASIC_AUTH for these clients.
int on_ext_auth_start(PluginState& state, mosquitto_evt_extended_auth& event) {
    return answer_auth_step(state, event, state.engine->begin_enhanced_auth(auth_request(event)));
}

int on_ext_auth_continue(PluginState& state, mosquitto_evt_extended_auth& event) {
    return answer_auth_step(state, event,
                            state.engine->continue_enhanced_auth(auth_request(event)));
}

}  // namespace mqauth::adapter
