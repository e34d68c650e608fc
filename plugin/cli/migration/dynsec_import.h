// SPDX-License-Identifier: Apache-2.0
#pragma once
// `mqauth import dynamic-security`: the dynamic-security plugin's clients as plain SASL users
// (their PBKDF2-SHA512 hashes in the $7$ form) and their roles' ACLs as USER permission rules.
//
// The two models differ, so the mapping is partial, and everything left out is reported:
// - dynsec checks a client's ACLs in priority order (its roles, then its groups' roles) and the
//   first match decides; in mqauth any matching DENY beats any ALLOW. Where an ALLOW is checked
//   before a DENY whose filter overlaps it, the decision for the overlap changes: reported.
// - publishClientSend maps to PUB, subscribePattern to SUB, subscribeLiteral to SUB when its
//   topic has no wildcard (a DENY with one maps to a wider DENY; an ALLOW does not map).
//   publishClientReceive does not (mqauth delivers what a client's SUB rules allow), nor do
//   unsubscribe ACLs (mqauth always lets a client unsubscribe).
// - Disabled clients, clients bound to a client id, clients without a password or with a hash
//   mqauth cannot verify (argon2id) are not imported; anonymousGroup and a defaultACLAccess
//   other than mqauth's (no_match: DENY for PUB and SUB) are reported.
#include <string>
#include <string_view>

#include "migration/dynsec_config.h"
#include "migration/imported_config.h"

namespace mqauth::cli::migration {

// Each report line starts with "PATH: ".
Import import_dynamic_security(std::string_view json, const std::string& path);

// The same from a parsed file (what the unit tests check).
Import map_dynamic_security(const DynsecConfig& config, const std::string& path);

}  // namespace mqauth::cli::migration
