// SPDX-License-Identifier: Apache-2.0
#include "explain/scram_client.h"

#include "crypto/base64.h"
#include "crypto/digest.h"
#include "crypto/random.h"

namespace mqauth::cli::explain {
namespace {

constexpr std::string_view kGs2Header = "n,,";

// saslname escaping (RFC 5802 section 5.1).
std::string escaped(std::string_view name) {
    std::string out;
    for (char c : name) {
        if (c == ',') {
            out += "=2C";
        } else if (c == '=') {
            out += "=3D";
        } else {
            out += c;
        }
    }
    return out;
}

// The value of attribute `key` ("r", "s", "i") in a server-first message.
std::optional<std::string> attribute(std::string_view message, char key) {
    std::size_t at = 0;
    while (at <= message.size()) {
        const std::size_t end = std::min(message.find(',', at), message.size());
        const std::string_view part = message.substr(at, end - at);
        if (part.size() >= 2 && part[0] == key && part[1] == '=')
            return std::string(part.substr(2));
        at = end + 1;
    }
    return std::nullopt;
}

}  // namespace

ScramClient::ScramClient(sasl::Mechanism mechanism, std::string username, std::string password)
    : mechanism_(mechanism),
      username_(std::move(username)),
      password_(std::move(password)),
      nonce_(crypto::base64_encode(crypto::random_bytes(18))) {}

std::string ScramClient::first_message() const {
    return std::string(kGs2Header) + "n=" + escaped(username_) + ",r=" + nonce_;
}

std::optional<std::string> ScramClient::final_message(std::string_view server_first) {
    const auto nonce = attribute(server_first, 'r');
    const auto salt_text = attribute(server_first, 's');
    const auto iterations_text = attribute(server_first, 'i');
    if (!nonce || !salt_text || !iterations_text) return std::nullopt;
    const auto salt = crypto::base64_decode(*salt_text);
    int iterations = 0;
    try {
        iterations = std::stoi(*iterations_text);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    if (!salt || iterations < 1) return std::nullopt;
    const crypto::HashAlgorithm hash = sasl::hash_of(mechanism_);
    const std::string salted = crypto::pbkdf2(hash, password_, *salt, iterations);
    const std::string client_key = crypto::hmac(hash, salted, "Client Key");
    const std::string stored_key = crypto::digest(hash, client_key);
    const std::string without_proof = "c=" + crypto::base64_encode(kGs2Header) + ",r=" + *nonce;
    const std::string auth_message = first_message().substr(kGs2Header.size()) + "," +
                                     std::string(server_first) + "," + without_proof;
    const std::string signature = crypto::hmac(hash, stored_key, auth_message);
    std::string proof = client_key;
    for (std::size_t i = 0; i < proof.size(); ++i) proof[i] ^= signature[i];
    return without_proof + ",p=" + crypto::base64_encode(proof);
}

}  // namespace mqauth::cli::explain
