# SPDX-License-Identifier: Apache-2.0
"""Broken configs (issue 9, SPEC "mosquitto.conf" reload rules and `mqauth check`): files that are
empty, whitespace only, binary, huge, deeply nested, indented with tabs, with duplicate keys, with
an enum in the wrong case, a directory, unreadable, a FIFO.

Each broken file is tried three ways, one test class each:
- `mqauth check FILE` exits 1, naming FILE:LINE: where a line makes sense, and neither crashes
  (an exit by signal) nor hangs (a timeout);
- a broker started with it exits non-zero, its log giving the same message;
- a SIGHUP that meets it keeps the running policy: a client with the old credentials connects.
"""

import os
import pwd
import random
import re
import shutil
import signal
import subprocess
import tempfile
import unittest
from dataclasses import dataclass
from typing import Callable, Optional

from mqauth_harness import (
    Broker,
    BrokerTestCase,
    HarnessError,
    fail_on_sanitizer_report,
    position_of,
    required_path,
    sasl_hash,
    unique_client_id,
)
from tls_material import TlsMaterial

CHECK_TIMEOUT = 20.0  # seconds; any broken file of ordinary size is judged in milliseconds
FIFO_TIMEOUT = 10.0  # a loader that waits for a FIFO's writer waits forever
# The 50 MB file takes about 15 s to load on a 2-core machine, longer with the sanitizers.
HUGE_TIMEOUT = 180.0
HUGE_BYTES = 50 * 1024 * 1024
MAX_CONFIG_BYTES = 512 * 1024 * 1024  # plugin/core/config/loader.h kMaxConfigBytes
NESTING = 10_000

NOBODY_UID = NOBODY_GID = 65534
RUNNING_AS_ROOT = os.getuid() == 0

USER_SECRET = "bad-configs-user-secret-5e1a"
CLIENT_SECRET = "bad-configs-client-secret-0c7b"
CLIENT_ID = "GID_bad@@@bound-1"
SCRAM_PASSWORD = "bad-configs-scram-pw-93d2"

# Every enum of the config, with its right spelling in BASE_TEMPLATE.
ENUM_DEFAULTS = {
    "anonymous": "deny",
    "identity_type": "USER",
    "client_identity_type": "CLIENT",
    "sign_mode": "ORIGIN",
    "client_sign_mode": "SIGNED",
    "no_match": "DENY",
    "rule_identity_type": "USER",
    "permit_action": "PUB_SUB",
    "effect": "ALLOW",
    "sasl_type": "scram",
    "mechanism": "SCRAM-SHA-256",
    "ca_status": "ACTIVE",
    "bind_client_id_to_cn": "false",
    "device_status": "INACTIVE",
    "throttling_enabled": "false",
}

# A valid config that uses every section, each enum a placeholder.
BASE_TEMPLATE = """\
version: 1
anonymous: {anonymous}
identities:
  - username: bc-user
    identity_type: {identity_type}
    secret: "{user_secret}"
    sign_mode: {sign_mode}
  - username: bc-client
    identity_type: {client_identity_type}
    client_id: "{client_id}"
    secret: "{client_secret}"
    sign_mode: {client_sign_mode}
permissions:
  no_match: {no_match}
  rules:
    - identity_type: {rule_identity_type}
      identity: bc-user
      topic: "t/#"
      permit_action: {permit_action}
      effect: {effect}
sasl_users:
  - username: bc-scram
    type: {sasl_type}
    mechanism: {mechanism}
    credentials: "{credentials}"
ca_certificates:
  - ca_name: bc-ca
    file: ca.pem
    status: {ca_status}
device_certificates:
  registry:
    sqlite: registry.db
  bind_client_id_to_cn: {bind_client_id_to_cn}
  states:
    - device_sn: "1A2B3C"
      ca_sn: "{ca_serial}"
      status: {device_status}
throttling:
  enabled: {throttling_enabled}
"""

