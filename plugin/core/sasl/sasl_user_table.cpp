#include "sasl/sasl_user_table.h"

namespace mqauth::sasl {

bool SaslUserTable::add(SaslUser user) {
    if (by_name_.count(user.username) > 0) return false;
    const SaslUser& stored = storage_.emplace_back(std::move(user));
    by_name_.emplace(stored.username, &stored);
    if (!any_plain_ && stored.type == SaslType::Plain) any_plain_ = &stored;
    return true;
}

const SaslUser* SaslUserTable::find(std::string_view username) const {
    const auto it = by_name_.find(username);
    return it == by_name_.end() ? nullptr : it->second;
}

bool same_sasl_user(const SaslUser& before, const SaslUser& after) {
    return before.username == after.username && before.type == after.type &&
           same_credentials(before.credentials, after.credentials);
}

}  // namespace mqauth::sasl
