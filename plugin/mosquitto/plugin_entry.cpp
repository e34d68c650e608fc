// SPDX-License-Identifier: Apache-2.0
// The three C entry points Mosquitto looks up with dlsym. Only these are exported
// (-fvisibility=hidden elsewhere): the broker loads plugins RTLD_GLOBAL, so any other exported
// symbol could clash with another plugin's.
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "authorizers/http_calls.h"
#include "authorizers/http_function.h"
#include "broker_log.h"
#include "callbacks.h"
#include "fail_closed.h"
#include "plugin_state.h"
#include "policy_loading.h"
#include "policy_summary.h"

#define MQAUTH_EXPORT extern "C" __attribute__((visibility("default")))

namespace mqauth::adapter {
namespace {

constexpr const char* kConfigOption = "config";  // plugin_opt_config in mosquitto.conf

// The config path from the plugin options; any option mqauth does not know is an error, so a
// misspelt plugin_opt_ line can't go unnoticed.
std::optional<std::string> config_path_option(const mosquitto_opt* options, int count) {
    std::optional<std::string> path;
    for (int i = 0; i < count; ++i) {
        if (options[i].key && std::strcmp(options[i].key, kConfigOption) == 0 && options[i].value) {
            path = options[i].value;
        } else {
            log_line(LogLevel::Error,
                     std::string("unknown option plugin_opt_") + printable_or_none(options[i].key));
            return std::nullopt;
        }
    }
    if (!path || path->empty()) {
        log_line(LogLevel::Error, "missing option: plugin_opt_config /path/to/mqauth.yaml");
        return std::nullopt;
    }
    return path;
}

int initialise(mosquitto_plugin_id_t* identifier, void** userdata, mosquitto_opt* options,
               int option_count) {
    auto path = config_path_option(options, option_count);
    if (!path) return MOSQ_ERR_INVAL;
    // At start-up the config is read on the broker's thread: a bad one must stop the broker.
    auto loaded = accept_logging(load_policy(*path, std::nullopt), *path, LoadMoment::StartUp);
    if (!loaded) return MOSQ_ERR_INVAL;

    auto state = std::make_unique<PluginState>();
    state->plugin_id = identifier;
    state->features = BrokerFeatures::detect();
    state->config_path = *path;
    const std::string summary = summarize(*loaded->policy);
    state->engine = std::make_unique<engine::Engine>(std::move(loaded->policy));
    state->engine->use_registry(std::move(loaded->registry));
    state->engine->use_authorizer_function(std::make_unique<authorizers::HttpFunction>());
    if (state->features.delayed_auth()) {
        state->engine->use_authorizer_calls(std::make_unique<authorizers::HttpCalls>());
    }
    state->engine->send_notices_to(
        [](const std::string& notice) { log_line(LogLevel::Notice, printable(notice)); });
    engine::Engine& engine = *state->engine;
    state->reloads = std::make_unique<BackgroundReload>(
        *path, [&engine]() -> std::optional<registry::RegistrySource> {
            if (!engine.registry()) return std::nullopt;
            return engine.registry()->source();
        });
    state->metrics = std::make_unique<MetricsPublishing>(engine);
    state->metrics->apply(engine.policy().metrics);
    state->verified_certificates = std::make_unique<VerifiedCertificates>();
    // Before the listeners exist: Mosquitto creates their TLS contexts after plugin init.
    state->tls_hook = std::make_unique<TlsHook>(*state);
    if (const int rc = register_callbacks(*state); rc != MOSQ_ERR_SUCCESS) {
        unregister_callbacks(*state);
        return rc;
    }
    log_line(LogLevel::Info, "loaded " + *path + ": " + summary);
    log_line(LogLevel::Info, state->features.describe());
    *userdata = state.release();
    return MOSQ_ERR_SUCCESS;
}

}  // namespace
}  // namespace mqauth::adapter

MQAUTH_EXPORT int mosquitto_plugin_version(int supported_version_count,
                                           const int* supported_versions) {
    for (int i = 0; i < supported_version_count; ++i) {
        if (supported_versions[i] == 5) return 5;
    }
    return -1;
}

MQAUTH_EXPORT int mosquitto_plugin_init(mosquitto_plugin_id_t* identifier, void** userdata,
                                        mosquitto_opt* options, int option_count) {
    return mqauth::adapter::fail_closed("plugin init", MOSQ_ERR_UNKNOWN, [&] {
        return mqauth::adapter::initialise(identifier, userdata, options, option_count);
    });
}

MQAUTH_EXPORT int mosquitto_plugin_cleanup(void* userdata, mosquitto_opt*, int) {
    return mqauth::adapter::fail_closed("plugin cleanup", MOSQ_ERR_SUCCESS, [&] {
        std::unique_ptr<mqauth::adapter::PluginState> state(
            static_cast<mqauth::adapter::PluginState*>(userdata));
        if (state) mqauth::adapter::unregister_callbacks(*state);
        return MOSQ_ERR_SUCCESS;
    });
}
