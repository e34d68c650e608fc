// SPDX-License-Identifier: Apache-2.0
#pragma once
// One libpq connection whose every wait has a deadline: the broker's thread runs registrations,
// so a database that stops answering (or a network that drops packets) must cost it a bounded
// time, not a TCP timeout. libpq's blocking calls have no such bound, so this drives its
// non-blocking interface (PQconnectStartParams / PQconnectPoll, PQsendQueryParams /
// PQconsumeInput) with poll().
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "crypto/secret.h"
#include "registry/registry_store.h"

struct pg_conn;

namespace mqauth::registry {

using Clock = std::chrono::steady_clock;

struct QueryRows {
    std::vector<std::vector<std::string>> rows;
    std::optional<StoreError> error;
    std::string sqlstate;  // the server's error code, when it refused the statement
};

inline QueryRows failed_query(StoreError error, std::string sqlstate = "") {
    QueryRows failed;
    failed.error = std::move(error);
    failed.sqlstate = std::move(sqlstate);
    return failed;
}

class PostgresqlConnection {
   public:
    // `setup` runs on every new connection before anything else (the store's CREATE TABLE IF
    // NOT EXISTS), within the deadline of the call that connects.
    PostgresqlConnection(std::string conninfo, std::optional<crypto::Secret> password,
                         std::string setup);
    ~PostgresqlConnection();
    PostgresqlConnection(const PostgresqlConnection&) = delete;
    PostgresqlConnection& operator=(const PostgresqlConnection&) = delete;

    // Runs one statement with text parameters, connecting first when there is no connection.
    // Any failure to reach the server (refused, timed out, dropped) closes the connection and is
    // Unavailable; the next call connects again.
    QueryRows run(const std::string& sql, const std::vector<std::string>& parameters,
                  Clock::time_point deadline);

   private:
    std::optional<StoreError> connect(Clock::time_point deadline);
    QueryRows exchange(const std::string& sql, const std::vector<std::string>& parameters,
                       Clock::time_point deadline);
    StoreError unavailable(const std::string& why);

    std::string conninfo_;
    std::optional<crypto::Secret> password_;
    std::string setup_;
    pg_conn* connection_ = nullptr;
};

// nullopt when `conninfo` is a libpq connection string without a password, else why not.
std::optional<std::string> conninfo_problem(const std::string& conninfo);

}  // namespace mqauth::registry
