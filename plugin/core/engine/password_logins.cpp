// SPDX-License-Identifier: Apache-2.0
#include "engine/password_logins.h"

#include "engine/admissions.h"
#include "sasl/plain_password.h"

namespace mqauth::engine {

using identities::Identity;
using sasl::SaslType;
using sasl::SaslUser;

// A refused password costs at least the dearest plain user's check (one PBKDF2) whichever way
// it was refused, as that user's wrong password does: otherwise the time to a refusal would tell
// which usernames are plain SASL users (measured: 0.14 ms against 10.5 ms), or which of them
// kept a cheap Mosquitto hash. Throttling comes first (Engine::decide_connect), so a guesser
// gets that cost out of the broker only max_failures times per back-off.
Decision PasswordLogins::decide(const ConnectRequest& request,
                                const std::shared_ptr<const Policy>& policy) {
    const std::string_view username = *request.username;
    long long spent = 0;
    Decision decision;
    if (const Identity* identity = policy->identities.select(username, request.client_id)) {
        decision = identity_login(request, *identity);
    } else if (const SaslUser* user = policy->sasl_users.find(username)) {
        decision = plain_sasl_login(request, *user, spent);
    } else if (policy->identities.has_client_identities(username)) {
        decision = Decision::deny(Reason::ClientIdNotBound);
    } else if (policy->unknown_usernames == UnknownUsernames::NextPlugin) {
        // Not mqauth's client: no password was checked, so no time is spent hiding that.
        return Decision::next_plugin(Reason::UnknownUsername);
    } else {
        decision = Decision::deny(Reason::UnknownUsername);
    }
    const SaslUser* dearest = policy->sasl_users.any_plain_user();
    if (decision.verdict == Verdict::Deny && request.password && dearest &&
        spent < sasl::verification_cost(dearest->credentials)) {
        (void)sasl::password_matches(dearest->credentials, *request.password);
    }
    return decision;
}

LoginKind PasswordLogins::kind_of(const ConnectRequest& request, const Policy& policy) const {
    const std::string_view username = *request.username;
    if (const Identity* identity = policy.identities.select(username, request.client_id)) {
        return identity->sign_mode == identities::SignMode::Signed ? LoginKind::IdentitySigned
                                                                   : LoginKind::IdentityOrigin;
    }
    return policy.sasl_users.find(username) ? LoginKind::SaslPlain : LoginKind::Unknown;
}

Decision PasswordLogins::identity_login(const ConnectRequest& request, const Identity& identity) {
    if (!request.password) return Decision::deny(Reason::MissingPassword);
    const identities::SecretUsed used = identities::match_password(
        identity, *request.password, request.client_id, std::chrono::system_clock::now());
    if (used == identities::SecretUsed::None) return Decision::deny(Reason::BadPassword);
    // The operator learns that a device still has the secret they retired; the client learns
    // no more than from any wrong password.
    if (used == identities::SecretUsed::ExpiredPrevious) {
        return Decision::deny(Reason::PreviousSecretExpired);
    }
    return services_.admit(request.connection,
                           Session{std::string(request.client_id), identity.username,
                                   std::make_unique<IdentityAdmission>(identity, used)});
}

Decision PasswordLogins::plain_sasl_login(const ConnectRequest& request, const SaslUser& user,
                                          long long& spent) {
    if (user.type != SaslType::Plain) return Decision::deny(Reason::MechanismMismatch);
    if (!request.password) return Decision::deny(Reason::MissingPassword);
    const sasl::CredentialsUsed used = plain_credentials(user, *request.password, spent);
    if (used == sasl::CredentialsUsed::None) return Decision::deny(Reason::BadPassword);
    return services_.admit(request.connection,
                           Session{std::string(request.client_id), user.username,
                                   std::make_unique<SaslAdmission>(user, used)});
}

// PBKDF2 runs once per distinct (user, password, credentials); repeats hit the keyed-hash cache.
// A previous password found there counts only while the previous credentials are accepted.
sasl::CredentialsUsed PasswordLogins::plain_credentials(const SaslUser& user,
                                                        std::string_view password,
                                                        long long& spent) {
    using sasl::CredentialsUsed;
    const sasl::WallTime now = std::chrono::system_clock::now();
    if (plain_logins_.contains(user, password, CredentialsUsed::Current)) {
        return CredentialsUsed::Current;
    }
    if (user.previous && user.previous->accepted_at(now) &&
        plain_logins_.contains(user, password, CredentialsUsed::Previous)) {
        return CredentialsUsed::Previous;
    }
    spent = sasl::verification_cost(user.credentials);
    const CredentialsUsed used = sasl::plain_password_matches(user, password, now);
    if (used != CredentialsUsed::None) plain_logins_.remember(user, password, used);
    return used;
}

}  // namespace mqauth::engine
