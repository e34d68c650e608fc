// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>

#include "yaml/text_rules.h"

using mqauth::yaml::is_valid_utf8;

TEST(TextRules, AcceptsWellFormedUtf8) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("dev1"));
    EXPECT_TRUE(is_valid_utf8("d\xC3\xA9v"));            // é
    EXPECT_TRUE(is_valid_utf8("\xE2\x82\xAC"));          // €
    EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));      // U+1F600
    EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));      // U+10FFFF, the last code point
    EXPECT_TRUE(is_valid_utf8(std::string("a\0b", 3)));  // NUL is UTF-8; callers refuse it
}

TEST(TextRules, RefusesMalformedUtf8) {
    EXPECT_FALSE(is_valid_utf8("\xFF\xFF"));
    EXPECT_FALSE(is_valid_utf8("\xC3"));              // truncated
    EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
    EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong
    EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate U+D800
    EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
    EXPECT_FALSE(is_valid_utf8("\xE2\x82"));          // truncated at the end
    EXPECT_FALSE(is_valid_utf8("\x80"));              // a lone continuation byte
}
