// SPDX-License-Identifier: Apache-2.0
#include "config/identities_section.h"

#include <unordered_map>

#include "authorizers/authorizer_username.h"
#include "config/secret_source.h"
#include "config/timestamp.h"
#include "yaml/mapping_reader.h"
#include "yaml/text_rules.h"

namespace mqauth::config {
namespace {

using identities::Identity;
using identities::IdentityTable;
using identities::IdentityType;
using identities::PreviousSecret;
using identities::SignMode;

// Where each identity was first defined, to name the earlier line in a duplicate's error.
using FirstSeen = std::unordered_map<std::string, int>;

std::string identity_key(const Identity& identity) {
    // A NUL separator cannot occur in YAML text, so the two parts cannot run into each other.
    return identity.type == IdentityType::Client
               ? "C" + identity.username + '\0' + identity.client_id
               : "U" + identity.username;
}

std::optional<std::string> read_bounded_text(yaml::MappingReader& fields, std::string_view key,
                                             std::size_t max_chars, yaml::Presence presence) {
    auto value = fields.string(key, presence);
    if (value && !yaml::text_length_within(*value, 1, max_chars)) {
        fields.report(
            key, "InvalidParameter: must be 1 to " + std::to_string(max_chars) + " characters");
        return std::nullopt;
    }
    return value;
}

// Returns false when the entry has an error (already reported).
bool read_client_binding(yaml::MappingReader& fields, Identity& identity) {
    if (identity.type == IdentityType::User) {
        if (fields.has("client_id")) {
            fields.report("client_id", "InvalidParameter: only a CLIENT identity has a client_id");
            return false;
        }
        return true;
    }
    auto client_id =
        read_bounded_text(fields, "client_id", kMaxClientIdChars, yaml::Presence::Required);
    if (!client_id) return false;
    identity.client_id = std::move(*client_id);
    return true;
}

// The previous secret of a rotation, and until when it is accepted. False on an error (reported).
bool read_previous_secret(yaml::MappingReader& fields, const std::string& base_dir,
                          Identity& identity) {
    const SecretKeys& keys = kPreviousIdentitySecret;
    const bool given =
        fields.has(keys.inline_key) || fields.has(keys.file_key) || fields.has(keys.env_key);
    auto secret = read_secret(fields, base_dir, keys);
    const auto until_text = fields.string("previous_secret_until", yaml::Presence::Optional);
    std::optional<WallTime> until;
    if (until_text) {
        until = parse_timestamp(*until_text);
        if (!until) {
            fields.report("previous_secret_until",
                          "InvalidParameter: not a date and time with its UTC offset, like "
                          "2026-12-31T23:59:59Z");
            return false;
        }
        if (!given) {
            fields.report("previous_secret_until",
                          "InvalidParameter: there is no previous_secret (or "
                          "previous_secret_file, previous_secret_env) for it to end");
            return false;
        }
    }
    if (given && !secret) return false;
    if (secret) identity.previous = PreviousSecret{std::move(*secret), until, nullptr};
    return true;
}

std::optional<Identity> read_identity(yaml::MappingReader& fields, const std::string& base_dir) {
    Identity identity;
    auto username =
        read_bounded_text(fields, "username", kMaxUsernameChars, yaml::Presence::Required);
    if (username && authorizers::is_authorizer_form(*username)) {
        fields.report("username", kAuthorizerFormUsername);
        username.reset();
    }
    auto type = fields.enumeration<IdentityType>(
        "identity_type", {{"USER", IdentityType::User}, {"CLIENT", IdentityType::Client}},
        yaml::Presence::Required);
    auto sign_mode = fields.enumeration<SignMode>(
        "sign_mode", {{"ORIGIN", SignMode::Origin}, {"SIGNED", SignMode::Signed}},
        yaml::Presence::Required);
    auto secret = read_secret(fields, base_dir);
    const bool previous_ok = read_previous_secret(fields, base_dir, identity);
    bool binding_ok = false;
    if (type) {
        identity.type = *type;
        binding_ok = read_client_binding(fields, identity);
    } else {
        fields.find("client_id");  // a known key, though it can only be checked against a type
    }
    fields.finish();
    if (!username || !type || !sign_mode || !secret || !binding_ok || !previous_ok) {
        return std::nullopt;
    }

    identity.username = std::move(*username);
    identity.sign_mode = *sign_mode;
    identity.secret = std::move(*secret);
    prepare_signing_key(identity);
    return identity;
}

void add_identity(Identity identity, yaml::MappingReader& fields, FirstSeen& first_seen,
                  IdentityTable& table) {
    const std::string key = identity_key(identity);
    const bool is_client = identity.type == IdentityType::Client;
    if (table.add(std::move(identity)) == IdentityTable::AddResult::Added) {
        first_seen.emplace(key, fields.position().line);
        return;
    }
    fields.report_here(std::string("InvalidParameter: duplicate identity: ") +
                       (is_client ? "a CLIENT identity of this username and client_id"
                                  : "a USER identity of this username") +
                       " is already defined at line " + std::to_string(first_seen[key]));
}

}  // namespace

void read_identities(const yaml::YamlNode& list, const std::string& base_dir,
                     yaml::Diagnostics& diagnostics, IdentityTable& table) {
    FirstSeen first_seen;
    for (std::size_t i = 0; i < list.items.size(); ++i) {
        yaml::MappingReader fields(list.items[i], "identities[" + std::to_string(i) + "]",
                                   diagnostics);
        if (!fields.valid()) continue;
        if (auto identity = read_identity(fields, base_dir)) {
            add_identity(std::move(*identity), fields, first_seen, table);
        }
    }
}

}  // namespace mqauth::config
