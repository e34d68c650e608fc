// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "identities/identity_table.h"
#include "identities/signed_password.h"

using namespace mqauth::identities;
using mqauth::crypto::Secret;

namespace {

Identity user(const std::string& name, const std::string& secret,
              SignMode mode = SignMode::Origin) {
    return Identity{name, IdentityType::User, "", Secret(secret), mode, nullptr, std::nullopt};
}

Identity client(const std::string& name, const std::string& client_id, const std::string& secret) {
    return Identity{name,    IdentityType::Client, client_id, Secret(secret), SignMode::Origin,
                    nullptr, std::nullopt};
}

}  // namespace

TEST(IdentityTable, ClientIdentityIsSelectedBeforeUserIdentityOfTheSameUsername) {
    IdentityTable table;
    ASSERT_EQ(table.add(user("fleet", "user-secret")), IdentityTable::AddResult::Added);
    ASSERT_EQ(table.add(client("fleet", "dev1", "client-secret")), IdentityTable::AddResult::Added);

    const Identity* for_dev1 = table.select("fleet", "dev1");
    ASSERT_NE(for_dev1, nullptr);
    EXPECT_EQ(for_dev1->type, IdentityType::Client);
    EXPECT_TRUE(password_matches(*for_dev1, "client-secret", "dev1"));
    EXPECT_FALSE(password_matches(*for_dev1, "user-secret", "dev1"));

    const Identity* for_dev2 = table.select("fleet", "dev2");
    ASSERT_NE(for_dev2, nullptr);
    EXPECT_EQ(for_dev2->type, IdentityType::User);
}

TEST(IdentityTable, ClientIdentityIsNotSelectedForAnotherClientId) {
    IdentityTable table;
    table.add(client("dev", "GID@@@dev1", "pw"));
    EXPECT_EQ(table.select("dev", "GID@@@dev2"), nullptr);
    EXPECT_TRUE(table.has_client_identities("dev"));
    EXPECT_FALSE(table.has_client_identities("nobody"));
}

TEST(IdentityTable, UnknownUsernameSelectsNothing) {
    IdentityTable table;
    table.add(user("fleet", "s"));
    EXPECT_EQ(table.select("fleet2", "c"), nullptr);
    EXPECT_EQ(table.select("", "c"), nullptr);
}

TEST(IdentityTable, RefusesDuplicateUserAndDuplicateClientBinding) {
    IdentityTable table;
    EXPECT_EQ(table.add(user("a", "1")), IdentityTable::AddResult::Added);
    EXPECT_EQ(table.add(user("a", "2")), IdentityTable::AddResult::Duplicate);
    EXPECT_EQ(table.add(client("a", "c", "3")), IdentityTable::AddResult::Added);
    EXPECT_EQ(table.add(client("a", "c", "4")), IdentityTable::AddResult::Duplicate);
    EXPECT_EQ(table.add(client("a", "d", "5")), IdentityTable::AddResult::Added);
    EXPECT_EQ(table.size(), 3u);
}

TEST(IdentityTable, LookupsSurviveAMoveOfTheTable) {
    IdentityTable table;
    table.add(user("fleet", "s"));
    IdentityTable moved(std::move(table));
    ASSERT_NE(moved.select("fleet", "x"), nullptr);
    EXPECT_EQ(moved.select("fleet", "x")->username, "fleet");
}

TEST(PasswordMatches, OriginComparesThePasswordWithTheSecret) {
    const Identity identity = user("u", "s3cr3t");
    EXPECT_TRUE(password_matches(identity, "s3cr3t", "any"));
    EXPECT_FALSE(password_matches(identity, "s3cr3", "any"));
    EXPECT_FALSE(password_matches(identity, "", "any"));
}

TEST(PasswordMatches, SignedAcceptsOnlyTheSignatureOfThisClientId) {
    const Identity identity = user("u", "s3cr3t", SignMode::Signed);
    EXPECT_TRUE(password_matches(identity, "1t6/MP081SY9arM4qvzwA59KpTw=", "GID_test@@@dev1"));
    EXPECT_FALSE(password_matches(identity, "1t6/MP081SY9arM4qvzwA59KpTw=", "GID_test@@@dev2"));
    EXPECT_FALSE(password_matches(identity, "s3cr3t", "GID_test@@@dev1"));
}

