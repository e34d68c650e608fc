// SPDX-License-Identifier: Apache-2.0
#pragma once
// Verifying a client certificate against the listed CAs, and whether a verified device may
// connect under a policy. The listener has no cafile: these CAs are the only trust anchors.
#include <optional>
#include <string>

#include <openssl/x509_vfy.h>

#include "certs/certificate_facts.h"
#include "certs/certificate_policy.h"
#include "certs/device_states.h"

namespace mqauth::certs {

enum class CertificateProblem {
    None,
    UnknownCa,       // the chain leads to no listed CA
    CaInactive,      // it leads to a listed CA whose status is INACTIVE
    Expired,         // a certificate in the chain is past its notAfter
    NotYetValid,     // ... or before its notBefore
    InvalidChain,    // any other verification failure (bad signature, wrong purpose, ...)
    DeviceInactive,  // the device certificate's state is INACTIVE
    DeviceRevoked,   // ... or REVOKED
};

// A device certificate whose chain verified against a listed CA.
struct VerifiedDevice {
    DeviceIdentity identity;  // its serial and issuer, and the anchoring CA's serial
    std::string ca_name;      // the anchoring CA's ca_name
    CertificateFacts facts;
};

struct Verification {
    CertificateProblem problem = CertificateProblem::InvalidChain;
    std::string detail;                    // OpenSSL's reason when the chain did not verify
    std::optional<VerifiedDevice> device;  // set whenever the chain verified
};

// Verifies in a context OpenSSL prepared during a handshake (the peer's leaf and the chain it
// sent), keeping that context's purpose and depth settings but trusting only the listed CAs.
// Leaves the context's error set so the handshake fails with the matching alert.
Verification verify_in_context(X509_STORE_CTX* context, const CertificatePolicy& policy);

// The same outside a handshake, for a certificate and the chain its client would send (none: a
// lone certificate).
Verification verify_certificate(X509* leaf, const CertificatePolicy& policy,
                                STACK_OF(X509) * chain = nullptr);

// Whether a verified device may connect under `policy` now: the CA it verified against still
// listed (found by its serial, so renaming a CA changes nothing) and ACTIVE, the device's
// effective state ACTIVE. `registered` is the registry's state, if it has one.
CertificateProblem standing_of(const DeviceIdentity& device, const CertificatePolicy& policy,
                               std::optional<DeviceStatus> registered);

}  // namespace mqauth::certs
