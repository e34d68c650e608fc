// SPDX-License-Identifier: Apache-2.0
#pragma once
// SCRAM over MQTT 5 enhanced authentication: owns the exchanges in flight, one per connection.
// An exchange is begun by the CONNECT (client-first), finished by one AUTH (client-final), and
// dropped on success, on any failure, and when the connection goes. Bounded in number and age,
// and per client address, so a flood of half-open exchanges from one address can neither grow
// memory, linger, nor crowd out everybody else's logins.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sasl/sasl_user_table.h"
#include "sasl/scram_exchange.h"

namespace mqauth::sasl {

enum class ScramFailure {
    None,
    UnsupportedMethod,  // not SCRAM-SHA-256 / SCRAM-SHA-512: MQTT reason 0x8C
    Malformed,
    ChannelBindingUnsupported,
    UnknownUser,
    MechanismMismatch,  // a plain user, or a SCRAM user of the other mechanism
    BadProof,
    Stalled,                      // client-final came after the exchange timed out
    CredentialsChanged,           // a reload changed or removed the user while the exchange ran
    TooManyExchanges,             // the table is full: not the refused client's doing
    TooManyExchangesFromAddress,  // its address holds its share of the table already
    UnexpectedStep,               // an AUTH with no exchange in flight, or one step too many
};

struct ScramStep {
    enum class Kind { Continue, Success, Failure };
    Kind kind = Kind::Failure;
    std::string data;          // server-first (Continue) or server-final (Success)
    std::string username;      // Success: the authenticated user; Failure: the name claimed, if any
    bool by_previous = false;  // Success: proven with the user's previous credentials
    ScramFailure failure = ScramFailure::None;
};

class ScramAuthenticator {
   public:
    using Clock = std::chrono::steady_clock;
    using ConnectionKey = std::uintptr_t;

    explicit ScramAuthenticator(Clock::duration exchange_timeout = std::chrono::seconds(30),
                                std::size_t max_in_flight = 10000,
                                std::size_t max_in_flight_per_address = 100);

    // On Continue, the step's username is the name the client-first claims (not yet proven).
    ScramStep begin(ConnectionKey connection, std::string_view address, std::string_view method,
                    std::string_view client_first, const SaslUserTable& users);
    // `users` is the policy in force now: an exchange begun under credentials that a reload has
    // since changed or removed cannot succeed.
    ScramStep finish(ConnectionKey connection, std::string_view client_final,
                     const SaslUserTable& users);
    // The connection went (or the engine gave up on it). Returns the client's address when it
    // left an exchange half-open: that counts against the address, like a failed login.
    std::optional<std::string> drop(ConnectionKey connection);
    // The addresses of half-open exchanges that timed out since the last call (one per exchange).
    std::vector<std::string> take_expired();
    std::size_t in_flight() const { return in_flight_.size(); }

   private:
    struct InFlight {
        ScramExchange exchange;
        Clock::time_point started;
        ScramFailure failure_if_refused;  // what the log will say if the proof fails
        std::string address;
    };
    using Table = std::unordered_map<ConnectionKey, InFlight>;

    void expire_stale(Clock::time_point now);
    std::size_t in_flight_from(const std::string& address) const;
    // Every removal goes through here, so the per-address counts stay exact.
    Table::node_type extract(Table::iterator entry);

    Clock::duration exchange_timeout_;
    std::size_t max_in_flight_;
    std::size_t max_in_flight_per_address_;
    std::string decoy_key_;  // per process: decoy salts differ between brokers and restarts
    Table in_flight_;
    std::unordered_map<std::string, std::size_t> in_flight_by_address_;
    std::vector<std::string> expired_;
};

}  // namespace mqauth::sasl
