#pragma once
// SCRAM over MQTT 5 enhanced authentication: owns the exchanges in flight, one per connection.
// An exchange is begun by the CONNECT (client-first), finished by one AUTH (client-final), and
// dropped on success, on any failure, and when the connection goes. Bounded in number and age,
// so a flood of half-open exchanges cannot grow memory or linger.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

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
    Stalled,             // client-final came after the exchange timed out
    CredentialsChanged,  // a reload changed or removed the user while the exchange ran
    TooManyExchanges,
    UnexpectedStep,  // an AUTH with no exchange in flight, or one step too many
};

struct ScramStep {
    enum class Kind { Continue, Success, Failure };
    Kind kind = Kind::Failure;
    std::string data;      // server-first (Continue) or server-final (Success)
    std::string username;  // Success: the authenticated user; Failure: the name claimed, if any
    ScramFailure failure = ScramFailure::None;
};

class ScramAuthenticator {
   public:
    using Clock = std::chrono::steady_clock;
    using ConnectionKey = std::uintptr_t;

    explicit ScramAuthenticator(Clock::duration exchange_timeout = std::chrono::seconds(30),
                                std::size_t max_in_flight = 10000);

    ScramStep begin(ConnectionKey connection, std::string_view method,
                    std::string_view client_first, const SaslUserTable& users);
    // `users` is the policy in force now: an exchange begun under credentials that a reload has
    // since changed or removed cannot succeed.
    ScramStep finish(ConnectionKey connection, std::string_view client_final,
                     const SaslUserTable& users);
    void drop(ConnectionKey connection) { in_flight_.erase(connection); }
    std::size_t in_flight() const { return in_flight_.size(); }

   private:
    struct InFlight {
        ScramExchange exchange;
        Clock::time_point started;
        ScramFailure failure_if_refused;  // what the log will say if the proof fails
    };

    void expire_stale(Clock::time_point now);

    Clock::duration exchange_timeout_;
    std::size_t max_in_flight_;
    std::string decoy_key_;  // per process: decoy salts differ between brokers and restarts
    std::unordered_map<ConnectionKey, InFlight> in_flight_;
};

}  // namespace mqauth::sasl
