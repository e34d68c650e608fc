# SPDX-License-Identifier: Apache-2.0
"""mqauth(1) and the bash completion say what --help says: the build writes both with the tool's
hidden --generate-man and --generate-bash-completion from the tables its --help prints, so every
verb and subcommand is in the man page with its usage, and the completion offers exactly the
verbs, subcommands, options and flags the tool takes. tests/package checks them installed.
"""

import os
import re
import subprocess
import tempfile
import unittest

from test_cli import cli


def verbs():
    """The verbs `mqauth --help` lists."""
    return re.findall(r"(?m)^  (\S+)\t", cli("--help").stdout)


def roff_text(source):
    """The man page's source with its escapes undone, as the text lines it shows."""
    return source.replace("\\&", "").replace("\\-", "-").replace("\\e", "\\")


class CompletionScript:
    """The generated completion, asked as bash asks it."""

    def __init__(self):
        generated = cli("--generate-bash-completion")
        if generated.returncode != 0:
            raise AssertionError(generated.stderr)
        self.source = generated.stdout
        # Asked in an empty directory, so that no file name is taken for a subcommand.
        self.directory = tempfile.mkdtemp(prefix="mqauth-completion-")
        handle, self.path = tempfile.mkstemp(prefix="mqauth-completion-")
        with os.fdopen(handle, "w") as file:
            file.write(self.source)

    def close(self):
        os.unlink(self.path)
        os.rmdir(self.directory)

    def complete(self, *words):
        script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _mqauth; '
                  'printf "%s\\n" "${COMPREPLY[@]}"')
        result = subprocess.run(["bash", "-c", script, "complete", self.path, "mqauth", *words],
                                capture_output=True, text=True, timeout=10, cwd=self.directory)
        if result.returncode != 0:
            raise AssertionError(result.stderr)
        return [word for word in result.stdout.splitlines() if word]


class ManualTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.completion = CompletionScript()
        self.addCleanup(self.completion.close)

    def subcommands(self, verb):
        """The verb's subcommands as the completion offers them; [] for a one-line verb (in an
        empty directory: one that takes a FILE offers file names)."""
        return [word for word in self.completion.complete(verb, "") if not word.startswith("-")]

    def command_lines(self):
        """Every command line: (verb,) or (verb, subcommand)."""
        for verb in verbs():
            subcommands = self.subcommands(verb)
            if not subcommands:
                yield (verb,)
            for subcommand in subcommands:
                yield (verb, subcommand)

    def test_the_man_page_has_every_verbs_and_subcommands_help(self):
        generated = cli("--generate-man")
        self.assertEqual(generated.returncode, 0, generated.stderr)
        page = roff_text(generated.stdout)
        self.assertIn(".TH MQAUTH 1", page)
        for heading in ("NAME", "SYNOPSIS", "DESCRIPTION", '"EXIT STATUS"', "FILES",
                        '"SEE ALSO"'):
            self.assertIn(f"\n.SH {heading}\n", page)
        self.assertIn(".BR mosquitto.conf (5)", page)
        listed = verbs()
        self.assertIn("identities", listed)
        for verb in listed:
            with self.subTest(verb):
                self.assertIn(f'\n.SS "mqauth {verb}"\n', page)
                self.assertIn(cli(verb, "--help").stdout, page)
        for command in self.command_lines():
            with self.subTest(command):
                self.assertIn(cli(*command, "--help").stdout, page)

    def test_the_completion_offers_the_verbs_and_their_subcommands(self):
        self.assertEqual(self.completion.complete("ide"), ["identities"])
        self.assertEqual(sorted(self.completion.complete("")),
                         sorted(verbs() + ["help", "--help", "--version"]))
        self.assertEqual(self.completion.complete("help", "token"), ["token-sign"])
        self.assertEqual(self.subcommands("devices"),
                         ["list", "activate", "deactivate", "revoke", "import", "delete"])
        self.assertEqual(self.subcommands("check"), [])

    def test_every_option_and_flag_the_completion_offers_is_one_the_tool_takes(self):
        for command in self.command_lines():
            offered = [word for word in self.completion.complete(*command, "--")
                       if word != "--help"]
            with self.subTest(command):
                self.assertTrue(offered, "no option offered")
                for word in offered:
                    # An option the parser does not know is a usage error even with --help;
                    # an option takes "=x", a flag refuses it.
                    taken = cli(*command, f"{word}=x", "--help").returncode == 0 or \
                        cli(*command, word, "--help").returncode == 0
                    self.assertTrue(taken, f"the tool refuses {word}")

    def test_values_complete_from_the_usage(self):
        complete = self.completion.complete
        self.assertEqual(sorted(complete("identities", "add", "--sign-mode", "")),
                         ["ORIGIN", "SIGNED"])
        self.assertEqual(complete("identities", "add", "--sign"), ["--sign-mode"])
        self.assertEqual(complete("sasl-hash", "--mechanism", "SCRAM-SHA-5"), ["SCRAM-SHA-512"])
        with tempfile.TemporaryDirectory() as directory:
            open(os.path.join(directory, "policy.yaml"), "w").close()
            in_directory = os.path.join(directory, "pol")
            self.assertEqual(complete("devices", "list", "--config", in_directory),
                             [in_directory + "icy.yaml"])
            self.assertEqual(complete("check", in_directory), [in_directory + "icy.yaml"])


if __name__ == "__main__":
    unittest.main()
