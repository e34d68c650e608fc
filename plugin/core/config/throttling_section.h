// SPDX-License-Identifier: Apache-2.0
#pragma once
// The `throttling:` mapping (an mqauth extension): failed-login back-off.
#include "throttling/throttle_settings.h"
#include "yaml/diagnostic.h"
#include "yaml/yaml_tree.h"

namespace mqauth::config {

void read_throttling(const yaml::YamlNode& section, yaml::Diagnostics& diagnostics,
                     throttling::ThrottleSettings& settings);

}  // namespace mqauth::config
