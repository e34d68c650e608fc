#pragma once
// Everything the plugin keeps between callbacks, in one object handed to Mosquitto as userdata
// (as dynamic-security does): no globals.
#include <memory>
#include <string>

#include "engine/engine.h"

struct mosquitto_plugin_id_t;

namespace mqauth::adapter {

struct PluginState {
    mosquitto_plugin_id_t* plugin_id = nullptr;
    std::string config_path;
    std::unique_ptr<engine::Engine> engine;
};

}  // namespace mqauth::adapter
