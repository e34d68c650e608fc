// SPDX-License-Identifier: Apache-2.0
#include "engine/pending_logins.h"

namespace mqauth::engine {

authorizers::CallId PendingLogins::add(PendingLogin login) {
    abandon(login.connection, login.client_id);  // the caller did already; never two per key
    const authorizers::CallId id = next_id_++;
    ++in_flight_[login.authorizer->name];
    by_connection_[login.connection] = id;
    by_client_id_[login.client_id] = id;
    logins_.emplace(id, std::move(login));
    return id;
}

std::optional<PendingLogin> PendingLogins::take(authorizers::CallId id) {
    const auto found = logins_.find(id);
    if (found == logins_.end()) return std::nullopt;
    PendingLogin login = std::move(found->second);
    logins_.erase(found);
    unindex(id, login);
    count_finished(login);
    return login;
}

std::vector<PendingLogin> PendingLogins::take_overdue(PendingLogin::Clock::time_point now) {
    std::vector<authorizers::CallId> overdue;
    for (const auto& [id, login] : logins_) {
        if (login.overdue_at <= now) overdue.push_back(id);
    }
    std::vector<PendingLogin> taken;
    for (const authorizers::CallId id : overdue) taken.push_back(*take(id));
    return taken;
}

void PendingLogins::abandon(ConnectionId connection, std::optional<std::string_view> client_id) {
    if (by_connection_.empty()) return;  // every CONNECT comes here: no lookup, no allocation
    const auto mark = [this](authorizers::CallId id) {
        PendingLogin& login = logins_.at(id);
        login.abandoned = true;
        unindex(id, login);
    };
    if (const auto found = by_connection_.find(connection); found != by_connection_.end()) {
        mark(found->second);
    }
    if (!client_id) return;
    if (const auto found = by_client_id_.find(std::string(*client_id));
        found != by_client_id_.end()) {
        mark(found->second);
    }
}

std::size_t PendingLogins::in_flight(std::string_view authorizer) const {
    const auto found = in_flight_.find(std::string(authorizer));
    return found == in_flight_.end() ? 0 : found->second;
}

bool PendingLogins::start_busy_episode(const std::string& authorizer) {
    return busy_.insert(authorizer).second;
}

const std::optional<std::string>* PendingLogins::device_of(ConnectionId connection) const {
    const auto found = by_connection_.find(connection);
    if (found == by_connection_.end()) return nullptr;
    return &logins_.at(found->second).device;
}

// Removes the indexes' entries that point at `id` (a newer login may have taken its place).
void PendingLogins::unindex(authorizers::CallId id, const PendingLogin& login) {
    if (const auto found = by_connection_.find(login.connection);
        found != by_connection_.end() && found->second == id) {
        by_connection_.erase(found);
    }
    if (const auto found = by_client_id_.find(login.client_id);
        found != by_client_id_.end() && found->second == id) {
        by_client_id_.erase(found);
    }
}

void PendingLogins::count_finished(const PendingLogin& login) {
    const auto found = in_flight_.find(login.authorizer->name);
    if (found == in_flight_.end()) return;
    if (--found->second > 0) return;
    in_flight_.erase(found);
    busy_.erase(login.authorizer->name);
}

}  // namespace mqauth::engine
