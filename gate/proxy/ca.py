"""The per-user certificate authority `scrapegate run` intercepts HTTPS with.

Generated with `cryptography` on first use and kept under the state directory::

    <state>/proxy/ca-cert.pem         the CA certificate (COMMAND trusts it through env vars only)
    <state>/proxy/ca-key.pem          its private key, mode 0600
    <state>/proxy/leaf-key.pem        the one key every leaf certificate uses (proxy.py's model), 0600
    <state>/proxy/leaves/<fp>/<host>.pem   leaf certificates, per CA fingerprint
    <state>/proxy/trust/              empty: COMMAND's SSL_CERT_DIR

It is never installed in a system or browser trust store. Leaf certificates are issued here
rather than by proxy.py's `openssl` calls: those name every host as a DNS SAN (so an IP
literal such as https://127.0.0.1/ fails verification), run three `openssl` processes per
new host and last two years.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import ipaddress
import os
import re
import shutil
import socket
import threading
import uuid
from pathlib import Path
from typing import Any, Iterator

from gate.proxy.state import private_dir, state_dir

__all__ = ["CertificateAuthority", "InvalidHost", "valid_host"]

CA_VALIDITY_DAYS = 365
CA_RENEW_BEFORE_DAYS = 30
LEAF_VALIDITY_DAYS = 90          # well under the 398 days some clients accept
LEAF_RENEW_BEFORE_DAYS = 7
CLOCK_SKEW = dt.timedelta(hours=1)
CA_COMMON_NAME = "scrapegate run local CA"
PROXY_SUBDIR = "proxy"
# A CONNECT host becomes a file name: only plain DNS names and IP literals are accepted.
_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})"
_DNS_NAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*\.?$")


class InvalidHost(ValueError):
    """A host name the proxy will not issue a certificate for."""


def valid_host(host: str) -> str:
    """Return `host` if it is a DNS name or an IP literal, else raise InvalidHost."""
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    if not _DNS_NAME.match(host) or ".." in host:
        raise InvalidHost(f"not a host name: {host[:80]!r}")
    return host


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Serialise CA creation between concurrent `scrapegate run` processes (POSIX only)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no cross-process lock
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _new_key() -> Any:
    # ECDSA P-256: every current TLS client takes it, and unlike RSA it is generated and
    # loaded in well under a millisecond (loading an RSA key runs a ~0.1 s consistency check).
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _cert_pem(cert: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return cert.public_bytes(serialization.Encoding.PEM)


def _owner_label() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # no passwd entry (containers)
        user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    return f"{user}@{socket.gethostname()}"[:64]


class CertificateAuthority:
    """The CA under `directory` (default: <state dir>/proxy). Use `load_or_create()`.

    Usage::

        ca = CertificateAuthority.load_or_create()
        ca.ensure_leaf("shop.example")      # -> ca.leaves_dir / "shop.example.pem"
    """

    def __init__(self, directory: Path, cert: Any, key: Any, leaf_key: Any) -> None:
        self.directory = directory
        self.cert = cert
        self._key = key
        self._leaf_key = leaf_key
        self._lock = threading.Lock()
        self._fresh: dict[str, dt.datetime] = {}

    # -- files ------------------------------------------------------------------------
    @staticmethod
    def default_dir() -> Path:
        return state_dir() / PROXY_SUBDIR

    @property
    def cert_path(self) -> Path:
        return self.directory / "ca-cert.pem"

    @property
    def key_path(self) -> Path:
        return self.directory / "ca-key.pem"

    @property
    def leaf_key_path(self) -> Path:
        return self.directory / "leaf-key.pem"

    @property
    def fingerprint(self) -> str:
        from cryptography.hazmat.primitives import hashes

        return self.cert.fingerprint(hashes.SHA256()).hex()

    @property
    def trust_dir(self) -> Path:
        """An empty directory for SSL_CERT_DIR, so OpenSSL clients do not fall back on the
        system's CA directory (see gate.proxy.command)."""
        return self.directory / "trust"

    @property
    def leaves_dir(self) -> Path:
        return self.directory / "leaves" / self.fingerprint[:16]

    # -- loading ----------------------------------------------------------------------
    @classmethod
    def load_or_create(cls, directory: str | os.PathLike[str] | None = None, *,
                       now: dt.datetime | None = None) -> "CertificateAuthority":
        """Load the CA, or create it (and a new leaf key) when missing, unreadable, not
        matching its key, or within CA_RENEW_BEFORE_DAYS of expiry."""
        base = private_dir(Path(directory) if directory else cls.default_dir())
        now = now or _now()
        with _file_lock(base / ".lock"):
            ca = cls._load(base, now)
            if ca is None:
                ca = cls._create(base, now)
            private_dir(ca.directory / "leaves")
            private_dir(ca.leaves_dir)
            private_dir(ca.trust_dir)
            ca._prune_old_leaves()
        return ca

    @classmethod
    def _load(cls, base: Path, now: dt.datetime) -> "CertificateAuthority | None":
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization

        paths = [base / "ca-cert.pem", base / "ca-key.pem", base / "leaf-key.pem"]
        if not all(p.is_file() for p in paths):
            return None
        try:
            cert = x509.load_pem_x509_certificate(paths[0].read_bytes())
            key = serialization.load_pem_private_key(paths[1].read_bytes(), password=None)
            leaf_key = serialization.load_pem_private_key(paths[2].read_bytes(), password=None)
            basic = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        except (ValueError, TypeError, OSError, x509.ExtensionNotFound):
            return None  # unreadable or not ours: start afresh
        if not basic.ca or _public_der(cert.public_key()) != _public_der(key.public_key()):
            return None
        if cert.not_valid_after_utc - now < dt.timedelta(days=CA_RENEW_BEFORE_DAYS):
            return None
        for path in paths[1:]:  # keep the keys private even if someone loosened them
            os.chmod(path, 0o600)
        return cls(base, cert, key, leaf_key)

    @classmethod
    def _create(cls, base: Path, now: dt.datetime) -> "CertificateAuthority":
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.x509.oid import NameOID

        key = _new_key()
        name = x509.Name([
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "scrapegate"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, _owner_label()),
            x509.NameAttribute(NameOID.COMMON_NAME, CA_COMMON_NAME),
        ])
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        cert = (
            x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - CLOCK_SKEW)
            .not_valid_after(now + dt.timedelta(days=CA_VALIDITY_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False), critical=True)
            .add_extension(ski, critical=False)
            .sign(key, hashes.SHA256())
        )
        leaf_key = _new_key()
        # Keys first: a crash between writes leaves a cert without its key, which _load rejects.
        _write_atomic(base / "ca-key.pem", _key_pem(key), 0o600)
        _write_atomic(base / "leaf-key.pem", _key_pem(leaf_key), 0o600)
        _write_atomic(base / "ca-cert.pem", _cert_pem(cert), 0o644)
        return cls(base, cert, key, leaf_key)

    def _prune_old_leaves(self) -> None:
        root = self.directory / "leaves"
        for child in root.iterdir() if root.is_dir() else ():
            if child.is_dir() and child != self.leaves_dir:
                shutil.rmtree(child, ignore_errors=True)

    # -- leaf certificates --------------------------------------------------------------
    def leaf_path(self, host: str) -> Path:
        """Where proxy.py looks for the certificate of `host` (its `--ca-cert-dir` layout)."""
        return self.leaves_dir / f"{valid_host(host)}.pem"

    def ensure_leaf(self, host: str, *, now: dt.datetime | None = None) -> Path:
        """Issue (or reuse) the leaf certificate for `host`; returns its path."""
        path = self.leaf_path(host)
        now = now or _now()
        margin = dt.timedelta(days=LEAF_RENEW_BEFORE_DAYS)
        with self._lock:
            expires = self._fresh.get(host)
            if expires is None and path.is_file():
                expires = self._read_expiry(path)
            if expires is None or expires - now < margin:
                cert = self._issue(host, now)
                _write_atomic(path, _cert_pem(cert), 0o644)
                expires = cert.not_valid_after_utc
            self._fresh[host] = expires
        return path

    @staticmethod
    def _read_expiry(path: Path) -> dt.datetime | None:
        from cryptography import x509

        try:
            return x509.load_pem_x509_certificate(path.read_bytes()).not_valid_after_utc
        except (ValueError, OSError):
            return None

    def _issue(self, host: str, now: dt.datetime) -> Any:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

        try:
            san: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
        except ValueError:
            san = x509.DNSName(host.rstrip(".").lower())
        not_after = min(now + dt.timedelta(days=LEAF_VALIDITY_DAYS), self.cert.not_valid_after_utc)
        ca_ski = self.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        return (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host.rstrip(".")[:64])]))
            .issuer_name(self.cert.subject)
            .public_key(self._leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - CLOCK_SKEW)
            .not_valid_after(not_after)
            .add_extension(x509.SubjectAlternativeName([san]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self._leaf_key.public_key()), critical=False)
            .sign(self._key, hashes.SHA256())
        )

    def __repr__(self) -> str:
        return f"<CertificateAuthority {self.directory} fp={self.fingerprint[:16]}>"


def _public_der(public_key: Any) -> bytes:
    """A public key's SubjectPublicKeyInfo: comparable whatever the key type."""
    from cryptography.hazmat.primitives import serialization

    return bytes(public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))
