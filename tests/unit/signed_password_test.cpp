// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "identities/signed_password.h"

using mqauth::identities::signed_password;

// Expected values computed independently:
//   printf '%s' "$CLIENT_ID" | openssl dgst -sha1 -hmac "$SECRET" -binary | base64
TEST(SignedPassword, MatchesOpensslForAnApsaraStyleClientId) {
    EXPECT_EQ(signed_password("s3cr3t", "GID_test@@@dev1"), "1t6/MP081SY9arM4qvzwA59KpTw=");
}

TEST(SignedPassword, MatchesOpensslForAPlainSentence) {
    EXPECT_EQ(signed_password("key", "The quick brown fox jumps over the lazy dog"),
              "3nybhbi3iqa8ino29wqQcBydtNk=");
}

TEST(SignedPassword, HashesUtf8BytesAsGiven) {
    EXPECT_EQ(signed_password("ünï", "客户端-1"), "00egPc0y+sbkCrJaSqpDE48b/y0=");
}

TEST(SignedPassword, SignsAnEmptyClientId) {
    EXPECT_EQ(signed_password("x", ""), "tXrRjkX3GsBp0VYY9spUftdbsuk=");
}

TEST(SignedPassword, DiffersPerClientId) {
    EXPECT_NE(signed_password("s3cr3t", "dev1"), signed_password("s3cr3t", "dev2"));
}

TEST(SignedPasswordMatches, AcceptsOnlyTheExactSignature) {
    using mqauth::identities::signed_password_matches;
    EXPECT_TRUE(
        signed_password_matches("s3cr3t", "GID_test@@@dev1", "1t6/MP081SY9arM4qvzwA59KpTw="));
    EXPECT_FALSE(
        signed_password_matches("s3cr3t", "GID_test@@@dev1", "1t6/MP081SY9arM4qvzwA59KpTx="));
    EXPECT_FALSE(
        signed_password_matches("s3cr3t", "GID_test@@@dev1", "1t6/MP081SY9arM4qvzwA59KpTw"));
    EXPECT_FALSE(
        signed_password_matches("s3cr3t", "GID_test@@@dev1", "1t6/MP081SY9arM4qvzwA59KpTw=="));
    EXPECT_FALSE(signed_password_matches("s3cr3t", "GID_test@@@dev1", ""));
    EXPECT_FALSE(
        signed_password_matches("s3cr3t", "GID_test@@@dev2", "1t6/MP081SY9arM4qvzwA59KpTw="));
}
