// SPDX-License-Identifier: Apache-2.0
#pragma once
// The broker events mqauth handles. Each converts the event into a core request, asks the engine
// once, and maps the answer back.
#include "plugin_state.h"

namespace mqauth::adapter {

// Returns a MOSQ_ERR_* code.
int register_callbacks(PluginState& state);
void unregister_callbacks(PluginState& state);

}  // namespace mqauth::adapter
