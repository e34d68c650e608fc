// SPDX-License-Identifier: Apache-2.0
#include "delayed_logins.h"

#include <mosquitto.h>

#include "refusal_log.h"

namespace mqauth::adapter {

void finish_delayed_logins(PluginState& state) {
    if (!state.features.delayed_auth() || !state.engine->authorizer_calls_pending()) return;
    state.engine->finish_authorizer_calls([&](const engine::Engine::FinishedLogin& login) {
        const bool allowed = login.decision.verdict == engine::Verdict::Allow;
        if (!allowed) {
            log_refusal(login.client_id.c_str(), login.address.c_str(),
                        login.username ? login.username->c_str() : nullptr, login.decision);
        }
        state.features.complete_basic_auth(login.client_id.c_str(),
                                           allowed ? MOSQ_ERR_SUCCESS : MOSQ_ERR_AUTH);
    });
}

int on_connect(PluginState& state, ConnectEvent& event) {
    state.engine->connected(reinterpret_cast<engine::ConnectionId>(event.client));
    return MOSQ_ERR_SUCCESS;
}

}  // namespace mqauth::adapter
