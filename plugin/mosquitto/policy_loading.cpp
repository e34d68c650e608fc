// SPDX-License-Identifier: Apache-2.0
#include "policy_loading.h"

#include "broker_log.h"
#include "config/loader.h"

namespace mqauth::adapter {

PolicyLoad load_policy(const std::string& path,
                       const std::optional<registry::RegistrySource>& open_registry) {
    PolicyLoad load;
    config::LoadResult result = config::load_file(path);
    if (!result.ok()) {
        load.errors = result.formatted_errors();
        return load;
    }
    LoadedPolicy loaded{result.policy, nullptr};
    const auto& source = loaded.policy->certificates.registry;
    const bool already_open = source && open_registry && source->same_as(*open_registry);
    if (loaded.policy->certificates.configured() && !already_open) {
        registry::RegistryOpening opening = registry::DeviceRegistry::open(*source);
        if (!opening.registry) {
            load.errors = std::move(opening.errors);
            return load;
        }
        loaded.registry = std::move(opening.registry);
    }
    load.warnings = result.formatted_warnings();
    load.loaded = std::move(loaded);
    return load;
}

std::optional<LoadedPolicy> accept_logging(PolicyLoad load, const std::string& path,
                                           LoadMoment moment) {
    if (load.loaded) {
        for (const std::string& line : load.warnings) log_line(LogLevel::Warning, line);
        return std::move(load.loaded);
    }
    const bool at_start = moment == LoadMoment::StartUp;
    const LogLevel level = at_start ? LogLevel::Error : LogLevel::Warning;
    for (const std::string& line : load.errors) log_line(level, line);
    log_line(level, at_start
                        ? "configuration " + path + " is invalid; the broker will not start"
                        : "reload of " + path + " rejected; the running policy stays in force");
    return std::nullopt;
}

}  // namespace mqauth::adapter
