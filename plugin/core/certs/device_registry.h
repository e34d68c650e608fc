#pragma once
// The device registry: every certificate registered on its first valid connect, kept in memory
// and in `registry_file`. The plugin is that file's only writer; each registration rewrites it
// durably before the device is admitted, so no registration a client saw acknowledged is lost.
#include <sys/stat.h>

#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "certs/registry_entry.h"

namespace mqauth::certs {

class DeviceRegistry;

struct RegistryOpening {
    std::unique_ptr<DeviceRegistry> registry;  // set on success
    std::vector<std::string> errors;           // "FILE:LINE:COL: path: message" lines
};

class DeviceRegistry {
   public:
    // A missing file is an empty registry (created at the first registration); an unreadable or
    // corrupt one is an error, never treated as empty.
    static RegistryOpening open(const std::string& path);

    const std::string& path() const { return path_; }
    const RegistryEntry* find(const DeviceKey& key) const;
    std::optional<DeviceStatus> status_of(const DeviceKey& key) const;

    // Adds the entry and makes the file durable before returning. On failure the registry, in
    // memory and on disk, is unchanged and the reason is returned. A file that changed on disk
    // since mqauth last read or wrote it (someone else wrote it: a corrupt file a reload just
    // refused, say) is never overwritten: the registration fails until it is fixed.
    std::optional<std::string> add(RegistryEntry entry);

    // Whether the file is as mqauth last read or wrote it (or gone): nobody else wrote it.
    bool file_unchanged() const;

    // In registration order.
    const std::vector<const RegistryEntry*>& entries() const { return order_; }
    std::size_t size() const { return order_.size(); }

   private:
    // What the file looked like when mqauth last read or wrote it.
    struct FileStamp {
        bool exists = false;
        dev_t device = 0;
        ino_t inode = 0;
        off_t size = 0;
        timespec modified{};
    };

    explicit DeviceRegistry(std::string path) : path_(std::move(path)) {}
    void insert(RegistryEntry entry);
    static FileStamp stamp_of(const std::string& path);
    static bool same_file(const FileStamp& a, const FileStamp& b);

    std::string path_;
    FileStamp stamp_;
    std::unordered_map<DeviceKey, std::unique_ptr<RegistryEntry>, DeviceKeyHash> entries_;
    std::vector<const RegistryEntry*> order_;
};

}  // namespace mqauth::certs
