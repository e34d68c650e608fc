// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <thread>

#include "crypto/base64.h"
#include "crypto/digest.h"
#include "sasl/scram_authenticator.h"

using namespace mqauth::sasl;
using mqauth::crypto::HashAlgorithm;

namespace {

SaslUserTable users_with_scram_alice() {
    SaslUserTable users;
    users.add({"alice", SaslType::Scram, derive_credentials(Mechanism::ScramSha256, "pw", 4096),
               std::nullopt});
    users.add({"bob", SaslType::Plain, derive_credentials(Mechanism::ScramSha256, "pw", 4096),
               std::nullopt});
    return users;
}

// The client side of RFC 5802, enough to answer a server-first.
std::string client_final_for(const std::string& server_first, const std::string& password,
                             const std::string& client_first_bare,
                             HashAlgorithm hash = HashAlgorithm::Sha256) {
    const std::string nonce = server_first.substr(2, server_first.find(",s=") - 2);
    const std::size_t salt_at = server_first.find(",s=") + 3;
    const std::string salt = *mqauth::crypto::base64_decode(
        server_first.substr(salt_at, server_first.find(",i=") - salt_at));
    const std::string salted = mqauth::crypto::pbkdf2(hash, password, salt, 4096);
    const std::string client_key = mqauth::crypto::hmac(hash, salted, "Client Key");
    const std::string stored = mqauth::crypto::digest(hash, client_key);
    const std::string without_proof = "c=biws,r=" + nonce;
    const std::string signature = mqauth::crypto::hmac(
        hash, stored, client_first_bare + "," + server_first + "," + without_proof);
    std::string proof = client_key;
    for (std::size_t i = 0; i < proof.size(); ++i) proof[i] ^= signature[i];
    return without_proof + ",p=" + mqauth::crypto::base64_encode(proof);
}

const std::string kFirst = "n,,n=alice,r=clientnonce";

}  // namespace

TEST(ScramAuthenticator, AdmitsTheRightPasswordWithAServerSignature) {
    const SaslUserTable users = users_with_scram_alice();
    ScramAuthenticator scram;
    const ScramStep first = scram.begin(1, "127.0.0.1", "SCRAM-SHA-256", kFirst, users);
    ASSERT_EQ(first.kind, ScramStep::Kind::Continue);
    EXPECT_EQ(first.data.rfind("r=clientnonce", 0), 0u);  // the nonce extends the client's
    const ScramStep done =
        scram.finish(1, client_final_for(first.data, "pw", kFirst.substr(3)), users);
    ASSERT_EQ(done.kind, ScramStep::Kind::Success);
    EXPECT_EQ(done.username, "alice");
    EXPECT_EQ(done.data.rfind("v=", 0), 0u);
    EXPECT_EQ(scram.in_flight(), 0u);
}

TEST(ScramAuthenticator, WrongPasswordUnknownUserAndMismatchAllFailTheSameWayOnTheWire) {
    const SaslUserTable users = users_with_scram_alice();
    ScramAuthenticator scram;
    const auto attempt = [&](const std::string& first_message, const char* method) {
        const ScramStep first = scram.begin(7, "127.0.0.1", method, first_message, users);
        EXPECT_EQ(first.kind, ScramStep::Kind::Continue);
        const HashAlgorithm hash =
            std::string(method) == "SCRAM-SHA-512" ? HashAlgorithm::Sha512 : HashAlgorithm::Sha256;
        return scram.finish(
            7, client_final_for(first.data, "pw-wrong", first_message.substr(3), hash), users);
    };
    EXPECT_EQ(attempt(kFirst, "SCRAM-SHA-256").failure, ScramFailure::BadProof);
    EXPECT_EQ(attempt("n,,n=nobody,r=x", "SCRAM-SHA-256").failure, ScramFailure::UnknownUser);
    EXPECT_EQ(attempt(kFirst, "SCRAM-SHA-512").failure, ScramFailure::MechanismMismatch);
    EXPECT_EQ(attempt("n,,n=bob,r=x", "SCRAM-SHA-256").failure, ScramFailure::MechanismMismatch);
}

