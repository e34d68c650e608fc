#pragma once
// The `throttling:` mapping (an mqauth extension): failed-login back-off.
#include "config/diagnostic.h"
#include "config/yaml_tree.h"
#include "throttling/throttle_settings.h"

namespace mqauth::config {

void read_throttling(const YamlNode& section, Diagnostics& diagnostics,
                     throttling::ThrottleSettings& settings);

}  // namespace mqauth::config
