#include "identities/identity.h"

#include "crypto/constant_time.h"
#include "identities/signed_password.h"

namespace mqauth::identities {

bool password_matches(const Identity& identity, std::string_view password,
                      std::string_view client_id) {
    switch (identity.sign_mode) {
        case SignMode::Origin: return crypto::secrets_equal(password, identity.secret.reveal());
        case SignMode::Signed:
            return identity.signing_key
                       ? signed_password_matches(*identity.signing_key, client_id, password)
                       : signed_password_matches(identity.secret.reveal(), client_id, password);
    }
    return false;
}

void prepare_signing_key(Identity& identity) {
    if (identity.sign_mode != SignMode::Signed) return;
    identity.signing_key = std::make_shared<const crypto::PreparedHmac>(crypto::HashAlgorithm::Sha1,
                                                                        identity.secret.reveal());
}

bool same_credentials(const Identity& before, const Identity& after) {
    return before.type == after.type && before.username == after.username &&
           before.client_id == after.client_id && before.sign_mode == after.sign_mode &&
           crypto::secrets_equal(before.secret.reveal(), after.secret.reveal());
}

}  // namespace mqauth::identities
