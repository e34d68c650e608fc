// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>

#include "editing/config_document.h"
#include "editing/text_lines.h"

using namespace mqauth;
using namespace mqauth::editing;

namespace {

ConfigDocument document(const std::string& text) {
    yaml::Diagnostic error;
    auto parsed = ConfigDocument::parse(text, error);
    EXPECT_TRUE(parsed) << error.message;
    return *parsed;
}

std::string edited(const TextEditResult& result) {
    EXPECT_FALSE(result.error) << (result.error
                                       ? yaml::format_diagnostic("auth.yaml", *result.error)
                                       : "");
    return result.edit ? result.edit->text : "";
}

std::string refusal(const TextEditResult& result) {
    EXPECT_FALSE(result.edit) << result.edit->text;
    return result.error ? yaml::format_diagnostic("auth.yaml", *result.error) : "";
}

const Fields kRule{{"identity_type", plain_scalar("USER")},
                   {"identity", quoted_scalar("fleet")},
                   {"topic", quoted_scalar("devices/%c/#")}};

const std::string kRules =
    "version: 1\n"
    "permissions:\n"
    "  no_match: DENY   # the default\n"
    "  rules:\n"
    "    # the demo user\n"
    "    - identity_type: USER\n"
    "      identity: demo\n"
    "\n"
    "    # the gateway\n"
    "    - identity_type: CLIENT\n"
    "      identity: gw   # its client id\n"
    "anonymous: deny\n";

}  // namespace

TEST(ConfigDocument, AppendsAfterTheLastItemInItsIndentation) {
    const TextEditResult result = document(kRules).append_item({"permissions", "rules"}, kRule);
    EXPECT_EQ(edited(result),
              "version: 1\n"
              "permissions:\n"
              "  no_match: DENY   # the default\n"
              "  rules:\n"
              "    # the demo user\n"
              "    - identity_type: USER\n"
              "      identity: demo\n"
              "\n"
              "    # the gateway\n"
              "    - identity_type: CLIENT\n"
              "      identity: gw   # its client id\n"
              "    - identity_type: USER\n"
              "      identity: \"fleet\"\n"
              "      topic: \"devices/%c/#\"\n"
              "anonymous: deny\n");
    EXPECT_EQ(result.edit->line, 12);
}

TEST(ConfigDocument, AppendsSeveralItemsToSeveralListsInOneEdit) {
    const Fields user{{"username", quoted_scalar("alice")}, {"type", plain_scalar("plain")}};
    const TextEditResult result = document(kRules).append_items(
        {{{"sasl_users"}, user}, {{"permissions", "rules"}, kRule}, {{"sasl_users"}, user}});
    EXPECT_EQ(edited(result),
              "version: 1\n"
              "permissions:\n"
              "  no_match: DENY   # the default\n"
              "  rules:\n"
              "    # the demo user\n"
              "    - identity_type: USER\n"
              "      identity: demo\n"
              "\n"
              "    # the gateway\n"
              "    - identity_type: CLIENT\n"
              "      identity: gw   # its client id\n"
              "    - identity_type: USER\n"
              "      identity: \"fleet\"\n"
              "      topic: \"devices/%c/#\"\n"
              "anonymous: deny\n"
              "sasl_users:\n"
              "  - username: \"alice\"\n"
              "    type: plain\n"
              "  - username: \"alice\"\n"
              "    type: plain\n");
    ASSERT_TRUE(result.edit);
    EXPECT_EQ(result.edit->line, 19);  // the last item's
}

TEST(ConfigDocument, SeveralItemsStopAtTheFirstThatCannotBeAdded) {
    const TextEditResult result =
        document("version: 1\nsasl_users: [{username: a}]\n")
            .append_items({{{"permissions", "rules"}, kRule},
                           {{"sasl_users"}, {{"username", plain_scalar("b")}}}});
    EXPECT_NE(refusal(result).find("flow style"), std::string::npos);
}

TEST(ConfigDocument, AddsAMissingListUnderItsMapping) {
    EXPECT_EQ(edited(document("version: 1\npermissions:\n    no_match: ALLOW\nanonymous: deny\n")
                         .append_item({"permissions", "rules"}, kRule)),
              "version: 1\n"
              "permissions:\n"
              "    no_match: ALLOW\n"
              "    rules:\n"  // a file that indents by 4 gets its list indented by 4
              "        - identity_type: USER\n"
              "          identity: \"fleet\"\n"
              "          topic: \"devices/%c/#\"\n"
              "anonymous: deny\n");
}

TEST(ConfigDocument, AddsAMissingSectionAtTheEndOfTheFile) {
    EXPECT_EQ(edited(document("version: 1  # first\n# the end\n")
                         .append_item({"permissions", "rules"}, kRule)),
              "version: 1  # first\n"
              "# the end\n"
              "permissions:\n"
              "  rules:\n"
              "    - identity_type: USER\n"
              "      identity: \"fleet\"\n"
              "      topic: \"devices/%c/#\"\n");
}

TEST(ConfigDocument, FillsAnEmptyListKeepingItsComment) {
    EXPECT_EQ(edited(document("version: 1\nidentities: []   # none yet\n")
                         .append_item({"identities"}, {{"username", quoted_scalar("a")}})),
              "version: 1\nidentities: # none yet\n  - username: \"a\"\n");
}

