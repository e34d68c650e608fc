// SPDX-License-Identifier: Apache-2.0
#include "sasl/mechanism.h"

namespace mqauth::sasl {

std::string_view mechanism_name(Mechanism mechanism) {
    return mechanism == Mechanism::ScramSha256 ? "SCRAM-SHA-256" : "SCRAM-SHA-512";
}

std::optional<Mechanism> mechanism_from_name(std::string_view name) {
    if (name == "SCRAM-SHA-256") return Mechanism::ScramSha256;
    if (name == "SCRAM-SHA-512") return Mechanism::ScramSha512;
    return std::nullopt;
}

crypto::HashAlgorithm hash_of(Mechanism mechanism) {
    return mechanism == Mechanism::ScramSha256 ? crypto::HashAlgorithm::Sha256
                                               : crypto::HashAlgorithm::Sha512;
}

}  // namespace mqauth::sasl
