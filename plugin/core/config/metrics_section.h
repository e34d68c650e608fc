// SPDX-License-Identifier: Apache-2.0
#pragma once
// The `metrics:` mapping (an mqauth extension): the Prometheus endpoint and the $SYS topics.
#include <optional>

#include "metrics/metrics_settings.h"
#include "yaml/diagnostic.h"
#include "yaml/yaml_tree.h"

namespace mqauth::config {

void read_metrics(const yaml::YamlNode& section, yaml::Diagnostics& diagnostics,
                  std::optional<metrics::MetricsSettings>& settings);

}  // namespace mqauth::config
