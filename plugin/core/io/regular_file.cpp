// SPDX-License-Identifier: Apache-2.0
#include "io/regular_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mqauth::io {
namespace {

class FileDescriptor {
   public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }

   private:
    int fd_;
};

FileRead failed(FileProblem problem, std::string error) {
    FileRead result;
    result.problem = problem;
    result.error = std::move(error);
    return result;
}

std::string size_limit_text(std::size_t max_bytes) {
    return max_bytes >= (1u << 20) ? std::to_string(max_bytes >> 20) + " MiB"
                                   : std::to_string(max_bytes) + " bytes";
}

}  // namespace

FileRead read_regular_file(const std::string& path, std::size_t max_bytes) {
    // O_NONBLOCK: opening a FIFO would otherwise wait for a writer, forever, and the broker's
    // start-up (or a reload) with it. Only a regular file is read: a directory, a FIFO or a
    // device is refused before a byte is read.
    const FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (fd.get() < 0) {
        const int saved = errno;
        FileRead result = failed(FileProblem::CannotOpen, std::strerror(saved));
        result.missing = saved == ENOENT;
        return result;
    }
    struct stat status {};
    if (::fstat(fd.get(), &status) != 0) {
        return failed(FileProblem::CannotRead, std::strerror(errno));
    }
    if (!S_ISREG(status.st_mode)) {
        return failed(FileProblem::NotRegular,
                      S_ISDIR(status.st_mode) ? "a directory, not a file" : "not a regular file");
    }
    if (static_cast<unsigned long long>(status.st_size) > max_bytes) {
        return failed(FileProblem::TooLarge, "larger than " + size_limit_text(max_bytes));
    }
    std::string text(static_cast<std::size_t>(status.st_size), '\0');
    std::size_t filled = 0;
    while (filled < text.size()) {
        const ssize_t got = ::read(fd.get(), text.data() + filled, text.size() - filled);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return failed(FileProblem::CannotRead, std::strerror(errno));
        if (got == 0) break;  // the file shrank while it was read
        filled += static_cast<std::size_t>(got);
    }
    text.resize(filled);
    FileRead result;
    result.text = std::move(text);
    return result;
}

}  // namespace mqauth::io
