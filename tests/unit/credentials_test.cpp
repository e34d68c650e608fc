// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "crypto/base64.h"
#include "sasl/credentials.h"

using namespace mqauth::sasl;

namespace {

std::string why_refused(const std::string& text) {
    std::string error;
    EXPECT_FALSE(parse_credentials(text, error)) << text;
    return error;
}

}  // namespace

TEST(ScramCredentials, DeriveMatchesRfc7677StoredAndServerKeys) {
    // StoredKey and ServerKey of RFC 7677's "pencil", computed with Python hashlib/hmac.
    const ScramCredentials credentials =
        derive_credentials(Mechanism::ScramSha256, "pencil", 4096,
                           *mqauth::crypto::base64_decode("W22ZaJ0SNY7soEsUEjb6gQ=="));
    EXPECT_EQ(
        format_credentials(credentials),
        "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
        "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=");
}

TEST(ScramCredentials, FormatAndParseRoundTrip) {
    const ScramCredentials credentials = derive_credentials(Mechanism::ScramSha512, "pw", 5000);
    std::string error;
    const auto parsed = parse_credentials(format_credentials(credentials), error);
    ASSERT_TRUE(parsed) << error;
    EXPECT_TRUE(same_credentials(*parsed, credentials));
    EXPECT_EQ(parsed->iterations, 5000);
    EXPECT_EQ(parsed->salt.size(), kSaltBytes);
}

TEST(ScramCredentials, PasswordMatchesOnlyTheRightPassword) {
    const ScramCredentials credentials = derive_credentials(Mechanism::ScramSha256, "right", 4096);
    EXPECT_TRUE(password_matches(credentials, "right"));
    EXPECT_FALSE(password_matches(credentials, "wrong"));
    EXPECT_FALSE(password_matches(credentials, ""));
}

TEST(ScramCredentials, ParseRefusesEveryMalformedString) {
    EXPECT_NE(why_refused("").find("expected MECHANISM$"), std::string::npos);
    EXPECT_NE(why_refused("plaintext").find("expected"), std::string::npos);
    EXPECT_NE(why_refused("SCRAM-MD5$4096:c2FsdA==$AA==:AA==").find("unknown mechanism"),
              std::string::npos);
    EXPECT_NE(why_refused("SCRAM-SHA-256$100:c2FsdA==$AA==:AA==").find("iterations"),
              std::string::npos);
    EXPECT_NE(why_refused("SCRAM-SHA-256$x:c2FsdA==$AA==:AA==").find("iterations"),
              std::string::npos);
    EXPECT_NE(why_refused("SCRAM-SHA-256$04096:c2FsdA==$AA==:AA==").find("iterations"),
              std::string::npos);
    EXPECT_NE(why_refused("SCRAM-SHA-256$4096:c2FsdA==$AA==:AA==").find("StoredKey"),
              std::string::npos);  // a key of the wrong length
    EXPECT_NE(why_refused("SCRAM-SHA-256$4096:!!$AA==:AA==").find("salt"), std::string::npos);
}
