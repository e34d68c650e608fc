// SPDX-License-Identifier: Apache-2.0
#pragma once
// Whether a live client would still be admitted by a new policy, with the same credentials.
#include <optional>

#include "engine/decision.h"
#include "engine/live_clients.h"
#include "policy.h"
#include "registry/device_registry.h"

namespace mqauth::engine {

// nullopt when the client keeps its access; the session is then re-pointed into `next` (the
// policy it came from is about to be freed). Otherwise the reason it loses it.
// `registry` is the device registry that comes with `next` (null when it lists no CA).
std::optional<Reason> withdrawal_reason(Session& session, const Policy& next,
                                        const registry::DeviceRegistry* registry);

}  // namespace mqauth::engine
