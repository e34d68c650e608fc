// SPDX-License-Identifier: Apache-2.0
#include "registry/postgresql_store.h"

#include <algorithm>

namespace mqauth::registry {
namespace {

// `id` keeps registration order for listings; (device_sn, issuer) is the device.
constexpr const char* kCreateTable =
    "CREATE TABLE IF NOT EXISTS mqauth_devices ("
    " id bigint GENERATED ALWAYS AS IDENTITY,"
    " device_sn text NOT NULL, issuer text NOT NULL, fingerprint text NOT NULL,"
    " ca_sn text NOT NULL, ca_name text NOT NULL, common_name text NOT NULL,"
    " not_before text NOT NULL, not_after text NOT NULL, first_seen text NOT NULL,"
    " status text NOT NULL CHECK (status IN ('ACTIVE', 'INACTIVE', 'REVOKED')),"
    " PRIMARY KEY (device_sn, issuer))";

constexpr const char* kColumns =
    "device_sn, issuer, fingerprint, ca_sn, ca_name, common_name, not_before, not_after, "
    "first_seen, status";
constexpr std::size_t kColumnCount = 10;

const std::string kFind =
    std::string("SELECT ") + kColumns + " FROM mqauth_devices WHERE device_sn = $1 AND issuer = $2";
const std::string kEach = std::string("SELECT ") + kColumns + " FROM mqauth_devices ORDER BY id";
constexpr const char* kRemove =
    "DELETE FROM mqauth_devices WHERE device_sn = $1 AND issuer = $2 RETURNING 1";
// Every broker of the fleet may register the same device at once: the first insert wins, the
// others find its record. An imported record (no fingerprint) takes the first certificate's.
const std::string kInsert = std::string("INSERT INTO mqauth_devices (") + kColumns +
                            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
                            " ON CONFLICT (device_sn, issuer) DO UPDATE SET fingerprint ="
                            " EXCLUDED.fingerprint WHERE mqauth_devices.fingerprint = ''"
                            " RETURNING " +
                            kColumns;

// An import sends this many records per statement (10 parameters each; PostgreSQL takes up to
// 65535 per statement), inside one transaction.
constexpr std::size_t kImportBatch = 1000;
// The CLI imports; nobody waits on its thread.
constexpr std::chrono::milliseconds kImportTimeout{60000};

constexpr std::chrono::milliseconds kFirstBackOff{1000};
constexpr std::chrono::milliseconds kLongestBackOff{10000};

std::vector<std::string> values_of(const DeviceRecord& record) {
    return {record.key.device_sn, record.key.issuer,
            record.fingerprint,   record.ca_sn,
            record.ca_name,       record.common_name,
            record.not_before,    record.not_after,
            record.first_seen,    std::string(status_name(record.status))};
}

DeviceRecord record_of(const std::vector<std::string>& row) {
    DeviceRecord record;
    record.key = {row[0], row[1]};
    record.fingerprint = row[2];
    record.ca_sn = row[3];
    record.ca_name = row[4];
    record.common_name = row[5];
    record.not_before = row[6];
    record.not_after = row[7];
    record.first_seen = row[8];
    // The CHECK constraint keeps anything else out of the column.
    record.status = status_named(row[9]).value_or(DeviceStatus::Revoked);
    return record;
}

std::string import_statement(std::size_t records) {
    std::string sql = std::string("INSERT INTO mqauth_devices (") + kColumns + ") VALUES ";
    for (std::size_t i = 0; i < records; ++i) {
        sql += i ? ", (" : "(";
        for (std::size_t column = 0; column < kColumnCount; ++column) {
            sql += (column ? ", $" : "$") + std::to_string(i * kColumnCount + column + 1);
        }
        sql += ")";
    }
    return sql + " ON CONFLICT (device_sn, issuer) DO NOTHING RETURNING 1";
}

}  // namespace

PostgresqlStore::PostgresqlStore(const RegistrySource& source)
    : connection_(source.location, source.password, kCreateTable), timeout_(source.timeout) {}

QueryRows PostgresqlStore::run(const std::string& sql, const std::vector<std::string>& parameters,
                               std::chrono::milliseconds timeout) {
    const Clock::time_point now = Clock::now();
    if (now < retry_at_) {
        return failed_query(StoreError{StoreFailure::Unavailable, last_failure_});
    }
    QueryRows rows = connection_.run(sql, parameters, now + timeout);
    if (rows.error && rows.error->kind == StoreFailure::Unavailable) {
        back_off_ = std::min(back_off_.count() ? back_off_ * 2 : kFirstBackOff, kLongestBackOff);
        retry_at_ = Clock::now() + back_off_;
        last_failure_ = rows.error->message;
    } else {
        back_off_ = std::chrono::milliseconds{0};
        retry_at_ = {};
    }
    return rows;
}

StoreAnswer PostgresqlStore::first_record(QueryRows rows) {
    StoreAnswer answer;
    if (rows.error) {
        answer.error = std::move(rows.error);
    } else if (!rows.rows.empty() && rows.rows.front().size() == kColumnCount) {
        answer.record = record_of(rows.rows.front());
    }
    return answer;
}

StoreAnswer PostgresqlStore::find(const DeviceKey& key) {
    return first_record(run(kFind, {key.device_sn, key.issuer}, timeout_));
}

StoreAnswer PostgresqlStore::insert(const DeviceRecord& record) {
    StoreAnswer inserted = first_record(run(kInsert, values_of(record), timeout_));
    if (inserted.record || inserted.error) return inserted;
    // The key was taken (by another broker) and nothing changed: read the record that won.
    StoreAnswer existing = find(record.key);
    if (!existing.record && !existing.error) {
        existing.error = StoreError{StoreFailure::Failed, "the record is neither new nor there"};
    }
    return existing;
}

std::optional<StoreError> PostgresqlStore::import(const std::vector<DeviceRecord>& records,
                                                  std::size_t& added) {
    added = 0;
    if (auto begun = run("BEGIN", {}, kImportTimeout).error) return begun;
    for (std::size_t first = 0; first < records.size(); first += kImportBatch) {
        const std::size_t count = std::min(kImportBatch, records.size() - first);
        std::vector<std::string> parameters;
        parameters.reserve(count * kColumnCount);
        for (std::size_t i = first; i < first + count; ++i) {
            for (std::string& value : values_of(records[i])) parameters.push_back(std::move(value));
        }
        QueryRows batch = run(import_statement(count), parameters, kImportTimeout);
        if (batch.error) {
            run("ROLLBACK", {}, kImportTimeout);
            added = 0;
            return batch.error;
        }
        added += batch.rows.size();
    }
    if (auto committed = run("COMMIT", {}, kImportTimeout).error) {
        added = 0;
        return committed;
    }
    return std::nullopt;
}

std::optional<StoreError> PostgresqlStore::remove(const DeviceKey& key, bool& removed) {
    QueryRows deleted = run(kRemove, {key.device_sn, key.issuer}, timeout_);
    removed = !deleted.error && !deleted.rows.empty();
    return deleted.error;
}

std::optional<StoreError> PostgresqlStore::each(
    const std::function<void(const DeviceRecord&)>& visit) {
    QueryRows all = run(kEach, {}, kImportTimeout);
    if (all.error) return all.error;
    for (const auto& row : all.rows) {
        if (row.size() == kColumnCount) visit(record_of(row));
    }
    return std::nullopt;
}

}  // namespace mqauth::registry
