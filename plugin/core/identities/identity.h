// SPDX-License-Identifier: Apache-2.0
#pragma once
// A custom-auth identity (ApsaraMQ for MQTT AddCustomAuthIdentity).
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/prepared_hmac.h"
#include "crypto/secret.h"

namespace mqauth::identities {

enum class IdentityType {
    User,    // any client id may use it
    Client,  // bound to one client id
};

enum class SignMode {
    Origin,  // the password equals the secret
    Signed,  // the password equals Base64(HMAC-SHA1(key = secret, message = client id))
};

using WallTime = std::chrono::system_clock::time_point;

// The secret an identity had before its current one, still accepted while its devices move over
// (secret rotation without an outage): until `until`, or until the operator removes it.
struct PreviousSecret {
    crypto::Secret secret;
    std::optional<WallTime> until;
    std::shared_ptr<const crypto::PreparedHmac> signing_key;  // as Identity::signing_key

    bool accepted_at(WallTime now) const { return !until || now < *until; }
};

struct Identity {
    std::string username;
    IdentityType type = IdentityType::User;
    std::string client_id;  // empty for USER identities
    crypto::Secret secret;
    SignMode sign_mode = SignMode::Origin;
    // SIGNED: the secret absorbed into HMAC-SHA1's padded-key states once (prepare_signing_key),
    // so a CONNECT does not derive them again. Shared: identities are copied, the key is not.
    std::shared_ptr<const crypto::PreparedHmac> signing_key;
    std::optional<PreviousSecret> previous;
};

// Gives a SIGNED identity its signing keys (the config loader does, for every identity it
// reads); matching works without them, only slower.
void prepare_signing_key(Identity& identity);

// Which of an identity's secrets a password was made with.
enum class SecretUsed {
    None,
    Current,
    Previous,         // the previous secret, accepted now
    ExpiredPrevious,  // the previous secret, past its `until`: refused
};

// Checks a CONNECT password against the identity's secret and its previous one, each in constant
// time, both always (the time taken does not tell which matched).
SecretUsed match_password(const Identity& identity, std::string_view password,
                          std::string_view client_id, WallTime now);

// Whether the password is accepted now (its current secret, or its previous one still accepted).
bool password_matches(const Identity& identity, std::string_view password,
                      std::string_view client_id);

// After a reload: which secret of `after` a client admitted by `before` with its `used` secret
// logs in with now (None: it is no longer accepted). The same kind of identity and sign mode,
// and that secret as `after`'s current one or its previous one still accepted.
SecretUsed secret_after_reload(const Identity& before, SecretUsed used, const Identity& after,
                               WallTime now);

}  // namespace mqauth::identities
