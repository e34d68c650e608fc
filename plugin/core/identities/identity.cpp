// SPDX-License-Identifier: Apache-2.0
#include "identities/identity.h"

#include "crypto/constant_time.h"
#include "identities/signed_password.h"

namespace mqauth::identities {

namespace {

bool secret_matches(SignMode mode, const crypto::Secret& secret,
                    const std::shared_ptr<const crypto::PreparedHmac>& signing_key,
                    std::string_view password, std::string_view client_id) {
    switch (mode) {
        case SignMode::Origin: return crypto::secrets_equal(password, secret.reveal());
        case SignMode::Signed:
            return signing_key ? signed_password_matches(*signing_key, client_id, password)
                               : signed_password_matches(secret.reveal(), client_id, password);
    }
    return false;
}

std::shared_ptr<const crypto::PreparedHmac> signing_key_of(const crypto::Secret& secret) {
    return std::make_shared<const crypto::PreparedHmac>(crypto::HashAlgorithm::Sha1,
                                                        secret.reveal());
}

const crypto::Secret* secret_of(const Identity& identity, SecretUsed used) {
    if (used == SecretUsed::Current) return &identity.secret;
    if (used == SecretUsed::Previous && identity.previous) return &identity.previous->secret;
    return nullptr;
}

}  // namespace

SecretUsed match_password(const Identity& identity, std::string_view password,
                          std::string_view client_id, WallTime now) {
    const bool current = secret_matches(identity.sign_mode, identity.secret, identity.signing_key,
                                        password, client_id);
    const bool previous =
        identity.previous && secret_matches(identity.sign_mode, identity.previous->secret,
                                            identity.previous->signing_key, password, client_id);
    if (current) return SecretUsed::Current;
    if (!previous) return SecretUsed::None;
    return identity.previous->accepted_at(now) ? SecretUsed::Previous : SecretUsed::ExpiredPrevious;
}

bool password_matches(const Identity& identity, std::string_view password,
                      std::string_view client_id) {
    const SecretUsed used =
        match_password(identity, password, client_id, std::chrono::system_clock::now());
    return used == SecretUsed::Current || used == SecretUsed::Previous;
}

void prepare_signing_key(Identity& identity) {
    if (identity.sign_mode != SignMode::Signed) return;
    identity.signing_key = signing_key_of(identity.secret);
    if (identity.previous)
        identity.previous->signing_key = signing_key_of(identity.previous->secret);
}

SecretUsed secret_after_reload(const Identity& before, SecretUsed used, const Identity& after,
                               WallTime now) {
    const crypto::Secret* secret = secret_of(before, used);
    if (!secret || before.type != after.type || before.username != after.username ||
        before.client_id != after.client_id || before.sign_mode != after.sign_mode) {
        return SecretUsed::None;
    }
    // Both compared, whatever the first says, as at login.
    const bool current = crypto::secrets_equal(secret->reveal(), after.secret.reveal());
    const bool previous = after.previous && after.previous->accepted_at(now) &&
                          crypto::secrets_equal(secret->reveal(), after.previous->secret.reveal());
    if (current) return SecretUsed::Current;
    return previous ? SecretUsed::Previous : SecretUsed::None;
}

}  // namespace mqauth::identities
