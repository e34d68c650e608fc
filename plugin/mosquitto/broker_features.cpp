// SPDX-License-Identifier: Apache-2.0
#include "broker_features.h"

#include <dlfcn.h>
#include <mosquitto.h>

namespace mqauth::adapter {

BrokerFeatures BrokerFeatures::detect() {
    // RTLD_DEFAULT searches the broker executable and what it loaded; the broker exports its
    // plugin API (2.0 with -rdynamic as well), so the lookup names only what 2.1 added.
    void* complete = dlsym(RTLD_DEFAULT, "mosquitto_complete_basic_auth");
    return BrokerFeatures(reinterpret_cast<CompleteBasicAuth>(complete));
}

int BrokerFeatures::reload_result() const {
    return mosquitto_21() ? MOSQ_ERR_SUCCESS : MOSQ_ERR_PLUGIN_DEFER;
}

std::string BrokerFeatures::describe() const {
    if (!mosquitto_21()) {
        return "Mosquitto 2.0 features: authorizer calls on the broker's thread, refusals are "
               "\"not authorised\"";
    }
    return "Mosquitto 2.1 features: delayed authentication (authorizer calls off the broker's "
           "thread), refusal reason codes";
}

}  // namespace mqauth::adapter
