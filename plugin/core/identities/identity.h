#pragma once
// A custom-auth identity (ApsaraMQ for MQTT AddCustomAuthIdentity).
#include <memory>
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

struct Identity {
    std::string username;
    IdentityType type = IdentityType::User;
    std::string client_id;  // empty for USER identities
    crypto::Secret secret;
    SignMode sign_mode = SignMode::Origin;
    // SIGNED: the secret absorbed into HMAC-SHA1's padded-key states once (prepare_signing_key),
    // so a CONNECT does not derive them again. Shared: identities are copied, the key is not.
    std::shared_ptr<const crypto::PreparedHmac> signing_key;
};

// Gives a SIGNED identity its signing_key (the config loader does, for every identity it reads);
// password_matches works without one, only slower.
void prepare_signing_key(Identity& identity);

// Checks a CONNECT password against the identity, in constant time.
bool password_matches(const Identity& identity, std::string_view password,
                      std::string_view client_id);

// True when a client admitted by `before` would be admitted by `after` with the same password:
// the same kind of identity with the same secret and sign mode.
bool same_credentials(const Identity& before, const Identity& after);

}  // namespace mqauth::identities