TEST(ScramAuthenticator, UnknownMethodIsUnsupported) {
    ScramAuthenticator scram;
    EXPECT_EQ(scram.begin(1, "127.0.0.1", "PLAIN", kFirst, users_with_scram_alice()).failure,
              ScramFailure::UnsupportedMethod);
}

TEST(ScramAuthenticator, OneFinalPerExchangeAndNoneWithoutABeginning) {
    const SaslUserTable users = users_with_scram_alice();
    ScramAuthenticator scram;
    EXPECT_EQ(scram.finish(3, "c=biws,r=x,p=AAAA", users).failure, ScramFailure::UnexpectedStep);
    const ScramStep first = scram.begin(3, "127.0.0.1", "SCRAM-SHA-256", kFirst, users);
    EXPECT_EQ(scram.finish(3, "garbage", users).failure, ScramFailure::Malformed);
    // The garbage consumed the exchange: the right answer now comes too late.
    EXPECT_EQ(scram.finish(3, client_final_for(first.data, "pw", kFirst.substr(3)), users).failure,
              ScramFailure::UnexpectedStep);
}

TEST(ScramAuthenticator, StalledExchangeIsRefused) {
    const SaslUserTable users = users_with_scram_alice();
    ScramAuthenticator scram(std::chrono::milliseconds(1));
    const ScramStep first = scram.begin(1, "127.0.0.1", "SCRAM-SHA-256", kFirst, users);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(scram.finish(1, client_final_for(first.data, "pw", kFirst.substr(3)), users).failure,
              ScramFailure::Stalled);
}

TEST(ScramAuthenticator, ExchangesInFlightAreBounded) {
    const SaslUserTable users = users_with_scram_alice();
    ScramAuthenticator scram(std::chrono::seconds(30), 2);
    EXPECT_EQ(scram.begin(1, "127.0.0.1", "SCRAM-SHA-256", kFirst, users).kind,
              ScramStep::Kind::Continue);
    EXPECT_EQ(scram.begin(2, "127.0.0.1", "SCRAM-SHA-256", kFirst, users).kind,
              ScramStep::Kind::Continue);
    EXPECT_EQ(scram.begin(3, "127.0.0.1", "SCRAM-SHA-256", kFirst, users).failure,
              ScramFailure::TooManyExchanges);
    scram.drop(1);
    EXPECT_EQ(scram.begin(3, "127.0.0.1", "SCRAM-SHA-256", kFirst, users).kind,
              ScramStep::Kind::Continue);
}

TEST(ScramAuthenticator, ChannelBindingIsRefusedAtTheFirstStep) {
    ScramAuthenticator scram;
    EXPECT_EQ(scram
                  .begin(1, "127.0.0.1", "SCRAM-SHA-256", "p=tls-unique,,n=alice,r=x",
                         users_with_scram_alice())
                  .failure,
              ScramFailure::ChannelBindingUnsupported);
    EXPECT_EQ(
        scram.begin(2, "127.0.0.1", "SCRAM-SHA-256", "y,,n=alice,r=x", users_with_scram_alice())
            .kind,
        ScramStep::Kind::Continue);
}

TEST(ScramAuthenticator, AnExchangeCannotFinishOnCredentialsAReloadReplaced) {
    const SaslUserTable before = users_with_scram_alice();
    ScramAuthenticator scram;
    const ScramStep first = scram.begin(1, "127.0.0.1", "SCRAM-SHA-256", kFirst, before);
    SaslUserTable after;
    after.add({"alice", SaslType::Scram, derive_credentials(Mechanism::ScramSha256, "new", 4096),
               std::nullopt});
    EXPECT_EQ(scram.finish(1, client_final_for(first.data, "pw", kFirst.substr(3)), after).failure,
              ScramFailure::CredentialsChanged);
}
