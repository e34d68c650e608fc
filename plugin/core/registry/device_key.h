// SPDX-License-Identifier: Apache-2.0
#pragma once
// How the registry names a device certificate, and the states it can be in.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mqauth::registry {

enum class DeviceStatus { Active, Inactive, Revoked };

std::string_view status_name(DeviceStatus status);  // ACTIVE | INACTIVE | REVOKED
std::optional<DeviceStatus> status_named(std::string_view name);

// A certificate serial is unique only per issuer (RFC 5280 4.1.2.2), so a device is its serial
// and its direct issuer: two intermediates under one listed root may both issue serial 01.
struct DeviceKey {
    std::string device_sn;  // canonical hex (certs/serial_number.h)
    std::string issuer;     // the issuer's name in RFC 2253 form, as
                            // `openssl x509 -noout -issuer -nameopt RFC2253` prints it

    bool operator==(const DeviceKey& other) const {
        return device_sn == other.device_sn && issuer == other.issuer;
    }
};

struct DeviceKeyHash {
    std::size_t operator()(const DeviceKey& key) const {
        const std::size_t device = std::hash<std::string>()(key.device_sn);
        return device ^ (std::hash<std::string>()(key.issuer) + 0x9e3779b97f4a7c15ULL +
                         (device << 6) + (device >> 2));
    }
};

// For log lines and CLI messages: device_sn=1A2B issuer="CN=Fleet CA,O=Acme".
std::string describe(const DeviceKey& key);

}  // namespace mqauth::registry
