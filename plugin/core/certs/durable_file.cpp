// SPDX-License-Identifier: Apache-2.0
#include "certs/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "io/paths.h"

namespace mqauth::certs {
namespace {

std::string failure(const std::string& what, const std::string& path) {
    return what + " " + path + ": " + std::strerror(errno);
}

bool write_all(int fd, std::string_view content) {
    while (!content.empty()) {
        const ssize_t written = ::write(fd, content.data(), content.size());
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) return false;
        content.remove_prefix(static_cast<std::size_t>(written));
    }
    return true;
}

// The rename is only durable once the directory entry is: fsync the directory too.
std::optional<std::string> sync_directory(const std::string& directory) {
    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return failure("cannot open directory", directory);
    const bool synced = ::fsync(fd) == 0;
    const std::optional<std::string> error =
        synced ? std::nullopt : std::optional<std::string>(failure("cannot fsync", directory));
    ::close(fd);
    return error;
}

}  // namespace

std::optional<std::string> replace_file_durably(const std::string& path, std::string_view content,
                                                mode_t mode, std::optional<FileOwner> owner) {
    std::string temp_name = path + ".tmp." + std::string(6, 'X');  // mkostemp fills these in
    std::vector<char> name_buffer(temp_name.begin(), temp_name.end());
    name_buffer.push_back('\0');
    const int fd = ::mkostemp(name_buffer.data(), O_CLOEXEC);
    if (fd < 0) return failure("cannot create a temporary file beside", path);
    temp_name = name_buffer.data();

    std::optional<std::string> error;
    if (::fchmod(fd, mode) != 0) {
        error = failure("cannot set the mode of", temp_name);
    } else if (owner && ::fchown(fd, owner->uid, owner->gid) != 0) {
        error = failure("cannot give its owner to", temp_name);
    } else if (!write_all(fd, content)) {
        error = failure("cannot write", temp_name);
    } else if (::fsync(fd) != 0) {
        error = failure("cannot fsync", temp_name);
    }
    if (::close(fd) != 0 && !error) error = failure("cannot close", temp_name);
    if (!error && ::rename(temp_name.c_str(), path.c_str()) != 0) {
        error = failure("cannot rename into", path);
    }
    if (error) {
        ::unlink(temp_name.c_str());
        return error;
    }
    return sync_directory(io::directory_of(path));
}

}  // namespace mqauth::certs
