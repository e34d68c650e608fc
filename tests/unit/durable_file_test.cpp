// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "certs/durable_file.h"
#include "test_pki.h"

using mqauth::certs::FileOwner;
using mqauth::certs::replace_file_durably;

TEST(DurableFile, ReplacesTheContentWithExactlyTheGivenMode) {
    const std::string path = mqauth::test_pki::make_temp_dir() + "/file";
    mqauth::test_pki::write_text_file(path, "old");
    const mode_t saved = umask(077);
    const auto error = replace_file_durably(path, "new", 0644);
    umask(saved);
    ASSERT_FALSE(error) << *error;
    EXPECT_EQ(mqauth::test_pki::read_text_file(path), "new");
    struct stat status {};
    ASSERT_EQ(stat(path.c_str(), &status), 0);
    EXPECT_EQ(status.st_mode & 0777, 0644u);
}

TEST(DurableFile, TheNewFileHasItsOwnerBeforeItIsRenamedIntoPlace) {
    if (geteuid() != 0) GTEST_SKIP() << "only root can give a file to another user";
    const std::string path = mqauth::test_pki::make_temp_dir() + "/file";
    ASSERT_FALSE(replace_file_durably(path, "x", 0640, FileOwner{65534, 65534}));
    struct stat status {};
    ASSERT_EQ(stat(path.c_str(), &status), 0);
    EXPECT_EQ(status.st_uid, 65534u);
    EXPECT_EQ(status.st_gid, 65534u);
}
