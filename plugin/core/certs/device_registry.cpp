#include "certs/device_registry.h"

#include <sys/stat.h>

#include "certs/durable_file.h"
#include "certs/registry_format.h"
#include "io/regular_file.h"

namespace mqauth::certs {
namespace {

// Only the broker (and root) need to read it; it names every device.
constexpr mode_t kRegistryMode = 0640;

}  // namespace

RegistryOpening DeviceRegistry::open(const std::string& path) {
    RegistryOpening opening;
    // Every registration replaces the file (a temporary file renamed over it), which would turn
    // a symbolic link into a regular file and leave its target behind, stale.
    if (struct stat link; lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
        opening.errors.push_back(path +
                                 ": the device registry is a symbolic link; mqauth replaces the "
                                 "file on every registration: set registry_file to the link's "
                                 "target instead");
        return opening;
    }
    const FileStamp stamp = stamp_of(path);
    io::FileRead file = io::read_regular_file(path, io::kMaxConfigBytes);
    if (!file.text) {
        if (file.missing) {
            opening.registry.reset(new DeviceRegistry(path));
        } else {
            opening.errors.push_back(path + ": cannot read the device registry: " + file.error);
        }
        return opening;
    }
    RegistryParse parsed = parse_registry(*file.text);
    if (!parsed.errors.empty()) {
        for (const yaml::Diagnostic& error : parsed.errors) {
            opening.errors.push_back(yaml::format_diagnostic(path, error) +
                                     " (corrupt device registry; it was left as it is)");
        }
        return opening;
    }
    opening.registry.reset(new DeviceRegistry(path));
    opening.registry->stamp_ = stamp;
    for (RegistryEntry& entry : parsed.entries) opening.registry->insert(std::move(entry));
    return opening;
}

const RegistryEntry* DeviceRegistry::find(const DeviceKey& key) const {
    const auto found = entries_.find(key);
    return found == entries_.end() ? nullptr : found->second.get();
}

std::optional<DeviceStatus> DeviceRegistry::status_of(const DeviceKey& key) const {
    const RegistryEntry* entry = find(key);
    if (!entry) return std::nullopt;
    return entry->status;
}

std::optional<std::string> DeviceRegistry::add(RegistryEntry entry) {
    if (find(entry.key)) return std::nullopt;
    if (!file_unchanged()) {
        return "cannot register device " + entry.key.device_sn + ": " + path_ +
               " changed on disk since mqauth last read it; it is not overwritten (fix it, "
               "then reload)";
    }
    std::vector<const RegistryEntry*> next = order_;
    next.push_back(&entry);
    if (auto error = replace_file_durably(path_, format_registry(next), kRegistryMode)) {
        return "cannot register device " + entry.key.device_sn + ": " + *error;
    }
    insert(std::move(entry));
    stamp_ = stamp_of(path_);
    return std::nullopt;
}

bool DeviceRegistry::file_unchanged() const {
    const FileStamp now = stamp_of(path_);
    return !now.exists || same_file(now, stamp_);
}

DeviceRegistry::FileStamp DeviceRegistry::stamp_of(const std::string& path) {
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0) return {};
    return {true, status.st_dev, status.st_ino, status.st_size, status.st_mtim};
}

bool DeviceRegistry::same_file(const FileStamp& a, const FileStamp& b) {
    return a.exists == b.exists && a.device == b.device && a.inode == b.inode && a.size == b.size &&
           a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec;
}

void DeviceRegistry::insert(RegistryEntry entry) {
    auto owned = std::make_unique<RegistryEntry>(std::move(entry));
    order_.push_back(owned.get());
    DeviceKey key = owned->key;
    entries_.emplace(std::move(key), std::move(owned));
}

}  // namespace mqauth::certs
