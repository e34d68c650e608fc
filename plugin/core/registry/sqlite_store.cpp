// SPDX-License-Identifier: Apache-2.0
#include "registry/sqlite_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "io/paths.h"

namespace mqauth::registry {
namespace {

// PRAGMA application_id marks the file as mqauth's ("mqau"), so a foreign SQLite database is
// recognised and never written to. user_version is the schema's version.
constexpr int kApplicationId = 0x6D716175;
constexpr int kSchemaVersion = 1;

// Only the broker (and root) need to read it; it names every device.
constexpr mode_t kRegistryMode = 0640;

// How long a registration waits for another writer (`mqauth devices import`) before it fails:
// the broker's thread is the one waiting.
constexpr int kBusyTimeoutMs = 200;

constexpr const char* kCreateTable =
    "CREATE TABLE mqauth_devices ("
    " device_sn TEXT NOT NULL, issuer TEXT NOT NULL, fingerprint TEXT NOT NULL,"
    " ca_sn TEXT NOT NULL, ca_name TEXT NOT NULL, common_name TEXT NOT NULL,"
    " not_before TEXT NOT NULL, not_after TEXT NOT NULL, first_seen TEXT NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN ('ACTIVE', 'INACTIVE', 'REVOKED')),"
    " PRIMARY KEY (device_sn, issuer))";

constexpr const char* kColumns =
    "device_sn, issuer, fingerprint, ca_sn, ca_name, common_name, not_before, not_after, "
    "first_seen, status";

const std::string kFind =
    std::string("SELECT ") + kColumns + " FROM mqauth_devices WHERE device_sn = ?1 AND issuer = ?2";
const std::string kEach = std::string("SELECT ") + kColumns + " FROM mqauth_devices ORDER BY rowid";
constexpr const char* kRemove = "DELETE FROM mqauth_devices WHERE device_sn = ?1 AND issuer = ?2";
// An imported record (no fingerprint) takes the first certificate's; any other conflict keeps
// the record that was there.
const std::string kInsert = std::string("INSERT INTO mqauth_devices (") + kColumns +
                            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
                            " ON CONFLICT (device_sn, issuer) DO UPDATE SET fingerprint ="
                            " excluded.fingerprint WHERE mqauth_devices.fingerprint = ''";
// An import never changes a record that is there.
const std::string kImport = std::string("INSERT INTO mqauth_devices (") + kColumns +
                            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
                            " ON CONFLICT (device_sn, issuer) DO NOTHING";

std::string errno_text() {
    return std::strerror(errno);
}

// Creates the empty file with the registry's mode (umask aside) and makes its name durable, so
// SQLite opens (and never creates) it.
std::optional<std::string> create_empty_file(const std::string& path) {
    const int fd =
        ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, kRegistryMode);
    if (fd < 0) return "cannot create it: " + errno_text();
    const bool written = ::fchmod(fd, kRegistryMode) == 0 && ::fsync(fd) == 0;
    const std::string error = written ? "" : errno_text();
    ::close(fd);
    if (!written) return "cannot create it: " + error;
    const int dir = ::open(io::directory_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return "cannot open its directory: " + errno_text();
    const bool synced = ::fsync(dir) == 0;
    ::close(dir);
    if (!synced) return "cannot sync its directory: " + errno_text();
    return std::nullopt;
}

class Statement {
   public:
    Statement(sqlite3* database, const char* sql) {
        if (sqlite3_prepare_v2(database, sql, -1, &statement_, nullptr) != SQLITE_OK) {
            statement_ = nullptr;
        }
    }
    ~Statement() { sqlite3_finalize(statement_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    sqlite3_stmt* get() const { return statement_; }
    // The first column of the first row as an integer; nullopt on any error.
    std::optional<long long> integer() {
        if (!statement_ || sqlite3_step(statement_) != SQLITE_ROW) return std::nullopt;
        return sqlite3_column_int64(statement_, 0);
    }

   private:
    sqlite3_stmt* statement_ = nullptr;
};

std::optional<long long> query_integer(sqlite3* database, const char* sql) {
    return Statement(database, sql).integer();
}

bool execute(sqlite3* database, const char* sql) {
    return sqlite3_exec(database, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
}

std::string column_text(sqlite3_stmt* statement, int column) {
    const unsigned char* text = sqlite3_column_text(statement, column);
    return text ? reinterpret_cast<const char*>(text) : "";
}

DeviceRecord read_row(sqlite3_stmt* statement) {
    DeviceRecord record;
    record.key = {column_text(statement, 0), column_text(statement, 1)};
    record.fingerprint = column_text(statement, 2);
    record.ca_sn = column_text(statement, 3);
    record.ca_name = column_text(statement, 4);
    record.common_name = column_text(statement, 5);
    record.not_before = column_text(statement, 6);
    record.not_after = column_text(statement, 7);
    record.first_seen = column_text(statement, 8);
    // The CHECK constraint keeps anything else out of the column.
    record.status = status_named(column_text(statement, 9)).value_or(DeviceStatus::Revoked);
    return record;
}

void bind_text(sqlite3_stmt* statement, int index, const std::string& text) {
    sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
}

// Resets a statement however its step ended, so the next use starts clean and no read
// transaction stays open.
struct ResetOnExit {
    sqlite3_stmt* statement;
    ~ResetOnExit() {
        sqlite3_reset(statement);
        sqlite3_clear_bindings(statement);
    }
};

// Whether the file is an mqauth registry, making it one if it is a new, empty database.
std::optional<std::string> claim_schema(sqlite3* database, Access access) {
    const auto application = query_integer(database, "PRAGMA application_id");
    const auto version = query_integer(database, "PRAGMA user_version");
    const auto tables = query_integer(database, "SELECT count(*) FROM sqlite_master");
    if (!application || !version || !tables) {
        return std::string("not a readable SQLite database (") + sqlite3_errmsg(database) + ")";
    }
    if (*application == kApplicationId) {
        if (*version > kSchemaVersion) {
            return "written by a newer mqauth (schema version " + std::to_string(*version) + ")";
        }
        return std::nullopt;
    }
    if (*application != 0 || *version != 0 || *tables != 0) {
        return "an SQLite database that is not an mqauth device registry";
    }
    if (access == Access::ReadOnly) return std::nullopt;  // empty: nothing registered yet
    const std::string create = std::string("BEGIN IMMEDIATE; ") + kCreateTable +
                               "; PRAGMA application_id = " + std::to_string(kApplicationId) +
                               "; PRAGMA user_version = " + std::to_string(kSchemaVersion) +
                               "; COMMIT";
    if (!execute(database, create.c_str())) {
        std::string error =
            std::string("cannot create the registry table: ") + sqlite3_errmsg(database);
        execute(database, "ROLLBACK");
        return error;
    }
    return std::nullopt;
}

// WAL with synchronous=FULL: a commit returns once its WAL frames are fsynced, so a registration
// the broker acknowledged survives kill -9 and power loss
// (sqlite.org/pragma.html#pragma_synchronous). SQLite also fsyncs the directory when it creates the
// WAL file (os_unix.c: UNIXFILE_DIRSYNC).
std::optional<std::string> make_durable(sqlite3* database) {
    Statement journal(database, "PRAGMA journal_mode = WAL");
    if (!journal.get() || sqlite3_step(journal.get()) != SQLITE_ROW ||
        column_text(journal.get(), 0) != "wal") {
        return std::string("cannot switch to write-ahead logging: ") + sqlite3_errmsg(database);
    }
    if (!execute(database, "PRAGMA synchronous = FULL")) {
        return std::string("cannot set synchronous=FULL: ") + sqlite3_errmsg(database);
    }
    return std::nullopt;
}

}  // namespace

SqliteOpening SqliteStore::open(const std::string& path, Access access) {
    SqliteOpening opening;
    const auto fail = [&](const std::string& why) {
        opening.error = path + ": " + why + "; it was left as it is";
        return std::move(opening);
    };
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0) {
        if (errno != ENOENT) return fail("cannot read it: " + errno_text());
        if (::lstat(path.c_str(), &status) == 0) {
            return fail(
                "a symbolic link to a file that does not exist; name a file that "
                "exists, or a path in an existing directory where mqauth creates it");
        }
        if (access == Access::ReadOnly) {
            opening.missing = true;
            opening.error = path + ": no device registry yet (no device has connected)";
            return opening;
        }
        if (auto error = create_empty_file(path)) {
            opening.error = path + ": " + *error;
            return opening;
        }
    } else if (!S_ISREG(status.st_mode)) {
        return fail("not a regular file");
    }
    const int flags = (access == Access::ReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
                      SQLITE_OPEN_NOMUTEX;  // one thread at a time uses a store
    sqlite3* database = nullptr;
    if (sqlite3_open_v2(path.c_str(), &database, flags, nullptr) != SQLITE_OK) {
        std::string error = database ? sqlite3_errmsg(database) : "out of memory";
        sqlite3_close(database);
        return fail("cannot open it: " + error);
    }
    std::unique_ptr<SqliteStore> store(new SqliteStore(path, database));
    sqlite3_busy_timeout(database, kBusyTimeoutMs);
    if (auto error = claim_schema(database, access)) return fail(*error);
    if (access == Access::ReadWrite) {
        if (auto error = make_durable(database)) return fail(*error);
    }
    if (auto error = store->prepare()) return fail(*error);
    if (::stat(path.c_str(), &status) == 0) {
        store->device_ = status.st_dev;
        store->inode_ = status.st_ino;
    }
    opening.store = std::move(store);
    return opening;
}

SqliteStore::SqliteStore(std::string path, sqlite3* database)
    : path_(std::move(path)), database_(database) {}

SqliteStore::~SqliteStore() {
    sqlite3_finalize(find_);
    sqlite3_finalize(insert_);
    sqlite3_finalize(import_);
    sqlite3_close(database_);
}

std::optional<std::string> SqliteStore::prepare() {
    // A read-only store of a file nobody initialised yet has no table: it lists nothing.
    if (query_integer(database_, "SELECT count(*) FROM sqlite_master") == 0) return std::nullopt;
    if (sqlite3_prepare_v2(database_, kFind.c_str(), -1, &find_, nullptr) != SQLITE_OK ||
        sqlite3_prepare_v2(database_, kInsert.c_str(), -1, &insert_, nullptr) != SQLITE_OK ||
        sqlite3_prepare_v2(database_, kImport.c_str(), -1, &import_, nullptr) != SQLITE_OK) {
        return std::string("not the registry table mqauth expects: ") + sqlite3_errmsg(database_);
    }
    return std::nullopt;
}

StoreError SqliteStore::failure(const std::string& doing) const {
    return {StoreFailure::Failed, doing + ": " + sqlite3_errmsg(database_)};
}

// SQLite keeps a database's write-ahead log beside its path, not with the file: a file renamed
// over the open one would be read (and checkpointed) with the old file's log, mixing the two
// (sqlite.org/howtocorrupt.html, 2.4). So the broker writes nothing more and opens nothing new
// there until it restarts.
StoreError SqliteStore::replaced() const {
    return {StoreFailure::Failed,
            "the file was replaced or removed on disk while the broker had it open; nothing is "
            "written to it until the broker restarts (to restore a backup, stop the broker, "
            "replace the file and remove its -wal and -shm files, then start it)"};
}

StoreAnswer SqliteStore::find(const DeviceKey& key) {
    StoreAnswer answer;
    if (!find_) return answer;
    ResetOnExit reset{find_};
    bind_text(find_, 1, key.device_sn);
    bind_text(find_, 2, key.issuer);
    const int step = sqlite3_step(find_);
    if (step == SQLITE_ROW) {
        answer.record = read_row(find_);
    } else if (step != SQLITE_DONE) {
        answer.error = failure("cannot read it");
    }
    return answer;
}

bool SqliteStore::insert_one(sqlite3_stmt* statement, const DeviceRecord& record) {
    ResetOnExit reset{statement};
    const std::string status(status_name(record.status));
    const std::string* values[] = {&record.key.device_sn, &record.key.issuer,
                                   &record.fingerprint,   &record.ca_sn,
                                   &record.ca_name,       &record.common_name,
                                   &record.not_before,    &record.not_after,
                                   &record.first_seen,    &status};
    for (int i = 0; i < 10; ++i) bind_text(statement, i + 1, *values[i]);
    return sqlite3_step(statement) == SQLITE_DONE;
}

StoreAnswer SqliteStore::insert(const DeviceRecord& record) {
    if (!still_current()) return {std::nullopt, replaced()};
    if (!insert_ || !insert_one(insert_, record)) return {std::nullopt, failure("cannot write it")};
    StoreAnswer stored = find(record.key);
    if (!stored.record && !stored.error) stored.error = failure("the new record is not there");
    return stored;
}

std::optional<StoreError> SqliteStore::remove(const DeviceKey& key, bool& removed) {
    removed = false;
    if (!still_current()) return replaced();
    if (!find_) return std::nullopt;  // no table: nothing was ever registered
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(database_, kRemove, -1, &statement, nullptr) != SQLITE_OK) {
        return failure("cannot delete from it");
    }
    bind_text(statement, 1, key.device_sn);
    bind_text(statement, 2, key.issuer);
    const int step = sqlite3_step(statement);
    sqlite3_finalize(statement);
    if (step != SQLITE_DONE) return failure("cannot delete from it");
    removed = sqlite3_changes(database_) > 0;
    return std::nullopt;
}

std::optional<StoreError> SqliteStore::import(const std::vector<DeviceRecord>& records,
                                              std::size_t& added) {
    added = 0;
    if (!import_) return failure("cannot write it (opened read-only)");
    if (!execute(database_, "BEGIN IMMEDIATE")) return failure("cannot start a transaction");
    for (const DeviceRecord& record : records) {
        if (!insert_one(import_, record)) {
            StoreError error = failure("cannot write it");
            execute(database_, "ROLLBACK");
            added = 0;
            return error;
        }
        added += static_cast<std::size_t>(sqlite3_changes(database_));
    }
    if (!execute(database_, "COMMIT")) {
        StoreError error = failure("cannot commit");
        execute(database_, "ROLLBACK");
        added = 0;
        return error;
    }
    return std::nullopt;
}

std::optional<StoreError> SqliteStore::each(const std::function<void(const DeviceRecord&)>& visit) {
    if (!find_) return std::nullopt;  // no table yet: nothing registered
    Statement all(database_, kEach.c_str());
    if (!all.get()) return failure("cannot read it");
    int step;
    while ((step = sqlite3_step(all.get())) == SQLITE_ROW) visit(read_row(all.get()));
    if (step != SQLITE_DONE) return failure("cannot read it");
    return std::nullopt;
}

bool SqliteStore::still_current() const {
    struct stat status {};
    return ::stat(path_.c_str(), &status) == 0 && status.st_dev == device_ &&
           status.st_ino == inode_;
}

}  // namespace mqauth::registry
