#include "certs/device_registry.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "certs/durable_file.h"
#include "certs/registry_format.h"

namespace mqauth::certs {
namespace {

// Only the broker (and root) need to read it; it names every device.
constexpr mode_t kRegistryMode = 0640;

}  // namespace

RegistryOpening DeviceRegistry::open(const std::string& path) {
    RegistryOpening opening;
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0 && errno == ENOENT) {
        opening.registry.reset(new DeviceRegistry(path));
        return opening;
    }
    const FileStamp stamp = stamp_of(path);
    std::ifstream in(path, std::ios::binary);
    if (!in || !S_ISREG(status.st_mode)) {
        opening.errors.push_back(
            path + ": cannot read the device registry" +
            (in ? ": not a regular file" : ": " + std::string(std::strerror(errno))));
        return opening;
    }
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    RegistryParse parsed = parse_registry(text);
    if (!parsed.errors.empty()) {
        for (const config::Diagnostic& error : parsed.errors) {
            opening.errors.push_back(config::format_diagnostic(path, error) +
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
