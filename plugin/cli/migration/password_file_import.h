// SPDX-License-Identifier: Apache-2.0
#pragma once
// `mqauth import password-file`: a Mosquitto password_file (`user:HASH` lines, as mosquitto_passwd
// writes them) as plain SASL users that keep their hashes, so every device keeps its password.
#include <string>
#include <string_view>

#include "migration/imported_config.h"

namespace mqauth::cli::migration {

// Reads the file's text as Mosquitto does (src/security_default.c, 2.0): blank lines and lines
// starting with '#' are skipped, the username and the hash are trimmed of blanks. Anything else
// Mosquitto would drop or misread (a line without ':' or with a second one, a hash mqauth
// cannot verify, a username twice or one a SASL user cannot have) is `unreadable`, named
// "PATH:LINE".
Import import_password_file(std::string_view text, const std::string& path);

}  // namespace mqauth::cli::migration
