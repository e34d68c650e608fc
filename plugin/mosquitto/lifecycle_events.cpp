#include <mosquitto.h>

#include <string>
#include <vector>

#include "broker_log.h"
#include "client_connection.h"
#include "events.h"
#include "policy_loading.h"

namespace mqauth::adapter {
namespace {

void disconnect_withdrawn(const std::vector<engine::Withdrawal>& withdrawn) {
    for (const engine::Withdrawal& client : withdrawn) {
        log_line(LogLevel::Notice,
                 "disconnecting client_id=" + printable(client.client_id) +
                     " reason=" + std::string(engine::reason_code(client.reason)));
        // Kicking fires our DISCONNECT callback re-entrantly; the engine has already dropped
        // these sessions, so that is a harmless no-op.
        mosquitto_kick_client_by_clientid(client.client_id.c_str(), false);
    }
}

}  // namespace

int on_reload(PluginState& state) {
    if (auto policy = load_policy_logging_errors(state.config_path, LoadMoment::Reload)) {
        const std::string summary = describe(*policy);
        const auto withdrawn = state.engine->replace_policy(std::move(policy));
        log_line(LogLevel::Info, "reloaded " + state.config_path + ": " + summary + ", " +
                                     std::to_string(withdrawn.size()) + " clients disconnected");
        disconnect_withdrawn(withdrawn);
    }
    // DEFER, not SUCCESS: anything else stops the broker from reloading later plugins and its
    // own password and ACL files (security.c, security__init_single).
    return MOSQ_ERR_PLUGIN_DEFER;
}

int on_disconnect(PluginState& state, mosquitto_evt_disconnect& event) {
    state.engine->forget(reinterpret_cast<engine::ConnectionId>(event.client));
    // Mosquitto fires DISCONNECT before it closes the socket (context__disconnect), so the
    // descriptor still identifies this client's connection here.
    forget_client_connection(state.tls_connections, event.client);
    return MOSQ_ERR_SUCCESS;
}

}  // namespace mqauth::adapter
