// SPDX-License-Identifier: Apache-2.0
#include "permissions/rule_tree.h"

#include "permissions/literal_children.h"
#include "permissions/topic_levels.h"

namespace mqauth::permissions {

struct RuleTree::Node {
    std::string level;  // owns the key this node has in its parent's `literals`
    Grants grants;      // rules whose filter ends at this node
    LiteralChildren<Node> literals;
    std::unique_ptr<Node> single_level;  // '+'
    std::unique_ptr<Node> multi_level;   // '#'
    std::unique_ptr<Node> username;      // %u
    std::unique_ptr<Node> client_id;     // %c
};

namespace {

using Node = RuleTree::Node;

Node& child(std::unique_ptr<Node>& slot) {
    if (!slot) slot = std::make_unique<Node>();
    return *slot;
}

Node& literal_child(Node& parent, std::string_view level) {
    return parent.literals.find_or_add(level, [&] {
        auto node = std::make_unique<Node>();
        node->level = std::string(level);
        return node;
    });
}

// A username or client id stands for exactly one topic level. One that could not be a level, or
// that is itself a wildcard, never matches: a client named "+" or "a/b" must not widen its access.
bool usable_as_level(std::string_view value) {
    return !value.empty() && value.find_first_of("/+#") == std::string_view::npos;
}

// What the walk is matching: a concrete topic, or a subscription filter to be covered.
enum class Walk { Topic, Filter };

struct WalkContext {
    Walk walk;
    bool starts_with_dollar;  // MQTT 4.7.2: a leading wildcard never matches a '$' topic
    const Subject& subject;
};

void visit(const Node& node, TopicLevels levels, bool first_level, const WalkContext& context,
           Grants& out);

// A placeholder stands for any level a client can choose (its client id, sometimes its
// username), so at the first level it is as wide as '+' and follows the same MQTT rule: it never
// matches a '$' topic (a client with id "$SYS" gets nothing of "$SYS/#" from "%c/#").
void visit_placeholders(const Node& node, std::string_view level, const TopicLevels& levels,
                        bool first_level, const WalkContext& context, Grants& out) {
    if (first_level && context.starts_with_dollar) return;
    if (node.username && usable_as_level(context.subject.username) &&
        level == context.subject.username) {
        visit(*node.username, levels, false, context, out);
    }
    if (node.client_id && usable_as_level(context.subject.client_id) &&
        level == context.subject.client_id) {
        visit(*node.client_id, levels, false, context, out);
    }
}

void visit(const Node& node, TopicLevels levels, bool first_level, const WalkContext& context,
           Grants& out) {
    const bool wildcards_apply = !(first_level && context.starts_with_dollar);
    // A rule ending in '#' matches this level's parent too ("a/#" matches "a"), so it applies
    // whether or not levels remain, and it covers any rest of a filter, '#' included.
    if (node.multi_level && wildcards_apply) out.merge(node.multi_level->grants);
    if (levels.done()) {
        out.merge(node.grants);
        return;
    }
    const std::string_view level = levels.next();
    if (context.walk == Walk::Filter && level == "#") return;  // only a rule '#' covers it
    if (node.single_level && wildcards_apply) {
        visit(*node.single_level, levels, false, context, out);
    }
    if (context.walk == Walk::Filter && level == "+") return;  // only a rule '+' covers it
    if (const Node* literal = node.literals.find(level)) {
        visit(*literal, levels, false, context, out);
    }
    visit_placeholders(node, level, levels, first_level, context, out);
}

Grants walk(const Node& root, Walk kind, std::string_view text, const Subject& subject) {
    Grants grants;
    const WalkContext context{kind, !text.empty() && text.front() == '$', subject};
    visit(root, TopicLevels(text), true, context, grants);
    return grants;
}

}  // namespace

RuleTree::RuleTree() : root_(std::make_unique<Node>()) {}
RuleTree::~RuleTree() = default;
RuleTree::RuleTree(RuleTree&&) noexcept = default;
RuleTree& RuleTree::operator=(RuleTree&&) noexcept = default;

void RuleTree::add(std::string_view filter, ActionSet actions, Effect effect) {
    Node* node = root_.get();
    TopicLevels levels(filter);
    while (!levels.done()) {
        const std::string_view level = levels.next();
        if (level == "+")
            node = &child(node->single_level);
        else if (level == "#")
            node = &child(node->multi_level);
        else if (level == "%u")
            node = &child(node->username);
        else if (level == "%c")
            node = &child(node->client_id);
        else
            node = &literal_child(*node, level);
    }
    node->grants.add(actions, effect);
}

Grants RuleTree::match_topic(std::string_view topic, const Subject& subject) const {
    return walk(*root_, Walk::Topic, topic, subject);
}

Grants RuleTree::cover_filter(std::string_view filter, const Subject& subject) const {
    return walk(*root_, Walk::Filter, filter, subject);
}

}  // namespace mqauth::permissions
