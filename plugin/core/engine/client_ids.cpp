// SPDX-License-Identifier: Apache-2.0
#include "engine/client_ids.h"

namespace mqauth::engine {

using identities::Identity;
using identities::IdentityType;

bool takes_reserved_client_id(const Session& session, const Policy& policy) {
    if (!policy.identities.reserves_client_id(session.client_id)) return false;
    return !session.admitted_by->through_client_identity();
}

bool cannot_own_client_id(std::string_view client_id, std::optional<std::string_view> username,
                          const Policy& policy) {
    if (!policy.identities.reserves_client_id(client_id)) return false;
    const Identity* identity = username ? policy.identities.select(*username, client_id) : nullptr;
    return !(identity && identity->type == IdentityType::Client);
}

}  // namespace mqauth::engine
