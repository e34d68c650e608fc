// SPDX-License-Identifier: Apache-2.0
#include "migration/filter_overlap.h"

#include "permissions/topic_levels.h"

namespace mqauth::cli::migration {

bool filters_overlap(std::string_view a, std::string_view b) {
    permissions::TopicLevels left(a);
    permissions::TopicLevels right(b);
    while (!left.done() && !right.done()) {
        const std::string_view x = left.next();
        const std::string_view y = right.next();
        if (x == "#" || y == "#") return true;
        if (x != "+" && y != "+" && x != y) return false;
    }
    if (left.done() && right.done()) return true;
    // One has levels left: only a lone '#' there also matches the shorter one's topic.
    permissions::TopicLevels& longer = left.done() ? right : left;
    return longer.next() == "#" && longer.done();
}

}  // namespace mqauth::cli::migration
