#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "certs/device_registry.h"
#include "policy.h"

namespace mqauth::adapter {

// A policy and the device registry its `registry_file` names (null when it lists no CA).
struct LoadedPolicy {
    std::shared_ptr<const Policy> policy;
    std::unique_ptr<certs::DeviceRegistry> registry;
};

// The outcome of reading the YAML file and opening its device registry: a policy, or the
// errors (FILE:LINE:COL lines) that refuse it; a corrupt registry is an error, never emptied.
struct PolicyLoad {
    std::optional<LoadedPolicy> loaded;
    std::vector<std::string> errors;
    std::vector<std::string> warnings;
};

// Touches nothing of the broker's (no logging), so it may run on another thread.
PolicyLoad load_policy(const std::string& path);

// On the broker's thread: logs the warnings or the errors of `load` and hands out its policy.
enum class LoadMoment { StartUp, Reload };
std::optional<LoadedPolicy> accept_logging(PolicyLoad load, const std::string& path,
                                           LoadMoment moment);

}  // namespace mqauth::adapter
