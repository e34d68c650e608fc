// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "authorizers/function_request.h"

using namespace mqauth::authorizers;
using nlohmann::json;

namespace {

FunctionRequest full_request() {
    FunctionRequest request;
    request.authorizer_name = "myTest";
    request.username = "dev-1";
    request.client_id = "GID@@@dev-1";
    request.password = "p\"w\\1";
    request.signing_token = "tok_1";
    request.signature_verified = true;
    request.server_name = "mqtt.example.com";
    request.client_address = "192.0.2.7";
    return request;
}

}  // namespace

TEST(FunctionRequest, CarriesEveryFieldByName) {
    const json body = json::parse(*request_json(full_request()));
    EXPECT_EQ(body["authorizer_name"], "myTest");
    EXPECT_EQ(body["username"], "dev-1");
    EXPECT_EQ(body["client_id"], "GID@@@dev-1");
    EXPECT_EQ(body["password"], "p\"w\\1");  // escaped in the text, intact after parsing
    EXPECT_EQ(body["signing_token"], "tok_1");
    EXPECT_EQ(body["signature_verified"], true);
    EXPECT_EQ(body["server_name"], "mqtt.example.com");
    EXPECT_EQ(body["client_address"], "192.0.2.7");
    EXPECT_TRUE(body["certificate"].is_null());
    EXPECT_EQ(body.size(), 9u);
}

TEST(FunctionRequest, AbsentValuesAreNull) {
    FunctionRequest request;
    request.authorizer_name = "a";
    request.client_id = "c";
    const json body = json::parse(*request_json(request));
    for (const char* key :
         {"username", "password", "signing_token", "server_name", "certificate"}) {
        EXPECT_TRUE(body[key].is_null()) << key;
    }
    EXPECT_EQ(body["signature_verified"], false);
}

TEST(FunctionRequest, CertificateFactsGoInAnObjectWithNullsWhereUnknown) {
    CertificateInfo certificate{"ab01", "1A2B", std::nullopt, "CN=fleet-ca"};
    FunctionRequest request = full_request();
    request.certificate = &certificate;
    const json body = json::parse(*request_json(request));
    EXPECT_EQ(body["certificate"]["fingerprint_sha256"], "ab01");
    EXPECT_EQ(body["certificate"]["serial"], "1A2B");
    EXPECT_TRUE(body["certificate"]["common_name"].is_null());
    EXPECT_EQ(body["certificate"]["issuer"], "CN=fleet-ca");
}

TEST(FunctionRequest, TextThatIsNotUtf8CannotBeSent) {
    FunctionRequest request = full_request();
    request.password = "\xff\xfe";
    EXPECT_FALSE(request_json(request));
    request = full_request();
    request.server_name = "bad\xc0\xaf";
    EXPECT_FALSE(request_json(request));
}
