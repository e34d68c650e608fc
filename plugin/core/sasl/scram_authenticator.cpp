// SPDX-License-Identifier: Apache-2.0
#include "sasl/scram_authenticator.h"

#include <utility>

#include "crypto/base64.h"
#include "crypto/random.h"

namespace mqauth::sasl {
namespace {

constexpr std::size_t kServerNonceBytes = 18;  // 24 Base64 characters, none of them ','

ScramStep failure(ScramFailure why, std::string claimed_username = {}) {
    ScramStep step;
    step.failure = why;
    step.username = std::move(claimed_username);
    return step;
}

ScramFailure failure_of(ScramError error) {
    return error == ScramError::ChannelBindingUnsupported ? ScramFailure::ChannelBindingUnsupported
                                                          : ScramFailure::Malformed;
}

// Which credentials a SCRAM login of `mechanism` may use, and what to log if there are none.
const ScramCredentials* usable_credentials(const SaslUser* user, Mechanism mechanism,
                                           ScramFailure& failure_if_refused) {
    failure_if_refused = ScramFailure::BadProof;
    if (!user) {
        failure_if_refused = ScramFailure::UnknownUser;
        return nullptr;
    }
    const ScramCredentials* scram = scram_of(user->credentials);
    if (user->type != SaslType::Scram || !scram || scram->mechanism != mechanism) {
        failure_if_refused = ScramFailure::MechanismMismatch;
        return nullptr;
    }
    return scram;
}

// The previous credentials a SCRAM login may also use now, during a rotation.
const ScramCredentials* usable_previous(const SaslUser* user, const ScramCredentials* usable) {
    if (!usable || !user->previous ||
        !user->previous->accepted_at(std::chrono::system_clock::now())) {
        return nullptr;
    }
    return scram_of(user->previous->credentials);
}

// Whether the credentials an exchange proved are still the user's under `users` (a reload may
// have come while it ran).
bool still_holds(const SaslUserTable& users, const ScramExchange& exchange, bool by_previous) {
    const SaslUser* user = users.find(exchange.username);
    if (!user || user->type != SaslType::Scram) return false;
    if (!by_previous) {
        const ScramCredentials* current = scram_of(user->credentials);
        return current && same_credentials(*current, exchange.credentials);
    }
    const ScramCredentials* previous =
        user->previous && user->previous->accepted_at(std::chrono::system_clock::now())
            ? scram_of(user->previous->credentials)
            : nullptr;
    return previous && same_credentials(*previous, *exchange.previous);
}

}  // namespace

ScramAuthenticator::ScramAuthenticator(Clock::duration exchange_timeout, std::size_t max_in_flight,
                                       std::size_t max_in_flight_per_address)
    : exchange_timeout_(exchange_timeout),
      max_in_flight_(max_in_flight),
      max_in_flight_per_address_(max_in_flight_per_address),
      decoy_key_(crypto::random_bytes(32)) {}

ScramAuthenticator::Table::node_type ScramAuthenticator::extract(Table::iterator entry) {
    const auto count = in_flight_by_address_.find(entry->second.address);
    if (count != in_flight_by_address_.end() && --count->second == 0) {
        in_flight_by_address_.erase(count);
    }
    return in_flight_.extract(entry);
}

std::size_t ScramAuthenticator::in_flight_from(const std::string& address) const {
    const auto count = in_flight_by_address_.find(address);
    return count == in_flight_by_address_.end() ? 0 : count->second;
}

void ScramAuthenticator::expire_stale(Clock::time_point now) {
    for (auto it = in_flight_.begin(); it != in_flight_.end();) {
        const auto next = std::next(it);
        if (now - it->second.started > exchange_timeout_) {
            expired_.push_back(std::move(extract(it).mapped().address));
        }
        it = next;
    }
}

std::optional<std::string> ScramAuthenticator::drop(ConnectionKey connection) {
    const auto entry = in_flight_.find(connection);
    if (entry == in_flight_.end()) return std::nullopt;
    return std::move(extract(entry).mapped().address);
}

std::vector<std::string> ScramAuthenticator::take_expired() {
    return std::exchange(expired_, {});
}

ScramStep ScramAuthenticator::begin(ConnectionKey connection, std::string_view address,
                                    std::string_view method, std::string_view client_first,
                                    const SaslUserTable& users) {
    drop(connection);  // a re-authentication starts afresh
    const auto mechanism = mechanism_from_name(method);
    if (!mechanism) return failure(ScramFailure::UnsupportedMethod);
    ScramError parse_error = ScramError::None;
    const auto first = parse_client_first(client_first, parse_error);
    if (!first) return failure(failure_of(parse_error));

    const Clock::time_point now = Clock::now();
    std::string client_address(address);
    if (in_flight_.size() >= max_in_flight_ ||
        in_flight_from(client_address) >= max_in_flight_per_address_) {
        expire_stale(now);
    }
    if (in_flight_from(client_address) >= max_in_flight_per_address_) {
        return failure(ScramFailure::TooManyExchangesFromAddress, first->username);
    }
    if (in_flight_.size() >= max_in_flight_) {
        return failure(ScramFailure::TooManyExchanges, first->username);
    }

    InFlight entry{{}, now, ScramFailure::None, std::move(client_address)};
    const SaslUser* user = users.find(first->username);
    const ScramCredentials* credentials =
        usable_credentials(user, *mechanism, entry.failure_if_refused);
    const std::string server_nonce = crypto::base64_encode(crypto::random_bytes(kServerNonceBytes));
    entry.exchange = begin_exchange(*mechanism, *first, credentials, server_nonce, decoy_key_,
                                    usable_previous(user, credentials));

    ScramStep step;
    step.kind = ScramStep::Kind::Continue;
    step.data = entry.exchange.server_first;
    step.username = first->username;
    ++in_flight_by_address_[entry.address];
    in_flight_.insert_or_assign(connection, std::move(entry));
    return step;
}

ScramStep ScramAuthenticator::finish(ConnectionKey connection, std::string_view client_final,
                                     const SaslUserTable& users) {
    const auto found = in_flight_.find(connection);
    if (found == in_flight_.end()) return failure(ScramFailure::UnexpectedStep);
    auto node = extract(found);  // one attempt per exchange, whatever happens
    const InFlight& entry = node.mapped();
    const std::string& claimed = entry.exchange.username;
    if (Clock::now() - entry.started > exchange_timeout_) {
        return failure(ScramFailure::Stalled, claimed);
    }

    ScramError parse_error = ScramError::None;
    const auto final_message = parse_client_final(client_final, parse_error);
    if (!final_message) return failure(failure_of(parse_error), claimed);
    FinishError finish_error = FinishError::None;
    bool by_previous = false;
    auto server_final = finish_exchange(entry.exchange, *final_message, finish_error, &by_previous);
    if (!server_final) {
        return failure(finish_error == FinishError::BadProof ? entry.failure_if_refused
                                                             : ScramFailure::Malformed,
                       claimed);
    }
    if (!still_holds(users, entry.exchange, by_previous)) {
        return failure(ScramFailure::CredentialsChanged, claimed);
    }
    ScramStep step;
    step.kind = ScramStep::Kind::Success;
    step.data = std::move(*server_final);
    step.username = entry.exchange.username;
    step.by_previous = by_previous;
    return step;
}

}  // namespace mqauth::sasl
