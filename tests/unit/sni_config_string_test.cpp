// SPDX-License-Identifier: Apache-2.0
// ApsaraMQ SetSniConfig's string form "domain#certId#password;...": splitting and its error
// messages.
#include <gtest/gtest.h>

#include "sni/sni_config_string.h"

using namespace mqauth::sni;

TEST(SniConfigString, ParsesTheSeedsExample) {
    const auto parsed = parse_sni_config(
        "*.mqtt.aliyuncs.com#15xxxxx-cn-hangzhou;"
        "mqtt-test.mqtt.aliyuncs.com#15xxxx9-cn-hangzhou#p4ss");
    ASSERT_EQ(parsed.error, "");
    ASSERT_EQ(parsed.entries.size(), 2u);
    EXPECT_EQ(parsed.entries[0].domain, "*.mqtt.aliyuncs.com");
    EXPECT_EQ(parsed.entries[0].certificate_id, "15xxxxx-cn-hangzhou");
    EXPECT_FALSE(parsed.entries[0].password);
    EXPECT_EQ(parsed.entries[1].domain, "mqtt-test.mqtt.aliyuncs.com");
    EXPECT_EQ(parsed.entries[1].certificate_id, "15xxxx9-cn-hangzhou");
    EXPECT_EQ(parsed.entries[1].password, "p4ss");
}

TEST(SniConfigString, APasswordRunsToTheEndOfItsEntry) {
    const auto parsed = parse_sni_config("a.example#main#pa#ss w;b.example#other");
    ASSERT_EQ(parsed.error, "");
    ASSERT_EQ(parsed.entries.size(), 2u);
    EXPECT_EQ(parsed.entries[0].password, "pa#ss w");
    // Nothing is trimmed: " word" is an entry of its own, and a bad one (no '#').
    EXPECT_EQ(parse_sni_config("a.example#main#pa#ss; word").error,
              "entry 2 has no certificate id (expected DOMAIN#CERTIFICATE_ID[#PASSWORD])");
}

TEST(SniConfigString, EveryEmptyPartIsNamed) {
    const std::pair<const char*, const char*> cases[] = {
        {"", "is empty (expected DOMAIN#CERTIFICATE_ID[#PASSWORD];...)"},
        {"a.example#x;;b.example#y",
         "entry 2 is empty (two ';' in a row, or a ';' at the start or end)"},
        {"a.example#x;", "entry 2 is empty (two ';' in a row, or a ';' at the start or end)"},
        {";a.example#x", "entry 1 is empty (two ';' in a row, or a ';' at the start or end)"},
        {"a.example", "entry 1 has no certificate id (expected DOMAIN#CERTIFICATE_ID[#PASSWORD])"},
        {"#x", "entry 1 has an empty domain"},
        {"a.example#", "entry 1 has an empty certificate id"},
        {"a.example##pw", "entry 1 has an empty certificate id"},
        {"a.example#x#",
         "entry 1 has an empty password after the second '#' (leave out the '#' for none)"},
    };
    for (const auto& [text, error] : cases) {
        const auto parsed = parse_sni_config(text);
        EXPECT_EQ(parsed.error, error) << text;
        EXPECT_TRUE(parsed.entries.empty()) << text;
    }
}

TEST(SniConfigString, ErrorsNameTheEntryButNeverQuoteAPassword) {
    const auto parsed = parse_sni_config("a.example#x#hunter2;b.example#y#hunter3;#z#hunter4");
    EXPECT_EQ(parsed.error, "entry 3 has an empty domain");
    EXPECT_EQ(parsed.error_entry, 3u);
    EXPECT_EQ(parsed.error.find("hunter"), std::string::npos);
}
