// SPDX-License-Identifier: Apache-2.0
#include "sasl/plain_password.h"

#include "crypto/constant_time.h"

namespace mqauth::sasl {
namespace {

bool same_derivation(const ScramCredentials& a, const ScramCredentials& b) {
    return a.mechanism == b.mechanism && a.iterations == b.iterations && a.salt == b.salt;
}

// Whether the password proves `credentials`. `derived` keeps the last SCRAM derivation, which
// credentials of the same mechanism, salt and iterations reuse instead of a second PBKDF2.
bool proves(const UserCredentials& credentials, std::string_view password,
            std::optional<ScramCredentials>& derived) {
    const ScramCredentials* scram = scram_of(credentials);
    if (!scram) return mosquitto_hash_matches(std::get<MosquittoHash>(credentials), password);
    if (!derived || !same_derivation(*derived, *scram)) {
        derived = derive_credentials(scram->mechanism, password, scram->iterations, scram->salt);
    }
    return crypto::secrets_equal(derived->stored_key, scram->stored_key);
}

}  // namespace

CredentialsUsed plain_password_matches(const SaslUser& user, std::string_view password,
                                       WallTime now) {
    std::optional<ScramCredentials> derived;
    const bool current_matches = proves(user.credentials, password, derived);
    const bool previous_matches = user.previous && user.previous->accepted_at(now) &&
                                  proves(user.previous->credentials, password, derived);
    if (current_matches) return CredentialsUsed::Current;
    return previous_matches ? CredentialsUsed::Previous : CredentialsUsed::None;
}

}  // namespace mqauth::sasl
