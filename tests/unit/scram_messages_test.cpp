// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "sasl/scram_messages.h"

using namespace mqauth::sasl;

namespace {

ScramError first_error(const std::string& message) {
    ScramError error = ScramError::None;
    EXPECT_FALSE(parse_client_first(message, error)) << message;
    return error;
}

ScramError final_error(const std::string& message) {
    ScramError error = ScramError::None;
    EXPECT_FALSE(parse_client_final(message, error)) << message;
    return error;
}

}  // namespace

TEST(ScramClientFirst, ParsesTheBareMessageAndUnescapesTheUsername) {
    ScramError error;
    const auto first = parse_client_first("n,,n=a=2Cb=3Dc,r=abc123,x=1", error);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->username, "a,b=c");
    EXPECT_EQ(first->nonce, "abc123");
    EXPECT_EQ(first->bare, "n=a=2Cb=3Dc,r=abc123,x=1");
}

TEST(ScramClientFirst, RefusesChannelBindingPolitely) {
    EXPECT_EQ(first_error("p=tls-unique,,n=user,r=abc"), ScramError::ChannelBindingUnsupported);
}

// RFC 5802 section 6: "y" says the client could bind but thinks this server cannot, which is
// true (no -PLUS mechanism): only a server that supports channel binding may fail it.
TEST(ScramClientFirst, AcceptsAClientThatSupportsChannelBindingButDoesNotAskForIt) {
    ScramError error;
    const auto first = parse_client_first("y,,n=user,r=abc", error);
    ASSERT_TRUE(first) << static_cast<int>(error);
    EXPECT_EQ(first->gs2_header, "y,,");
    EXPECT_EQ(first->bare, "n=user,r=abc");
}

TEST(ScramClientFirst, RefusesAuthzidAndMandatoryExtensions) {
    EXPECT_EQ(first_error("n,a=admin,n=user,r=abc"), ScramError::AuthzidUnsupported);
    EXPECT_EQ(first_error("n,,m=ext,n=user,r=abc"), ScramError::ExtensionUnsupported);
}

TEST(ScramClientFirst, RefusesEveryMalformedShape) {
    EXPECT_EQ(first_error(""), ScramError::Malformed);
    EXPECT_EQ(first_error("n,,"), ScramError::Malformed);
    EXPECT_EQ(first_error("x,,n=user,r=abc"), ScramError::Malformed);
    EXPECT_EQ(first_error("n,,r=abc,n=user"), ScramError::BadUsername);
    EXPECT_EQ(first_error("n,,n=,r=abc"), ScramError::BadUsername);
    EXPECT_EQ(first_error("n,,n=a=2Xb,r=abc"), ScramError::BadUsername);
    EXPECT_EQ(first_error("n,,n=user,r="), ScramError::BadNonce);
    EXPECT_EQ(first_error("n,,n=user,x=abc"), ScramError::BadNonce);
    EXPECT_EQ(first_error(std::string("n,,n=user,r=ab\x01", 15)), ScramError::BadNonce);
    EXPECT_EQ(first_error("n,,n=user,r=abc,1bad"), ScramError::Malformed);
    EXPECT_EQ(first_error("n,,n=user,r=abc,ext=1"), ScramError::Malformed);  // one-letter names
    EXPECT_EQ(first_error(std::string("n,,n=us\0er,r=abc", 16)), ScramError::Malformed);
    EXPECT_EQ(first_error("n,,n=user,r=" + std::string(kMaxScramMessageBytes, 'a')),
              ScramError::Malformed);
}

TEST(ScramClientFinal, ParsesBindingNonceAndProof) {
    ScramError error;
    const auto final_message = parse_client_final("c=biws,r=abcdef,p=AAECAw==", error);
    ASSERT_TRUE(final_message);
    EXPECT_EQ(final_message->channel_binding, "biws");
    EXPECT_EQ(final_message->nonce, "abcdef");
    EXPECT_EQ(final_message->proof, std::string("\x00\x01\x02\x03", 4));
    EXPECT_EQ(final_message->without_proof, "c=biws,r=abcdef");
}

TEST(ScramClientFinal, RefusesEveryMalformedShape) {
    EXPECT_EQ(final_error(""), ScramError::Malformed);
    EXPECT_EQ(final_error("c=biws,r=abc"), ScramError::Malformed);
    EXPECT_EQ(final_error("c=biws,r=abc,p=not base64!"), ScramError::Malformed);
    EXPECT_EQ(final_error("c=biws,r=abc,p="), ScramError::Malformed);
    EXPECT_EQ(final_error("r=abc,c=biws,p=AAECAw=="), ScramError::Malformed);
    EXPECT_EQ(final_error("c=biws,p=AAECAw=="), ScramError::Malformed);
    EXPECT_EQ(final_error("c=biws,r=,p=AAECAw=="), ScramError::BadNonce);
}

TEST(ScramUsername, EscapesAreDecodedAndOthersRefused) {
    EXPECT_EQ(unescape_username("a=2Cb=3Dc"), "a,b=c");
    EXPECT_EQ(unescape_username("x=3D=2C=3Dy"), "x=,=y");
    EXPECT_FALSE(unescape_username("a=2"));
    EXPECT_FALSE(unescape_username("a,b"));
}
