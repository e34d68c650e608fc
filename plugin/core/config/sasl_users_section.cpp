// SPDX-License-Identifier: Apache-2.0
#include "config/sasl_users_section.h"

#include <unordered_map>

#include "authorizers/authorizer_username.h"
#include "config/identities_section.h"
#include "config/timestamp.h"
#include "crypto/digest.h"
#include "yaml/mapping_reader.h"
#include "yaml/text_rules.h"

namespace mqauth::config {
namespace {

using sasl::Mechanism;
using sasl::SaslType;
using sasl::SaslUser;

// A plaintext password's salt is derived from the username rather than drawn at random: the same
// file then yields the same credentials at every load, so a reload does not disconnect those
// users. (The password sits in the file anyway; a secret salt would protect nothing.)
std::string plaintext_salt(std::string_view username) {
    return crypto::digest(crypto::HashAlgorithm::Sha256,
                          "mqauth plaintext salt\n" + std::string(username))
        .substr(0, sasl::kSaltBytes);
}

constexpr const char* kMosquittoHashNotScram =
    "InvalidParameter: a Mosquitto password hash serves plain users only: SCRAM needs a StoredKey "
    "and a ServerKey (mqauth sasl-hash, or mqauth sasl-users rotate)";

// `key`'s credentials text, parsed; a Mosquitto hash only for a plain user.
std::optional<sasl::UserCredentials> read_credentials_text(yaml::MappingReader& fields,
                                                           const char* key, SaslType type) {
    const auto text = fields.string(key, yaml::Presence::Required);
    if (!text) return std::nullopt;
    std::string why;
    auto credentials = sasl::parse_user_credentials(*text, why);
    if (!credentials) {
        fields.report(key, "InvalidParameter: " + why);
        return std::nullopt;
    }
    if (type == SaslType::Scram && !sasl::scram_of(*credentials)) {
        fields.report(key, kMosquittoHashNotScram);
        return std::nullopt;
    }
    return credentials;
}

// `mechanism` names a SCRAM mechanism: it must be the credentials' own.
bool mechanism_agrees(yaml::MappingReader& fields, const sasl::UserCredentials& credentials,
                      std::optional<Mechanism> mechanism) {
    if (!mechanism) return true;
    const sasl::ScramCredentials* scram = sasl::scram_of(credentials);
    if (!scram) {
        fields.report("mechanism",
                      "InvalidParameter: a Mosquitto password hash has no SCRAM mechanism");
        return false;
    }
    if (scram->mechanism == *mechanism) return true;
    fields.report("mechanism", "InvalidParameter: the credentials are for " +
                                   std::string(sasl::mechanism_name(scram->mechanism)));
    return false;
}

// Exactly one of `credentials` (from mqauth sasl-hash, or a Mosquitto hash for a plain user)
// and `password` (plaintext, warned).
std::optional<sasl::UserCredentials> read_credentials(yaml::MappingReader& fields,
                                                      std::string_view username, SaslType type,
                                                      std::optional<Mechanism> mechanism,
                                                      std::vector<yaml::Diagnostic>& warnings) {
    const bool hashed = fields.has("credentials");
    const bool plaintext = fields.has("password");
    if (hashed == plaintext) {
        fields.report_here(hashed ? "InvalidParameter: give only one of credentials and password"
                                  : "MissingParameter: credentials (from mqauth sasl-hash) is "
                                    "required");
        return std::nullopt;
    }
    if (hashed) {
        auto credentials = read_credentials_text(fields, "credentials", type);
        if (credentials && !mechanism_agrees(fields, *credentials, mechanism)) return std::nullopt;
        return credentials;
    }
    const auto password = fields.string("password", yaml::Presence::Required);
    if (!password || password->empty()) {
        if (password) fields.report("password", "InvalidParameter: the password is empty");
        return std::nullopt;
    }
    const yaml::YamlNode* node = fields.find("password");
    warnings.push_back({node->position, fields.path_of("password"),
                        "plaintext password: store `credentials` from mqauth sasl-hash instead"});
    return sasl::derive_credentials(mechanism.value_or(Mechanism::ScramSha512), *password,
                                    sasl::kDefaultIterations, plaintext_salt(username));
}

std::optional<WallTime> read_previous_until(yaml::MappingReader& fields, bool& ok) {
    const auto text = fields.string("previous_credentials_until", yaml::Presence::Optional);
    if (!text) return std::nullopt;
    const auto until = parse_timestamp(*text);
    if (!until) {
        fields.report("previous_credentials_until",
                      "InvalidParameter: not a date and time with its UTC offset, like "
                      "2026-12-31T23:59:59Z");
        ok = false;
    } else if (!fields.has("previous_credentials")) {
        fields.report("previous_credentials_until",
                      "InvalidParameter: there are no previous_credentials for it to end");
        ok = false;
    }
    return until;
}

// A scram client is offered one salt and iteration count, its current credentials'.
bool same_derivation(const sasl::UserCredentials& a, const sasl::UserCredentials& b) {
    const sasl::ScramCredentials* x = sasl::scram_of(a);
    const sasl::ScramCredentials* y = sasl::scram_of(b);
    return x && y && x->mechanism == y->mechanism && x->salt == y->salt &&
           x->iterations == y->iterations;
}

// The credentials of a rotation under way (`mqauth sasl-users rotate` writes them), and until
// when they are accepted. False on an error (reported).
bool read_previous_credentials(yaml::MappingReader& fields,
                               const std::optional<sasl::UserCredentials>& current, SaslType type,
                               sasl::SaslUser& user) {
    bool ok = true;
    const auto until = read_previous_until(fields, ok);
    if (!fields.has("previous_credentials")) return ok;
    auto previous = read_credentials_text(fields, "previous_credentials", type);
    if (!previous) return false;
    if (current && type == SaslType::Scram && !same_derivation(*previous, *current)) {
        fields.report("previous_credentials",
                      "InvalidParameter: a scram user's previous_credentials need the mechanism, "
                      "salt and iterations of its credentials (mqauth sasl-users rotate keeps "
                      "them)");
        return false;
    }
    user.previous = sasl::PreviousCredentials{std::move(*previous), until};
    return ok;
}

std::optional<SaslUser> read_user(yaml::MappingReader& fields,
                                  const identities::IdentityTable& identities,
                                  std::vector<yaml::Diagnostic>& warnings) {
    auto username = fields.string("username", yaml::Presence::Required);
    if (const auto why = username ? sasl_username_problem(*username) : std::nullopt) {
        fields.report("username", *why);
        username.reset();
    }
    if (username && identities.has_user_identity(*username)) {
        fields.report("username", "InvalidParameter: \"" + *username +
                                      "\" is also a USER identity; a username is one or the other");
        username.reset();
    }
    const auto type = fields.enumeration<SaslType>(
        "type", {{"plain", SaslType::Plain}, {"scram", SaslType::Scram}}, yaml::Presence::Optional);
    const bool type_ok = type || !fields.has("type");
    const auto mechanism = fields.enumeration<Mechanism>(
        "mechanism",
        {{"SCRAM-SHA-256", Mechanism::ScramSha256}, {"SCRAM-SHA-512", Mechanism::ScramSha512}},
        yaml::Presence::Optional);
    const bool mechanism_ok = mechanism || !fields.has("mechanism");
    auto credentials = read_credentials(fields, username.value_or(""),
                                        type.value_or(SaslType::Plain), mechanism, warnings);
    SaslUser user;
    const bool previous_ok =
        read_previous_credentials(fields, credentials, type.value_or(SaslType::Plain), user);
    fields.finish();
    if (!username || !type_ok || !mechanism_ok || !credentials || !previous_ok) return std::nullopt;
    user.username = std::move(*username);
    user.type = type.value_or(SaslType::Plain);
    user.credentials = std::move(*credentials);
    return user;
}

}  // namespace

std::optional<std::string> sasl_username_problem(std::string_view username) {
    if (!yaml::text_length_within(username, 1, kMaxUsernameChars)) {
        return "InvalidParameter: must be 1 to 64 characters";
    }
    if (authorizers::is_authorizer_form(username)) return kAuthorizerFormUsername;
    return std::nullopt;
}

void read_sasl_users(const yaml::YamlNode& list, const identities::IdentityTable& identities,
                     yaml::Diagnostics& diagnostics, std::vector<yaml::Diagnostic>& warnings,
                     sasl::SaslUserTable& table) {
    std::unordered_map<std::string, int> first_seen;
    for (std::size_t i = 0; i < list.items.size(); ++i) {
        yaml::MappingReader fields(list.items[i], "sasl_users[" + std::to_string(i) + "]",
                                   diagnostics);
        if (!fields.valid()) continue;
        auto user = read_user(fields, identities, warnings);
        if (!user) continue;
        const auto [seen, added] = first_seen.emplace(user->username, fields.position().line);
        if (!added || !table.add(std::move(*user))) {
            fields.report_here(
                "InvalidParameter: duplicate SASL user: this username is already "
                "defined at line " +
                std::to_string(seen->second));
        }
    }
}

}  // namespace mqauth::config
