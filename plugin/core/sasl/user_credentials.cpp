// SPDX-License-Identifier: Apache-2.0
#include "sasl/user_credentials.h"

namespace mqauth::sasl {

std::optional<UserCredentials> parse_user_credentials(std::string_view text, std::string& error) {
    if (looks_like_mosquitto_hash(text)) return parse_mosquitto_hash(text, error);
    return parse_credentials(text, error);
}

std::string format_user_credentials(const UserCredentials& credentials) {
    if (const ScramCredentials* scram = scram_of(credentials)) return format_credentials(*scram);
    return format_mosquitto_hash(std::get<MosquittoHash>(credentials));
}

bool password_matches(const UserCredentials& credentials, std::string_view password) {
    if (const ScramCredentials* scram = scram_of(credentials)) {
        return password_matches(*scram, password);
    }
    return mosquitto_hash_matches(std::get<MosquittoHash>(credentials), password);
}

std::string_view verifier_of(const UserCredentials& credentials) {
    if (const ScramCredentials* scram = scram_of(credentials)) return scram->stored_key;
    return std::get<MosquittoHash>(credentials).hash;
}

bool same_credentials(const UserCredentials& a, const UserCredentials& b) {
    if (a.index() != b.index()) return false;
    if (const ScramCredentials* scram = scram_of(a)) return same_credentials(*scram, *scram_of(b));
    return same_mosquitto_hash(std::get<MosquittoHash>(a), std::get<MosquittoHash>(b));
}

long long verification_cost(const UserCredentials& credentials) {
    if (const ScramCredentials* scram = scram_of(credentials)) return scram->iterations;
    const MosquittoHash& hash = std::get<MosquittoHash>(credentials);
    return hash.type == MosquittoHashType::Sha512 ? 1 : hash.iterations;
}

}  // namespace mqauth::sasl
