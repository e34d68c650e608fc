// SPDX-License-Identifier: Apache-2.0
#pragma once
// What admitted a session, as the mechanism that admitted it records it, and how it answers for
// the session later: after a reload (does the new policy still admit it?) and for topic rules
// (did its login prove the client id?). Each login mechanism has its own kind (admissions.h holds
// the built-in ones), so a new mechanism adds one without touching the engine.
#include <optional>

#include "engine/decision.h"
#include "engine/login_kind.h"
#include "policy.h"
#include "registry/device_registry.h"

namespace mqauth::engine {

struct Session;

class Admission {
   public:
    virtual ~Admission() = default;

    // After a reload: nullopt when `next` still admits `session`, else the reason it does not.
    // An admission that points into the policy re-points itself into `next`, as the policy it
    // came from is about to be freed. `registry` comes with `next` (null without listed CAs).
    virtual std::optional<Reason> readmit(const Session& session, const Policy& next,
                                          const registry::DeviceRegistry* registry) = 0;

    // Whether the credential it was admitted with has run out by `now` (an identity's previous
    // secret past its previous_secret_until): the reason, then.
    virtual std::optional<Reason> lapsed(identities::WallTime /*now*/) const {
        return std::nullopt;
    }

    // How the client logged in, for the live-clients metric.
    virtual LoginKind kind() const = 0;

    // Whether the login proved the client id it uses (client_ids.h): CLIENT rules apply then.
    virtual bool proves_client_id(const Policy& policy) const = 0;

    // Whether a CLIENT identity admitted it: the one login a reserved client id allows.
    virtual bool through_client_identity() const { return false; }

    // Set when a reload withdrew the session's access (it keeps none) while the broker still
    // holds it.
    virtual std::optional<Reason> withdrawal() const { return std::nullopt; }
};

}  // namespace mqauth::engine
