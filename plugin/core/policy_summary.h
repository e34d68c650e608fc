// SPDX-License-Identifier: Apache-2.0
#pragma once
// One line that says what a policy holds, for the broker's "loaded"/"reloaded" lines and for
// `mqauth check`: "3 identities, 12 rules, 2 SASL users, 1 CAs, 0 authorizers[, 2 SNI
// certificates for 5 domains]".
#include <string>

#include "policy.h"

namespace mqauth {

std::string summarize(const Policy& policy);

}  // namespace mqauth
