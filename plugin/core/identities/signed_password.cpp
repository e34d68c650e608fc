#include "identities/signed_password.h"

#include "crypto/base64.h"
#include "crypto/digest.h"

namespace mqauth::identities {

std::string signed_password(std::string_view secret, std::string_view client_id) {
    return crypto::base64_encode(crypto::hmac_sha1(secret, client_id));
}

}  // namespace mqauth::identities
