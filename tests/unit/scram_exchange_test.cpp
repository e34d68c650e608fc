// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "crypto/base64.h"
#include "sasl/scram_exchange.h"

using namespace mqauth::sasl;

namespace {

// RFC 7677 section 3: user "user", password "pencil".
constexpr const char* kClientNonce = "rOprNGfwEbeRWgbNEkqO";
constexpr const char* kServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr const char* kSalt = "W22ZaJ0SNY7soEsUEjb6gQ==";
constexpr const char* kDecoyKey = "test decoy key";

ScramCredentials pencil(Mechanism mechanism) {
    return derive_credentials(mechanism, "pencil", 4096, *mqauth::crypto::base64_decode(kSalt));
}

ClientFirst first_message() {
    ScramError error;
    return *parse_client_first(std::string("n,,n=user,r=") + kClientNonce, error);
}

std::optional<std::string> finish_with(const ScramExchange& exchange, const std::string& proof,
                                       FinishError& error, const std::string& binding = "biws") {
    ScramError parse_error;
    const auto final_message = parse_client_final(
        "c=" + binding + ",r=" + kClientNonce + kServerNonce + ",p=" + proof, parse_error);
    EXPECT_TRUE(final_message);
    return finish_exchange(exchange, *final_message, error);
}

}  // namespace

TEST(ScramExchange, FollowsTheRfc7677Sha256Example) {
    const ScramCredentials credentials = pencil(Mechanism::ScramSha256);
    const auto exchange = begin_exchange(Mechanism::ScramSha256, first_message(), &credentials,
                                         kServerNonce, kDecoyKey);
    EXPECT_EQ(exchange.server_first,
              "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,"
              "i=4096");
    FinishError error;
    const auto server_final =
        finish_with(exchange, "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", error);
    ASSERT_TRUE(server_final);
    EXPECT_EQ(*server_final, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
}

// Computed independently with Python's hashlib and hmac for the same inputs.
TEST(ScramExchange, MatchesAnIndependentSha512Computation) {
    const ScramCredentials credentials = pencil(Mechanism::ScramSha512);
    EXPECT_EQ(
        mqauth::crypto::base64_encode(credentials.stored_key),
        "6AAub3065EYRmyFpM2RNwqK+eGnrkYuEWbXn19LsEmBqzu8QaCXNc1FwpnX9NhH2hK/60dzj9DoO5DvVkOHbvg==");
    const auto exchange = begin_exchange(Mechanism::ScramSha512, first_message(), &credentials,
                                         kServerNonce, kDecoyKey);
    FinishError error;
    const auto server_final = finish_with(
        exchange,
        "gMGXRcevScNtxZ6/8lQYpGtnsNAc3mGcmNomv+xnoOMw+3R2xNJdMNnzMlTN8PPC6wdp6dybEmDYXYTxwnYPJQ==",
        error);
    ASSERT_TRUE(server_final);
    EXPECT_EQ(*server_final,
              "v=ZQnYEgWQMFmmsM8aQMF0nDDCy/"
              "AgCzkwk8CmMZYcMg0vSVlKDanekLtifDSeVGT4+5ZxXnJq199RVG2rR7N7Zw==");
}

TEST(ScramExchange, RefusesAWrongProof) {
    const ScramCredentials credentials = pencil(Mechanism::ScramSha256);
    const auto exchange = begin_exchange(Mechanism::ScramSha256, first_message(), &credentials,
                                         kServerNonce, kDecoyKey);
    FinishError error;
    EXPECT_FALSE(finish_with(exchange, "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVU=", error));
    EXPECT_EQ(error, FinishError::BadProof);
}

TEST(ScramExchange, RefusesAChangedChannelBindingOrNonce) {
    const ScramCredentials credentials = pencil(Mechanism::ScramSha256);
    const auto exchange = begin_exchange(Mechanism::ScramSha256, first_message(), &credentials,
                                         kServerNonce, kDecoyKey);
    FinishError error;
    EXPECT_FALSE(finish_with(exchange, "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", error,
                             "eSws"));  // "y,,"
    EXPECT_EQ(error, FinishError::ChannelBindingMismatch);

    ScramError parse_error;
    const auto other_nonce = parse_client_final(
        "c=biws,r=rOprNGfwEbeRWgbNEkqOxxx,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
        parse_error);
    EXPECT_FALSE(finish_exchange(exchange, *other_nonce, error));
    EXPECT_EQ(error, FinishError::NonceMismatch);
}

TEST(ScramExchange, UnknownUserGetsAStablePlausibleSaltAndFailsLikeAWrongPassword) {
    const auto first =
        begin_exchange(Mechanism::ScramSha256, first_message(), nullptr, kServerNonce, kDecoyKey);
    const auto again =
        begin_exchange(Mechanism::ScramSha256, first_message(), nullptr, kServerNonce, kDecoyKey);
    EXPECT_EQ(first.server_first, again.server_first);
    EXPECT_EQ(first.credentials.salt.size(), kSaltBytes);
    EXPECT_NE(first.server_first.find(",i=4096"), std::string::npos);
    FinishError error;
    EXPECT_FALSE(finish_with(first, "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", error));
    EXPECT_EQ(error, FinishError::BadProof);
}

TEST(ScramExchange, CredentialsOfAnotherMechanismAreTreatedAsUnknown) {
    const ScramCredentials credentials = pencil(Mechanism::ScramSha512);
    const auto exchange = begin_exchange(Mechanism::ScramSha256, first_message(), &credentials,
                                         kServerNonce, kDecoyKey);
    EXPECT_FALSE(exchange.user_known);
}
