// SPDX-License-Identifier: Apache-2.0
#include "config/registry_section.h"

#include "config/file_paths.h"
#include "config/secret_source.h"
#include "registry/postgresql_connection.h"
#include "yaml/mapping_reader.h"

namespace mqauth::config {
namespace {

using registry::Backend;
using registry::RegistrySource;

constexpr SecretKeys kRegistryPassword{nullptr, "password_file", "password_env", false};

std::optional<RegistrySource> read_sqlite(yaml::MappingReader& fields,
                                          const std::string& base_dir) {
    const auto path = fields.string("sqlite", yaml::Presence::Required);
    for (const char* key : {"password_file", "password_env", "timeout_ms"}) {
        if (fields.has(key)) fields.report(key, "InvalidParameter: only for postgresql");
    }
    if (!path) return std::nullopt;
    if (path->empty()) {
        fields.report("sqlite", "InvalidParameter: must not be empty");
        return std::nullopt;
    }
    RegistrySource source;
    source.backend = Backend::Sqlite;
    source.location = resolve_path(base_dir, *path);
    return source;
}

std::optional<std::chrono::milliseconds> read_timeout(yaml::MappingReader& fields) {
    const auto millis = fields.integer("timeout_ms", yaml::Presence::Optional);
    if (!millis)
        return fields.has("timeout_ms") ? std::nullopt : std::optional(RegistrySource().timeout);
    if (*millis < registry::kMinTimeout.count() || *millis > registry::kMaxTimeout.count()) {
        fields.report("timeout_ms", "InvalidParameter: must be " +
                                        std::to_string(registry::kMinTimeout.count()) + " to " +
                                        std::to_string(registry::kMaxTimeout.count()) +
                                        " (milliseconds)");
        return std::nullopt;
    }
    return std::chrono::milliseconds(*millis);
}

std::optional<RegistrySource> read_postgresql(yaml::MappingReader& fields,
                                              const std::string& base_dir) {
    const auto conninfo = fields.string("postgresql", yaml::Presence::Required);
    auto password = read_secret(fields, base_dir, kRegistryPassword);
    const bool password_ok =
        password || (!fields.has("password_file") && !fields.has("password_env"));
    const auto timeout = read_timeout(fields);
    if (conninfo) {
        if (auto problem = registry::conninfo_problem(*conninfo)) {
            fields.report("postgresql", "InvalidParameter: " + *problem);
            return std::nullopt;
        }
    }
    if (!conninfo || !password_ok || !timeout) return std::nullopt;
    RegistrySource source;
    source.backend = Backend::Postgresql;
    source.location = *conninfo;
    source.password = std::move(password);
    source.timeout = *timeout;
    return source;
}

}  // namespace

std::optional<RegistrySource> read_registry(const yaml::YamlNode& node, const std::string& path,
                                            const std::string& base_dir,
                                            yaml::Diagnostics& diagnostics) {
    yaml::MappingReader fields(node, path, diagnostics);
    if (!fields.valid()) return std::nullopt;
    std::optional<RegistrySource> source;
    const bool sqlite = fields.has("sqlite");
    const bool postgresql = fields.has("postgresql");
    if (sqlite == postgresql) {
        fields.report_here(sqlite ? "InvalidParameter: give only one of sqlite and postgresql"
                                  : "MissingParameter: one of sqlite (a file) or postgresql (a "
                                    "connection string) is required");
    } else if (sqlite) {
        source = read_sqlite(fields, base_dir);
    } else {
        source = read_postgresql(fields, base_dir);
    }
    fields.finish();
    return source;
}

}  // namespace mqauth::config
