// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>

#include "yaml/yaml_tree.h"

using namespace mqauth;

namespace {

yaml::Diagnostic error_of(const std::string& text) {
    yaml::YamlParseResult result = yaml::parse_yaml(text);
    EXPECT_TRUE(result.error.has_value()) << text;
    return result.error.value_or(yaml::Diagnostic{});
}

}  // namespace

TEST(YamlTree, KeepsPositionsAndQuoting) {
    yaml::YamlParseResult result = yaml::parse_yaml("a: 1\nb:\n  - \"x\"\n  - y\n");
    ASSERT_FALSE(result.error);
    const yaml::YamlNode& root = *result.root;
    ASSERT_TRUE(root.is_mapping());
    ASSERT_EQ(root.entries.size(), 2u);
    EXPECT_EQ(root.entries[0].key, "a");
    EXPECT_EQ(root.entries[0].value.position.line, 1);
    EXPECT_EQ(root.entries[0].value.position.column, 4);
    const yaml::YamlNode& list = root.entries[1].value;
    ASSERT_TRUE(list.is_sequence());
    EXPECT_TRUE(list.items[0].quoted);
    EXPECT_FALSE(list.items[1].quoted);
    EXPECT_EQ(list.items[1].position.line, 4);
}

TEST(YamlTree, EmptyValueIsNullButQuotedNullIsAString) {
    yaml::YamlParseResult result = yaml::parse_yaml("a:\nb: ~\nc: \"null\"\n");
    ASSERT_FALSE(result.error);
    EXPECT_TRUE(result.root->entries[0].value.is_null());
    EXPECT_TRUE(result.root->entries[1].value.is_null());
    EXPECT_TRUE(result.root->entries[2].value.is_scalar());
    EXPECT_EQ(result.root->entries[2].value.scalar, "null");
}

TEST(YamlTree, RefusesADuplicateKeyAtItsSecondOccurrence) {
    const yaml::Diagnostic error = error_of("a: 1\nb: 2\na: 3\n");
    EXPECT_EQ(error.position.line, 3);
    EXPECT_EQ(error.position.column, 1);
    EXPECT_NE(error.message.find("duplicate key \"a\""), std::string::npos);
}

TEST(YamlTree, RefusesDuplicateKeysInNestedMappings) {
    EXPECT_EQ(error_of("l:\n  - x: 1\n    x: 2\n").position.line, 3);
}

TEST(YamlTree, RefusesAnchorsAndAliases) {
    EXPECT_NE(error_of("a: &x 1\nb: *x\n").message.find("anchors"), std::string::npos);
}

TEST(YamlTree, RefusesNonScalarKeys) {
    EXPECT_NE(error_of("? [a]\n: 1\n").message.find("keys must be plain strings"),
              std::string::npos);
}

TEST(YamlTree, RefusesASecondDocument) {
    const yaml::Diagnostic error = error_of("a: 1\n---\nb: 2\n");
    EXPECT_NE(error.message.find("only one YAML document"), std::string::npos);
    EXPECT_EQ(error.position.line, 2);
}

TEST(YamlTree, RefusesDeepNesting) {
    std::string deep;
    for (int i = 0; i < yaml::kMaxYamlDepth + 1; ++i) deep += "[";
    EXPECT_NE(error_of(deep).message.find("nesting deeper"), std::string::npos);
}

TEST(YamlTree, ReportsSyntaxErrorsWithAPosition) {
    const yaml::Diagnostic error = error_of("a: 1\nb: [1, 2\n");
    EXPECT_GE(error.position.line, 2);
    EXPECT_EQ(error.message.rfind("InvalidParameter: ", 0), 0u);
}

TEST(YamlTree, EmptyTextIsANullDocument) {
    yaml::YamlParseResult result = yaml::parse_yaml("");
    ASSERT_FALSE(result.error);
    EXPECT_TRUE(result.root->is_null());
}