# Each enum in the wrong case: (placeholder, wrong spelling, the error's key path).
WRONG_CASE_ENUMS = [
    ("anonymous", "Deny", "anonymous"),
    ("anonymous", "DENY", "anonymous"),
    ("identity_type", "user", "identities[0].identity_type"),
    ("client_identity_type", "Client", "identities[1].identity_type"),
    ("sign_mode", "origin", "identities[0].sign_mode"),
    ("client_sign_mode", "Signed", "identities[1].sign_mode"),
    ("no_match", "deny", "permissions.no_match"),
    ("rule_identity_type", "user", "permissions.rules[0].identity_type"),
    ("permit_action", "pub_sub", "permissions.rules[0].permit_action"),
    ("effect", "Allow", "permissions.rules[0].effect"),
    ("sasl_type", "SCRAM", "sasl_users[0].type"),
    ("mechanism", "scram-sha-256", "sasl_users[0].mechanism"),
    ("ca_status", "active", "ca_certificates[0].status"),
    ("bind_client_id_to_cn", "False", "device_certificates.bind_client_id_to_cn"),
    ("device_status", "inactive", "device_certificates.states[0].status"),
    ("throttling_enabled", "FALSE", "throttling.enabled"),
]

_material = {}


def setUpModule():
    directory = tempfile.mkdtemp(prefix="mqauth-it-bad-configs-")
    readable_by_nobody(directory)  # the unreadable-file cases run as nobody when we are root
    unittest.addModuleCleanup(shutil.rmtree, directory, ignore_errors=True)
    tls = TlsMaterial(os.path.join(directory, "tls"))
    ca = tls.certificate_authority("Bad Configs CA")
    _material.update(directory=directory, ca_pem=ca.cert, ca_serial=ca.serial,
                     credentials=sasl_hash(SCRAM_PASSWORD, "SCRAM-SHA-256"))
    _material["huge"] = write_huge_config(os.path.join(directory, "huge.yaml"))


def base_config(**enums):
    values = {**ENUM_DEFAULTS, **enums}
    return BASE_TEMPLATE.format(
        user_secret=USER_SECRET, client_secret=CLIENT_SECRET, client_id=CLIENT_ID,
        credentials=_material["credentials"], ca_serial=_material["ca_serial"], **values)


def line_of(text, needle):
    return position_of(text, needle)[0]


# ---------------------------------------------------------------------------------------------
# The broken files

@dataclass
class BrokenFile:
    """One broken config: `make(path)` puts it at `path` (whatever was there is gone). The error
    names `line` (None where no line makes sense: the file is not there to be read) and says
    something matching `message`."""

    name: str
    make: Callable[[str], None]
    line: Optional[int]
    message: str
    timeout: float = CHECK_TIMEOUT

    def pattern(self, path):
        """The error line: FILE:LINE:COL: ... message (a file-level error may say FILE:0:0:)."""
        where = rf"{self.line}:\d+: " if self.line is not None else r"(\d+:\d+: )?"
        return re.compile(rf"{re.escape(path)}:{where}.*(?:{self.message})", re.MULTILINE)


