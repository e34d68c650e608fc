// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>

#include "crypto/base64.h"
#include "crypto/constant_time.h"
#include "crypto/digest.h"
#include "crypto/secret.h"

using namespace mqauth::crypto;

TEST(Base64, EncodesRfc4648Vectors) {
    const std::pair<std::string, std::string> vectors[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    for (const auto& [plain, encoded] : vectors) {
        EXPECT_EQ(base64_encode(plain), encoded) << plain;
    }
}

TEST(HmacSha1, MatchesRfc2202TestCase2) {
    const Sha1Digest digest = hmac_sha1("Jefe", "what do ya want for nothing?");
    EXPECT_EQ(base64_encode(digest), "7/zfauXrL6LSdBbV8YTfnCWafHk=");  // effcdf6a...9a7c79
}

TEST(HmacSha1, AcceptsAnEmptyKey) {
    EXPECT_EQ(base64_encode(hmac_sha1("", "")), "+9sdGxiqbAgyS31ktx+3Y3BpDh0=");
}

TEST(Sha256, MatchesFipsVector) {
    EXPECT_EQ(base64_encode(sha256("abc")), "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
}

TEST(SecretsEqual, ComparesContentsAndLengths) {
    EXPECT_TRUE(secrets_equal("s3cr3t", "s3cr3t"));
    EXPECT_FALSE(secrets_equal("s3cr3t", "s3cr3T"));
    EXPECT_FALSE(secrets_equal("s3cr3t", "s3cr3t "));
    EXPECT_FALSE(secrets_equal("", "s3cr3t"));
    EXPECT_TRUE(secrets_equal("", ""));
    EXPECT_FALSE(secrets_equal(std::string("a\0b", 3), "a"));
}

TEST(Secret, MovedFromSecretIsEmpty) {
    Secret original("value");
    Secret moved(std::move(original));
    EXPECT_EQ(moved.reveal(), "value");
    EXPECT_TRUE(original.empty());  // NOLINT(bugprone-use-after-move): the wipe is the point
}

TEST(Base64, DecodesCanonicalTextOnly) {
    EXPECT_EQ(base64_decode("Zm9vYmFy"), "foobar");
    EXPECT_EQ(base64_decode("Zm8="), "fo");
    EXPECT_EQ(base64_decode(""), "");
    EXPECT_FALSE(base64_decode("Zm9="));      // non-zero unused bits
    EXPECT_FALSE(base64_decode("Zm8"));       // missing padding
    EXPECT_FALSE(base64_decode("Zm 8="));     // whitespace
    EXPECT_FALSE(base64_decode("Zm8=Zm8="));  // padding inside
    EXPECT_FALSE(base64_decode("Z==="));
}
