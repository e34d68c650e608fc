#pragma once
#include <string>
#include <string_view>

namespace mqauth::identities {

// The SIGNED-mode password: standard Base64 of the raw 20-byte HMAC-SHA1 of the client id, keyed
// with the identity's secret. Shared by the plugin (to check) and `mqauth sign` (to issue).
std::string signed_password(std::string_view secret, std::string_view client_id);

}  // namespace mqauth::identities
