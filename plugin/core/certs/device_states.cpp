// SPDX-License-Identifier: Apache-2.0
#include "certs/device_states.h"

namespace mqauth::certs {
namespace {

DeviceKey by_ca_key(const std::string& device_sn, const std::string& ca_sn) {
    return {device_sn, ca_sn};
}

std::optional<DeviceStatus> lookup(
    const std::unordered_map<DeviceKey, DeviceStatus, registry::DeviceKeyHash>& decisions,
    const DeviceKey& key) {
    const auto found = decisions.find(key);
    if (found == decisions.end()) return std::nullopt;
    return found->second;
}

}  // namespace

std::string describe(const StateKey& key) {
    if (key.by_issuer()) return "device_sn " + key.device_sn + " of issuer \"" + key.issuer + "\"";
    return "device_sn " + key.device_sn + " of ca_sn " + key.ca_sn;
}

bool DeviceStates::decide(const StateKey& key, DeviceStatus status) {
    if (key.by_issuer())
        return by_issuer_.emplace(DeviceKey{key.device_sn, key.issuer}, status).second;
    return by_ca_.emplace(by_ca_key(key.device_sn, key.ca_sn), status).second;
}

std::optional<DeviceStatus> DeviceStates::decision(const StateKey& key) const {
    if (key.by_issuer()) return lookup(by_issuer_, DeviceKey{key.device_sn, key.issuer});
    return lookup(by_ca_, by_ca_key(key.device_sn, key.ca_sn));
}

std::optional<DeviceStatus> DeviceStates::decision_for(const DeviceIdentity& device) const {
    if (auto decided = lookup(by_issuer_, device.key)) return decided;
    return lookup(by_ca_, by_ca_key(device.key.device_sn, device.ca_sn));
}

DeviceStatus DeviceStates::effective(const DeviceIdentity& device,
                                     std::optional<DeviceStatus> registered) const {
    if (auto decided = decision_for(device)) return *decided;
    return registered.value_or(DeviceStatus::Active);
}

}  // namespace mqauth::certs
