// SPDX-License-Identifier: Apache-2.0
// Which certificate a server name selects: exact names, one-label wildcards, case, the default.
#include <gtest/gtest.h>

#include <string>

#include "sni/certificate_set.h"
#include "sni/domain_name.h"

using namespace mqauth::sni;

namespace {

DomainPattern pattern(const std::string& text) {
    std::string why;
    auto parsed = parse_domain_pattern(text, why);
    EXPECT_TRUE(parsed) << text << ": " << why;
    return parsed.value_or(DomainPattern{});
}

ServerCertificate named(const std::string& id) {
    ServerCertificate certificate;
    certificate.id = id;  // selection looks at nothing else
    return certificate;
}

class SniSelection : public ::testing::Test {
   protected:
    SniSelection() {
        for (const char* id : {"default", "exact", "wild", "special", "bare"}) {
            set.add_certificate(named(id));
        }
        EXPECT_TRUE(set.set_default("default"));
        map("mqtt-test.example.com", "exact");
        map("*.mqtt.example.com", "wild");
        map("special.mqtt.example.com", "special");
        map("bare.example.com", "bare");
    }

    void map(const std::string& domain, const std::string& id) {
        EXPECT_EQ(set.add_domain(pattern(domain), id), CertificateSet::Mapping::Added) << domain;
    }

    std::string selected(std::optional<std::string_view> name) const {
        const ServerCertificate* certificate = set.select(name);
        return certificate ? certificate->id : "(none)";
    }

    CertificateSet set;
};

}  // namespace

TEST_F(SniSelection, ExactNameSelectsItsCertificate) {
    EXPECT_EQ(selected("mqtt-test.example.com"), "exact");
    EXPECT_EQ(selected("bare.example.com"), "bare");
}

TEST_F(SniSelection, WildcardCoversExactlyOneLabel) {
    EXPECT_EQ(selected("device-1.mqtt.example.com"), "wild");
    EXPECT_EQ(selected("a.b.mqtt.example.com"), "default");
}

TEST_F(SniSelection, WildcardDoesNotCoverTheBareName) {
    EXPECT_EQ(selected("mqtt.example.com"), "default");
}

TEST_F(SniSelection, ExactNameBeatsWildcard) {
    EXPECT_EQ(selected("special.mqtt.example.com"), "special");
    EXPECT_EQ(selected("other.mqtt.example.com"), "wild");
}

TEST_F(SniSelection, NamesCompareCaseInsensitively) {
    EXPECT_EQ(selected("MQTT-Test.Example.COM"), "exact");
    EXPECT_EQ(selected("Device-1.MQTT.example.com"), "wild");
    CertificateSet mixed;
    mixed.add_certificate(named("x"));
    ASSERT_EQ(mixed.add_domain(pattern("Upper.Example.COM"), "x"), CertificateSet::Mapping::Added);
    EXPECT_EQ(mixed.select("upper.example.com")->id, "x");
}

TEST_F(SniSelection, OneTrailingDotNamesTheSameHost) {
    EXPECT_EQ(selected("mqtt-test.example.com."), "exact");
    EXPECT_EQ(selected("device-1.mqtt.example.com."), "wild");
    EXPECT_EQ(selected("mqtt-test.example.com.."), "default");
}

TEST_F(SniSelection, UnknownNamesGetTheDefault) {
    EXPECT_EQ(selected("example.org"), "default");
    EXPECT_EQ(selected("test.example.com"), "default");
}

TEST_F(SniSelection, NoNameOrAnEmptyOneGetsTheDefault) {
    EXPECT_EQ(selected(std::nullopt), "default");
    EXPECT_EQ(selected(""), "default");
    EXPECT_EQ(selected("."), "default");
}

TEST_F(SniSelection, WildcardNeedsOneValidLabel) {
    EXPECT_EQ(selected(".mqtt.example.com"), "default");
    EXPECT_EQ(selected("a b.mqtt.example.com"), "default");
    EXPECT_EQ(selected("*.mqtt.example.com"), "default");  // a client sending the pattern itself
    EXPECT_EQ(selected(std::string(64, 'a') + ".mqtt.example.com"), "default");
    EXPECT_EQ(selected(std::string(63, 'a') + ".mqtt.example.com"), "wild");
}

TEST_F(SniSelection, NamesLongerThanAnyDnsNameGetTheDefault) {
    // A base of 4 labels of 60 characters: the longest name it can cover has 253 characters.
    const std::string base = std::string(60, 'b') + "." + std::string(60, 'c') + "." +
                             std::string(60, 'd') + "." + std::string(55, 'e');
    ASSERT_EQ(set.add_domain(pattern("*." + base), "exact"), CertificateSet::Mapping::Added);
    const std::string longest = std::string(253 - 1 - base.size(), 'a') + "." + base;
    ASSERT_EQ(longest.size(), 253u);
    EXPECT_EQ(selected(longest), "exact");
    EXPECT_EQ(selected(longest + "."), "exact");
    EXPECT_EQ(selected("a" + longest), "default");
    EXPECT_EQ(selected(std::string(100000, 'a')), "default");
}

