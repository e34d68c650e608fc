// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/digest.h"
#include "crypto/prepared_hmac.h"

using mqauth::crypto::HashAlgorithm;
using mqauth::crypto::hmac;
using mqauth::crypto::PreparedHmac;

namespace {

std::string mac_of(const PreparedHmac& key, const std::string& message) {
    std::string out(key.digest_size(), '\0');
    key.compute(message, reinterpret_cast<unsigned char*>(out.data()));
    return out;
}

std::string hex(const std::string& bytes) {
    static const char digits[] = "0123456789abcdef";
    std::string text;
    for (unsigned char byte : bytes) {
        text += digits[byte >> 4];
        text += digits[byte & 0xf];
    }
    return text;
}

}  // namespace

TEST(PreparedHmac, MatchesRfc2202TestCase1) {
    const PreparedHmac key(HashAlgorithm::Sha1, std::string(20, '\x0b'));
    EXPECT_EQ(hex(mac_of(key, "Hi There")), "b617318655057264e28bc0b6fb378c8ef146be00");
}

TEST(PreparedHmac, HashesAKeyLongerThanABlockFirstAsRfc2202TestCase6) {
    const PreparedHmac key(HashAlgorithm::Sha1, std::string(80, '\xaa'));
    EXPECT_EQ(hex(mac_of(key, "Test Using Larger Than Block-Size Key - Hash Key First")),
              "aa4ae5e15272d00e95705637ce8a3b55ed402112");
}

// Keys around each block size (64 bytes for SHA-1 and SHA-256, 128 for SHA-512) and messages
// around one block, against OpenSSL's own HMAC.
TEST(PreparedHmac, AgreesWithOpensslHmacForEveryAlgorithmAndKeyLength) {
    const std::vector<std::size_t> key_sizes = {0, 1, 20, 63, 64, 65, 127, 128, 129, 300};
    const std::vector<std::string> messages = {"", "GID_bench@@@dev-1", std::string(64, 'm'),
                                               std::string(200, '\0')};
    for (auto algorithm : {HashAlgorithm::Sha1, HashAlgorithm::Sha256, HashAlgorithm::Sha512}) {
        for (std::size_t size : key_sizes) {
            std::string secret(size, '\0');
            for (std::size_t i = 0; i < size; ++i) secret[i] = static_cast<char>(i * 7 + 1);
            const PreparedHmac key(algorithm, secret);
            for (const std::string& message : messages) {
                EXPECT_EQ(mac_of(key, message), hmac(algorithm, secret, message))
                    << "key of " << size << " bytes, message of " << message.size();
            }
        }
    }
}

// The per-thread working context carries nothing from one key or one MAC to the next.
TEST(PreparedHmac, InterleavedKeysAndRepeatedMacsStayIndependent) {
    const PreparedHmac first(HashAlgorithm::Sha1, "first-secret");
    const PreparedHmac second(HashAlgorithm::Sha1, "second-secret");
    for (int round = 0; round < 3; ++round) {
        EXPECT_EQ(mac_of(first, "dev-1"), hmac(HashAlgorithm::Sha1, "first-secret", "dev-1"));
        EXPECT_EQ(mac_of(second, "dev-1"), hmac(HashAlgorithm::Sha1, "second-secret", "dev-1"));
        EXPECT_EQ(mac_of(first, "dev-2"), hmac(HashAlgorithm::Sha1, "first-secret", "dev-2"));
    }
}
