// SPDX-License-Identifier: Apache-2.0
#pragma once
// A client a reload (or the passing of time) withdrew: the adapter disconnects it when online.
#include <string>

#include "engine/decision.h"

namespace mqauth::engine {

struct Withdrawal {
    std::string client_id;
    Reason reason;
    bool online = true;
};

}  // namespace mqauth::engine
