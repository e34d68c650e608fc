// SPDX-License-Identifier: Apache-2.0
#include "permissions/permission_table.h"

#include "permissions/topic_levels.h"

namespace mqauth::permissions {

RuleTree& PermissionTable::tree_for(TreesByName& trees, std::string_view identity) {
    if (auto it = trees.find(identity); it != trees.end()) return it->second;
    const std::string& name = names_.emplace_back(identity);
    return trees.emplace(name, RuleTree()).first->second;
}

void PermissionTable::add(RuleSubject subject, std::string_view identity, std::string_view filter,
                          ActionSet actions, Effect effect) {
    TreesByName& trees = subject == RuleSubject::User ? by_username_ : by_client_id_;
    tree_for(trees, identity).add(filter, actions, effect);
    ++rule_count_;
}

void PermissionTable::collect(const TreesByName& trees, std::string_view identity, Access access,
                              std::string_view topic, const Subject& subject, Grants& out) {
    if (identity.empty()) return;  // an anonymous client has no username rules
    const auto it = trees.find(identity);
    if (it == trees.end()) return;
    out.merge(access == Access::Subscribe ? it->second.cover_filter(topic, subject)
                                          : it->second.match_topic(topic, subject));
}

Grants PermissionTable::grants(Access access, std::string_view topic,
                               const Subject& subject) const {
    if (access == Access::Subscribe) topic = strip_shared_subscription(topic);
    Grants grants;
    collect(by_username_, subject.username, access, topic, subject, grants);
    if (subject.client_id_proven) {
        collect(by_client_id_, subject.client_id, access, topic, subject, grants);
    }
    return grants;
}

bool PermissionTable::permits(Access access, std::string_view topic, const Subject& subject) const {
    const Grants matching = grants(access, topic, subject);
    const Action action = action_of(access);
    if (matching.denies(action)) return false;
    if (matching.allows(action)) return true;
    return no_match_ == Effect::Allow;
}

}  // namespace mqauth::permissions
