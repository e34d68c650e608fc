# SPDX-License-Identifier: Apache-2.0
"""A throw-away PostgreSQL cluster for integration tests that need a real database server.

PostgresCluster initialises a new cluster in its own temporary directory (initdb), starts it on
a free port on 127.0.0.1 with its Unix socket in that directory, creates one database, and on
close() stops it and removes the directory. Tests can stop() and start() it again in between (same
port, same data) to see what the plugin does while its database is away.

    with PostgresCluster() as pg:
        pg.query("create table t (x int)")
        ... point the plugin at pg.conninfo(), giving pg.password separately ...

Uses Debian's `postgresql` package (the server binaries in /usr/lib/postgresql/VERSION/bin) and no
Python package: every statement goes through psql.

Why `postgres`: initdb, pg_ctl and the server refuse to run as root, and the tests often do (in a
container). As root, everything that runs the server or touches its data directory therefore runs
as the `postgres` system user that Debian's package creates (`runuser -u postgres -- ...`), and the
temporary directory is handed to that user. psql is only a client and runs as whoever we are. Not
as root, everything runs as the current user.

The cluster is fast and unsafe on purpose (fsync off, initdb --no-sync): it lives for one test.
"""

import glob
import os
import pwd
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import tempfile
import weakref

from mqauth_harness import HarnessError, free_port, read_text, tail

COMMAND_TIMEOUT = 60.0  # seconds; every initdb, pg_ctl and psql run is killed after this
SERVER_WAIT = 30  # seconds pg_ctl waits for the server to start or stop (-t), below COMMAND_TIMEOUT
CONNECT_TIMEOUT = 5  # seconds, connect_timeout in conninfo() and for psql

DATABASE = "mqauth"
SUPERUSER = "mqauth_test"
SERVER_ACCOUNT = "postgres"  # the system user Debian's postgresql package creates

# Field separator for query(): a control character that no test value contains, so that a value
# with a comma, tab or '|' still comes back as one field.
FIELD_SEPARATOR = "\x1f"

# A first start retries on a fresh port if free_port()'s port was taken in between.
START_ATTEMPTS = 3


class PostgresError(HarnessError):
    """The database fixture failed; an AssertionError (via HarnessError) so unittest reports a
    failure, not an error."""


def postgres_bin_dir():
    """The newest /usr/lib/postgresql/VERSION/bin that has initdb."""
    candidates = []
    for bin_dir in glob.glob("/usr/lib/postgresql/*/bin"):
        version = os.path.basename(os.path.dirname(bin_dir))
        if os.access(os.path.join(bin_dir, "initdb"), os.X_OK) and re.fullmatch(r"\d+(\.\d+)?",
                                                                                  version):
            candidates.append((tuple(int(part) for part in version.split(".")), bin_dir))
    if not candidates:
        raise PostgresError("no PostgreSQL server found (no /usr/lib/postgresql/*/bin/initdb): "
                            "apt-get install postgresql")
    return max(candidates)[1]


def server_account():
    """(uid, gid) of the `postgres` system user."""
    try:
        entry = pwd.getpwnam(SERVER_ACCOUNT)
    except KeyError:
        raise PostgresError(f"running as root but there is no `{SERVER_ACCOUNT}` user to run the "
                            "server as (initdb refuses root): apt-get install postgresql creates "
                            "it") from None
    return entry.pw_uid, entry.pw_gid


