# SPDX-License-Identifier: Apache-2.0
"""The Debian package as an operator meets it: dpkg -i, the files where Debian looks for them
(stripped, the debug information beside them), mqauth(1) and the bash completion, the plugin
loaded into Debian's broker through the conf.d drop-in, then dpkg -r (the conffile stays) and
dpkg --purge (nothing stays), so the machine is as before and the test can run again.

Needs root and a free dpkg (CI has both). Usage: python3 test_package.py PACKAGE_DIRECTORY
(scripts/test's "package" stage gives it what scripts/package made).
"""

import fcntl
import glob
import gzip
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from mqauth_harness import free_port, port_accepts, read_text, wait_for  # noqa: E402

PACKAGE = "mqauth"
DBGSYM = "mqauth-dbgsym"
PLUGIN = "/usr/lib/x86_64-linux-gnu/mqauth.so"
CLI = "/usr/bin/mqauth"
MAN_PAGE = "/usr/share/man/man1/mqauth.1.gz"
COMPLETION = "/usr/share/bash-completion/completions/mqauth"
DROP_IN = "/etc/mosquitto/conf.d/mqauth.conf.example"
EXPECTED_FILES = [
    PLUGIN, CLI, MAN_PAGE, COMPLETION, DROP_IN,
    "/usr/share/mqauth/mqauth.schema.json",
    "/usr/share/doc/mqauth/copyright",
    "/usr/share/doc/mqauth/README.md",
    "/usr/share/doc/mqauth/examples/mqauth.yaml",
    *(f"/usr/share/doc/mqauth/examples/{example}/{name}"
      for example in ("tls-devices", "loopback")
      for name in ("mosquitto.conf", "mosquitto-2.1.conf", "mqauth.yaml")),
]
# The libraries dpkg-shlibdeps must find in the two binaries, and the broker.
EXPECTED_DEPENDS = ["libssl3", "libyaml-cpp0.7", "libcurl4", "libsqlite3-0", "libpq5",
                    "libcivetweb1", "libc6", "libstdc++6", "mosquitto (>= 2.0)"]
MOSQUITTO = "/usr/sbin/mosquitto"
MOSQUITTO_PUB = "/usr/bin/mosquitto_pub"
DPKG_TIMEOUT = 120  # seconds: dpkg never waits for its lock, but nothing here may hang
TIMEOUT = 30

USERNAME = "pkg-user"
SECRET = "pkg-secret-4f1a"
TEST_YAML = f"""version: 1
anonymous: deny
identities:
  - username: {USERNAME}
    identity_type: USER
    secret: "{SECRET}"
    sign_mode: ORIGIN
permissions:
  no_match: DENY
  rules:
    - identity_type: USER
      identity: {USERNAME}
      topic: "app/#"
      permit_action: PUB_SUB
      effect: ALLOW
"""


def run(args, timeout=TIMEOUT, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kwargs)


def dpkg_status(package):
    result = run(["dpkg-query", "-W", "-f=${Status}", package])
    return result.stdout.strip() if result.returncode == 0 else "not known"


def section_names(path):
    return set(re.findall(r"\]\s+(\.\S+)", run(["readelf", "-S", "-W", path]).stdout))


def build_id(path):
    found = re.search(r"Build ID: ([0-9a-f]+)", run(["readelf", "-n", path]).stdout)
    return found.group(1) if found else None


def complete(words, cwd=None):
    """COMPREPLY of the installed completion for a command line whose last word is being
    typed (words[-1], possibly "")."""
    script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _mqauth; '
              'printf "%s\\n" "${COMPREPLY[@]}"')
    result = run(["bash", "-c", script, "complete", COMPLETION, *words], cwd=cwd)
    if result.returncode != 0:
        raise AssertionError(f"the completion failed: {result.stderr}")
    return [line for line in result.stdout.splitlines() if line]


