// SPDX-License-Identifier: Apache-2.0
#pragma once
// A Policy from YAML text for engine tests; a config the test got wrong fails the test with its
// first error.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "config/loader.h"

namespace mqauth::test_policy {

inline std::shared_ptr<const Policy> policy_from(const std::string& yaml) {
    config::LoadResult result = config::load_text(yaml, "auth.yaml", ".");
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.formatted_errors().front());
    return result.policy;
}

}  // namespace mqauth::test_policy
