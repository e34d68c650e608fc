// SPDX-License-Identifier: Apache-2.0
// Fuzzes rule filters, topics and placeholder values together: the input is split on newlines
// into a rule filter, a topic (or subscription filter), a username and a client id. Checks the
// invariants a permission check relies on besides "no crash":
//  - a filter covering a subscription implies the same rule matches that filter read as a topic;
//  - placeholder values that are not a single plain level never grant anything.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "permissions/rule_tree.h"
#include "permissions/topic_levels.h"

namespace {

std::string_view take_line(std::string_view& rest) {
    const std::size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    return line;
}

bool plain_level(std::string_view value) {
    return !value.empty() && value.find_first_of("/+#") == std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mqauth::permissions;
    std::string_view rest(reinterpret_cast<const char*>(data), size);
    const std::string_view filter = take_line(rest);
    const std::string_view topic = take_line(rest);
    const std::string_view username = take_line(rest);
    const std::string_view client_id = take_line(rest);
    strip_shared_subscription(topic);
    if (rule_filter_error(filter)) return 0;

    RuleTree tree;
    tree.add(filter, kPublish | kSubscribe, Effect::Allow);
    const Subject subject{username, client_id};
    const bool matched = tree.match_topic(topic, subject).allows(Action::Publish);
    const bool covered = tree.cover_filter(topic, subject).allows(Action::Subscribe);
    if (covered && !matched) __builtin_trap();

    const bool needs_username = filter.find("%u") != std::string_view::npos;
    const bool needs_client_id = filter.find("%c") != std::string_view::npos;
    if (matched && ((needs_username && !plain_level(username)) ||
                    (needs_client_id && !plain_level(client_id)))) {
        __builtin_trap();  // a placeholder with an unusable value granted access
    }
    return 0;
}
