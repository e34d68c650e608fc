// SPDX-License-Identifier: Apache-2.0
#pragma once
// One custom authorizer (Huawei IoTDA "custom authenticator"): an external function that decides
// CONNECTs, optionally behind a token signature check, optionally with cached decisions.
#include <chrono>
#include <string>

#include "crypto/openssl_handles.h"
#include "crypto/secret.h"

namespace mqauth::authorizers {

enum class AuthorizerStatus { Active, Inactive };

inline constexpr std::chrono::milliseconds kDefaultTimeout{2000};
// The broker is single-threaded: a call blocks every client, so a call may not last longer.
inline constexpr std::chrono::milliseconds kMaxTimeout{10000};
// Calls to one function under way at once, where they run off the broker's thread (Mosquitto
// 2.1): enough for 1,000 CONNECTs a second to a function answering in 100 ms.
inline constexpr std::size_t kDefaultMaxInFlight = 100;
inline constexpr std::size_t kMaxInFlightLimit = 10000;

struct Authorizer {
    std::string name;            // [A-Za-z0-9_-]{1,128}, unique in the policy
    std::string func_urn;        // the function: an http:// or https:// URL receiving a JSON POST
    bool signing_enable = true;  // IoTDA's default
    crypto::Secret signing_token;
    crypto::EvpPkeyPtr signing_public_key;  // RSA, set when signing is enabled
    std::string signing_public_key_der;     // its SubjectPublicKeyInfo, to compare across reloads
    bool default_authorizer = false;
    AuthorizerStatus status = AuthorizerStatus::Active;
    bool cache_enable = false;
    std::chrono::milliseconds timeout = kDefaultTimeout;
    std::size_t max_in_flight = kDefaultMaxInFlight;

    bool active() const { return status == AuthorizerStatus::Active; }
};

// True when both would decide every CONNECT alike: same function, signing, status, default flag,
// cache and timeout (max_in_flight decides nothing). A reload drops the cached decisions of an
// authorizer that is not.
bool same_settings(const Authorizer& before, const Authorizer& after);

}  // namespace mqauth::authorizers
