// SPDX-License-Identifier: Apache-2.0
#pragma once
// Where the device registry lives, as `device_certificates.registry` names it: an SQLite file
// (the embedded default) or a PostgreSQL database shared by a fleet of brokers.
#include <chrono>
#include <optional>
#include <string>

#include "crypto/secret.h"

namespace mqauth::registry {

enum class Backend { Sqlite, Postgresql };

struct RegistrySource {
    Backend backend = Backend::Sqlite;
    // SQLite: the database file's absolute path. PostgreSQL: a libpq connection string, which
    // never holds the password (the config refuses one that does), so it may be logged.
    std::string location;
    std::optional<crypto::Secret> password;  // PostgreSQL: from password_file or password_env
    // PostgreSQL: the longest the broker waits for the database at once (a registration, with
    // the connection it may need first); then the device is refused and the broker moves on.
    std::chrono::milliseconds timeout{500};

    // "sqlite /var/lib/mosquitto/devices.db", "postgresql host=db dbname=mqauth": for logs.
    std::string describe() const;
    // The same registry reached the same way (a reload that changes nothing here keeps the open
    // one, with what it has learnt).
    bool same_as(const RegistrySource& other) const;
};

inline constexpr std::chrono::milliseconds kMinTimeout{10};
inline constexpr std::chrono::milliseconds kMaxTimeout{60000};

}  // namespace mqauth::registry
