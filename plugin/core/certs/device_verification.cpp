// SPDX-License-Identifier: Apache-2.0
#include "certs/device_verification.h"

#include "certs/serial_number.h"
#include "crypto/crypto_error.h"

namespace mqauth::certs {
namespace {

CertificateProblem problem_of(int verify_error) {
    switch (verify_error) {
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN: return CertificateProblem::UnknownCa;
        case X509_V_ERR_CERT_HAS_EXPIRED: return CertificateProblem::Expired;
        case X509_V_ERR_CERT_NOT_YET_VALID: return CertificateProblem::NotYetValid;
        default: return CertificateProblem::InvalidChain;
    }
}

// The X509 error a handshake reports for a refusal made after the chain verified.
int verify_error_for(CertificateProblem problem) {
    return problem == CertificateProblem::DeviceRevoked ? X509_V_ERR_CERT_REVOKED
                                                        : X509_V_ERR_CERT_REJECTED;
}

Verification verified_chain(X509_STORE_CTX* context, const CertificatePolicy& policy) {
    Verification result;
    STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(context);
    const int length = chain ? sk_X509_num(chain) : 0;
    const CertificateAuthority* authority =
        length > 0 ? policy.authorities.find_by_certificate(sk_X509_value(chain, length - 1))
                   : nullptr;
    if (!authority) {
        result.problem = CertificateProblem::UnknownCa;
        return result;
    }
    VerifiedDevice device;
    device.facts = facts_of(X509_STORE_CTX_get0_cert(context));
    device.identity = {{device.facts.serial, device.facts.issuer}, authority->serial};
    device.ca_name = authority->name;
    result.device = std::move(device);
    result.problem = CertificateProblem::None;
    return result;
}

}  // namespace

Verification verify_in_context(X509_STORE_CTX* context, const CertificatePolicy& policy) {
    // Trust exactly the listed CAs, and each of them as an anchor even when it is an
    // intermediate: an operator who lists "fleet-ca" means that CA, not its root.
    X509_STORE_CTX_set0_trusted_stack(context, policy.authorities.trusted());
    X509_STORE_CTX_set_flags(context, X509_V_FLAG_PARTIAL_CHAIN);
    const int verified = X509_verify_cert(context);
    Verification result;
    if (verified <= 0) {
        const int error = X509_STORE_CTX_get_error(context);
        result.problem = problem_of(error);
        result.detail = X509_verify_cert_error_string(error);
        return result;
    }
    result = verified_chain(context, policy);
    if (result.problem == CertificateProblem::None) {
        result.problem = standing_of(result.device->identity, policy, std::nullopt);
    }
    if (result.problem != CertificateProblem::None) {
        X509_STORE_CTX_set_error(context, verify_error_for(result.problem));
    }
    return result;
}

Verification verify_certificate(X509* leaf, const CertificatePolicy& policy,
                                STACK_OF(X509) * chain) {
    crypto::X509StoreCtxPtr context(X509_STORE_CTX_new());
    if (!context || X509_STORE_CTX_init(context.get(), nullptr, leaf, chain) != 1 ||
        X509_STORE_CTX_set_default(context.get(), "ssl_client") != 1) {
        throw crypto::CryptoError("cannot prepare a certificate verification");
    }
    return verify_in_context(context.get(), policy);
}

CertificateProblem standing_of(const DeviceIdentity& device, const CertificatePolicy& policy,
                               std::optional<DeviceStatus> registered) {
    const CertificateAuthority* authority = policy.authorities.find_by_serial(device.ca_sn);
    if (!authority) return CertificateProblem::UnknownCa;
    if (authority->status != CaStatus::Active) return CertificateProblem::CaInactive;
    switch (policy.states.effective(device, registered)) {
        case DeviceStatus::Active: return CertificateProblem::None;
        case DeviceStatus::Inactive: return CertificateProblem::DeviceInactive;
        case DeviceStatus::Revoked: return CertificateProblem::DeviceRevoked;
    }
    return CertificateProblem::InvalidChain;
}

}  // namespace mqauth::certs
