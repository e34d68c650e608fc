# SPDX-License-Identifier: Apache-2.0
"""Writes a device registry in the YAML format of earlier mqauth versions (the file that
`device_certificates.registry_file` named), for scripts/bench's device_registration_at_scale:
`mqauth devices import --from FILE` moves its devices into the SQLite registry under test, so
that broker starts with --count devices already registered.

    python3 legacy_registry.py --out FILE --count N --ca-sn HEX --ca-name NAME [--prefix PFX]

Exactly what the plugin wrote (plugin/core/certs/registry_format.cpp at the time, kept as
legacy_registry_file.cpp for the import): a comment header, `version: 1` and a `devices` list of
mappings with device_sn and ca_sn (canonical: upper-case hex without leading zeros, as
plugin/core/certs/serial_number.cpp makes them), ca_name, common_name, not_before, not_after and
first_seen (ISO 8601 UTC, "2024-05-01T12:00:00Z"), all double-quoted, and status (ACTIVE,
unquoted). Every device is ACTIVE and anchored to the one CA given; its serial is random (16
bytes, the top one 0x10..0x7f, as tests/integration/tls_material.py's random_serial), so it
never meets a certificate the benchmark client issues; its CN is PFX<serial>. Validity and
first-seen times are spread over the past year. Standard library only.
"""

import argparse
import datetime
import os
import re
import secrets
import sys

HEADER = (
    "# mqauth device registry: certificates registered on their first valid connect.\n"
    "# Written by the broker's mqauth plugin only; don't edit it. To change a device's state,\n"
    "# use device_certificates.states in the config (or `mqauth devices`) and reload.\n")

MAX_SERIAL_HEX_DIGITS = 40  # 20 bytes, RFC 5280's longest serial (kMaxSerialHexDigits)


def canonical_serial(text):
    """As mqauth's canonical_serial: upper case, no leading zeros, "0" for zero."""
    if not re.fullmatch(r"[0-9A-Fa-f]{1,%d}" % MAX_SERIAL_HEX_DIGITS, text):
        raise ValueError(f"not a hex serial number: {text!r}")
    return text.upper().lstrip("0") or "0"


def random_serial():
    return f"{secrets.randbelow(0x70) + 0x10:02X}" + secrets.token_hex(15).upper()


def iso8601(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def quoted(text):
    # What yaml-cpp's DoubleQuoted writes for the plain ASCII values used here.
    if not re.fullmatch(r"[\x20-\x7e]*", text):
        raise ValueError(f"not printable ASCII: {text!r}")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def entries(count, ca_sn, ca_name, prefix, now):
    """count distinct devices as (device_sn, ca_sn, ca_name, cn, not_before, not_after,
    first_seen)."""
    seen = set()
    year = 365 * 24 * 3600
    while len(seen) < count:
        serial = random_serial()
        if serial in seen:
            continue
        seen.add(serial)
        first_seen = now - datetime.timedelta(seconds=secrets.randbelow(year))
        not_before = first_seen - datetime.timedelta(days=1 + secrets.randbelow(30))
        not_after = not_before + datetime.timedelta(days=2 * 365)
        yield (serial, ca_sn, ca_name, prefix + serial, iso8601(not_before), iso8601(not_after),
               iso8601(first_seen))


def write_registry(out, count, ca_sn, ca_name, prefix):
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    out.write(HEADER)
    out.write("version: 1\n")
    out.write("devices:\n" if count else "devices: []\n")
    for device_sn, ca, name, cn, not_before, not_after, first_seen in entries(
            count, ca_sn, ca_name, prefix, now):
        out.write(f"  - device_sn: {quoted(device_sn)}\n"
                  f"    ca_sn: {quoted(ca)}\n"
                  f"    ca_name: {quoted(name)}\n"
                  f"    common_name: {quoted(cn)}\n"
                  f"    not_before: {quoted(not_before)}\n"
                  f"    not_after: {quoted(not_after)}\n"
                  f"    first_seen: {quoted(first_seen)}\n"
                  "    status: ACTIVE\n")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="the registry file to write")
    parser.add_argument("--count", required=True, type=int, help="devices (0 or more)")
    parser.add_argument("--ca-sn", required=True,
                        help="the CA's serial, as `openssl x509 -serial -noout` prints it")
    parser.add_argument("--ca-name", required=True, help="its ca_name in the auth YAML")
    parser.add_argument("--prefix", default="legacy-", help="CN prefix (default legacy-)")
    args = parser.parse_args(argv[1:])
    if args.count < 0:
        parser.error("--count must be 0 or more")
    try:
        ca_sn = canonical_serial(args.ca_sn)
        quoted(args.ca_name)
        quoted(args.prefix)
    except ValueError as error:
        parser.error(str(error))
    temporary = args.out + ".tmp"
    with open(temporary, "w", encoding="ascii") as out:
        write_registry(out, args.count, ca_sn, args.ca_name, args.prefix)
    os.replace(temporary, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
