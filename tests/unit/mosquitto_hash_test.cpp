// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "sasl/mosquitto_hash.h"
#include "sasl/user_credentials.h"

using namespace mqauth::sasl;

namespace {

// Made by Debian 12's mosquitto_passwd (mosquitto 2.0.11-1.2+deb12u2):
//   mosquitto_passwd -b -c pw alice 'correct horse'          ($7$, the default: 101 iterations)
//   mosquitto_passwd -H sha512 -b pw bob 'b0b-secret'        ($6$)
//   mosquitto_passwd -b pw carol ''                          (an empty password)
//   mosquitto_passwd -I 1000 -b pw dave 'd4ve'               ($7$ with 1000 iterations)
const char* const kAlice =
    "$7$101$ZNpe8Jf/qbU9sr8u$bS/Uw0o9Ba5KUMo445j9QYHbtfCy0Gk79/"
    "txm6Aq2HG+1dL4id6pv7mRZr0cwPUzPCFNQt9"
    "vk8iJiJrkomFM3w==";
const char* const kBob =
    "$6$uoDv7ArDoX+BswF8$pUwPy5PotQEcQ22Dw14kYQBUqJVRhz6XaAD6M6JHUYT0lXeT2oB1szcsGeFps35E9mhA7CLM33"
    "YKsWTKZ3TwKQ==";
const char* const kCarol =
    "$7$101$Xwrm/dACwyKsFNHJ$8dasGjeW6mEFWPM9UQqQ1EbO89gNFaqyd0bOZK5mFrDfk1KXT/VT51THxs0lemDi05Kys"
    "LNaRYpbYo5SMg9C+g==";
const char* const kDave =
    "$7$1000$Zy3fFxelM/"
    "PwaqB4$8IC7joGt0u0PwLxqBQHkkc8JQK6NKBngWMNn9He4vEEiqGNGM1vS1HVI2SDsKVkhrcHHsX"
    "CkoewAiUvnt/rbhg==";

// Mosquitto 2.1's $7$ form: a 64-byte salt (its password_common.c, HASH_LEN). Made with the
// same PBKDF2-HMAC-SHA512 as 2.1's mosquitto_passwd -H sha512-pbkdf2 -I 1000, by Python:
//   salt = sha512(b"mqauth test salt"); pbkdf2_hmac("sha512", b"erin 2.1", salt, 1000)
const char* const kErin21 =
    "$7$1000$qE8bIgfGA9RR/"
    "swt9BlHWvWEuaDGlhaiWIiHvmttMVFvtVzx9rbS3dK+MkF9rnExjOJX3OT4WUZmPK5IBlKacw=="
    "$lidBa/BIlqSmjeUxtAgtfhFjl9qRZY9vQjQXeaMoCUvx4xBo58SXVkGm7ErIOXqaOiwm1mDHNo2AVBsqpOUepw==";

MosquittoHash parsed(const char* text) {
    std::string error;
    auto hash = parse_mosquitto_hash(text, error);
    EXPECT_TRUE(hash) << text << ": " << error;
    return hash.value_or(MosquittoHash{});
}

std::string error_of(std::string_view text) {
    std::string error;
    EXPECT_FALSE(parse_mosquitto_hash(text, error)) << text;
    return error;
}

}  // namespace

TEST(MosquittoHash, ParsesWhatMosquittoPasswdWrites) {
    const MosquittoHash alice = parsed(kAlice);
    EXPECT_EQ(alice.type, MosquittoHashType::Pbkdf2Sha512);
    EXPECT_EQ(alice.iterations, kMosquittoDefaultIterations);
    EXPECT_EQ(alice.salt.size(), 12u);
    EXPECT_EQ(alice.hash.size(), 64u);
    EXPECT_EQ(parsed(kBob).type, MosquittoHashType::Sha512);
    EXPECT_EQ(parsed(kDave).iterations, 1000);
}

TEST(MosquittoHash, FormatsBackToTheSameText) {
    for (const char* text : {kAlice, kBob, kCarol, kDave}) {
        EXPECT_EQ(format_mosquitto_hash(parsed(text)), text);
    }
}

TEST(MosquittoHash, MatchesOnlyTheRightPassword) {
    EXPECT_TRUE(mosquitto_hash_matches(parsed(kAlice), "correct horse"));
    EXPECT_FALSE(mosquitto_hash_matches(parsed(kAlice), "correct horse "));
    EXPECT_FALSE(mosquitto_hash_matches(parsed(kAlice), "b0b-secret"));
    EXPECT_FALSE(mosquitto_hash_matches(parsed(kAlice), ""));
    EXPECT_TRUE(mosquitto_hash_matches(parsed(kBob), "b0b-secret"));
    EXPECT_FALSE(mosquitto_hash_matches(parsed(kBob), "b0b-secreT"));
    EXPECT_TRUE(mosquitto_hash_matches(parsed(kCarol), ""));
    EXPECT_FALSE(mosquitto_hash_matches(parsed(kCarol), "x"));
    EXPECT_TRUE(mosquitto_hash_matches(parsed(kDave), "d4ve"));
    EXPECT_FALSE(mosquitto_hash_matches(parsed(kDave), "d4vE"));
}

