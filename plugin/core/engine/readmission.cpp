// SPDX-License-Identifier: Apache-2.0
#include "engine/readmission.h"

#include "engine/client_ids.h"

namespace mqauth::engine {

std::optional<Reason> withdrawal_reason(Session& session, const Policy& next,
                                        const registry::DeviceRegistry* registry) {
    if (auto reason = session.admitted_by->readmit(session, next, registry)) return reason;
    if (takes_reserved_client_id(session, next)) return Reason::ClientIdReserved;
    session.client_id_proven = session.admitted_by->proves_client_id(next);
    return std::nullopt;
}

}  // namespace mqauth::engine