TEST(PasswordMatches, SignedWithAPreparedKeyAcceptsOnlyTheSignatureOfThisClientId) {
    Identity identity = user("u", "s3cr3t", SignMode::Signed);
    mqauth::identities::prepare_signing_key(identity);
    ASSERT_NE(identity.signing_key, nullptr);
    EXPECT_TRUE(password_matches(identity, "1t6/MP081SY9arM4qvzwA59KpTw=", "GID_test@@@dev1"));
    EXPECT_FALSE(password_matches(identity, "1t6/MP081SY9arM4qvzwA59KpTw=", "GID_test@@@dev2"));
    EXPECT_FALSE(password_matches(identity, "s3cr3t", "GID_test@@@dev1"));
}

TEST(PasswordMatches, OriginIdentitiesGetNoSigningKey) {
    Identity identity = user("u", "s3cr3t");
    mqauth::identities::prepare_signing_key(identity);
    EXPECT_EQ(identity.signing_key, nullptr);
}

TEST(SecretAfterReload, DetectsAChangedSecretOrMode) {
    using mqauth::identities::secret_after_reload;
    using mqauth::identities::SecretUsed;
    const auto now = std::chrono::system_clock::now();
    const Identity a = user("u", "one");
    EXPECT_EQ(secret_after_reload(a, SecretUsed::Current, user("u", "one"), now),
              SecretUsed::Current);
    EXPECT_EQ(secret_after_reload(a, SecretUsed::Current, user("u", "two"), now), SecretUsed::None);
    EXPECT_EQ(secret_after_reload(a, SecretUsed::Current, user("u", "one", SignMode::Signed), now),
              SecretUsed::None);
    EXPECT_EQ(secret_after_reload(a, SecretUsed::Current, client("u", "c", "one"), now),
              SecretUsed::None);
}

TEST(SecretRotation, ThePreviousSecretIsAcceptedUntilItsTimeAndCarriesOverAReload) {
    using mqauth::identities::match_password;
    using mqauth::identities::PreviousSecret;
    using mqauth::identities::secret_after_reload;
    using mqauth::identities::SecretUsed;
    const auto now = std::chrono::system_clock::now();
    const auto later = now + std::chrono::hours(1);
    Identity rotated = user("u", "new", SignMode::Signed);
    rotated.previous = PreviousSecret{mqauth::crypto::Secret("old"), later, nullptr};
    mqauth::identities::prepare_signing_key(rotated);
    ASSERT_NE(rotated.previous->signing_key, nullptr);
    const std::string old_password = mqauth::identities::signed_password("old", "dev1");
    const std::string new_password = mqauth::identities::signed_password("new", "dev1");
    EXPECT_EQ(match_password(rotated, new_password, "dev1", now), SecretUsed::Current);
    EXPECT_EQ(match_password(rotated, old_password, "dev1", now), SecretUsed::Previous);
    EXPECT_EQ(match_password(rotated, old_password, "dev1", later), SecretUsed::ExpiredPrevious);
    EXPECT_EQ(match_password(rotated, "wrong", "dev1", now), SecretUsed::None);
    // A client of the old secret keeps its session when the secret is rotated ...
    const Identity before = user("u", "old", SignMode::Signed);
    EXPECT_EQ(secret_after_reload(before, SecretUsed::Current, rotated, now), SecretUsed::Previous);
    // ... not once the previous secret has passed its time or is removed.
    EXPECT_EQ(secret_after_reload(before, SecretUsed::Current, rotated, later), SecretUsed::None);
    EXPECT_EQ(
        secret_after_reload(rotated, SecretUsed::Previous, user("u", "new", SignMode::Signed), now),
        SecretUsed::None);
    EXPECT_EQ(
        secret_after_reload(rotated, SecretUsed::Current, user("u", "new", SignMode::Signed), now),
        SecretUsed::Current);
}
