"""Certificates and keys for TLS tests, made at test time with the openssl command line.

A TlsMaterial is a directory of authorities and the certificates they issue:

    material = TlsMaterial(tempdir)
    root = material.authority("Test Root")
    issuing = material.authority("Test Issuing CA", issuer=root)        # an intermediate
    server = material.server("mqtt.example.com", issuing, dns_names=["mqtt.example.com"])
    old = material.server("old.example.com", root, not_after=days_from_now(-1))   # expired
    locked = material.server("locked.example.com", root, password="k3y-pass")
    device = material.client("device-7", issuing)

Every certificate is signed by `openssl ca`, which takes explicit validity dates (expired and
not-yet-valid certificates are one argument away) and draws random serial numbers. A Credential's
cert file holds the leaf followed by the intermediate authorities up to, not including, the root:
what a server or a client presents. Keys are ECDSA P-256 by default (fast to make and to use),
RSA on request; a password encrypts the key file (AES-256, PKCS#8).

Also a standalone tool, for benchmarks that need a few certificates:
    python3 sni_tls_material.py DIRECTORY   # writes the files listed in main() below
"""

import datetime
import os
import subprocess
import sys

OPENSSL = os.environ.get("OPENSSL", "openssl")
OPENSSL_TIMEOUT = 60.0


def days_from_now(days):
    """An openssl ca date (UTC, YYYYMMDDHHMMSSZ) `days` from now; negative is in the past."""
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)
    return moment.strftime("%Y%m%d%H%M%SZ")


def openssl(*args, input_text=None):
    """Runs openssl; fails with its stderr. Returns stdout."""
    try:
        result = subprocess.run([OPENSSL, *args], input=input_text, capture_output=True,
                                text=True, timeout=OPENSSL_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"openssl {' '.join(args)} did not finish") from None
    if result.returncode != 0:
        raise AssertionError(f"openssl {' '.join(args)} failed: {result.stderr}")
    return result.stdout


def certificate_facts(pem_text):
    """{"subject": "CN = ...", "issuer": ..., "serial": "HEX", "not_after": ...} of the first
    certificate in `pem_text`, as `openssl x509` prints them."""
    output = openssl("x509", "-noout", "-subject", "-issuer", "-serial", "-enddate",
                     input_text=pem_text)
    facts = {}
    for line in output.splitlines():
        key, _, value = line.partition("=")
        facts[{"notAfter": "not_after"}.get(key, key)] = value.strip()
    return facts


def split_pem_certificates(text):
    """Every PEM certificate block in `text`, in order."""
    begin, end = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
    blocks = []
    start = text.find(begin)
    while start != -1:
        stop = text.index(end, start) + len(end)
        blocks.append(text[start:stop] + "\n")
        start = text.find(begin, stop)
    return blocks


class Credential:
    """A certificate and its key, as files."""

    def __init__(self, name, cert, key, password=None, leaf=None):
        self.name = name
        self.cert = cert          # leaf, then the chain up to (not including) the root
        self.key = key
        self.password = password  # None: the key file is not encrypted
        self.leaf = leaf or cert  # the leaf alone

    def pem(self):
        with open(self.leaf, encoding="ascii") as file:
            return file.read()

    def facts(self):
        return certificate_facts(self.pem())

    @property
    def serial(self):
        """The serial number as `openssl x509 -serial` prints it (upper-case hex)."""
        return self.facts()["serial"]


class Authority(Credential):
    """A CA: a Credential that can issue, with its openssl ca database."""

    def __init__(self, name, cert, key, directory, chain):
        super().__init__(name, cert, key, leaf=cert)
        self.directory = directory
        self.chain = chain  # cert files to append after a leaf it issues (itself, if not a root)


