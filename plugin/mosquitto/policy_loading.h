#pragma once
#include <memory>
#include <optional>
#include <string>

#include "certs/device_registry.h"
#include "policy.h"

namespace mqauth::adapter {

// A policy and the device registry its `registry_file` names (null when it lists no CA).
struct LoadedPolicy {
    std::shared_ptr<const Policy> policy;
    std::unique_ptr<certs::DeviceRegistry> registry;
};

// Loads the YAML file and opens its device registry; on failure logs every error as
// FILE:LINE:COL and returns nullopt (a corrupt registry is an error too, never emptied).
enum class LoadMoment { StartUp, Reload };
std::optional<LoadedPolicy> load_policy_logging_errors(const std::string& path, LoadMoment moment);

// "3 identities, 12 rules, 2 SASL users" for the loaded / reloaded log lines.
std::string describe(const Policy& policy);

}  // namespace mqauth::adapter
