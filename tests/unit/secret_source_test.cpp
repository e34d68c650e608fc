// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "config/loader.h"
#include "identities/identity.h"

using namespace mqauth;
using namespace mqauth::config;

namespace {

std::string temp_dir() {
    char pattern[] = "/tmp/mqauth-secret-test-XXXXXX";
    const char* dir = mkdtemp(pattern);
    return dir ? dir : "/tmp";
}

std::string identity_with(const std::string& secret_line) {
    return "version: 1\nidentities:\n  - username: a\n    identity_type: USER\n    " + secret_line +
           "\n    sign_mode: ORIGIN\n";
}

const identities::Identity* only_identity(const LoadResult& result) {
    return result.ok() ? result.policy->identities.select("a", "any") : nullptr;
}

}  // namespace

TEST(SecretSource, SecretFileIsReadRelativeToTheConfigAndLosesOneTrailingNewline) {
    const std::string dir = temp_dir();
    std::ofstream(dir + "/a.secret") << "from-file\n";
    const LoadResult result = load_text(identity_with("secret_file: a.secret"), "auth.yaml", dir);
    const identities::Identity* identity = only_identity(result);
    ASSERT_NE(identity, nullptr);
    EXPECT_TRUE(identities::password_matches(*identity, "from-file", "c"));
    EXPECT_FALSE(identities::password_matches(*identity, "from-file\n", "c"));
}

TEST(SecretSource, UnreadableSecretFileIsAnErrorAtItsLine) {
    const auto errors =
        load_text(identity_with("secret_file: /nonexistent/secret"), "auth.yaml", ".")
            .formatted_errors();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0],
              "auth.yaml:5:18: identities[0].secret_file: InvalidParameter: cannot read "
              "\"/nonexistent/secret\": No such file or directory");
}

TEST(SecretSource, SecretEnvReadsTheVariable) {
    setenv("MQAUTH_TEST_SECRET", "from-env", 1);
    const LoadResult result =
        load_text(identity_with("secret_env: MQAUTH_TEST_SECRET"), "auth.yaml", ".");
    const identities::Identity* identity = only_identity(result);
    ASSERT_NE(identity, nullptr);
    EXPECT_TRUE(identities::password_matches(*identity, "from-env", "c"));
}

TEST(SecretSource, UnsetSecretEnvIsAnError) {
    unsetenv("MQAUTH_TEST_UNSET");
    const auto errors = load_text(identity_with("secret_env: MQAUTH_TEST_UNSET"), "auth.yaml", ".")
                            .formatted_errors();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0],
              "auth.yaml:5:17: identities[0].secret_env: InvalidParameter: environment "
              "variable MQAUTH_TEST_UNSET is not set");
}

TEST(SecretSource, EmptySecretIsAnError) {
    const auto errors =
        load_text(identity_with("secret: \"\""), "auth.yaml", ".").formatted_errors();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0],
              "auth.yaml:5:13: identities[0].secret: InvalidParameter: the secret is empty");
}