class TlsMaterial:
    """Authorities and certificates in one directory (file names derive from the names given,
    so each name must be unique within one TlsMaterial)."""

    def __init__(self, directory):
        self.directory = directory
        os.makedirs(directory, exist_ok=True)

    # ---------------------------------------------------------------- public

    def authority(self, name, issuer=None, *, key_type="ec", not_before=None, not_after=None,
                  path_length=None):
        """A root CA (issuer None) or an intermediate CA signed by `issuer`."""
        base = self._base(name)
        key = self._new_key(base, key_type)
        constraint = "critical,CA:TRUE" + (f",pathlen:{path_length}" if path_length is not None
                                           else "")
        extensions = [f"basicConstraints={constraint}", "keyUsage=critical,keyCertSign,cRLSign",
                      "subjectKeyIdentifier=hash"]
        if issuer is not None:
            extensions.append("authorityKeyIdentifier=keyid:always")
        database = self._new_database(base)
        cert = base + ".crt"
        self._sign(name, key, cert, extensions, issuer, not_before, not_after,
                   self_sign_database=database if issuer is None else None)
        chain = [] if issuer is None else [cert, *issuer.chain]
        return Authority(name, cert, key, database, chain)

    def server(self, name, issuer, *, dns_names=None, ip_addresses=(), key_type="ec",
               password=None, not_before=None, not_after=None):
        """A TLS server certificate for subject CN `name`; its SANs are `dns_names` (default:
        [name]) and `ip_addresses`."""
        names = [f"DNS:{dns}" for dns in (dns_names if dns_names is not None else [name])]
        names += [f"IP:{ip}" for ip in ip_addresses]
        extensions = ["basicConstraints=critical,CA:FALSE",
                      "keyUsage=critical,digitalSignature,keyEncipherment",
                      "extendedKeyUsage=serverAuth", "subjectKeyIdentifier=hash",
                      "authorityKeyIdentifier=keyid:always"]
        if names:
            extensions.append("subjectAltName=" + ",".join(names))
        return self._leaf(name, issuer, extensions, key_type, password, not_before, not_after)

    def client(self, name, issuer, *, key_type="ec", password=None, not_before=None,
               not_after=None):
        """A TLS client (device) certificate with subject CN `name`."""
        extensions = ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature",
                      "extendedKeyUsage=clientAuth", "subjectKeyIdentifier=hash",
                      "authorityKeyIdentifier=keyid:always"]
        return self._leaf(name, issuer, extensions, key_type, password, not_before, not_after)

    def bundle(self, name, *credentials):
        """One PEM file holding the given certificates' leaves (e.g. a cafile of several CAs)."""
        path = self._base(name) + ".pem"
        with open(path, "w", encoding="ascii") as out:
            for credential in credentials:
                out.write(credential.pem())
        return path

    # ---------------------------------------------------------------- files

    def _base(self, name):
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
        return os.path.join(self.directory, safe)

    def _new_key(self, base, key_type):
        key = base + ".key"
        if key_type == "ec":
            openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-out", key)
        elif key_type == "rsa":
            openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                    "-out", key)
        else:
            raise ValueError(f"key_type must be ec or rsa, not {key_type!r}")
        return key

    def _new_database(self, base):
        """The files `openssl ca` keeps for one authority."""
        directory = base + ".ca"
        os.makedirs(os.path.join(directory, "issued"), exist_ok=True)
        open(os.path.join(directory, "index.txt"), "w").close()
        with open(os.path.join(directory, "ca.cnf"), "w", encoding="ascii") as config:
            config.write("\n".join([
                "[ ca ]", "default_ca = this_ca", "[ this_ca ]",
                f"database = {directory}/index.txt",
                f"new_certs_dir = {directory}/issued",
                f"serial = {directory}/serial",
                "rand_serial = yes",
                "default_md = sha256",
                "policy = any_subject",
                "unique_subject = no",
                "email_in_dn = no",
                "copy_extensions = none",
                "[ any_subject ]",
                "commonName = supplied",
            ]) + "\n")
        return directory

    def _sign(self, name, key, cert, extensions, issuer, not_before, not_after,
              self_sign_database=None):
        csr = cert + ".csr"
        extfile = cert + ".ext"
        openssl("req", "-new", "-key", key, "-subj", "/CN=" + name.replace("/", "\\/"),
                "-out", csr)
        with open(extfile, "w", encoding="ascii") as file:
            file.write("\n".join(extensions) + "\n")
        database = self_sign_database or issuer.directory
        args = ["ca", "-batch", "-notext", "-config", os.path.join(database, "ca.cnf"),
                "-in", csr, "-out", cert, "-extfile", extfile,
                "-startdate", not_before or days_from_now(-1),
                "-enddate", not_after or days_from_now(365)]
        if self_sign_database:
            args += ["-selfsign", "-keyfile", key]
        else:
            args += ["-cert", issuer.cert, "-keyfile", issuer.key]
        openssl(*args)

    def _leaf(self, name, issuer, extensions, key_type, password, not_before, not_after):
        base = self._base(name)
        key = self._new_key(base, key_type)
        leaf = base + ".leaf.crt"
        self._sign(name, key, leaf, extensions, issuer, not_before, not_after)
        cert = base + ".crt"
        with open(cert, "w", encoding="ascii") as out:
            for path in [leaf, *issuer.chain]:
                with open(path, encoding="ascii") as part:
                    out.write(part.read())
        if password is not None:
            encrypted = base + ".enc.key"
            openssl("pkey", "-in", key, "-aes-256-cbc", "-passout", "pass:" + password,
                    "-out", encrypted)
            os.remove(key)
            key = encrypted
        return Credential(name, cert, key, password, leaf)


def main(argv):
    """Writes a root CA, an intermediate and two server certificates into DIRECTORY:
    root.crt, and default.example.com.{crt,key} and *.bench.example.com as bench.crt/key."""
    if len(argv) != 2:
        print("usage: sni_tls_material.py DIRECTORY", file=sys.stderr)
        return 2
    material = TlsMaterial(argv[1])
    root = material.authority("root")
    issuing = material.authority("issuing", issuer=root)
    material.server("default.example.com", issuing)
    material.server("bench", issuing, dns_names=["*.bench.example.com"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