TEST(ConfigDocument, RefusesToAppendToAFlowList) {
    EXPECT_EQ(refusal(document("version: 1\nidentities: [{username: a}]\n")
                          .append_item({"identities"}, {{"username", quoted_scalar("b")}})),
              "auth.yaml:2:13: identities: written in flow style ([...]), so a new item cannot be "
              "added safely; make this change by hand");
}

TEST(ConfigDocument, RemovesAnItemKeepingTheCommentsAroundIt) {
    const TextEditResult result = document(kRules).remove_item({"permissions", "rules"}, 0);
    EXPECT_EQ(edited(result),
              "version: 1\n"
              "permissions:\n"
              "  no_match: DENY   # the default\n"
              "  rules:\n"
              "    # the demo user\n"
              "\n"
              "    # the gateway\n"
              "    - identity_type: CLIENT\n"
              "      identity: gw   # its client id\n"
              "anonymous: deny\n");
    EXPECT_EQ(result.edit->line, 6);
}

TEST(ConfigDocument, RemovingTheLastItemLeavesAnEmptyList) {
    const std::string once = edited(document(kRules).remove_item({"permissions", "rules"}, 1));
    EXPECT_EQ(edited(document(once).remove_item({"permissions", "rules"}, 0)),
              "version: 1\n"
              "permissions:\n"
              "  no_match: DENY   # the default\n"
              "  rules: []\n"
              "    # the demo user\n"
              "\n"
              "    # the gateway\n"
              "anonymous: deny\n");
}

TEST(ConfigDocument, RefusesToRemoveAnEmptyItemWhereverTheListEnds) {
    // The YAML tree places an empty item at the token after it: the next item, or past the
    // file's last line (once a crash of the text lines).
    EXPECT_EQ(refusal(document("identities:\n-\n").remove_item({"identities"}, 0)),
              "auth.yaml:3:1: identities: an empty item cannot be removed safely; make this "
              "change by hand");
    EXPECT_EQ(refusal(document("identities:\n  -\n\n").remove_item({"identities"}, 0)),
              "auth.yaml:4:1: identities: an empty item cannot be removed safely; make this "
              "change by hand");
    EXPECT_EQ(refusal(document("identities:\n-\n- username: a\n").remove_item({"identities"}, 0)),
              "auth.yaml:3:1: identities: an empty item cannot be removed safely; make this "
              "change by hand");
}

TEST(TextLines, ALineOutsideTheTextIsTheEmptyLineAtItsEnd) {
    const TextLines lines("a\nb\n");
    EXPECT_EQ(lines.count(), 2);
    EXPECT_EQ(lines.line(3), "");
    EXPECT_EQ(lines.line(0), "");
    EXPECT_EQ(lines.start(3), 4u);
    EXPECT_EQ(replace_lines(lines, 3, 3, "c\n"), "a\nb\nc\n");
}

TEST(ConfigDocument, SetsAValueInPlaceKeepingItsCommentAndAddsANewKeyAfterTheItem) {
    const TextEditResult result = document(kRules).set_item_fields(
        {"permissions", "rules"}, 1,
        {{"identity", quoted_scalar("gw-2")}, {"effect", plain_scalar("DENY")}});
    EXPECT_EQ(edited(result),
              "version: 1\n"
              "permissions:\n"
              "  no_match: DENY   # the default\n"
              "  rules:\n"
              "    # the demo user\n"
              "    - identity_type: USER\n"
              "      identity: demo\n"
              "\n"
              "    # the gateway\n"
              "    - identity_type: CLIENT\n"
              "      identity: \"gw-2\"   # its client id\n"
              "      effect: DENY\n"
              "anonymous: deny\n");
    EXPECT_EQ(result.edit->line, 11);
}

TEST(ConfigDocument, RemovesAKeyWithItsNestedLinesButNotAnItemsFirstKey) {
    const std::string text =
        "version: 1\n"
        "sni:\n"
        "  default_certificate: main\n"
        "  domains:\n"
        "  - domain: a.example.com\n"
        "    certificate_id: main\n"
        "  # kept\n"
        "anonymous: deny\n";
    EXPECT_EQ(edited(document(text).set_mapping_fields(
                  {"sni"}, {{"sni_config", quoted_scalar("a.example.com#main")}}, {"domains"})),
              "version: 1\n"
              "sni:\n"
              "  default_certificate: main\n"
              "  sni_config: \"a.example.com#main\"\n"
              "  # kept\n"
              "anonymous: deny\n");
    EXPECT_EQ(refusal(document(kRules).set_item_fields({"permissions", "rules"}, 1, {},
                                                       {"identity_type"})),
              "auth.yaml:10:7: permissions.rules: cannot remove identity_type; make this change "
              "by hand");  // it shares its line with the item's dash
}

TEST(ConfigDocument, KeepsWindowsLineEndings) {
    EXPECT_EQ(edited(document("version: 1\r\nidentities:\r\n  - username: a\r\n")
                         .append_item({"identities"}, {{"username", quoted_scalar("b")}})),
              "version: 1\r\nidentities:\r\n  - username: a\r\n  - username: \"b\"\r\n");
}

TEST(ConfigDocument, QuotesWhatCouldBeReadAsSomethingElse) {
    EXPECT_EQ(
        edited(document("version: 1\nidentities: []\n")
                   .append_item({"identities"}, {{"secret", quoted_scalar("a\"b\\c\x01#d")}})),
        "version: 1\nidentities:\n  - secret: \"a\\\"b\\\\c\\x01#d\"\n");
}
