// SPDX-License-Identifier: Apache-2.0
#pragma once
// The topic rules of one identity as a tree of filter levels. A check walks the tree along the
// topic's levels, so its cost grows with topic depth, not with the number of rules.
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "permissions/grants.h"

namespace mqauth::permissions {

// The values %u and %c stand for, for the client being checked.
struct Subject {
    std::string_view username;  // empty when the client has none
    std::string_view client_id;
    // Whether the login proved the client id (README "Client ids"): only then do the rules of
    // identity_type CLIENT apply. %c placeholders expand either way.
    bool client_id_proven = false;
};

class RuleTree {
   public:
    RuleTree();
    ~RuleTree();
    RuleTree(RuleTree&&) noexcept;
    RuleTree& operator=(RuleTree&&) noexcept;

    // `filter` must have passed rule_filter_error().
    void add(std::string_view filter, ActionSet actions, Effect effect);

    // The rules matching a concrete topic (a PUBLISH, or a message delivered to a subscriber).
    Grants match_topic(std::string_view topic, const Subject& subject) const;

    // The rules covering a whole subscription filter: a rule counts only when every topic the
    // filter can match is matched by the rule, so `a/b` never grants `a/#`.
    Grants cover_filter(std::string_view filter, const Subject& subject) const;

    struct Node;  // one filter level; defined in rule_tree.cpp

   private:
    std::unique_ptr<Node> root_;
};

}  // namespace mqauth::permissions
