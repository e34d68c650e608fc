// SPDX-License-Identifier: Apache-2.0
#include "sasl/scram_exchange.h"

#include <openssl/crypto.h>

#include "crypto/base64.h"
#include "crypto/digest.h"

namespace mqauth::sasl {
namespace {

// Made-up but stable credentials for a name that has none: the same salt every time for the
// same name and mechanism, keys nobody can produce a proof for.
ScramCredentials decoy_credentials(Mechanism mechanism, std::string_view username,
                                   std::string_view decoy_key) {
    const crypto::HashAlgorithm hash = hash_of(mechanism);
    const std::string name = std::string(mechanism_name(mechanism)) + '\0' + std::string(username);
    ScramCredentials credentials;
    credentials.mechanism = mechanism;
    credentials.iterations = kDefaultIterations;
    credentials.salt = crypto::hmac(hash, decoy_key, "salt" + name).substr(0, kSaltBytes);
    credentials.stored_key = crypto::hmac(hash, decoy_key, "stored" + name);
    credentials.server_key = crypto::hmac(hash, decoy_key, "server" + name);
    return credentials;
}

std::string xor_bytes(std::string_view a, std::string_view b) {
    std::string out(a);
    for (std::size_t i = 0; i < out.size() && i < b.size(); ++i) out[i] ^= b[i];
    return out;
}

// Whether `proof` was made with the ClientKey behind `keys` (RFC 5802 section 3).
bool proof_matches(crypto::HashAlgorithm hash, const ScramCredentials& keys,
                   const std::string& auth_message, std::string_view proof) {
    const std::string client_signature = crypto::hmac(hash, keys.stored_key, auth_message);
    const std::string client_key = xor_bytes(proof, client_signature);
    const std::string presented = crypto::digest(hash, client_key);
    return presented.size() == keys.stored_key.size() &&
           CRYPTO_memcmp(presented.data(), keys.stored_key.data(), presented.size()) == 0;
}

}  // namespace

ScramExchange begin_exchange(Mechanism mechanism, const ClientFirst& first,
                             const ScramCredentials* credentials, std::string_view server_nonce,
                             std::string_view decoy_key, const ScramCredentials* previous) {
    ScramExchange exchange;
    exchange.mechanism = mechanism;
    exchange.username = first.username;
    exchange.user_known = credentials != nullptr && credentials->mechanism == mechanism;
    exchange.credentials = exchange.user_known
                               ? *credentials
                               : decoy_credentials(mechanism, first.username, decoy_key);
    if (exchange.user_known && previous && previous->mechanism == mechanism &&
        previous->salt == credentials->salt && previous->iterations == credentials->iterations) {
        exchange.previous = *previous;
    }
    exchange.gs2_header = first.gs2_header;
    exchange.client_first_bare = first.bare;
    exchange.nonce = first.nonce + std::string(server_nonce);
    exchange.server_first = "r=" + exchange.nonce +
                            ",s=" + crypto::base64_encode(exchange.credentials.salt) +
                            ",i=" + std::to_string(exchange.credentials.iterations);
    return exchange;
}

std::optional<std::string> finish_exchange(const ScramExchange& exchange,
                                           const ClientFinal& final_message, FinishError& error,
                                           bool* by_previous) {
    // c= must carry the gs2 header the client sent first: "n,," -> "biws", "y,," -> "eSws".
    if (final_message.channel_binding != crypto::base64_encode(exchange.gs2_header)) {
        error = FinishError::ChannelBindingMismatch;
        return std::nullopt;
    }
    if (final_message.nonce != exchange.nonce) {
        error = FinishError::NonceMismatch;
        return std::nullopt;
    }
    const crypto::HashAlgorithm hash = hash_of(exchange.mechanism);
    const ScramCredentials& keys = exchange.credentials;
    if (final_message.proof.size() != keys.stored_key.size()) {
        error = FinishError::Malformed;
        return std::nullopt;
    }
    const std::string auth_message = exchange.client_first_bare + "," + exchange.server_first +
                                     "," + final_message.without_proof;
    // Both checked, whatever the first says, so the time tells nothing about a rotation.
    const bool current_ok = proof_matches(hash, keys, auth_message, final_message.proof);
    const bool previous_ok = exchange.previous && proof_matches(hash, *exchange.previous,
                                                                auth_message, final_message.proof);
    if ((!current_ok && !previous_ok) || !exchange.user_known) {
        error = FinishError::BadProof;
        return std::nullopt;
    }
    error = FinishError::None;
    if (by_previous) *by_previous = !current_ok;
    const ScramCredentials& proven = current_ok ? keys : *exchange.previous;
    return "v=" + crypto::base64_encode(crypto::hmac(hash, proven.server_key, auth_message));
}

}  // namespace mqauth::sasl
