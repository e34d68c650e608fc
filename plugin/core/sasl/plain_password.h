// SPDX-License-Identifier: Apache-2.0
#pragma once
// A `plain` SASL login's password against the user's credentials and, while they are accepted,
// its previous ones (a rotation under way).
#include <string_view>

#include "sasl/sasl_user_table.h"

namespace mqauth::sasl {

// Which credentials the password matches now. Both are compared in constant time whatever the
// first says; the PBKDF2 is derived once when they share mechanism, salt and iterations (as
// `mqauth sasl-users rotate` makes them), twice otherwise. Either may be a Mosquitto hash,
// checked as Mosquitto checks it.
CredentialsUsed plain_password_matches(const SaslUser& user, std::string_view password,
                                       WallTime now);

}  // namespace mqauth::sasl
