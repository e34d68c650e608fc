// SPDX-License-Identifier: Apache-2.0
#pragma once
// The server side of one SCRAM exchange (RFC 5802 section 5, RFC 7677):
//   begin:  client-first  -> server-first   (nonce extended, salt, iterations)
//   finish: client-final  -> server-final   (v=ServerSignature) once the proof verifies
// The server keeps StoredKey and ServerKey only, so a check costs a few HMACs, no PBKDF2.
#include <optional>
#include <string>
#include <string_view>

#include "sasl/credentials.h"
#include "sasl/scram_messages.h"

namespace mqauth::sasl {

struct ScramExchange {
    Mechanism mechanism = Mechanism::ScramSha512;
    std::string username;
    // False when the user is unknown (or not a SCRAM user of this mechanism): the exchange then
    // runs on made-up credentials and fails at the proof, exactly like a wrong password.
    bool user_known = false;
    ScramCredentials credentials;
    // A rotation under way: the user's previous credentials (same salt and iterations), also
    // accepted.
    std::optional<ScramCredentials> previous;
    std::string gs2_header;  // "n,," or "y,,": the client-final's c= must carry it
    std::string client_first_bare;
    std::string server_first;  // the message to send
    std::string nonce;         // client nonce + server nonce
};

// `credentials` is null for an unknown user; `decoy_key` (a per-process secret) derives that
// user's stable made-up salt, so asking twice reveals nothing either. `previous`, when set, must
// share the salt and iterations of `credentials`.
ScramExchange begin_exchange(Mechanism mechanism, const ClientFirst& first,
                             const ScramCredentials* credentials, std::string_view server_nonce,
                             std::string_view decoy_key,
                             const ScramCredentials* previous = nullptr);

enum class FinishError { None, Malformed, ChannelBindingMismatch, NonceMismatch, BadProof };

// The server-final message when the proof verifies; otherwise nullopt and why. `by_previous`, if
// given, says whether the proof was made with the previous credentials.
std::optional<std::string> finish_exchange(const ScramExchange& exchange,
                                           const ClientFinal& final_message, FinishError& error,
                                           bool* by_previous = nullptr);

}  // namespace mqauth::sasl
