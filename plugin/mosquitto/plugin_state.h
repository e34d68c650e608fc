// SPDX-License-Identifier: Apache-2.0
#pragma once
// Everything the plugin keeps between callbacks, in one object handed to Mosquitto as userdata:
// no globals (dynamic-security keeps its state in file-level statics; mqauth gives the broker a
// pointer to this instead, and the TLS hook gets the same pointer through OpenSSL's ex_data).
#include <memory>
#include <string>

#include "background_reload.h"
#include "broker_features.h"
#include "device_certificate_tls.h"
#include "engine/engine.h"
#include "metrics_publishing.h"
#include "tls_connections.h"
#include "tls_hook.h"

struct mosquitto_plugin_id_t;

namespace mqauth::adapter {

struct PluginState {
    mosquitto_plugin_id_t* plugin_id = nullptr;
    BrokerFeatures features = BrokerFeatures::mosquitto_20();
    std::string config_path;
    std::unique_ptr<engine::Engine> engine;
    // After the engine, so destroyed before it: the endpoint's threads read its registry.
    std::unique_ptr<MetricsPublishing> metrics;
    std::unique_ptr<BackgroundReload> reloads;
    std::unique_ptr<VerifiedCertificates> verified_certificates;
    TlsConnections tls_connections;  // the server name of each TLS client, by socket
    // Last, so destroyed first: OpenSSL stops calling into the plugin before the state its
    // callbacks use goes away.
    std::unique_ptr<TlsHook> tls_hook;
};

}  // namespace mqauth::adapter
