// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "authorizers/token_signature.h"
#include "crypto/base64.h"
#include "crypto/pem.h"
#include "test_rsa.h"

using namespace mqauth;
using namespace mqauth::authorizers;

namespace {

// An authorizer with signing on, token "tok_1", public key number `which`.
Authorizer signing_authorizer(int which = 0) {
    Authorizer authorizer;
    authorizer.name = "a";
    authorizer.signing_token = crypto::Secret("tok_1");
    auto parsed = crypto::parse_public_key(test_rsa::public_pem(test_rsa::key(which)));
    authorizer.signing_public_key = std::move(parsed.key);
    return authorizer;
}

}  // namespace

TEST(TokenSignature, AGoodSignatureOfTheTokenVerifies) {
    const std::string signature = test_rsa::signature(test_rsa::key(0), "tok_1");
    EXPECT_EQ(check_token_signature(signing_authorizer(), "tok_1", signature),
              SignatureCheck::Valid);
}

TEST(TokenSignature, ASignatureByAnotherKeyIsRefused) {
    const std::string signature = test_rsa::signature(test_rsa::key(1), "tok_1");
    EXPECT_EQ(check_token_signature(signing_authorizer(), "tok_1", signature),
              SignatureCheck::BadSignature);
}

TEST(TokenSignature, ASignatureOverAnotherTokenIsRefused) {
    // The other token is sent as well: only the signature is wrong for this one.
    const std::string signature = test_rsa::signature(test_rsa::key(0), "tok_2");
    EXPECT_EQ(check_token_signature(signing_authorizer(), "tok_1", signature),
              SignatureCheck::BadSignature);
}

TEST(TokenSignature, AValidSignatureOfAnotherTokenIsATokenMismatch) {
    const std::string signature = test_rsa::signature(test_rsa::key(0), "tok_2");
    EXPECT_EQ(check_token_signature(signing_authorizer(), "tok_2", signature),
              SignatureCheck::TokenMismatch);
}

TEST(TokenSignature, GarbageAndNonCanonicalBase64AreRefused) {
    const Authorizer authorizer = signing_authorizer();
    std::string good = test_rsa::signature(test_rsa::key(0), "tok_1");
    for (const std::string& garbage :
         {std::string("not base64!"), std::string("AAAA"), good.substr(0, good.size() - 1),
          good + "\n", " " + good, std::string()}) {
        EXPECT_EQ(check_token_signature(authorizer, "tok_1", garbage), SignatureCheck::BadSignature)
            << garbage;
    }
}

TEST(TokenSignature, ASignatureOfTheWrongLengthIsRefused) {
    const std::string raw = rsa_sha256_sign(test_rsa::key(0), "tok_1");
    const Authorizer authorizer = signing_authorizer();
    EXPECT_EQ(check_token_signature(authorizer, "tok_1", crypto::base64_encode(raw + "x")),
              SignatureCheck::BadSignature);
    EXPECT_EQ(check_token_signature(authorizer, "tok_1", crypto::base64_encode(raw.substr(1))),
              SignatureCheck::BadSignature);
}

TEST(TokenSignature, AMissingSignatureOrTokenIsMissing) {
    const Authorizer authorizer = signing_authorizer();
    const std::string signature = test_rsa::signature(test_rsa::key(0), "tok_1");
    EXPECT_EQ(check_token_signature(authorizer, std::nullopt, signature), SignatureCheck::Missing);
    EXPECT_EQ(check_token_signature(authorizer, "tok_1", std::nullopt), SignatureCheck::Missing);
}