def preconditions():
    """Why the test cannot run here, or None."""
    if os.geteuid() != 0:
        return "the package test installs with dpkg and must run as root (CI does)"
    try:
        with open("/var/lib/dpkg/lock-frontend", "w") as lock:
            fcntl.lockf(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.lockf(lock, fcntl.LOCK_UN)
    except OSError:
        return ("dpkg is locked by another process (apt or dpkg running?): try again when it "
                "has finished")
    for package in (PACKAGE, DBGSYM):
        if dpkg_status(package) != "not known" and "not-installed" not in dpkg_status(package):
            return (f"{package} is already on this machine ({dpkg_status(package)}); the test "
                    f"would remove it: dpkg --purge {DBGSYM} {PACKAGE} first")
    return None


class PackageTest(unittest.TestCase):
    directory = None  # from the command line

    def setUp(self):
        problem = preconditions()
        if problem:
            self.fail(problem)
        debs = glob.glob(os.path.join(self.directory, f"{PACKAGE}_*.deb"))
        ddebs = glob.glob(os.path.join(self.directory, f"{DBGSYM}_*.ddeb"))
        self.assertEqual(len(debs), 1, f"one {PACKAGE}_*.deb in {self.directory}: {debs}")
        self.assertEqual(len(ddebs), 1, f"one {DBGSYM}_*.ddeb in {self.directory}: {ddebs}")
        self.deb, self.ddeb = debs[0], ddebs[0]
        self.workdir = tempfile.mkdtemp(prefix="mqauth-package-")
        # The broker reads the operator's files as the mosquitto user.
        os.chmod(self.workdir, 0o755)
        self.broker = None
        self.addCleanup(self.cleanup)

    def cleanup(self):
        if self.broker and self.broker.poll() is None:
            self.broker.kill()
            self.broker.wait(timeout=TIMEOUT)
        run(["dpkg", "--purge", DBGSYM, PACKAGE], timeout=DPKG_TIMEOUT)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def dpkg(self, *args):
        result = run(["dpkg", *args], timeout=DPKG_TIMEOUT)
        self.assertEqual(result.returncode, 0,
                         f"dpkg {' '.join(args)}:\n{result.stdout}{result.stderr}")
        return result

    def test_install_use_remove_purge(self):
        self.check_control_fields()
        self.dpkg("-i", self.deb, self.ddeb)
        listed = run(["dpkg", "-L", PACKAGE]).stdout.splitlines()
        self.check_files(listed)
        self.check_stripped_with_debug_link(PLUGIN)
        self.check_stripped_with_debug_link(CLI)
        self.check_man_page()
        self.check_completion()
        self.check_broker_through_drop_in()
        self.check_remove(listed)
        self.check_purge()

    def check_control_fields(self):
        fields = run(["dpkg-deb", "-f", self.deb, "Package", "Version", "Section", "Depends",
                      "Maintainer"]).stdout
        self.assertIn(f"Package: {PACKAGE}\n", fields)
        self.assertIn("Section: net\n", fields)
        self.assertRegex(fields, r"Maintainer: \S")
        depends = re.search(r"Depends: (.*)", fields).group(1)
        for dependency in EXPECTED_DEPENDS:
            self.assertRegex(depends, rf"(^|, ){re.escape(dependency)}( \(|,|$)",
                             f"Depends lacks {dependency}: {depends}")
        conffiles = run(["dpkg-deb", "--info", self.deb, "conffiles"]).stdout.split()
        self.assertEqual(conffiles, [DROP_IN])

    def check_files(self, listed):
        for path in EXPECTED_FILES:
            self.assertIn(path, listed, f"dpkg -L {PACKAGE} lacks {path}")
            self.assertTrue(os.path.isfile(path), f"{path} is not installed")
        self.assertNotIn("/etc/mosquitto/conf.d/mqauth.conf", listed,
                         "the package must not enable the plugin itself")
        with open(DROP_IN) as file:
            self.assertIn(f"plugin {PLUGIN}", file.read().splitlines())
        version = run([CLI, "--version"]).stdout.split()[-1]
        self.assertEqual(run(["dpkg-query", "-W", "-f=${Version}", PACKAGE]).stdout, version,
                         "the package's version is the project's")

    def check_stripped_with_debug_link(self, path):
        sections = section_names(path)
        self.assertNotIn(".symtab", sections, f"{path} is not stripped")
        self.assertNotIn(".debug_info", sections, f"{path} carries its debug information")
        self.assertIn(".gnu_debuglink", sections, f"{path} has no link to its debug file")
        identity = build_id(path)
        self.assertIsNotNone(identity, f"{path} has no build id")
        debug_file = f"/usr/lib/debug/.build-id/{identity[:2]}/{identity[2:]}.debug"
        self.assertIn(debug_file, run(["dpkg", "-L", DBGSYM]).stdout.splitlines())
        self.assertIn(".debug_info", section_names(debug_file))
        self.assertEqual(build_id(debug_file), identity)

    def check_man_page(self):
        with gzip.open(MAN_PAGE, "rt", encoding="utf-8") as file:
            source = file.read()
        groff = run(["groff", "-man", "-ww", "-z"], input=source)
        self.assertEqual((groff.returncode, groff.stderr), (0, ""), "groff -man -ww -z warns")
        man = run(["man", "-l", MAN_PAGE], env={**os.environ, "MANWIDTH": "100",
                                                 "MAN_KEEP_FORMATTING": "0"})
        self.assertEqual((man.returncode, man.stderr), (0, ""), "man -l complains")
        text = re.sub(r".\x08", "", man.stdout)
        for heading in ("NAME", "SYNOPSIS", "DESCRIPTION", "VERBS", "EXIT STATUS", "FILES",
                        "SEE ALSO"):
            self.assertRegex(text, rf"(?m)^{heading}$")
        self.assertIn("mosquitto.conf(5)", text)
        # Every verb `mqauth --help` lists has its section, with the usage its --help prints.
        listed = run([CLI, "--help"]).stdout
        verbs = re.findall(r"(?m)^  (\S+)\t", listed)
        self.assertIn("identities", verbs)
        for verb in verbs:
            usage = run([CLI, verb, "--help"]).stdout.splitlines()[0]
            self.assertIn(f"mqauth {verb}", text)
            self.assertIn(" ".join(usage.split()), " ".join(text.split()))

    def check_completion(self):
        self.assertEqual(complete(["mqauth", "iden"]), ["identities"])
        self.assertIn("rotate", complete(["mqauth", "identities", ""]))
        self.assertEqual(complete(["mqauth", "identities", "add", "--sign"]), ["--sign-mode"])
        self.assertEqual(sorted(complete(["mqauth", "identities", "add", "--sign-mode", ""])),
                         ["ORIGIN", "SIGNED"])
        self.assertIn("--broker-user", complete(["mqauth", "check", "--"]))
        open(os.path.join(self.workdir, "policy.yaml"), "w").close()
        self.assertEqual(complete(["mqauth", "devices", "list", "--config", "pol"],
                                  cwd=self.workdir), ["policy.yaml"])

    def check_broker_through_drop_in(self):
        # As an operator would: copy the example to a .conf and point it at a policy file. The
        # copy sits in a directory of the test's own, which a test mosquitto.conf includes.
        conf_d = os.path.join(self.workdir, "conf.d")
        os.mkdir(conf_d, 0o755)
        policy = os.path.join(self.workdir, "mqauth.yaml")
        with open(policy, "w") as file:
            file.write(TEST_YAML)
        os.chmod(policy, 0o644)
        with open(DROP_IN) as file:
            drop_in = file.read().replace("plugin_opt_config /etc/mosquitto/mqauth.yaml",
                                          f"plugin_opt_config {policy}")
        with open(os.path.join(conf_d, "mqauth.conf"), "w") as file:
            file.write(drop_in)
        checked = run([CLI, "check", policy])
        self.assertEqual(checked.returncode, 0, checked.stderr)
        port = free_port()
        conf = os.path.join(self.workdir, "mosquitto.conf")
        with open(conf, "w") as file:
            file.write(f"include_dir {conf_d}\nlistener {port} 127.0.0.1\npersistence false\n"
                       "log_dest stderr\nlog_type all\n")
        log_path = os.path.join(self.workdir, "broker.log")
        with open(log_path, "w") as log:
            self.broker = subprocess.Popen([MOSQUITTO, "-c", conf], stdout=log, stderr=log)
        started = wait_for(lambda: port_accepts(port) or self.broker.poll() is not None, 10)

        def log_text():
            return read_text(log_path)
        self.assertTrue(started and self.broker.poll() is None,
                        f"the broker did not start:\n{log_text()}")

        def publish(password):
            return run([MOSQUITTO_PUB, "-h", "127.0.0.1", "-p", str(port), "-i", "pkg-client",
                        "-u", USERNAME, "-P", password, "-t", "app/hello", "-m", "hi"])

        accepted = publish(SECRET)
        self.assertEqual(accepted.returncode, 0, f"{accepted.stderr}\n{log_text()}")
        refused = publish("wrong-" + SECRET)
        self.assertEqual(refused.returncode, 5, f"a wrong password: {refused.stderr}")
        self.assertIn(f"mqauth: loaded {policy}:", log_text(),
                      "the broker's log does not say the plugin loaded the policy")
        self.broker.send_signal(signal.SIGTERM)
        self.broker.wait(timeout=TIMEOUT)

    def check_remove(self, listed):
        self.dpkg("-r", DBGSYM, PACKAGE)
        self.assertEqual(dpkg_status(PACKAGE), "deinstall ok config-files")
        self.assertTrue(os.path.isfile(DROP_IN), "dpkg -r removed the conffile")
        left = [path for path in listed
                if path != DROP_IN and os.path.lexists(path) and not os.path.isdir(path)]
        self.assertEqual(left, [], "dpkg -r left files behind")
        for directory in ("/usr/share/mqauth", "/usr/share/doc/mqauth"):
            self.assertFalse(os.path.exists(directory), f"dpkg -r left {directory}")

    def check_purge(self):
        self.dpkg("--purge", DBGSYM, PACKAGE)
        self.assertFalse(os.path.exists(DROP_IN), "dpkg --purge left the conffile")
        self.assertIn(dpkg_status(PACKAGE), ("not known", "unknown ok not-installed"))


def run_timed(name):
    """Runs this module's tests verbosely, says how long they took (scripts/test's stage timings
    show the sum), and exits with their outcome."""
    started = time.monotonic()
    outcome = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    print(f"{name}: {time.monotonic() - started:.1f}s", file=sys.stderr)
    sys.exit(0 if outcome.wasSuccessful() else 1)


if __name__ == "__main__":
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        sys.exit("usage: test_package.py PACKAGE_DIRECTORY (as scripts/package prints it)")
    PackageTest.directory = os.path.abspath(sys.argv[1])
    run_timed("package test")
