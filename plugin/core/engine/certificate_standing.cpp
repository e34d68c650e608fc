// SPDX-License-Identifier: Apache-2.0
#include "engine/certificate_standing.h"

namespace mqauth::engine {

Reason reason_for(certs::CertificateProblem problem) {
    using certs::CertificateProblem;
    switch (problem) {
        case CertificateProblem::None: return Reason::None;
        case CertificateProblem::UnknownCa: return Reason::UnknownCa;
        case CertificateProblem::CaInactive: return Reason::CaInactive;
        case CertificateProblem::Expired: return Reason::CertificateExpired;
        case CertificateProblem::NotYetValid: return Reason::CertificateNotYetValid;
        case CertificateProblem::InvalidChain: return Reason::CertificateInvalid;
        case CertificateProblem::DeviceInactive: return Reason::CertificateInactive;
        case CertificateProblem::DeviceRevoked: return Reason::CertificateRevoked;
    }
    return Reason::CertificateInvalid;
}

std::optional<Reason> certificate_refusal(const certs::DeviceIdentity& device, const Policy& policy,
                                          const registry::DeviceRegistry* registry) {
    const auto registered = registry ? registry->status_of(device.key) : std::nullopt;
    const auto problem = certs::standing_of(device, policy.certificates, registered);
    if (problem == certs::CertificateProblem::None) return std::nullopt;
    return reason_for(problem);
}

}  // namespace mqauth::engine
