// SPDX-License-Identifier: Apache-2.0
#pragma once
// The SCRAM mechanisms (RFC 5802, RFC 7677) and their MQTT 5 authentication method names.
#include <optional>
#include <string_view>

#include "crypto/digest.h"

namespace mqauth::sasl {

enum class Mechanism { ScramSha256, ScramSha512 };

std::string_view mechanism_name(Mechanism mechanism);  // "SCRAM-SHA-256", "SCRAM-SHA-512"
std::optional<Mechanism> mechanism_from_name(std::string_view name);
crypto::HashAlgorithm hash_of(Mechanism mechanism);

}  // namespace mqauth::sasl
