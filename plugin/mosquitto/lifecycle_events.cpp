// SPDX-License-Identifier: Apache-2.0
#include <mosquitto.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "background_reload.h"
#include "broker_log.h"
#include "client_connection.h"
#include "delayed_logins.h"
#include "events.h"
#include "policy_loading.h"
#include "policy_summary.h"
#include "tick_schedule.h"

namespace mqauth::adapter {
namespace {

void disconnect_withdrawn(const std::vector<engine::Withdrawal>& withdrawn) {
    for (const engine::Withdrawal& client : withdrawn) {
        const std::string who = "client_id=" + printable_field(client.client_id) +
                                " reason=" + std::string(engine::reason_code(client.reason));
        if (!client.online) {
            // Kicking an offline session makes Mosquitto 2.0 queue it for session expiry twice
            // (do_disconnect -> context__disconnect -> session_expiry__add) and later touch it
            // after freeing it: it stays until it expires, with no topic access.
            log_line(LogLevel::Notice, "offline session keeps no access " + who);
            continue;
        }
        log_line(LogLevel::Notice, "disconnecting " + who);
        // Kicking fires our DISCONNECT callback re-entrantly: the session goes offline there.
        mosquitto_kick_client_by_clientid(client.client_id.c_str(), false);
    }
}

void apply_reload(PluginState& state, PolicyLoad finished) {
    auto loaded = accept_logging(std::move(finished), state.config_path, LoadMoment::Reload);
    if (!loaded) {
        state.engine->metrics().reload_rejected();
        return;
    }
    const std::string summary = summarize(*loaded->policy);
    std::shared_ptr<const Policy> retired = state.engine->shared_policy();
    const auto withdrawn =
        state.engine->replace_policy(std::move(loaded->policy), std::move(loaded->registry));
    state.reloads->dispose(std::move(retired));
    state.engine->metrics().reload_applied(std::chrono::system_clock::now());
    state.metrics->apply(state.engine->policy().metrics);
    const auto online =
        std::count_if(withdrawn.begin(), withdrawn.end(),
                      [](const engine::Withdrawal& client) { return client.online; });
    log_line(LogLevel::Info, "reloaded " + state.config_path + ": " + summary + ", " +
                                 std::to_string(online) + " clients disconnected");
    disconnect_withdrawn(withdrawn);
}

}  // namespace

// The config is read on a worker thread (background_reload.h); until it is ready, the running
// policy keeps deciding, including the re-checks Mosquitto runs right after this event.
int on_reload(PluginState& state) {
    // Mosquitto re-checks every session it holds right after this event and before its next
    // TICK, serving no client in between (2.0.11: loop.c; 2.1: signals.c then loop.c).
    state.engine->begin_session_recheck();
    if (state.reloads->request() == BackgroundReload::Request::Queued) {
        log_line(LogLevel::Info, "reload of " + state.config_path +
                                     " queued: the previous one is still loading; the file is "
                                     "read again once it is done");
    }
    return state.features.reload_result();
}

// Mosquitto 2.0.11 sends TICK on every pass of its event loop, at least every 100 ms
// (epoll_wait's timeout in mux_epoll.c). 2.1 sleeps until its next timed event (up to a day on
// an idle broker, loop.c) unless a TICK callback asks for an earlier one: mqauth asks while it
// waits for a worker. Swaps in a reloaded policy once the worker has read it, and gives the
// broker the authorizer answers that came in.
int on_tick(PluginState& state, mosquitto_evt_tick& event) {
    state.engine->end_session_recheck();
    if (auto finished = state.reloads->take_finished()) apply_reload(state, std::move(*finished));
    finish_delayed_logins(state);
    disconnect_withdrawn(state.engine->withdraw_lapsed(std::chrono::system_clock::now()));
    const auto sys_due = state.metrics->publish_when_due(std::chrono::steady_clock::now());
    if (state.reloads->loading() || state.engine->authorizer_calls_pending()) {
        ask_for_tick_within(event, kWorkerPollInterval);
    } else {
        ask_for_tick_by(event, state.engine->next_lapse(), sys_due);
    }
    return MOSQ_ERR_SUCCESS;
}

int on_disconnect(PluginState& state, mosquitto_evt_disconnect& event) {
    const auto connection = reinterpret_cast<engine::ConnectionId>(event.client);
    if (state.features.client_offline_event()) {
        state.engine->session_ended(connection);
    } else {
        state.engine->disconnected(connection);
    }
    // Mosquitto fires DISCONNECT before it closes the socket (context__disconnect), so the
    // descriptor still identifies this client's connection here.
    forget_client_connection(state.tls_connections, event.client);
    return MOSQ_ERR_SUCCESS;
}

int on_client_offline(PluginState& state, mosquitto_evt_disconnect& event) {
    state.engine->disconnected(reinterpret_cast<engine::ConnectionId>(event.client));
    forget_client_connection(state.tls_connections, event.client);  // as on DISCONNECT
    return MOSQ_ERR_SUCCESS;
}

}  // namespace mqauth::adapter
