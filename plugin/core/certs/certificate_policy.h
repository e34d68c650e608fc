// SPDX-License-Identifier: Apache-2.0
#pragma once
// The device-certificate part of a Policy: `ca_certificates` and `device_certificates`.
#include <optional>

#include "certs/certificate_authorities.h"
#include "certs/device_states.h"
#include "registry/registry_source.h"

namespace mqauth::certs {

struct CertificatePolicy {
    CertificateAuthorities authorities;
    std::optional<registry::RegistrySource> registry;  // required when any CA is listed
    bool bind_client_id_to_cn = false;
    DeviceStates states;

    bool configured() const { return !authorities.empty(); }
};

}  // namespace mqauth::certs
