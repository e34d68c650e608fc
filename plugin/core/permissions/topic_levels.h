// SPDX-License-Identifier: Apache-2.0
#pragma once
// Walks an MQTT topic or filter level by level ('/'-separated) without copying it.
#include <cstddef>
#include <optional>
#include <string_view>

namespace mqauth::permissions {

class TopicLevels {
   public:
    explicit TopicLevels(std::string_view text) : rest_(text) {}

    bool done() const { return done_; }

    // The next level (possibly empty: "a//b" has an empty middle level). Call only when !done().
    std::string_view next() {
        const std::size_t slash = rest_.find('/');
        if (slash == std::string_view::npos) {
            done_ = true;
            return rest_;
        }
        std::string_view level = rest_.substr(0, slash);
        rest_.remove_prefix(slash + 1);
        return level;
    }

   private:
    std::string_view rest_;
    bool done_ = false;
};

// A `$share/<group>/<filter>` subscription receives from <filter>; anything else is itself.
std::string_view strip_shared_subscription(std::string_view filter);

// Why a rule's topic filter is unusable, or nullopt when it is valid: not empty, '#' only as
// the whole last level, '+' only as a whole level, %u and %c only as whole levels.
std::optional<std::string_view> rule_filter_error(std::string_view filter);

inline constexpr std::size_t kMaxRuleLevels = 128;

}  // namespace mqauth::permissions
