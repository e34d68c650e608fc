// SPDX-License-Identifier: Apache-2.0
#pragma once
// All topic permissions of one policy (ApsaraMQ custom-auth permissions): rules indexed by the
// username or client id they name, each identity's rules in a RuleTree. A check is two hash
// lookups and two tree walks, whatever the number of rules.
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

#include "permissions/grants.h"
#include "permissions/rule_tree.h"

namespace mqauth::permissions {

enum class RuleSubject {
    User,    // the rule's identity is a username
    Client,  // the rule's identity is a client id
};

enum class Access {
    Publish,    // a PUBLISH from the client, checked against its topic (PUB)
    Subscribe,  // a SUBSCRIBE, checked against the whole filter (SUB)
    Deliver,    // a message about to reach a subscriber, checked against its topic (SUB)
};

class PermissionTable {
   public:
    // `filter` must have passed rule_filter_error().
    void add(RuleSubject subject, std::string_view identity, std::string_view filter,
             ActionSet actions, Effect effect);
    void set_no_match(Effect effect) { no_match_ = effect; }
    Effect no_match() const { return no_match_; }
    std::size_t rule_count() const { return rule_count_; }

    // Any matching DENY beats any ALLOW; with no matching rule, no_match decides. CLIENT rules
    // count only for a subject whose client id is proven.
    bool permits(Access access, std::string_view topic, const Subject& subject) const;

    // What the rules matching an access say, before no_match: permits() on the rules alone.
    Grants grants(Access access, std::string_view topic, const Subject& subject) const;
    // The action a rule must name to decide an access: PUB for a publish, SUB otherwise.
    static Action action_of(Access access) {
        return access == Access::Publish ? Action::Publish : Action::Subscribe;
    }

   private:
    using TreesByName = std::unordered_map<std::string_view, RuleTree>;
    RuleTree& tree_for(TreesByName& trees, std::string_view identity);
    static void collect(const TreesByName& trees, std::string_view identity, Access access,
                        std::string_view topic, const Subject& subject, Grants& out);

    std::deque<std::string> names_;  // owns the keys of the maps below
    TreesByName by_username_;
    TreesByName by_client_id_;
    Effect no_match_ = Effect::Deny;
    std::size_t rule_count_ = 0;
};

}  // namespace mqauth::permissions
