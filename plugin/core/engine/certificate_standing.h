// SPDX-License-Identifier: Apache-2.0
#pragma once
// The engine's view of device-certificate checks: certificate problems as refusal reasons, and
// whether a device keeps (or gets) access under a policy and its registry.
#include <optional>
#include <string>

#include "certs/device_verification.h"
#include "engine/decision.h"
#include "policy.h"
#include "registry/device_registry.h"

namespace mqauth::engine {

Reason reason_for(certs::CertificateProblem problem);

// nullopt when the device may connect under `policy`; `registry` may be null (none configured).
std::optional<Reason> certificate_refusal(const certs::DeviceIdentity& device, const Policy& policy,
                                          const registry::DeviceRegistry* registry);

}  // namespace mqauth::engine
