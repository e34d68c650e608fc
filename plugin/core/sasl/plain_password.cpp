// SPDX-License-Identifier: Apache-2.0
#include "sasl/plain_password.h"

#include "crypto/constant_time.h"

namespace mqauth::sasl {
namespace {

bool same_derivation(const ScramCredentials& a, const ScramCredentials& b) {
    return a.mechanism == b.mechanism && a.iterations == b.iterations && a.salt == b.salt;
}

}  // namespace

CredentialsUsed plain_password_matches(const SaslUser& user, std::string_view password,
                                       WallTime now) {
    const ScramCredentials& current = user.credentials;
    const ScramCredentials derived =
        derive_credentials(current.mechanism, password, current.iterations, current.salt);
    const bool current_matches = crypto::secrets_equal(derived.stored_key, current.stored_key);
    bool previous_matches = false;
    if (user.previous && user.previous->accepted_at(now)) {
        const ScramCredentials& previous = user.previous->credentials;
        const ScramCredentials derived_again =
            same_derivation(previous, current)
                ? derived
                : derive_credentials(previous.mechanism, password, previous.iterations,
                                     previous.salt);
        previous_matches = crypto::secrets_equal(derived_again.stored_key, previous.stored_key);
    }
    if (current_matches) return CredentialsUsed::Current;
    return previous_matches ? CredentialsUsed::Previous : CredentialsUsed::None;
}

}  // namespace mqauth::sasl
