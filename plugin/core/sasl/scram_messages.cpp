// SPDX-License-Identifier: Apache-2.0
#include "sasl/scram_messages.h"

#include <vector>

#include "crypto/base64.h"

namespace mqauth::sasl {
namespace {

std::vector<std::string_view> split_attributes(std::string_view text) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = text.find(',', start);
        parts.push_back(text.substr(start, comma - start));
        if (comma == std::string_view::npos) return parts;
        start = comma + 1;
    }
}

// "k=value" with the expected key; the value may be empty only when `allow_empty`.
std::optional<std::string_view> attribute(std::string_view part, char key,
                                          bool allow_empty = false) {
    if (part.size() < 2 || part[0] != key || part[1] != '=') return std::nullopt;
    std::string_view value = part.substr(2);
    if (value.empty() && !allow_empty) return std::nullopt;
    return value;
}

// A nonce is printable ASCII without ',' (RFC 5802: printable = %x21-2B / %x2D-7E).
bool valid_nonce(std::string_view nonce) {
    if (nonce.empty()) return false;
    for (const char c : nonce) {
        if (c < 0x21 || c > 0x7e || c == ',') return false;
    }
    return true;
}

// Extensions after the mandatory attributes are allowed (and ignored) if well-formed.
bool valid_extensions(const std::vector<std::string_view>& parts, std::size_t from) {
    for (std::size_t i = from; i < parts.size(); ++i) {
        const std::string_view part = parts[i];
        if (part.size() < 2 || part[1] != '=' ||
            !((part[0] >= 'a' && part[0] <= 'z') || (part[0] >= 'A' && part[0] <= 'Z'))) {
            return false;
        }
    }
    return true;
}

template <typename T>
std::optional<T> refuse(ScramError& error, ScramError why) {
    error = why;
    return std::nullopt;
}

}  // namespace

std::optional<std::string> unescape_username(std::string_view saslname) {
    std::string out;
    for (std::size_t i = 0; i < saslname.size(); ++i) {
        if (saslname[i] == ',') return std::nullopt;
        if (saslname[i] != '=') {
            out += saslname[i];
            continue;
        }
        const std::string_view code = saslname.substr(i + 1, 2);
        if (code == "2C")
            out += ',';
        else if (code == "3D")
            out += '=';
        else
            return std::nullopt;
        i += 2;
    }
    return out;
}

std::optional<ClientFirst> parse_client_first(std::string_view message, ScramError& error) {
    if (message.empty() || message.size() > kMaxScramMessageBytes ||
        message.find('\0') != std::string_view::npos) {
        return refuse<ClientFirst>(error, ScramError::Malformed);
    }
    const auto parts = split_attributes(message);
    // gs2-header: cbind-flag "," [authzid] ",". mqauth offers no -PLUS mechanism, so "p=" (the
    // client wants channel binding) is refused, while "y" (the client supports it but thinks the
    // server does not) is right and must be accepted: RFC 5802 section 6 lets a server fail "y"
    // only when it supports channel binding itself (a downgrade).
    if (parts.size() < 4) return refuse<ClientFirst>(error, ScramError::Malformed);
    if (parts[0].substr(0, 2) == "p=") {
        return refuse<ClientFirst>(error, ScramError::ChannelBindingUnsupported);
    }
    if (parts[0] != "n" && parts[0] != "y") {
        return refuse<ClientFirst>(error, ScramError::Malformed);
    }
    if (!parts[1].empty()) return refuse<ClientFirst>(error, ScramError::AuthzidUnsupported);
    if (parts[2].substr(0, 2) == "m=") {
        return refuse<ClientFirst>(error, ScramError::ExtensionUnsupported);
    }
    const auto saslname = attribute(parts[2], 'n');
    const auto nonce = attribute(parts[3], 'r');
    if (!saslname) return refuse<ClientFirst>(error, ScramError::BadUsername);
    if (!nonce || !valid_nonce(*nonce)) return refuse<ClientFirst>(error, ScramError::BadNonce);
    if (!valid_extensions(parts, 4)) return refuse<ClientFirst>(error, ScramError::Malformed);
    auto username = unescape_username(*saslname);
    if (!username || username->empty()) return refuse<ClientFirst>(error, ScramError::BadUsername);

    ClientFirst first;
    first.username = std::move(*username);
    first.nonce = std::string(*nonce);
    first.gs2_header = std::string(parts[0]) + ",,";
    first.bare = std::string(message.substr(first.gs2_header.size()));
    error = ScramError::None;
    return first;
}

std::optional<ClientFinal> parse_client_final(std::string_view message, ScramError& error) {
    if (message.empty() || message.size() > kMaxScramMessageBytes ||
        message.find('\0') != std::string_view::npos) {
        return refuse<ClientFinal>(error, ScramError::Malformed);
    }
    const std::size_t proof_at = message.rfind(",p=");
    if (proof_at == std::string_view::npos)
        return refuse<ClientFinal>(error, ScramError::Malformed);
    const auto parts = split_attributes(message.substr(0, proof_at));
    if (parts.size() < 2) return refuse<ClientFinal>(error, ScramError::Malformed);
    const auto binding = attribute(parts[0], 'c');
    const auto nonce = attribute(parts[1], 'r');
    if (!binding) return refuse<ClientFinal>(error, ScramError::Malformed);
    if (!nonce || !valid_nonce(*nonce)) return refuse<ClientFinal>(error, ScramError::BadNonce);
    if (!valid_extensions(parts, 2)) return refuse<ClientFinal>(error, ScramError::Malformed);
    auto proof = crypto::base64_decode(message.substr(proof_at + 3));
    if (!proof || proof->empty()) return refuse<ClientFinal>(error, ScramError::Malformed);

    ClientFinal final_message;
    final_message.channel_binding = std::string(*binding);
    final_message.nonce = std::string(*nonce);
    final_message.proof = std::move(*proof);
    final_message.without_proof = std::string(message.substr(0, proof_at));
    error = ScramError::None;
    return final_message;
}

}  // namespace mqauth::sasl
