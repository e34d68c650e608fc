// SPDX-License-Identifier: Apache-2.0
#pragma once
// One validated, immutable policy: what config::load produces and what the engine decides with.
// A reload builds a whole new Policy and swaps it in; nothing mutates one after load.
#include <optional>
#include <string>

#include "authorizers/authorizer_table.h"
#include "certs/certificate_policy.h"
#include "identities/identity_table.h"
#include "metrics/metrics_settings.h"
#include "permissions/permission_table.h"
#include "sasl/sasl_user_table.h"
#include "sni/certificate_set.h"
#include "throttling/throttle_settings.h"

namespace mqauth {

enum class AnonymousAccess { Deny, Allow };
// A CONNECT whose username no identity, SASL user or CLIENT identity names (README "Migrate from
// password_file / dynamic-security"): refused, or left to the next plugin while a migration runs.
enum class UnknownUsernames { Refuse, NextPlugin };

struct Policy {
    std::string source;  // the file it was loaded from, for log lines
    AnonymousAccess anonymous = AnonymousAccess::Deny;
    UnknownUsernames unknown_usernames = UnknownUsernames::Refuse;
    identities::IdentityTable identities;
    permissions::PermissionTable permissions;
    sasl::SaslUserTable sasl_users;
    certs::CertificatePolicy certificates;
    throttling::ThrottleSettings throttling;
    std::optional<sni::CertificateSet> sni;  // absent: TLS listeners serve their own certfile
    authorizers::AuthorizerTable authorizers;
    std::optional<metrics::MetricsSettings> metrics;  // absent: no endpoint, no $SYS topics
};

}  // namespace mqauth
