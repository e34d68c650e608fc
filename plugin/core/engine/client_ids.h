// SPDX-License-Identifier: Apache-2.0
#pragma once
// Client ids as credentials. A client never gains permissions through a client id it has not
// proven: CLIENT rules apply only where the login proved the id, and a client id that CLIENT
// identities name is reserved to them (anybody else taking it would take over the owner's
// session, and with it the rules of that id).
#include <optional>
#include <string_view>

#include "engine/live_clients.h"
#include "policy.h"

namespace mqauth::engine {

// True when CLIENT identities reserve the session's client id and none of them admitted it.
bool takes_reserved_client_id(const Session& session, const Policy& policy);

// The same question before any mechanism ran, for a CONNECT: true when the client id is reserved
// and no login as `username` could be through a CLIENT identity of it. (A login that could, may
// still be decided by a certificate or an authorizer: takes_reserved_client_id refuses those.)
bool cannot_own_client_id(std::string_view client_id, std::optional<std::string_view> username,
                          const Policy& policy);

}  // namespace mqauth::engine
