// SPDX-License-Identifier: Apache-2.0
#include "broker_user_access.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "io/paths.h"

namespace mqauth::cli {
namespace {

// 0 when `user` can do what `file` needs, else the errno that says why not.
int attempt(const NamedFile& file) {
    if (file.need == NamedFile::Need::WriteDirectory) {
        return ::access(io::directory_of(file.path).c_str(), W_OK | X_OK) == 0 ? 0 : errno;
    }
    // O_NONBLOCK: a FIFO in place of a file must not hang the check.
    const int fd = ::open(file.path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return errno;
    ::close(fd);
    return 0;
}

// In the child: become the user, try every file, write one errno per file to `out`.
[[noreturn]] void attempt_as(const passwd& user, const std::vector<NamedFile>& files, int out) {
    if (::initgroups(user.pw_name, user.pw_gid) != 0 || ::setgid(user.pw_gid) != 0 ||
        ::setuid(user.pw_uid) != 0) {
        ::_exit(2);
    }
    for (const NamedFile& file : files) {
        const int error = attempt(file);
        if (::write(out, &error, sizeof error) != sizeof error) ::_exit(3);
    }
    ::_exit(0);
}

std::vector<int> results_from(int in, std::size_t count) {
    std::vector<int> errors(count, 0);
    for (int& error : errors) {
        if (::read(in, &error, sizeof error) != sizeof error) return {};
    }
    return errors;
}

std::string describe(const NamedFile& file, int error) {
    if (file.need == NamedFile::Need::WriteDirectory) {
        return "cannot write " + io::directory_of(file.path) +
               " (where the registry and its -wal and -shm files go): " + std::strerror(error);
    }
    return "cannot read " + file.path + ": " + std::strerror(error);
}

}  // namespace

AccessCheck check_as_user(const std::string& user_name, const std::string& config_path,
                          const std::vector<NamedFile>& files) {
    AccessCheck check;
    const passwd* user = ::getpwnam(user_name.c_str());
    if (!user) {
        check.error = "no user " + user_name + " on this machine";
        return check;
    }
    std::vector<NamedFile> all{{config_path, {}, "", NamedFile::Need::Read}};
    all.insert(all.end(), files.begin(), files.end());
    int pipe_ends[2];
    if (::pipe2(pipe_ends, O_CLOEXEC) != 0) {
        check.error = std::string("cannot check: ") + std::strerror(errno);
        return check;
    }
    const pid_t child = ::fork();
    if (child == 0) attempt_as(*user, all, pipe_ends[1]);
    ::close(pipe_ends[1]);
    const std::vector<int> errors =
        child > 0 ? results_from(pipe_ends[0], all.size()) : std::vector<int>{};
    ::close(pipe_ends[0]);
    int status = 0;
    if (child > 0) ::waitpid(child, &status, 0);
    if (errors.size() != all.size()) {
        check.error = "cannot check as " + user_name + " (could not become that user)";
        return check;
    }
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (errors[i] == 0) continue;
        const NamedFile* file = i == 0 ? nullptr : &files[i - 1];
        check.problems.push_back({file, describe(all[i], errors[i])});
    }
    return check;
}

}  // namespace mqauth::cli
