// SPDX-License-Identifier: Apache-2.0
#pragma once
// Reading one series of an engine's metrics in a test.
#include <string>
#include <vector>

#include "engine/engine.h"

namespace metric_values {

// The value of the series with this name and these label values; -1 when it is not shown.
inline double value(const mqauth::engine::Engine& engine, const std::string& name,
                    const std::vector<std::string>& labels = {}) {
    double found = -1;
    engine.metric_registry().visit([&](const mqauth::metrics::Sample& sample) {
        if (sample.name == name && sample.label_values == labels) found = sample.value;
    });
    return found;
}

}  // namespace metric_values
