#include "certs/device_states.h"

namespace mqauth::certs {

std::string_view status_name(DeviceStatus status) {
    switch (status) {
        case DeviceStatus::Active: return "ACTIVE";
        case DeviceStatus::Inactive: return "INACTIVE";
        case DeviceStatus::Revoked: return "REVOKED";
    }
    return "UNKNOWN";
}

bool DeviceStates::decide(DeviceKey key, DeviceStatus status) {
    return decisions_.emplace(std::move(key), status).second;
}

std::optional<DeviceStatus> DeviceStates::decision(const DeviceKey& key) const {
    const auto found = decisions_.find(key);
    if (found == decisions_.end()) return std::nullopt;
    return found->second;
}

DeviceStatus DeviceStates::effective(const DeviceKey& key,
                                     std::optional<DeviceStatus> registered) const {
    if (auto decided = decision(key)) return *decided;
    return registered.value_or(DeviceStatus::Active);
}

}  // namespace mqauth::certs
