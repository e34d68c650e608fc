#pragma once
// Device certificate states: what the registry recorded and what the operator decided
// (`device_certificates.states`, ApsaraMQ for MQTT's ActiveDeviceCertificate and its siblings).
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mqauth::certs {

enum class DeviceStatus { Active, Inactive, Revoked };

std::string_view status_name(DeviceStatus status);  // ACTIVE | INACTIVE | REVOKED

// A device certificate is named by its own serial and its CA's, both canonical (serial_number.h).
struct DeviceKey {
    std::string device_sn;
    std::string ca_sn;

    bool operator==(const DeviceKey& other) const {
        return device_sn == other.device_sn && ca_sn == other.ca_sn;
    }
};

struct DeviceKeyHash {
    std::size_t operator()(const DeviceKey& key) const {
        const std::size_t device = std::hash<std::string>()(key.device_sn);
        return device ^ (std::hash<std::string>()(key.ca_sn) + 0x9e3779b97f4a7c15ULL +
                         (device << 6) + (device >> 2));
    }
};

// The operator's decisions, applied on reload over the registry's own states.
class DeviceStates {
   public:
    // False when the key already has a decision (a duplicate entry in the config).
    bool decide(DeviceKey key, DeviceStatus status);
    std::optional<DeviceStatus> decision(const DeviceKey& key) const;
    std::size_t size() const { return decisions_.size(); }

    // The state that counts: the operator's decision if there is one, else what the registry
    // recorded (`registered`), else ACTIVE: a certificate seen for the first time that verifies
    // is registered ACTIVE.
    DeviceStatus effective(const DeviceKey& key, std::optional<DeviceStatus> registered) const;

   private:
    std::unordered_map<DeviceKey, DeviceStatus, DeviceKeyHash> decisions_;
};

}  // namespace mqauth::certs
