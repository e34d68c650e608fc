// SPDX-License-Identifier: Apache-2.0
#pragma once
// The client side of a SCRAM exchange (RFC 5802 section 3), so that `mqauth explain` can run a
// SCRAM-SHA-* login through the engine exactly as an MQTT 5 client's AUTH packets would.
#include <optional>
#include <string>
#include <string_view>

#include "sasl/mechanism.h"

namespace mqauth::cli::explain {

class ScramClient {
   public:
    ScramClient(sasl::Mechanism mechanism, std::string username, std::string password);

    // The client-first message (the CONNECT's authentication data).
    std::string first_message() const;
    // The client-final message answering `server_first`; nullopt when it does not parse.
    std::optional<std::string> final_message(std::string_view server_first);

   private:
    sasl::Mechanism mechanism_;
    std::string username_;
    std::string password_;
    std::string nonce_;
};

}  // namespace mqauth::cli::explain