def clean_environment(**extra):
    """The environment without PG* variables, so a developer's PGDATABASE, PGOPTIONS, PGSSLMODE
    and the like cannot change what the fixture connects to or how the server starts."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env.update(extra)
    return env


def printable_command(args):
    # query()'s field separator is invisible on a terminal; show it.
    return shlex.join(args).replace(FIELD_SEPARATOR, "\\x1f")


def describe_run(args, returncode, stdout, stderr):
    return (f"{printable_command(args)} exited {returncode}\n"
            f"--- stdout ---\n{tail(stdout)}\n--- stderr ---\n{tail(stderr)}")


def _text(output):
    # TimeoutExpired carries bytes even when the run asked for text.
    if isinstance(output, bytes):
        return output.decode("utf-8", errors="replace")
    return output or ""


def run_command(args, *, env=None, cwd=None, timeout=COMMAND_TIMEOUT):
    """Runs a command to completion; a timeout becomes a PostgresError naming the command and
    what it printed. The caller decides what a non-zero exit status means."""
    try:
        return subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              errors="replace", env=env or clean_environment(), cwd=cwd,
                              timeout=timeout)
    except subprocess.TimeoutExpired as expired:
        raise PostgresError(f"{printable_command(args)} did not finish within {timeout} s\n"
                            f"--- stdout ---\n{tail(_text(expired.stdout))}\n"
                            f"--- stderr ---\n{tail(_text(expired.stderr))}") from None


def as_server_account(args, as_postgres):
    return ["runuser", "-u", SERVER_ACCOUNT, "--", *args] if as_postgres else list(args)


def _postmaster_pid(data_dir):
    try:
        with open(os.path.join(data_dir, "postmaster.pid"), encoding="ascii") as file:
            return int(file.readline())
    except (OSError, ValueError):
        return None


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def shutdown_cluster(pg_ctl, data_dir, workdir, as_postgres):
    """Stops the server however it takes and removes `workdir`; never raises, because it also
    runs at interpreter exit (weakref.finalize). Returns what went wrong, or None.

    A module-level function holding no reference to the PostgresCluster, so that the finalizer
    does not keep the object alive."""
    problems = []
    for mode in ("fast", "immediate"):
        pid = _postmaster_pid(data_dir)
        if pid is None or not _pid_alive(pid):
            break
        args = as_server_account([pg_ctl, "-D", data_dir, "-m", mode, "-w", "-t",
                                  str(SERVER_WAIT), "stop"], as_postgres)
        try:
            result = run_command(args, cwd=workdir)
            if result.returncode != 0:
                problems.append(describe_run(args, result.returncode, result.stdout,
                                             result.stderr))
        except PostgresError as error:
            problems.append(str(error))
    pid = _postmaster_pid(data_dir)
    if pid is not None and _pid_alive(pid):
        # pg_ctl could not stop it: the last resort. Its children exit when they see the
        # postmaster gone.
        problems.append(f"killed postmaster {pid} with SIGKILL")
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    shutil.rmtree(workdir, ignore_errors=True)
    if os.path.exists(workdir):
        problems.append(f"could not remove {workdir}")
    return "\n".join(problems) or None


class PostgresCluster:
    """One PostgreSQL server in its own temporary directory, on 127.0.0.1:port, with one database
    (`database`) and one superuser (`user`, `password`), both reached over TCP with SCRAM.

    start() initialises and starts it (again after stop(): same port, same data); close() stops
    it and removes its directory, and also runs at interpreter exit or when the object is
    garbage-collected, so a failed test never leaves a server behind."""

    def __init__(self, database=DATABASE, user=SUPERUSER):
        self.bin_dir = postgres_bin_dir()
        self.as_postgres = os.geteuid() == 0
        self.database = database
        self.user = user
        self.password = secrets.token_urlsafe(24)
        self.port = None
        self.workdir = None
        self.data_dir = None
        self.log_path = None
        self._finalizer = None
        self._closed = False

    # -- information

    def conninfo(self):
        """A libpq connection string for the database. It holds no password, so that it can
        appear in configs, logs and failure messages; `password` goes separately (PGPASSWORD)."""
        return (f"host=127.0.0.1 port={self.port} dbname={self.database} user={self.user} "
                f"connect_timeout={CONNECT_TIMEOUT}")

    def log_text(self):
        """The server's log (pg_ctl -l), for failure messages."""
        return read_text(self.log_path) if self.log_path else ""

    def describe(self):
        return (f"PostgreSQL from {self.bin_dir} in {self.workdir}, port {self.port}\n"
                f"--- server log (tail) ---\n{tail(self.log_text())}")

    def running(self):
        """Whether the server is up (pg_ctl status: exit 0 running, 3 not running)."""
        if self.data_dir is None or self._closed:
            return False
        status = [self._binary("pg_ctl"), "-D", self.data_dir, "status"]
        return self._server_command(status, check=False).returncode == 0

    # -- commands

    def _binary(self, name):
        return os.path.join(self.bin_dir, name)

    def _server_command(self, args, check=True):
        """Runs a server-side program (initdb, pg_ctl, anything touching the data directory) as
        the account that owns the data directory."""
        full = as_server_account(args, self.as_postgres)
        result = run_command(full, cwd=self.workdir)
        if check and result.returncode != 0:
            raise PostgresError(describe_run(full, result.returncode, result.stdout,
                                             result.stderr) + "\n" + self.describe())
        return result

    def _psql(self, sql, dbname):
        if self.port is None:
            raise PostgresError("the cluster was never started")
        args = [self._binary("psql"), "-X", "-A", "-t", "-q", "-F", FIELD_SEPARATOR,
                "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port),
                "-U", self.user, "-d", dbname, "-c", sql]
        env = clean_environment(PGPASSWORD=self.password, PGCONNECT_TIMEOUT=str(CONNECT_TIMEOUT))
        result = run_command(args, env=env)
        if result.returncode != 0:
            raise PostgresError(f"psql failed on: {sql}\n"
                                + describe_run(args, result.returncode, result.stdout,
                                               result.stderr))
        return result.stdout

    def query(self, sql):
        """Runs `sql` (one statement, or several: then only the last one's rows come back) in
        the database as the superuser; returns its rows as tuples of strings. NULL reads as "",
        a statement without rows gives [], and a value must not contain a newline."""
        output = self._psql(sql, self.database)
        if output.endswith("\n"):
            output = output[:-1]
        if not output:
            return []
        return [tuple(line.split(FIELD_SEPARATOR)) for line in output.split("\n")]

    # -- lifecycle

    def _make_workdir(self):
        self.workdir = tempfile.mkdtemp(prefix="mqauth-pg-")
        self.data_dir = os.path.join(self.workdir, "data")
        self.log_path = os.path.join(self.workdir, "log")
        self._finalizer = weakref.finalize(self, shutdown_cluster, self._binary("pg_ctl"),
                                           self.data_dir, self.workdir, self.as_postgres)
        if self.as_postgres:
            os.chown(self.workdir, *server_account())
            # mkdtemp made it 0700 for us; postgres must also be able to get there.
            if self._server_command(["test", "-w", self.workdir],
                                    check=False).returncode != 0:
                raise PostgresError(
                    f"the {SERVER_ACCOUNT} user cannot reach {self.workdir}: a directory above "
                    "it is not searchable by others; point TMPDIR elsewhere (e.g. TMPDIR=/tmp)")

    def _initdb(self):
        password_file = os.path.join(self.workdir, "superuser-password")
        descriptor = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(self.password + "\n")
        if self.as_postgres:
            os.chown(password_file, *server_account())
        try:
            # --no-locale: the C locale whatever the machine's LANG is, so that sorting and the
            # server's messages are the same everywhere (and an uninstalled locale cannot fail).
            self._server_command([self._binary("initdb"), "-D", self.data_dir,
                                  "-U", self.user, f"--pwfile={password_file}",
                                  "--auth-local=scram-sha-256", "--auth-host=scram-sha-256",
                                  "-E", "UTF8", "--no-locale", "--no-sync",
                                  "--no-instructions"])
        finally:
            os.unlink(password_file)

    def _pg_ctl_start(self):
        # pg_ctl hands -o to a shell, hence the quoting. -k puts the Unix socket (and its lock
        # file) in our directory instead of /var/run/postgresql, which a system cluster may use.
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 "
                   f"-k {shlex.quote(self.workdir)} -c fsync=off")
        return self._server_command([self._binary("pg_ctl"), "-D", self.data_dir,
                                     "-l", self.log_path, "-w", "-t", str(SERVER_WAIT),
                                     "-o", options, "start"], check=False)

    def _first_start(self):
        """Picks a port and starts; a port taken between free_port() and the server's bind is
        retried with another."""
        for _ in range(START_ATTEMPTS):
            self.port = free_port()
            seen = len(self.log_text())
            result = self._pg_ctl_start()
            if result.returncode == 0:
                return
            if "Address already in use" not in self.log_text()[seen:]:
                break
        raise PostgresError("the PostgreSQL server did not start\n"
                            + describe_run(["pg_ctl", "start"], result.returncode, result.stdout,
                                           result.stderr) + "\n" + self.describe())

    def start(self):
        """Initialises and starts the cluster the first time, with the database created;
        afterwards starts it again on the same port with the same data. Does nothing while it
        runs. If the very first start fails, everything is cleaned up before the error."""
        if self._closed:
            raise PostgresError("the cluster was closed; make a new PostgresCluster")
        if self.workdir is None:
            try:
                self._make_workdir()
                self._initdb()
                self._first_start()
                self._psql(f'CREATE DATABASE "{self.database}"', "postgres")
            except BaseException:
                self.close(raise_on_problem=False)
                raise
        elif not self.running():
            seen = len(self.log_text())
            result = self._pg_ctl_start()
            if result.returncode != 0:
                hint = ""
                if "Address already in use" in self.log_text()[seen:]:
                    hint = f" (port {self.port} was taken while it was stopped)"
                raise PostgresError(f"the PostgreSQL server did not start again{hint}\n"
                                    + describe_run(["pg_ctl", "start"], result.returncode,
                                                   result.stdout, result.stderr)
                                    + "\n" + self.describe())
        return self

    def stop(self):
        """Stops the server (fast shutdown: sessions are cut off, nothing is lost) and waits
        until it is gone; the data stays for start(). Does nothing if it is not running."""
        if self.running():
            self._server_command([self._binary("pg_ctl"), "-D", self.data_dir, "-m", "fast",
                                  "-w", "-t", str(SERVER_WAIT), "stop"])

    def close(self, raise_on_problem=True):
        """Stops the server and removes its directory; safe to call again."""
        self._closed = True
        if self._finalizer is None:
            return
        log = self.log_text()
        problem = self._finalizer()  # None on every call after the first
        if problem and raise_on_problem:
            raise PostgresError(f"closing the PostgreSQL cluster in {self.workdir}:\n{problem}\n"
                                f"--- server log (tail) ---\n{tail(log)}")

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, traceback):
        # A problem while closing must not hide the exception that ended the test.
        self.close(raise_on_problem=exc_type is None)
