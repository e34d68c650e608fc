// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "authorizers/authorizer_username.h"

using namespace mqauth::authorizers;

TEST(AuthorizerUsername, OnlyAUsernameWithABarIsInTheAuthorizerForm) {
    EXPECT_FALSE(is_authorizer_form("fleet"));
    EXPECT_FALSE(is_authorizer_form(""));
    EXPECT_TRUE(is_authorizer_form("d|authorizer-name=a"));
    EXPECT_TRUE(is_authorizer_form("|"));
}

TEST(AuthorizerUsername, ParsesAllFourParts) {
    const auto parsed = parse_authorizer_username(
        "dev-1|authorizer-name=myTest|authorizer-signature=AbC+/x==|signing-token=tok_1");
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->device, "dev-1");
    EXPECT_EQ(parsed->authorizer_name, "myTest");
    EXPECT_EQ(parsed->signature, std::optional<std::string_view>("AbC+/x=="));
    EXPECT_EQ(parsed->token, std::optional<std::string_view>("tok_1"));
}

TEST(AuthorizerUsername, FieldsAfterTheDeviceMayComeInAnyOrder) {
    const auto parsed =
        parse_authorizer_username("dev|signing-token=t|authorizer-signature=s=|authorizer-name=n");
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->device, "dev");
    EXPECT_EQ(parsed->authorizer_name, "n");
    EXPECT_EQ(*parsed->signature, "s=");
    EXPECT_EQ(*parsed->token, "t");
}

TEST(AuthorizerUsername, TheNameAloneIsEnoughSignatureAndTokenAreOptional) {
    const auto parsed = parse_authorizer_username("dev|authorizer-name=n");
    ASSERT_TRUE(parsed);
    EXPECT_FALSE(parsed->signature);
    EXPECT_FALSE(parsed->token);
}

TEST(AuthorizerUsername, ABase64SignatureKeepsItsPaddingBecauseTheKeyEndsAtTheFirstEquals) {
    const auto parsed = parse_authorizer_username("d|authorizer-name=n|authorizer-signature=ab==");
    ASSERT_TRUE(parsed);
    EXPECT_EQ(*parsed->signature, "ab==");
}

TEST(AuthorizerUsername, RefusesEveryMalformedShape) {
    for (const char* username : {
             "|authorizer-name=n",                                   // empty device
             "d|",                                                   // empty part
             "d||authorizer-name=n",                                 // empty part in the middle
             "d|authorizer-name=n|",                                 // trailing bar
             "d|authorizer-name",                                    // no '='
             "d|authorizer-name=",                                   // empty value
             "d|=n",                                                 // empty key
             "d|authorizer-name=a|authorizer-name=b",                // duplicate name
             "d|authorizer-name=a|signing-token=t|signing-token=t",  // duplicate token
             "d|authorizer-name=a|authorizer-signature=s|authorizer-signature=s",
             "d|authorizer-name=a|password=p",  // unknown field
             "d|Authorizer-Name=a",             // keys are exact
             "d|signing-token=t",               // no name
             "d",                               // no bar at all
             "|",
         }) {
        EXPECT_FALSE(parse_authorizer_username(username)) << username;
    }
}

TEST(AuthorizerUsername, RedactionKeepsDeviceAndNameAndHidesEverythingElse) {
    EXPECT_EQ(
        redacted_username("dev|authorizer-name=n|authorizer-signature=SIG==|signing-token=TOKEN"),
        "dev|authorizer-name=n|authorizer-signature=(redacted)|signing-token=(redacted)");
    // A misspelt key or a stray part may hold a credential all the same.
    EXPECT_EQ(redacted_username("dev|authorizer-signatur=SIG|TOKEN"),
              "dev|authorizer-signatur=(redacted)|(redacted)");
    EXPECT_EQ(redacted_username("plain-user"), "plain-user");
}