TEST(TokenSignature, OnlyRsaKeysOf2048To8192BitsCanBeSigningKeys) {
    EXPECT_FALSE(signing_key_problem(test_rsa::key(0)));
    EXPECT_TRUE(signing_key_problem(test_rsa::key(0, 1024)));
    crypto::EvpPkeyPtr ec(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    ASSERT_TRUE(ec);
    EXPECT_TRUE(signing_key_problem(ec.get()));
}

TEST(TokenSignature, PublicKeysParseFromSpkiAndPkcs1PemButNotFromPrivateKeys) {
    EXPECT_TRUE(crypto::parse_public_key(test_rsa::public_pem(test_rsa::key(0))).key);
    const std::string pkcs1 = test_rsa::pkcs1_public_pem(test_rsa::key(0));
    ASSERT_NE(pkcs1.find("BEGIN RSA PUBLIC KEY"), std::string::npos);
    const crypto::PublicKeyText from_pkcs1 = crypto::parse_public_key(pkcs1);
    ASSERT_TRUE(from_pkcs1.key);
    EXPECT_EQ(crypto::public_key_der(from_pkcs1.key.get()),
              crypto::public_key_der(test_rsa::key(0)));
    const crypto::PublicKeyText from_private =
        crypto::parse_public_key(test_rsa::private_pem(test_rsa::key(0)));
    EXPECT_FALSE(from_private.key);
    EXPECT_NE(from_private.error.find("private key"), std::string::npos);
    EXPECT_FALSE(crypto::parse_public_key("-----BEGIN PUBLIC KEY-----\nAAAA\n").key);
}

// A fixed vector made outside mqauth, so that a wrong digest or padding cannot pass by being
// wrong the same way on both sides (the other tests sign with the plugin's own code):
//   openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out key.pem
//   openssl pkey -in key.pem -pubout -out pub.pem
//   printf tok_1 > token && openssl dgst -sha256 -sign key.pem token | base64 -w0
const char* const kOpensslPublicKey =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAjDdZZ6YNaPQdX+q1oyrB\n"
    "s730Lxjvax9yd2rR52sqDSr9uhYbPfOjr/tzvbI1NcjNlNyXuc3DFcbsozlN21+M\n"
    "iOIHoWCc213ReIeIrWapruKnKJoM8G0ob6ACqCeG+YJqEdFIPLY6eREaV5j7c5/I\n"
    "5oiBKSkN3zOpxOWYXucpTFRS0ysFKwdFktjTlLaPIucOU9QN9J1zP0GQmtg8comW\n"
    "YpV5AkPQ4xx0IAtxHNhXqGWU3E+skFKJ6Qlquhf0DxhudT5c7AUGqhDzGqHYlxrD\n"
    "khbQlV1iba4aHC8xfYmZqW5nUx8uC+a0HymBF6C1HTzXQBFagJCPi5EubmKG3hic\n"
    "LQIDAQAB\n"
    "-----END PUBLIC KEY-----\n";
const char* const kOpensslSignatureOfTok1 =
    "E63StI7ZZRDzYOJpoLOCp2MLwiYhWpIppaFc1gCQtGw5xcscMLjoNL3uwcTmSTxgsEzrGCNVFLkvS+KcJu0dtwUR"
    "6wGGVsKHFlSHVR+Q0C29/bXQIa5dy/g/Ckf4LqVaqKlcsaraPe0kyL+uZjnB0BZ2LUpQrVJoesWOCje7VBKpO10K"
    "wpVtdXe3cb+CUIep9VGzWzh+zrQdBrmU+K7Q0dhH69XmG2ydyuZ0bq42lo9RWKDr8pqKXmhL6n+J3ujjTF3m88wd"
    "gx83KynSsyy6dBhDyd3XQNZR41dJauwumF0P1wuYbVROx/EDCD5t9saZ2kIevDVX7jPRn/DzOXeKEw==";

TEST(TokenSignature, AVectorSignedByTheOpensslCommandVerifies) {
    Authorizer authorizer;
    authorizer.name = "a";
    authorizer.signing_token = crypto::Secret("tok_1");
    authorizer.signing_public_key = crypto::parse_public_key(kOpensslPublicKey).key;
    ASSERT_TRUE(authorizer.signing_public_key);
    EXPECT_EQ(check_token_signature(authorizer, "tok_1", kOpensslSignatureOfTok1),
              SignatureCheck::Valid);
    std::string tampered = kOpensslSignatureOfTok1;
    tampered[10] = tampered[10] == 'A' ? 'B' : 'A';
    EXPECT_EQ(check_token_signature(authorizer, "tok_1", tampered), SignatureCheck::BadSignature);
}