TEST(MosquittoHash, Mosquitto21sLongSaltFormParsesMatchesAndFormatsBack) {
    const MosquittoHash erin = parsed(kErin21);
    EXPECT_EQ(erin.type, MosquittoHashType::Pbkdf2Sha512);
    EXPECT_EQ(erin.iterations, 1000);
    EXPECT_EQ(erin.salt.size(), 64u);
    EXPECT_TRUE(mosquitto_hash_matches(erin, "erin 2.1"));
    EXPECT_FALSE(mosquitto_hash_matches(erin, "erin 2.0"));
    EXPECT_EQ(format_mosquitto_hash(erin), kErin21);
}

TEST(MosquittoHash, APasswordWithANulMatchesNothingByItsPrefix) {
    // Mosquitto hashes up to the first NUL; mqauth hashes every byte.
    EXPECT_FALSE(mosquitto_hash_matches(parsed(kDave), std::string("d4ve\0x", 6)));
}

TEST(MosquittoHash, AChangedSaltOrIterationCountMatchesNothing) {
    MosquittoHash dave = parsed(kDave);
    dave.iterations = 1001;
    EXPECT_FALSE(mosquitto_hash_matches(dave, "d4ve"));
    MosquittoHash bob = parsed(kBob);
    bob.salt[0] ^= 1;
    EXPECT_FALSE(mosquitto_hash_matches(bob, "b0b-secret"));
}

TEST(MosquittoHash, RefusesEveryMalformedHash) {
    EXPECT_EQ(error_of("6$uoDv7ArDoX+BswF8$AA=="),
              "not a Mosquitto password hash (it starts with $6$ or $7$)");
    EXPECT_EQ(error_of("$5$abc$def"),
              "not a Mosquitto password hash ($6$ or $7$, as mosquitto_passwd writes them)");
    EXPECT_EQ(error_of("$argon2id$v=19$m=47104,t=1,p=1$c2FsdA$aGFzaA"),
              "an argon2id hash (Mosquitto 2.1's default) cannot be verified by mqauth");
    EXPECT_EQ(error_of("$6$uoDv7ArDoX+BswF8"), "expected $6$SALT$HASH");
    EXPECT_EQ(error_of(std::string(kBob) + "$"), "expected $6$SALT$HASH");
    EXPECT_EQ(error_of("$7$101$ZNpe8Jf/qbU9sr8u"), "expected $7$ITERATIONS$SALT$HASH");
    const std::string alice_tail = std::string(kAlice).substr(6);  // "$SALT$HASH"
    for (const char* count : {"0", "-1", "0101", "1e3", "", "10000001", "99999999999"}) {
        EXPECT_EQ(error_of("$7$" + std::string(count) + alice_tail),
                  "iterations must be a number from 1 to 10000000")
            << count;
    }
    EXPECT_EQ(error_of("$6$c2FsdA==$" + std::string(kBob).substr(20)),
              "the salt is not Base64 of 12 or 64 bytes");
    EXPECT_EQ(error_of("$6$uoDv7ArDoX+BswF8$AAAA"), "the hash is not Base64 of 64 bytes");
    EXPECT_EQ(error_of("$6$uoDv7ArDoX+BswF8$not base64!"), "the hash is not Base64 of 64 bytes");
}

TEST(MosquittoHash, AcceptsTheLargestIterationCountOnly) {
    const std::string alice_tail = std::string(kAlice).substr(6);
    std::string error;
    EXPECT_TRUE(parse_mosquitto_hash("$7$10000000" + alice_tail, error)) << error;
}

TEST(UserCredentials, TheFirstCharacterChoosesTheForm) {
    std::string error;
    const auto mosquitto = parse_user_credentials(kBob, error);
    ASSERT_TRUE(mosquitto) << error;
    EXPECT_EQ(scram_of(*mosquitto), nullptr);
    EXPECT_TRUE(password_matches(*mosquitto, "b0b-secret"));
    EXPECT_EQ(format_user_credentials(*mosquitto), kBob);
    const UserCredentials scram = derive_credentials(Mechanism::ScramSha512, "pw", 4096);
    const auto reparsed = parse_user_credentials(format_user_credentials(scram), error);
    ASSERT_TRUE(reparsed) << error;
    EXPECT_NE(scram_of(*reparsed), nullptr);
    EXPECT_TRUE(same_credentials(*reparsed, scram));
    EXPECT_FALSE(same_credentials(*mosquitto, scram));
}

TEST(UserCredentials, TheVerifierIsTheStoredHashNotThePassword) {
    std::string error;
    const auto bob = parse_user_credentials(kBob, error);
    ASSERT_TRUE(bob);
    EXPECT_EQ(verifier_of(*bob), std::get<MosquittoHash>(*bob).hash);
    EXPECT_EQ(verifier_of(*bob).find("b0b-secret"), std::string_view::npos);
}
