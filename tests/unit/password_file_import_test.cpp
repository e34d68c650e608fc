// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "config/loader.h"
#include "migration/password_file_import.h"
#include "sasl/user_credentials.h"

using namespace mqauth;
using namespace mqauth::cli::migration;

namespace {

// Lines written by Debian 12's mosquitto_passwd 2.0.11:
//   mosquitto_passwd -b -c pw alice 'correct horse'      ($7$, the default)
//   mosquitto_passwd -H sha512 -b pw bob 'b0b-secret'    ($6$)
const std::string kAlice =
    "alice:$7$101$ZNpe8Jf/qbU9sr8u$bS/Uw0o9Ba5KUMo445j9QYHbtfCy0Gk79/txm6Aq2HG+1dL4id6pv7mRZr0cwPUz"
    "PCFNQt9vk8iJiJrkomFM3w==";
const std::string kBob =
    "bob:$6$uoDv7ArDoX+BswF8$pUwPy5PotQEcQ22Dw14kYQBUqJVRhz6XaAD6M6JHUYT0lXeT2oB1szcsGeFps35E9mhA7C"
    "LM33YKsWTKZ3TwKQ==";

}  // namespace

TEST(PasswordFileImport, EveryUserKeepsItsHash) {
    const Import import = import_password_file(kAlice + "\n" + kBob + "\n", "pw");
    EXPECT_TRUE(import.unreadable.empty());
    EXPECT_TRUE(import.not_mapped.empty());
    ASSERT_EQ(import.users.size(), 2u);
    EXPECT_EQ(import.users[0].username, "alice");
    EXPECT_EQ(import.users[0].credentials, kAlice.substr(6));
    EXPECT_EQ(import.users[1].username, "bob");
    EXPECT_EQ(import.users[1].credentials, kBob.substr(4));
}

TEST(PasswordFileImport, SkipsCommentsAndBlankLinesAndTrimsBlanksAsMosquittoDoes) {
    const Import import =
        import_password_file("# made by mosquitto_passwd\n\n  \r\n " + kBob + " \r\n", "pw");
    EXPECT_TRUE(import.unreadable.empty());
    ASSERT_EQ(import.users.size(), 1u);
    EXPECT_EQ(import.users[0].username, "bob");
}

TEST(PasswordFileImport, NamesEveryLineItCannotRead) {
    const Import import = import_password_file(
        kAlice +
            "\nno colon here\ncarol:$5$abc$def\ndave:$argon2id$v=19$m=47104,t=1,p=1$c2FsdA$aGFzaA\n"
            ":$6$x$y\n" +
            kAlice + "\nerin:secret:extra\n" + std::string(65, 'x') + kBob.substr(3) + "\n",
        "/etc/mosquitto/pw");
    ASSERT_EQ(import.unreadable.size(), 7u);
    EXPECT_EQ(import.unreadable[0], "/etc/mosquitto/pw:2: not a user:HASH line");
    EXPECT_EQ(import.unreadable[1],
              "/etc/mosquitto/pw:3: user \"carol\": not a Mosquitto password hash ($6$ or $7$, as "
              "mosquitto_passwd writes them)");
    EXPECT_EQ(import.unreadable[2],
              "/etc/mosquitto/pw:4: user \"dave\": an argon2id hash (Mosquitto 2.1's default) "
              "cannot be verified by mqauth");
    EXPECT_EQ(import.unreadable[3], "/etc/mosquitto/pw:5: user \"\": no username before the ':'");
    EXPECT_EQ(import.unreadable[4], "/etc/mosquitto/pw:6: user \"alice\" again (first at line 1)");
    EXPECT_EQ(import.unreadable[5],
              "/etc/mosquitto/pw:7: user \"erin\": more than one ':' on the line");
    EXPECT_EQ(import.unreadable[6].substr(0, 20), "/etc/mosquitto/pw:8:");
    EXPECT_NE(import.unreadable[6].find("username: InvalidParameter: must be 1 to 64 characters"),
              std::string::npos);
}

TEST(PasswordFileImport, ThePrintedConfigLoadsAndItsUsersLogIn) {
    const Import import = import_password_file(kAlice + "\n" + kBob + "\n", "pw");
    const config::LoadResult loaded = config::load_text(render_config(import), "out.yaml", ".");
    ASSERT_TRUE(loaded.ok()) << loaded.formatted_errors().front();
    const sasl::SaslUser* alice = loaded.policy->sasl_users.find("alice");
    const sasl::SaslUser* bob = loaded.policy->sasl_users.find("bob");
    ASSERT_TRUE(alice && bob);
    EXPECT_EQ(alice->type, sasl::SaslType::Plain);
    EXPECT_TRUE(sasl::password_matches(alice->credentials, "correct horse"));
    EXPECT_TRUE(sasl::password_matches(bob->credentials, "b0b-secret"));
    EXPECT_FALSE(sasl::password_matches(bob->credentials, "correct horse"));
}

TEST(PasswordFileImport, AnEmptyFileImportsNoUsersAndStillLoads) {
    const Import import = import_password_file("# nobody yet\n", "pw");
    EXPECT_TRUE(import.users.empty());
    EXPECT_EQ(render_config(import), "version: 1\nsasl_users: []\n");
    EXPECT_TRUE(config::load_text(render_config(import), "out.yaml", ".").ok());
}

TEST(PasswordFileImport, AUsernameASaslUserCannotHaveIsUnreadable) {
    // Mosquitto takes it; mqauth reads '|' as the custom-authorizer form.
    const Import import = import_password_file("dev|1" + kBob.substr(3) + "\n", "pw");
    ASSERT_EQ(import.unreadable.size(), 1u);
    EXPECT_EQ(import.unreadable[0],
              "pw:1: user \"dev|1\": username: InvalidParameter: a username may not contain '|' "
              "(that is the custom-authorizer form DEVICE|authorizer-name=NAME|..., which only an "
              "authorizer decides)");
}
