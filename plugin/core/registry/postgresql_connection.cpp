// SPDX-License-Identifier: Apache-2.0
#include "registry/postgresql_connection.h"

#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>
#include <memory>

namespace mqauth::registry {
namespace {

struct ResultFree {
    void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultFree>;

struct ConninfoFree {
    void operator()(PQconninfoOption* options) const { PQconninfoFree(options); }
};

// Waits until the socket is ready for `events` or the deadline passes. False on timeout.
bool wait_socket(int socket, short events, Clock::time_point deadline) {
    while (true) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return false;
        pollfd descriptor{socket, events, 0};
        const int ready = ::poll(&descriptor, 1, static_cast<int>(left.count()));
        if (ready > 0) return true;
        if (ready < 0 && errno != EINTR) return true;  // let libpq meet the error itself
    }
}

// libpq's messages span lines (and indent with tabs); a log line is one line.
std::string message_of(const char* text) {
    std::string message;
    for (const char* at = text ? text : ""; *at; ++at) {
        const bool space = *at == '\n' || *at == '\t' || *at == ' ';
        if (!space) {
            message += *at;
        } else if (!message.empty() && message.back() != ' ') {
            message += ' ';
        }
    }
    if (!message.empty() && message.back() == ' ') message.pop_back();
    return message.empty() ? "no reason given" : message;
}

// Errors that mean "not now" rather than "no": connection exceptions (08), the server shutting
// down or starting up (57P), out of resources (53).
bool transient_sqlstate(const char* state) {
    if (!state) return true;
    const std::string code(state);
    return code.rfind("08", 0) == 0 || code.rfind("57P", 0) == 0 || code.rfind("53", 0) == 0;
}

std::vector<std::vector<std::string>> rows_of(const PGresult* result) {
    std::vector<std::vector<std::string>> rows;
    const int columns = PQnfields(result);
    for (int row = 0; row < PQntuples(result); ++row) {
        std::vector<std::string>& values = rows.emplace_back();
        for (int column = 0; column < columns; ++column) {
            values.emplace_back(PQgetvalue(result, row, column));
        }
    }
    return rows;
}

// Brokers starting together all create the table: CREATE TABLE IF NOT EXISTS is not atomic, and
// a loser of the race, which finds the winner's table committed, gets one of three errors:
// a unique violation in the catalog (23505) when it waited on the winner's row, "relation
// already exists" (42P07), or "type already exists" (42710, duplicate_object: PostgreSQL's
// heap_create_with_catalog checks the table's row type by name after the relation's name).
bool lost_creation_race(const std::string& sqlstate) {
    return sqlstate == "23505" || sqlstate == "42P07" || sqlstate == "42710";
}

}  // namespace

std::optional<std::string> conninfo_problem(const std::string& conninfo) {
    char* error = nullptr;
    std::unique_ptr<PQconninfoOption, ConninfoFree> options(
        PQconninfoParse(conninfo.c_str(), &error));
    if (!options) {
        std::string why = error ? message_of(error) : "cannot be parsed";
        PQfreemem(error);
        return "not a libpq connection string: " + why;
    }
    for (const PQconninfoOption* option = options.get(); option->keyword; ++option) {
        if (std::string(option->keyword) == "password" && option->val && *option->val) {
            return "holds a password: give it in password_file or password_env instead, so the "
                   "connection string can be logged";
        }
    }
    return std::nullopt;
}

PostgresqlConnection::PostgresqlConnection(std::string conninfo,
                                           std::optional<crypto::Secret> password,
                                           std::string setup)
    : conninfo_(std::move(conninfo)), password_(std::move(password)), setup_(std::move(setup)) {}

PostgresqlConnection::~PostgresqlConnection() {
    PQfinish(connection_);
}

StoreError PostgresqlConnection::unavailable(const std::string& why) {
    PQfinish(connection_);
    connection_ = nullptr;
    return {StoreFailure::Unavailable, why};
}

// PQconnectStartParams resolves a host name before it returns, which can block: a fleet that
// needs the bound to hold exactly gives `hostaddr` (an IP address) in the connection string.
std::optional<StoreError> PostgresqlConnection::connect(Clock::time_point deadline) {
    std::string password = password_ ? std::string(password_->reveal()) : std::string();
    const char* keywords[] = {"dbname", password_ ? "password" : nullptr, nullptr};
    const char* values[] = {conninfo_.c_str(), password_ ? password.c_str() : nullptr, nullptr};
    connection_ = PQconnectStartParams(keywords, values, /*expand_dbname=*/1);
    std::fill(password.begin(), password.end(), '\0');
    if (!connection_) return unavailable("out of memory");
    if (PQstatus(connection_) == CONNECTION_BAD) {
        return unavailable(message_of(PQerrorMessage(connection_)));
    }
    PostgresPollingStatusType polling = PGRES_POLLING_WRITING;
    while (polling != PGRES_POLLING_OK) {
        if (polling == PGRES_POLLING_FAILED) {
            return unavailable(message_of(PQerrorMessage(connection_)));
        }
        const short events = polling == PGRES_POLLING_READING ? POLLIN : POLLOUT;
        if (!wait_socket(PQsocket(connection_), events, deadline)) {
            return unavailable("timed out connecting");
        }
        polling = PQconnectPoll(connection_);
    }
    if (PQsetnonblocking(connection_, 1) != 0) {
        return unavailable(message_of(PQerrorMessage(connection_)));
    }
    QueryRows setup = exchange(setup_, {}, deadline);
    if (setup.error && !lost_creation_race(setup.sqlstate)) {
        PQfinish(connection_);
        connection_ = nullptr;
        return setup.error;
    }
    return std::nullopt;
}

QueryRows PostgresqlConnection::run(const std::string& sql,
                                    const std::vector<std::string>& parameters,
                                    Clock::time_point deadline) {
    if (!connection_) {
        if (auto error = connect(deadline)) return failed_query(std::move(*error));
    }
    return exchange(sql, parameters, deadline);
}

QueryRows PostgresqlConnection::exchange(const std::string& sql,
                                         const std::vector<std::string>& parameters,
                                         Clock::time_point deadline) {
    std::vector<const char*> values;
    for (const std::string& parameter : parameters) values.push_back(parameter.c_str());
    if (!PQsendQueryParams(connection_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                           values.data(), nullptr, nullptr, 0)) {
        return failed_query(unavailable(message_of(PQerrorMessage(connection_))));
    }
    int flushed;
    while ((flushed = PQflush(connection_)) == 1) {
        if (!wait_socket(PQsocket(connection_), POLLOUT, deadline)) {
            return failed_query(unavailable("timed out sending a statement"));
        }
    }
    if (flushed < 0) return failed_query(unavailable(message_of(PQerrorMessage(connection_))));
    ResultPtr outcome;
    while (true) {
        while (PQisBusy(connection_)) {
            if (!wait_socket(PQsocket(connection_), POLLIN, deadline)) {
                return failed_query(unavailable("timed out waiting for an answer"));
            }
            if (!PQconsumeInput(connection_)) {
                return failed_query(unavailable(message_of(PQerrorMessage(connection_))));
            }
        }
        ResultPtr result(PQgetResult(connection_));
        if (!result) break;
        if (!outcome) outcome = std::move(result);  // one statement, one result
    }
    if (!outcome) return failed_query(unavailable(message_of(PQerrorMessage(connection_))));
    const ExecStatusType status = PQresultStatus(outcome.get());
    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
        return {rows_of(outcome.get()), std::nullopt, ""};
    }
    const std::string why = message_of(PQresultErrorMessage(outcome.get()));
    const char* sqlstate = PQresultErrorField(outcome.get(), PG_DIAG_SQLSTATE);
    if (PQstatus(connection_) == CONNECTION_BAD || transient_sqlstate(sqlstate)) {
        return failed_query(unavailable(why), sqlstate ? sqlstate : "");
    }
    return failed_query({StoreFailure::Failed, why}, sqlstate ? sqlstate : "");
}

}  // namespace mqauth::registry
