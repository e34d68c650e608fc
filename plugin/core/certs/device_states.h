// SPDX-License-Identifier: Apache-2.0
#pragma once
// The operator's device-certificate decisions (`device_certificates.states`, ApsaraMQ for MQTT's
// ActiveDeviceCertificate and its siblings), applied over the registry's own states.
#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>

#include "registry/device_key.h"

namespace mqauth::certs {

using registry::DeviceKey;
using registry::DeviceStatus;

// A device as the policy judges it: its registry key, and the listed CA its chain leads to.
struct DeviceIdentity {
    DeviceKey key;
    std::string ca_sn;  // canonical
};

// How a `states` entry names its device: by serial and issuer (the device's key), or by serial
// and the serial of the listed CA its chain leads to (`ca_sn`, the form from before devices were
// keyed by issuer, which still names one device when that CA issued it directly). Exactly one of
// `issuer` and `ca_sn` is set.
struct StateKey {
    std::string device_sn;
    std::string issuer;
    std::string ca_sn;

    bool operator==(const StateKey& other) const {
        return device_sn == other.device_sn && issuer == other.issuer && ca_sn == other.ca_sn;
    }
    bool by_issuer() const { return !issuer.empty(); }
};

// For messages: `device_sn 1A2B of issuer "CN=..."` or `device_sn 1A2B of ca_sn 7F00`.
std::string describe(const StateKey& key);

class DeviceStates {
   public:
    // False when the key already has a decision (a duplicate entry in the config).
    bool decide(const StateKey& key, DeviceStatus status);
    std::optional<DeviceStatus> decision(const StateKey& key) const;
    // The decision that applies to a device: by its issuer first, then by its CA's serial.
    std::optional<DeviceStatus> decision_for(const DeviceIdentity& device) const;
    std::size_t size() const { return by_issuer_.size() + by_ca_.size(); }

    // The state that counts: the operator's decision if there is one (by issuer first, then by
    // CA serial), else what the registry recorded (`registered`), else ACTIVE: a certificate
    // seen for the first time that verifies is registered ACTIVE.
    DeviceStatus effective(const DeviceIdentity& device,
                           std::optional<DeviceStatus> registered) const;

   private:
    std::unordered_map<DeviceKey, DeviceStatus, registry::DeviceKeyHash> by_issuer_;
    // Keyed by (device_sn, ca_sn), in a DeviceKey's two fields.
    std::unordered_map<DeviceKey, DeviceStatus, registry::DeviceKeyHash> by_ca_;
};

}  // namespace mqauth::certs
