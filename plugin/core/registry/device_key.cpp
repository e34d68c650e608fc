// SPDX-License-Identifier: Apache-2.0
#include "registry/device_key.h"

namespace mqauth::registry {

std::string_view status_name(DeviceStatus status) {
    switch (status) {
        case DeviceStatus::Active: return "ACTIVE";
        case DeviceStatus::Inactive: return "INACTIVE";
        case DeviceStatus::Revoked: return "REVOKED";
    }
    return "UNKNOWN";
}

std::optional<DeviceStatus> status_named(std::string_view name) {
    if (name == "ACTIVE") return DeviceStatus::Active;
    if (name == "INACTIVE") return DeviceStatus::Inactive;
    if (name == "REVOKED") return DeviceStatus::Revoked;
    return std::nullopt;
}

std::string describe(const DeviceKey& key) {
    return "device_sn=" + key.device_sn + " issuer=\"" + key.issuer + "\"";
}

}  // namespace mqauth::registry
