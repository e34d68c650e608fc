# SPDX-License-Identifier: Apache-2.0
"""`cmake --install` and the `uninstall` target as README's "Installing into Debian's Mosquitto"
describes them: the same files where the package puts them (unstripped), and the uninstall target
removing every one. Run into a scratch DESTDIR, so neither root nor the machine's /usr is needed.

Usage: python3 test_install.py BUILD_DIRECTORY (scripts/test's "package" stage gives it the
release build tree).
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from test_package import CLI, EXPECTED_FILES, PLUGIN, run_timed

TIMEOUT = 300  # seconds: an install copies the unstripped binaries, a few tens of MB


def cmake(build, *args, destdir):
    return subprocess.run(["cmake", *args], cwd=build, env={**os.environ, "DESTDIR": destdir},
                          capture_output=True, text=True, timeout=TIMEOUT)


def files_under(root):
    return sorted(os.path.join(directory, name)[len(root):]
                  for directory, _, names in os.walk(root) for name in names)


class InstallTest(unittest.TestCase):
    build = None  # from the command line

    def setUp(self):
        self.destdir = tempfile.mkdtemp(prefix="mqauth-install-")
        self.addCleanup(shutil.rmtree, self.destdir, ignore_errors=True)

    def test_install_then_uninstall(self):
        installed = cmake(self.build, "--install", ".", destdir=self.destdir)
        self.assertEqual(installed.returncode, 0, installed.stderr)
        files = files_under(self.destdir)
        for path in EXPECTED_FILES:
            self.assertIn(path, files, f"cmake --install did not install {path}")
        # Unstripped, as README says: the package is the stripped form.
        for binary in (PLUGIN, CLI):
            sections = subprocess.run(["objdump", "-h", self.destdir + binary],
                                      capture_output=True, text=True, timeout=TIMEOUT).stdout
            self.assertIn(".debug_info", sections, f"{binary} lost its debug information")
        version = subprocess.run([self.destdir + CLI, "--version"], capture_output=True,
                                 text=True, timeout=TIMEOUT)
        self.assertEqual(version.returncode, 0, version.stderr)

        removed = cmake(self.build, "--build", ".", "--target", "uninstall", destdir=self.destdir)
        self.assertEqual(removed.returncode, 0, removed.stderr)
        self.assertEqual(files_under(self.destdir), [], "the uninstall target left files behind")


if __name__ == "__main__":
    if len(sys.argv) != 2 or not os.path.isfile(os.path.join(sys.argv[1], "CMakeCache.txt")):
        sys.exit("usage: test_install.py BUILD_DIRECTORY (a configured and built tree)")
    InstallTest.build = os.path.abspath(sys.argv[1])
    run_timed("install test")
