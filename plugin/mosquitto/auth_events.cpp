// SPDX-License-Identifier: Apache-2.0
#include <mosquitto.h>

#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "broker_log.h"
#include "client_connection.h"
#include "crypto/openssl_handles.h"
#include "decision_mapping.h"
#include "events.h"
#include "refusal_log.h"

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

std::string_view address_of(const mosquitto* client) {
    const char* address = mosquitto_client_address(client);
    return address ? address : "";
}

// The server name is no secret; at debug level, so operators can see what a client asked for.
void log_server_name(const mosquitto* client, std::string_view server_name) {
    log_line(LogLevel::Debug,
             "TLS client_id=" + printable_or_none(mosquitto_client_id(client)) +
                 " address=" + printable_or_none(mosquitto_client_address(client)) +
                 " server_name=" + printable(server_name));
}

void log_client_refusal(const mosquitto* client, const char* username, const Decision& decision) {
    log_refusal(mosquitto_client_id(client), mosquitto_client_address(client), username, decision);
}

engine::AuthRequest auth_request(const mosquitto_evt_extended_auth& event) {
    engine::AuthRequest request;
    request.connection = connection_of(event.client);
    request.client_id = client_id_of(event.client);
    request.method = event.auth_method ? event.auth_method : "";
    request.data = std::string_view(static_cast<const char*>(event.data_in),
                                    event.data_in ? event.data_in_len : 0);
    request.address = address_of(event.client);
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
        log_client_refusal(event.client, step.username.empty() ? username : step.username.c_str(),
                           step.decision);
    }
    return to_auth_step_result(step.decision);
}

// How the client's certificate verified: the handshake's outcome when it is on the certificate,
// else (a resumed TLS session) verified again here. Empty when there is no certificate or no CA
// is listed (device certificates are off; the listener's own cafile, if any, verified it).
class PresentedCertificate {
   public:
    PresentedCertificate(const PluginState& state, const mosquitto* client)
        : certificate_(
              static_cast<X509*>(mosquitto_client_certificate(const_cast<mosquitto*>(client)))) {
        const certs::CertificatePolicy& certificates = state.engine->policy().certificates;
        if (!certificate_ || !certificates.configured()) return;
        verification_ = state.verified_certificates->find(certificate_.get());
        if (!verification_) {
            fresh_ = certs::verify_certificate(certificate_.get(), certificates);
            verification_ = &*fresh_;
        }
    }

    const certs::Verification* verification() const { return verification_; }
    // The certificate whatever verified it (for authorizer functions when no CA is listed).
    const X509* certificate() const { return certificate_.get(); }

   private:
    crypto::X509Ptr certificate_;  // mosquitto_client_certificate returns a new reference
    std::optional<certs::Verification> fresh_;
    const certs::Verification* verification_ = nullptr;
};

// The engine may admit a client under another username than the CONNECT's (a certificate's CN
// when it sent none): tell the broker, so its ACL events and logs carry it. This frees the
// broker's old username string, which event.username points to: don't read it afterwards.
bool sync_username(PluginState& state, mosquitto* client) {
    const std::optional<std::string>* admitted =
        state.engine->admitted_username(connection_of(client));
    if (!admitted || !*admitted) return true;
    const char* current = mosquitto_client_username(client);
    if (current && **admitted == current) return true;
    return mosquitto_set_username(client, (*admitted)->c_str()) == MOSQ_ERR_SUCCESS;
}

}  // namespace

int on_basic_auth(PluginState& state, mosquitto_evt_basic_auth& event) {
    const PresentedCertificate certificate(state, event.client);
    engine::ConnectRequest request;
    request.connection = connection_of(event.client);
    request.client_id = client_id_of(event.client);
    request.username = optional_text(event.username);
    // Mosquitto hands the password over NUL-terminated, so a password can't hold a NUL byte here.
    request.password = optional_text(event.password);
    request.certificate = certificate.verification();
    request.address = address_of(event.client);
    request.peer_certificate = certificate.certificate();
    request.server_name = client_server_name(state.tls_connections, event.client);
    request.link = client_link(event.client);
    if (request.server_name) log_server_name(event.client, *request.server_name);
    Decision decision = state.engine->authenticate(request);
    // A Pending client is told its username now: when the answer comes, the broker may have
    // freed it (delayed_logins.h).
    const bool admitted =
        decision.verdict == Verdict::Allow || decision.verdict == Verdict::Pending;
    if (admitted && !sync_username(state, event.client)) {
        state.engine->forget(request.connection);
        decision = Decision::error();
    }
    if (decision.verdict == Verdict::Deny || decision.verdict == Verdict::Error) {
        log_client_refusal(event.client, event.username, decision);
    } else if (decision.verdict == Verdict::NextPlugin) {
        log_left_to_next_plugin(mosquitto_client_id(event.client),
                                mosquitto_client_address(event.client), event.username);
    }
    return to_connect_result(decision, state.features);
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
