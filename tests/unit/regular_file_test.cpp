// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "config/loader.h"
#include "io/regular_file.h"
#include "test_pki.h"

using mqauth::io::read_regular_file;

TEST(RegularFile, ReadsAWholeRegularFile) {
    const std::string path = mqauth::test_pki::make_temp_dir() + "/file";
    mqauth::test_pki::write_text_file(path, std::string("a\0b", 3));
    const auto file = read_regular_file(path, 16);
    ASSERT_TRUE(file.text);
    EXPECT_EQ(*file.text, std::string("a\0b", 3));
}

TEST(RegularFile, AFifoIsRefusedWithoutWaitingForAWriter) {
    const std::string path = mqauth::test_pki::make_temp_dir() + "/fifo";
    ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
    const auto file = read_regular_file(path, 1024);  // would block forever without O_NONBLOCK
    EXPECT_FALSE(file.text);
    EXPECT_EQ(file.error, "not a regular file");
}

TEST(RegularFile, DevicesDirectoriesMissingAndOversizedFilesAreRefused) {
    EXPECT_EQ(read_regular_file("/dev/zero", 1024).error, "not a regular file");
    EXPECT_EQ(read_regular_file("/tmp", 1024).error, "a directory, not a file");
    EXPECT_TRUE(read_regular_file("/nonexistent/file", 1024).missing);
    const std::string path = mqauth::test_pki::make_temp_dir() + "/big";
    mqauth::test_pki::write_text_file(path, std::string(2048, 'x'));
    const auto big = read_regular_file(path, 1024);
    EXPECT_EQ(big.problem, mqauth::io::FileProblem::TooLarge);
    EXPECT_EQ(big.error, "larger than 1024 bytes");
}

TEST(RegularFile, ASecretFileThatIsAFifoIsAConfigErrorNotAHang) {
    const std::string dir = mqauth::test_pki::make_temp_dir();
    ASSERT_EQ(mkfifo((dir + "/secret").c_str(), 0600), 0);
    const auto result = mqauth::config::load_text(
        "version: 1\npermissions: {}\nidentities:\n  - {username: a, identity_type: USER, "
        "secret_file: secret, sign_mode: ORIGIN}\n",
        "auth.yaml", dir);
    ASSERT_EQ(result.formatted_errors().size(), 1u);
    EXPECT_NE(result.formatted_errors()[0].find("not a regular file"), std::string::npos);
}
