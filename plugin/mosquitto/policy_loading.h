// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "policy.h"
#include "registry/device_registry.h"

namespace mqauth::adapter {

// A policy and the device registry its `registry` names (null when it names none, or when it
// names the one open already).
struct LoadedPolicy {
    std::shared_ptr<const Policy> policy;
    std::unique_ptr<registry::DeviceRegistry> registry;
};

// The outcome of reading the YAML file and opening its device registry: a policy, or the
// errors (FILE:LINE:COL lines) that refuse it; a corrupt registry is an error, never emptied.
struct PolicyLoad {
    std::optional<LoadedPolicy> loaded;
    std::vector<std::string> errors;
    std::vector<std::string> warnings;
};

// Touches nothing of the broker's (no logging), so it may run on another thread. The registry is
// opened only when it is not `open_registry`, the one the broker has open: a second connection
// to an SQLite file that was replaced on disk would pair the new file with the write-ahead log
// the broker's connection still holds for the old one, and mix the two (sqlite.org/howtocorrupt:
// "unlinking or renaming a database file while in use"). LoadedPolicy::registry is then null.
PolicyLoad load_policy(const std::string& path,
                       const std::optional<registry::RegistrySource>& open_registry);

// On the broker's thread: logs the warnings or the errors of `load` and hands out its policy.
enum class LoadMoment { StartUp, Reload };
std::optional<LoadedPolicy> accept_logging(PolicyLoad load, const std::string& path,
                                           LoadMoment moment);

}  // namespace mqauth::adapter
