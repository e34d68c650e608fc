// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the broker that loaded mqauth offers beyond Mosquitto 2.0.11, found at run time so that
// one mqauth.so (built against 2.0.11's headers) serves 2.0 and 2.1 alike. Mosquitto 2.1 exports
// its plugin functions from the broker binary (src/linker.syms), so a 2.1-only function is looked
// up with dlsym instead of being linked: a 2.0 broker then still loads the plugin.
#include <string>

namespace mqauth::adapter {

class BrokerFeatures {
   public:
    // Looks the broker's exported functions up; cheap, done once at plugin init.
    static BrokerFeatures detect();
    // A broker with none of 2.1's features (the state before detect() runs).
    static BrokerFeatures mosquitto_20() { return BrokerFeatures(nullptr); }

    using CompleteBasicAuth = void (*)(const char* client_id, int result);

    // Mosquitto 2.1 or later (its first plugin function 2.0 lacks is the one looked up).
    bool mosquitto_21() const { return complete_basic_auth_ != nullptr; }

    // Mosquitto 2.1: BASIC_AUTH may answer MOSQ_ERR_AUTH_DELAYED and finish later through
    // mosquitto_complete_basic_auth, on the broker's thread.
    bool delayed_auth() const { return complete_basic_auth_ != nullptr; }
    void complete_basic_auth(const char* client_id, int result) const {
        complete_basic_auth_(client_id, result);
    }

    // Mosquitto 2.1 sends MQTT 5 clients the reason code a BASIC_AUTH refusal names (banned,
    // server busy, connection rate exceeded; handle_connect.c); 2.0.11 closes the connection
    // without a CONNACK for any code but MOSQ_ERR_AUTH. Both come with 2.1, so one test serves.
    bool connect_reason_codes() const { return mosquitto_21(); }

    // Mosquitto 2.1 reports a client whose session stays (session expiry > 0) as CLIENT_OFFLINE
    // and only a session that ends with it as DISCONNECT (context.c, context__disconnect); 2.0
    // has only DISCONNECT, for both.
    bool client_offline_event() const { return mosquitto_21(); }

    // The RELOAD callback's answer. 2.0.11 (security.c) stops reloading the plugins after a
    // plugin that answers MOSQ_ERR_SUCCESS, and its own password and ACL files with them, so
    // mqauth answers MOSQ_ERR_PLUGIN_DEFER there; 2.1 (plugin_reload.c) treats any non-zero
    // answer, DEFER included, as an error and terminates.
    int reload_result() const;

    // The line logged once at start-up, e.g. "Mosquitto 2.1 features: delayed authentication".
    std::string describe() const;

   private:
    explicit BrokerFeatures(CompleteBasicAuth complete) : complete_basic_auth_(complete) {}

    CompleteBasicAuth complete_basic_auth_ = nullptr;
};

}  // namespace mqauth::adapter