def remove_any(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.remove(path)


def writes(data):
    """A maker that writes `data` (bytes or str) through a rename, so a SIGHUP never catches it
    half-written."""
    content = data.encode() if isinstance(data, str) else data

    def make(path):
        partial = path + ".partial"
        with open(partial, "wb") as file:
            file.write(content)
        remove_any(path)
        os.replace(partial, path)

    return make


def copies(source):
    def make(path):
        partial = path + ".partial"
        shutil.copyfile(source, partial)
        remove_any(path)
        os.replace(partial, path)

    return make


def make_directory(path):
    remove_any(path)
    os.mkdir(path)
    with open(os.path.join(path, "auth.yaml"), "w", encoding="utf-8") as file:
        file.write("version: 1\n")  # a directory that even holds a config is not one


def make_sparse_over_limit(path):
    remove_any(path)
    with open(path, "wb") as file:
        file.write(b"version: 1\n")
        file.truncate(MAX_CONFIG_BYTES + 1)  # sparse: no disk space, no time


def make_fifo(path):
    remove_any(path)
    os.mkfifo(path)


def binary_garbage_with_nul():
    data = bytearray(random.Random(9).randbytes(8192))
    data[:5000] = data[:5000].replace(b"\0", b"\1")  # the first NUL at a known place
    data[5000] = 0
    line = data[:5000].count(b"\n") + 1
    return bytes(data), line


def binary_garbage_without_nul():
    return bytes(random.Random(11).randrange(1, 256) for _ in range(8192))


def nested_block_mappings(levels):
    return "".join(f"{' ' * level}k{level}:\n" for level in range(levels)) + " " * levels + "x\n"


def write_huge_config(path):
    """About 50 MB of well-formed identities whose very last one has sign_mode "origin";
    returns the BrokenFile."""
    entry = ('  - username: huge-{0:07d}\n    identity_type: USER\n'
             '    secret: "huge-secret-{0:07d}-abcdefghijklmnopqrstuvwxyz"\n'
             '    sign_mode: ORIGIN\n')
    with open(path, "w", encoding="utf-8") as file:
        file.write("version: 1\nanonymous: deny\nidentities:\n")
        lines, count = 3, 0
        while file.tell() < HUGE_BYTES:
            file.write(entry.format(count))
            lines += 4
            count += 1
        file.write(entry.format(count).replace("sign_mode: ORIGIN", "sign_mode: origin"))
        file.write("permissions:\n  no_match: DENY\nthrottling:\n  enabled: false\n")
    wrong_line = lines + 4
    return BrokenFile("huge_50_mb_wrong_enum_in_the_last_identity", copies(path), wrong_line,
                      rf'identities\[{count}\]\.sign_mode: .*got "origin"', HUGE_TIMEOUT)


def duplicate_key_cases():
    """(name, text): the base config with a key written twice, at every level and in every
    spelling; the second of the two is on the first line where the text differs from the base."""
    base = base_config()
    edits = [
        ("top_level", "anonymous: deny\n", "anonymous: deny\nversion: 1\n"),
        ("top_level_section", "permissions:\n", "identities: []\npermissions:\n"),
        ("in_an_identity", f'    secret: "{USER_SECRET}"\n',
         f'    secret: "{USER_SECRET}"\n    secret: "other-secret"\n'),
        ("in_permissions", "  no_match: DENY\n", "  no_match: DENY\n  no_match: ALLOW\n"),
        ("in_a_rule", '      topic: "t/#"\n', '      topic: "t/#"\n      topic: "u/#"\n'),
        ("in_a_sasl_user", "    type: scram\n", "    type: scram\n    type: plain\n"),
        ("in_a_device_state", "      status: INACTIVE\n",
         "      status: INACTIVE\n      status: REVOKED\n"),
        ("quoted_and_plain_spelling", "anonymous: deny\n", 'anonymous: deny\n"anonymous": allow\n'),
        ("explicit_key", "anonymous: deny\n", "anonymous: deny\n? anonymous\n: allow\n"),
        ("in_a_flow_mapping", "throttling:\n  enabled: false\n",
         "throttling: {enabled: false, enabled: true}\n"),
    ]
    return [(name, base.replace(anchor, replacement, 1)) for name, anchor, replacement in edits]


def first_difference(text, base):
    """The first line number at which `text` differs from `base`."""
    lines, base_lines = text.splitlines(), base.splitlines()
    return next(number for number, line in enumerate(lines, start=1)
                if number > len(base_lines) or line != base_lines[number - 1])


def broken_files():
    """Every broken file but the huge one (made once per module) and the special files."""
    files = [
        BrokenFile("empty", writes(b""), 1, "empty"),
        BrokenFile("whitespace_only", writes(" \n\t\n   \n\n \t "), 1, "empty"),
    ]
    with_nul, nul_line = binary_garbage_with_nul()
    files += [
        BrokenFile("binary_garbage_with_nul_bytes", writes(with_nul), nul_line, "NUL"),
        BrokenFile("binary_garbage_without_nul_bytes", writes(binary_garbage_without_nul()), 1,
                   ""),
        BrokenFile("nested_flow_sequences", writes("[" * NESTING + "\n"), 1, "nesting"),
        BrokenFile("nested_flow_mappings", writes("{" * NESTING + "\n"), 1, "nesting"),
        BrokenFile("nested_flow_mixed", writes('[{"a": ' * (NESTING // 2) + "\n"), 1, "nesting"),
        BrokenFile("nested_block_sequences", writes("- " * NESTING + "x\n"), 1, "nesting"),
        BrokenFile("nested_block_mappings", writes(nested_block_mappings(NESTING)), 33,
                   "nesting"),
    ]
    tab_cases = [
        ("sequence_entry", "identities:\n  - username: bc-user\n",
         "identities:\n\t- username: bc-user\n"),
        ("mapping_key", "throttling:\n  enabled: false\n", "throttling:\n\tenabled: false\n"),
        ("after_spaces", "    identity_type: USER\n", "  \tidentity_type: USER\n"),
        ("before_spaces", "    sign_mode: ORIGIN\n", "\t  sign_mode: ORIGIN\n"),
    ]
    base = base_config()
    for name, right, wrong in tab_cases:
        text = base.replace(right, wrong, 1)
        files.append(BrokenFile(f"tab_indentation_{name}", writes(text),
                                line_of(text, "\t"), ""))
    for name, text in duplicate_key_cases():
        files.append(BrokenFile(f"duplicate_key_{name}", writes(text),
                                first_difference(text, base), "duplicate key"))
    for placeholder, wrong, key_path in WRONG_CASE_ENUMS:
        text = base_config(**{placeholder: wrong})
        files.append(BrokenFile(f"wrong_case_{placeholder}_{wrong}", writes(text),
                                first_difference(text, base),
                                rf"{re.escape(key_path)}: .*{re.escape(wrong)}"))
    files += [
        BrokenFile("directory", make_directory, None, "directory"),
        BrokenFile("over_512_mib", make_sparse_over_limit, None, "512 MiB"),
    ]
    return files


def broken_files_in(category):
    return [broken for broken in broken_files() if broken.name.startswith(category)]


# ---------------------------------------------------------------------------------------------
# Running the CLI

def run_check(path, timeout, *, unprivileged=False):
    """`mqauth check path` as the test user, or as nobody; (exit status, output), failing on a
    hang or a sanitizer report."""
    # As root, check also opens the files as the broker's user: the tests' brokers run as the
    # test user (test_cli.py tests that part).
    args = [required_path("MQAUTH_CLI"), "check", "--broker-user", pwd.getpwuid(os.getuid())[0],
            path]
    if unprivileged and RUNNING_AS_ROOT:
        args = ["setpriv", f"--reuid={NOBODY_UID}", f"--regid={NOBODY_GID}", "--clear-groups",
                *args]
    try:
        result = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True,
                                timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"mqauth check {path} hung: still running after {timeout} s") \
            from None
    output = (result.stdout + result.stderr).decode("utf-8", errors="replace")
    fail_on_sanitizer_report(output, "mqauth check")
    return result.returncode, output


def describe_exit(code):
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit status {code}"


def readable_by_nobody(directory):
    os.chmod(directory, 0o755)


# ---------------------------------------------------------------------------------------------
# The three ways in, one class each

class BrokenConfigCases:
    """The categories of broken files, mixed into one TestCase per way a file is loaded; each
    concrete class defines assertRejected(broken_file) and, for files no user can be denied
    as root, assertRejectedUnreadable()."""

    def assertAllRejected(self, category):
        files = broken_files_in(category)
        self.assertTrue(files, f"no broken file named {category}*")
        for broken in files:
            with self.subTest(broken.name):
                self.assertRejected(broken)

    def test_empty_file(self):
        self.assertAllRejected("empty")

    def test_whitespace_only_file(self):
        self.assertAllRejected("whitespace_only")

    def test_binary_garbage(self):
        self.assertAllRejected("binary_garbage")

    def test_deep_nesting(self):
        self.assertAllRejected("nested_")

    def test_tab_indentation(self):
        self.assertAllRejected("tab_indentation")

    def test_duplicate_keys_at_every_level(self):
        self.assertAllRejected("duplicate_key")

    def test_every_enum_in_the_wrong_case(self):
        self.assertAllRejected("wrong_case")

    def test_directory_instead_of_a_file(self):
        self.assertAllRejected("directory")

    def test_file_over_the_512_mib_limit(self):
        self.assertAllRejected("over_512_mib")

    def test_huge_file_with_an_error_in_its_last_lines(self):
        self.assertRejected(_material["huge"])

    def test_unreadable_file(self):
        self.assertRejectedUnreadable()


class CheckCommandTest(BrokenConfigCases, unittest.TestCase):
    """`mqauth check FILE` exits 1 with FILE:LINE:COL, no crash, no hang."""

    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="mqauth-it-check-", dir=_material["directory"])
        shutil.copyfile(_material["ca_pem"], os.path.join(self.directory, "ca.pem"))

    def assertCheckRejects(self, broken, path, unprivileged=False):
        code, output = run_check(path, broken.timeout, unprivileged=unprivileged)
        self.assertEqual(code, 1, f"{broken.name}: mqauth check should exit 1, not "
                                  f"{describe_exit(code)}\n{output[-4000:]}")
        self.assertRegex(output, broken.pattern(path), broken.name)
        self.assertNotIn(": valid (", output)

    def assertRejected(self, broken):
        path = os.path.join(self.directory, f"{broken.name}.yaml")
        broken.make(path)
        try:
            self.assertCheckRejects(broken, path)
        finally:
            remove_any(path)

    def assertRejectedUnreadable(self):
        readable_by_nobody(self.directory)
        path = os.path.join(self.directory, "unreadable.yaml")
        writes(base_config())(path)
        code, output = run_check(path, CHECK_TIMEOUT, unprivileged=True)
        self.assertEqual(code, 0, f"the control: the readable file is valid\n{output}")
        os.chmod(path, 0)
        self.assertCheckRejects(BrokenFile("unreadable", None, None, "Permission denied"), path,
                                unprivileged=True)

    def test_the_base_config_every_case_breaks_is_valid(self):
        path = os.path.join(self.directory, "base.yaml")
        writes(base_config())(path)
        code, output = run_check(path, CHECK_TIMEOUT)
        self.assertEqual(code, 0, output)

    def test_fifo_instead_of_a_file(self):
        # Opening a FIFO waits for a writer; a config loader must not wait for one (the broker
        # would hang at start-up, or on its only thread at a reload).
        self.assertRejected(BrokenFile("fifo", make_fifo, None,
                                       "not a regular file|FIFO", FIFO_TIMEOUT))


def unprivileged_broker(text):
    """A broker that runs as someone a mode-000 file keeps out: as root, it drops privileges to
    nobody (its working directory and log file made accessible to nobody first; the directory
    nobody's own, since the plugin creates the device registry in it at start-up)."""
    if not RUNNING_AS_ROOT:
        return Broker(text)
    broker = Broker(text, user="nobody")
    readable_by_nobody(broker.workdir)
    os.chown(broker.workdir, NOBODY_UID, NOBODY_GID)
    open(broker.log_path, "a").close()
    os.chown(broker.log_path, NOBODY_UID, NOBODY_GID)
    return broker


def prepare_workdir(broker):
    shutil.copyfile(_material["ca_pem"], os.path.join(broker.workdir, "ca.pem"))
    os.chmod(os.path.join(broker.workdir, "ca.pem"), 0o644)
    return broker


class StartUpTest(BrokenConfigCases, BrokerTestCase):
    """A broker started with a broken file exits non-zero (not by a signal) and its log names
    FILE:LINE and says it will not start."""

    def assertStartRefused(self, broker, broken):
        exit_code, text = broker.start_expecting_failure(timeout=broken.timeout + 10)
        self.assertGreater(exit_code, 0, f"{broken.name}: the broker should exit with an error, "
                                         f"not {describe_exit(exit_code)}\n{broker.describe()}")
        self.assertRegex(text, broken.pattern(broker.auth_path), broken.name)
        self.assertRegex(text, r"mqauth: configuration .* is invalid; the broker will not start")

    def assertRejected(self, broken):
        broker = prepare_workdir(Broker(base_config()))
        self.addCleanup(broker.close)
        broken.make(broker.auth_path)
        self.assertStartRefused(broker, broken)

    def assertRejectedUnreadable(self):
        broker = prepare_workdir(unprivileged_broker(base_config()))
        self.addCleanup(broker.close)
        os.chmod(broker.auth_path, 0)
        self.assertStartRefused(broker, BrokenFile("unreadable", None, None,
                                                   "Permission denied"))

    def test_the_base_config_every_case_breaks_starts(self):
        broker = prepare_workdir(Broker(base_config()))
        self.addCleanup(broker.close_expecting_clean_exit)
        broker.start()

    def test_fifo_instead_of_a_file(self):
        broker = prepare_workdir(Broker(base_config()))
        self.addCleanup(broker.close)
        make_fifo(broker.auth_path)
        self.assertStartRefused(broker, BrokenFile("fifo", make_fifo, None,
                                                   "not a regular file|FIFO",
                                                   FIFO_TIMEOUT))


class ReloadTest(BrokenConfigCases, BrokerTestCase):
    """A SIGHUP that meets a broken file rejects it with FILE:LINE and keeps the running policy:
    a client with the old credentials still connects, and the next good file is applied."""

    @classmethod
    def setUpClass(cls):
        cls.broker = prepare_workdir(unprivileged_broker(base_config()))
        cls.addClassCleanup(cls.broker.close_expecting_clean_exit)
        cls.broker.start()

    def assertOldPolicyServes(self, context):
        self.assertConnects(self.broker, client_id=unique_client_id("bc-old"),
                            username="bc-user", password=USER_SECRET)
        self.assertTrue(self.broker.running(), context)

    def assertReloadRejected(self, broken, *, timeout=None):
        seen = len(self.broker.log_text())
        applied = self.broker.reload(timeout=timeout or broken.timeout)
        since = self.broker.log_text()[seen:]
        self.assertFalse(applied, f"{broken.name}: the reload should be rejected\n"
                                  + self.broker.describe())
        self.assertRegex(since, broken.pattern(self.broker.auth_path), broken.name)
        self.assertRegex(since, r"mqauth: reload of .* rejected; the running policy stays")
        self.assertOldPolicyServes(broken.name)

    def restore(self):
        remove_any(self.broker.auth_path)
        writes(base_config())(self.broker.auth_path)
        os.chmod(self.broker.auth_path, 0o644)

    def assertRejected(self, broken):
        broken.make(self.broker.auth_path)
        try:
            self.assertReloadRejected(broken)
        finally:
            self.restore()

    def assertRejectedUnreadable(self):
        os.chmod(self.broker.auth_path, 0)
        try:
            self.assertReloadRejected(BrokenFile("unreadable", None, None, "Permission denied"),
                                      timeout=CHECK_TIMEOUT)
        finally:
            self.restore()

    def test_a_good_file_after_broken_ones_is_applied(self):
        for broken in broken_files_in("binary_garbage") + broken_files_in("directory"):
            broken.make(self.broker.auth_path)
            self.assertFalse(self.broker.reload(), self.broker.describe())
        self.restore()
        text = base_config().replace("username: bc-user", "username: bc-user-renamed")
        writes(text)(self.broker.auth_path)
        try:
            self.assertTrue(self.broker.reload(), self.broker.describe())
            self.assertConnects(self.broker, client_id=unique_client_id("bc-new"),
                                username="bc-user-renamed", password=USER_SECRET)
            self.assertRefused(self.broker, reason="unknown_username",
                               client_id=unique_client_id("bc-gone"), username="bc-user",
                               password=USER_SECRET)
        finally:
            self.restore()
            self.assertTrue(self.broker.reload(), self.broker.describe())


class FifoReloadTest(BrokerTestCase):
    """Its own broker: a loader that waits for a FIFO's writer would hang the whole broker."""

    def test_fifo_instead_of_a_file_is_rejected_without_hanging_the_broker(self):
        broker = prepare_workdir(Broker(base_config()))
        self.addCleanup(broker.close_expecting_clean_exit)
        broker.start()
        make_fifo(broker.auth_path)
        seen = len(broker.log_text())
        try:
            applied = broker.reload()
        except HarnessError as error:
            self.fail(f"the broker hung reading the FIFO: {error}")
        self.assertFalse(applied, broker.describe())
        self.assertRegex(broker.log_text()[seen:],
                         BrokenFile("fifo", None, None,
                                    "not a regular file|FIFO").pattern(broker.auth_path))
        self.assertConnects(broker, client_id=unique_client_id("bc-fifo"), username="bc-user",
                            password=USER_SECRET)


if __name__ == "__main__":
    unittest.main()