TEST_F(SniSelection, NamesWithNulOrHighBytesSelectNothingSpecial) {
    EXPECT_EQ(selected(std::string_view("mqtt-test.example.com\0x", 23)), "default");
    EXPECT_EQ(selected("\xc3\xa9.mqtt.example.com"), "default");
}

TEST_F(SniSelection, ADomainMapsOnceAndOnlyToAKnownCertificate) {
    EXPECT_EQ(set.add_domain(pattern("MQTT-TEST.example.com"), "wild"),
              CertificateSet::Mapping::DuplicateDomain);
    EXPECT_EQ(set.add_domain(pattern("*.mqtt.example.com"), "exact"),
              CertificateSet::Mapping::DuplicateDomain);
    EXPECT_EQ(set.add_domain(pattern("new.example.com"), "nope"),
              CertificateSet::Mapping::UnknownCertificate);
    EXPECT_EQ(set.domain_count(), 4u);
    EXPECT_EQ(set.certificate_count(), 5u);
}

TEST(SniSelectionWithoutDefault, SelectsNothingRatherThanAnything) {
    CertificateSet set;
    set.add_certificate(named("a"));
    EXPECT_FALSE(set.set_default("missing"));
    EXPECT_EQ(set.select("anything.example.com"), nullptr);
    EXPECT_FALSE(set.add_certificate(named("a")));
}

TEST(SniSelectionMove, SurvivesAMoveIntoAPolicy) {
    CertificateSet original;
    original.add_certificate(named("a"));
    original.add_certificate(named("b"));
    original.set_default("a");
    ASSERT_EQ(original.add_domain(pattern("short.example"), "b"), CertificateSet::Mapping::Added);
    std::optional<CertificateSet> moved;
    moved = std::move(original);
    EXPECT_EQ(moved->select("short.example")->id, "b");
    EXPECT_EQ(moved->select("other")->id, "a");
}

// Config patterns: what parse_domain_pattern accepts and how it says no.
TEST(SniDomainPattern, AcceptsNamesAndOneLeadingWildcard) {
    std::string why;
    auto exact = parse_domain_pattern("MQTT.Example.com", why);
    ASSERT_TRUE(exact);
    EXPECT_FALSE(exact->wildcard);
    EXPECT_EQ(exact->name, "mqtt.example.com");
    auto wildcard = parse_domain_pattern("*.Example.com", why);
    ASSERT_TRUE(wildcard);
    EXPECT_TRUE(wildcard->wildcard);
    EXPECT_EQ(wildcard->name, "example.com");
    for (const char* ok : {"localhost", "xn--bcher-kva.example", "my_host.lan", "127.0.0.1",
                           "*.localhost", "a-b.c"}) {
        EXPECT_TRUE(parse_domain_pattern(ok, why)) << ok << ": " << why;
    }
}

TEST(SniDomainPattern, RefusesWhatNoServerNameCanBe) {
    const std::pair<std::string, std::string> cases[] = {
        {"", "is empty"},
        {"*.", "has no name after \"*.\""},
        {"*",
         "has a character other than letters, digits, '-', '_' and '.' ('*' only as the "
         "whole first label: \"*.\")"},
        {"a..b", "has an empty label (two dots in a row, or a leading dot)"},
        {".a", "has an empty label (two dots in a row, or a leading dot)"},
        {"a.", "ends with a dot (write the name without it)"},
        {"a*.example.com",
         "has a character other than letters, digits, '-', '_' and '.' ('*' "
         "only as the whole first label: \"*.\")"},
        {"*.*.example.com",
         "has a character other than letters, digits, '-', '_' and '.' ('*' "
         "only as the whole first label: \"*.\")"},
        {"exa mple.com", "has a character other than letters, digits, '-', '_' and '.'"},
        {std::string(64, 'a') + ".com", "has a label longer than 63 characters"},
        {std::string(250, 'a').replace(60, 1, ".").replace(120, 1, ".").replace(180, 1, ".") +
             ".comx",
         "is longer than 253 characters"},
    };
    for (const auto& [text, expected] : cases) {
        std::string why;
        EXPECT_FALSE(parse_domain_pattern(text, why)) << text;
        EXPECT_EQ(why, expected) << text;
    }
}

// RFC 6066 section 3 forbids IP literals in SNI; libmosquitto clients send them anyway.
TEST(SniIpLiteral, AddressesInTextFormAreRecognised) {
    for (const char* address :
         {"127.0.0.1", "10.0.0.255", "::1", "2001:db8::7", "::ffff:1.2.3.4"}) {
        EXPECT_TRUE(is_ip_literal(address)) << address;
    }
    for (const char* name : {"localhost", "mqtt.example.com", "127.0.0.1.nip.io", "1.2.3", "",
                             "[::1]", "999.1.1.1", "127.0.0.1 "}) {
        EXPECT_FALSE(is_ip_literal(name)) << name;
    }
}
