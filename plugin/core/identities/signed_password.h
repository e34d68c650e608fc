// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <string>
#include <string_view>

#include "crypto/prepared_hmac.h"

namespace mqauth::identities {

// The SIGNED-mode password: standard Base64 of the raw 20-byte HMAC-SHA1 of the client id, keyed
// with the identity's secret. Shared by the plugin (to check) and `mqauth sign` (to issue).
std::string signed_password(std::string_view secret, std::string_view client_id);

// The CONNECT-time check of a SIGNED password, without allocating. The comparison is constant
// time; only the length is checked first, and that length (28) is public.
bool signed_password_matches(std::string_view secret, std::string_view client_id,
                             std::string_view password);
// The same with the secret prepared as an HMAC-SHA1 key (crypto::PreparedHmac).
bool signed_password_matches(const crypto::PreparedHmac& key, std::string_view client_id,
                             std::string_view password);

}  // namespace mqauth::identities
