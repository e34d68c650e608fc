// SPDX-License-Identifier: Apache-2.0
#pragma once
// The client's SCRAM messages (RFC 5802 section 7), parsed strictly. Anything this server does
// not do is refused rather than half-understood: channel binding ("p=" and "y"), an authzid, and
// mandatory extensions ("m=").
#include <optional>
#include <string>
#include <string_view>

namespace mqauth::sasl {

struct ClientFirst {
    std::string username;  // unescaped (=2C -> ',', =3D -> '=')
    std::string nonce;
    std::string bare;  // client-first-message-bare, for the AuthMessage
    std::string gs2_header;
};

struct ClientFinal {
    std::string channel_binding;  // the c= value, Base64 as sent
    std::string nonce;
    std::string proof;          // decoded
    std::string without_proof;  // client-final-message-without-proof, for the AuthMessage
};

// Why a message was refused; never echoes the client's bytes.
enum class ScramError {
    None,
    Malformed,
    ChannelBindingUnsupported,
    AuthzidUnsupported,
    ExtensionUnsupported,
    BadUsername,
    BadNonce,
};

std::optional<ClientFirst> parse_client_first(std::string_view message, ScramError& error);
std::optional<ClientFinal> parse_client_final(std::string_view message, ScramError& error);

// saslname escaping (RFC 5802 section 5.1): "=2C" -> ',', "=3D" -> '='. nullopt for a name with
// any other '=' sequence or a bare ','.
std::optional<std::string> unescape_username(std::string_view saslname);

inline constexpr std::size_t kMaxScramMessageBytes = 4096;  // far above any honest message

}  // namespace mqauth::sasl
