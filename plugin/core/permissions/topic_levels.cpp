// SPDX-License-Identifier: Apache-2.0
#include "permissions/topic_levels.h"

namespace mqauth::permissions {

std::string_view strip_shared_subscription(std::string_view filter) {
    constexpr std::string_view kShare = "$share/";
    if (filter.substr(0, kShare.size()) != kShare) return filter;
    const std::size_t group_end = filter.find('/', kShare.size());
    if (group_end == std::string_view::npos) return filter;
    return filter.substr(group_end + 1);
}

std::optional<std::string_view> rule_filter_error(std::string_view filter) {
    if (filter.empty()) return "a topic filter must not be empty";
    TopicLevels levels(filter);
    std::size_t count = 0;
    while (!levels.done()) {
        const std::string_view level = levels.next();
        if (++count > kMaxRuleLevels) return "a topic filter may have at most 128 levels";
        if (level == "#") {
            if (!levels.done()) return "'#' must be the last level";
            continue;
        }
        if (level.size() > 1 && level.find_first_of("+#") != std::string_view::npos) {
            return "'+' and '#' must stand alone in their level";
        }
        const bool has_placeholder = level.find("%u") != std::string_view::npos ||
                                     level.find("%c") != std::string_view::npos;
        if (has_placeholder && level != "%u" && level != "%c") {
            return "%u and %c must stand alone in their level";
        }
    }
    return std::nullopt;
}

}  // namespace mqauth::permissions
