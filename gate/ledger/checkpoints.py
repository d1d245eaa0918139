"""Signed checkpoints of the ledger's chain heads, kept apart from the database (issue 17.6).

A hash chain shows an edited row, but not a chain cut short, emptied, or rebuilt after an
edit: whoever can write the database can recompute every hash. A checkpoint is a line of
JSON naming each chain's last seq and hash at a moment, with an HMAC-SHA256 over it under a
key the database never holds:

    {"v":1,"time":"...","decisions":[1200,"9f41..."],"collections":[800,"b4f7..."],"mac":"..."}

Writers append one automatically (at most every CHECKPOINT_INTERVAL_S after a commit, and on
close) once a key is configured: SCRAPEGATE_LEDGER_KEY (the secret itself) or
SCRAPEGATE_LEDGER_KEY_FILE (a file holding it), at least 16 bytes. `verify` then requires every
checkpointed row to be in the ledger with the checkpointed hash: rows cut from the end, all
rows deleted, a chain rebuilt after an edit and rows deleted and renumbered all fail it.

The checkpoint file is SCRAPEGATE_LEDGER_CHECKPOINTS, else ``<ledger file>.checkpoints`` for
SQLite, else ``<state dir>/ledger-<host>-<port>-<database>.checkpoints`` for PostgreSQL. The
same base names the batched writer's journals of acknowledged rows (``.pending.<pid>.<n>``, the
writer process's pid), from which `verify` reports rows acknowledged but never committed
once that process is gone.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from gate.errors import LedgerError

__all__ = [
    "KEY_ENV", "KEY_FILE_ENV", "CHECKPOINTS_ENV", "CHECKPOINT_INTERVAL_S", "Checkpoint", "Checkpointer",
    "load_key", "checkpoints_path", "checkpointer_for", "read_checkpoints", "check_checkpoints", "pending_journals",
    "process_alive",
]

KEY_ENV = "SCRAPEGATE_LEDGER_KEY"
KEY_FILE_ENV = "SCRAPEGATE_LEDGER_KEY_FILE"
CHECKPOINTS_ENV = "SCRAPEGATE_LEDGER_CHECKPOINTS"
CHECKPOINT_INTERVAL_S = 1.0
MIN_KEY_BYTES = 16
CHAINS = ("decisions", "collections")
_DOMAIN = b"scrapegate-ledger-checkpoint/1\n"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
PRUNED = "pruned"  # what a backend's hashes_at answers for a row a signed prune removed


def load_key(environ: Mapping[str, str] | None = None) -> bytes | None:
    """The checkpoint key from SCRAPEGATE_LEDGER_KEY or SCRAPEGATE_LEDGER_KEY_FILE, or None."""
    env = os.environ if environ is None else environ
    key: bytes | None = None
    if env.get(KEY_ENV):
        key = env[KEY_ENV].encode("utf-8")
        source = KEY_ENV
    elif env.get(KEY_FILE_ENV):
        source = env[KEY_FILE_ENV]
        try:
            key = Path(source).read_bytes().strip()
        except OSError as exc:
            raise LedgerError(f"ledger key file {source}: {exc.strerror or exc}") from exc
    if key is None:
        return None
    if key.startswith(b"-----BEGIN"):
        _pem_key(key)  # refused now if it is not an Ed25519 key
        return key
    if len(key) < MIN_KEY_BYTES:
        raise LedgerError(f"ledger key from {source}: at least {MIN_KEY_BYTES} bytes are needed, got {len(key)}")
    return key


def checkpoints_path(location: str, environ: Mapping[str, str] | None = None) -> Path:
    """Where the checkpoints of the ledger at `location` (a file or a postgresql:// URL) go."""
    env = os.environ if environ is None else environ
    if env.get(CHECKPOINTS_ENV):
        return Path(env[CHECKPOINTS_ENV]).expanduser()
    scheme, sep, rest = location.partition("://")
    if not sep or scheme.lower() == "sqlite":
        return Path(location).expanduser().with_name(Path(location).name + ".checkpoints")
    hostpart, _, database = rest.rpartition("@")[2].partition("/")
    name = _UNSAFE.sub("_", f"ledger-{hostpart.replace(':', '-')}-{database.split('?', 1)[0]}")
    state = Path(env.get("SCRAPEGATE_HOME") or Path(".scrapegate"))
    return state / f"{name}.checkpoints"


def _signed_bytes(body: Mapping[str, object]) -> bytes:
    return _DOMAIN + json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")


@lru_cache(maxsize=4)
def _pem_key(key: bytes) -> Any:
    """An Ed25519 private or public key from PEM text (`cryptography`, imported only here)."""
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError as exc:  # pragma: no cover - the proxy and dev extras install it
        raise LedgerError("an Ed25519 checkpoint key needs the cryptography package (pip install cryptography)"
                          ) from exc
    try:
        loaded: Any = (serialization.load_pem_private_key(key, password=None) if b"PRIVATE KEY" in key
                       else serialization.load_pem_public_key(key))
    except (ValueError, TypeError) as exc:
        raise LedgerError(f"the ledger checkpoint key is PEM but not a usable key: {exc}") from exc
    if not isinstance(loaded, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)):
        raise LedgerError(f"the ledger checkpoint key must be Ed25519 (or an HMAC secret), not {type(loaded).__name__}")
    return loaded


def _mac(key: bytes, body: Mapping[str, object]) -> str:
    """The checkpoint's signature: HMAC-SHA256 under a secret, or Ed25519 under a PEM private key."""
    if key.startswith(b"-----BEGIN"):
        private = _pem_key(key)
        if not hasattr(private, "sign"):
            raise LedgerError("the ledger checkpoint key is an Ed25519 public key: it verifies checkpoints but "
                              "cannot sign them; give the writers the private key")
        return str(private.sign(_signed_bytes(body)).hex())
    return hmac.new(key, _signed_bytes(body), hashlib.sha256).hexdigest()


def _valid(key: bytes, body: Mapping[str, object], mac: str) -> bool:
    if key.startswith(b"-----BEGIN"):
        from cryptography.exceptions import InvalidSignature

        loaded = _pem_key(key)
        public = loaded.public_key() if hasattr(loaded, "public_key") else loaded
        try:
            public.verify(bytes.fromhex(mac), _signed_bytes(body))
        except (InvalidSignature, ValueError):
            return False
        return True
    return hmac.compare_digest(mac, _mac(key, body))


@dataclass(frozen=True)
class Checkpoint:
    line: int
    time: str
    heads: dict[str, tuple[int, str]]


class Checkpointer:
    """Appends signed checkpoints to one file, at most every `interval_s` (`maybe_write`) and on
    demand (`write`). One O_APPEND write and an fsync per checkpoint: lines from several
    processes never interleave, and a checkpoint on disk survives what the commit survives."""

    def __init__(self, path: Path, key: bytes, interval_s: float = CHECKPOINT_INTERVAL_S) -> None:
        if key.startswith(b"-----BEGIN") and not hasattr(_pem_key(key), "sign"):
            raise LedgerError("the ledger checkpoint key is an Ed25519 public key: it verifies checkpoints but "
                              "cannot sign them; give the writers the private key")
        self.path, self._key, self._interval = path, key, interval_s
        self._heads: dict[str, tuple[int, str]] = {}
        self._written: dict[str, tuple[int, str]] = {}
        self._last = 0.0

    def advance(self, heads: Mapping[str, tuple[int, str]]) -> None:
        """Note committed heads (only ever forward: another process may have committed later ones)."""
        for chain, head in heads.items():
            if head[0] > self._heads.get(chain, (-1, ""))[0]:
                self._heads[chain] = head

    def maybe_write(self, heads: Mapping[str, tuple[int, str]]) -> None:
        self.advance(heads)
        if time.monotonic() - self._last >= self._interval:
            self.write()

    def write(self) -> None:
        if not self._heads or self._heads == self._written:
            return
        body: dict[str, object] = {"v": 1, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        body.update({chain: list(head) for chain, head in self._heads.items()})
        line = json.dumps({**body, "mac": _mac(self._key, body)}, separators=(",", ":")) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise LedgerError(f"ledger checkpoints {self.path}: writing failed: {exc.strerror or exc}") from exc
        self._written = dict(self._heads)
        self._last = time.monotonic()


def read_checkpoints(path: Path, key: bytes) -> tuple[list[Checkpoint], list[str]]:
    """The checkpoints in `path` whose signature holds, and a problem for each line that does not."""
    good: list[Checkpoint] = []
    problems: list[str] = []
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], []
    except OSError as exc:
        raise LedgerError(f"ledger checkpoints {path}: reading failed: {exc.strerror or exc}") from exc
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw)
            mac = entry.pop("mac")
            heads = {c: (int(entry[c][0]), str(entry[c][1])) for c in CHAINS if c in entry}
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            if number == len(text.splitlines()) and not text.endswith("\n"):
                continue  # a line torn by a crash mid-write: the checkpoint was never complete
            problems.append(f"checkpoint line {number} of {path} is not a checkpoint")
            continue
        if not isinstance(mac, str) or not _valid(key, entry, mac):
            problems.append(f"checkpoint line {number} of {path} has a bad signature: forged, edited, or signed "
                            "with another key")
            continue
        good.append(Checkpoint(number, str(entry.get("time")), heads))
    return good, problems


def check_checkpoints(checkpoints: list[Checkpoint], counts: Mapping[str, int],
                      hash_at: Callable[[str, int], str | None]) -> list[str]:
    """A problem for the first checkpoint each chain contradicts: a checkpointed row missing
    (rows cut from the end, all rows deleted, rows deleted and renumbered) or holding another
    hash (the chain rebuilt after an edit)."""
    problems: list[str] = []
    for chain in CHAINS:
        # The furthest checkpoint first: it proves the most; then every other one, cheaply.
        for cp in sorted((c for c in checkpoints if chain in c.heads), key=lambda c: -c.heads[chain][0]):
            seq, digest = cp.heads[chain]
            if seq == 0:
                continue
            found = hash_at(chain, seq)
            if found == PRUNED:
                continue  # removed by a signed prune (gate.ledger.prune), which verify checks
            if found is None:
                problems.append(f"{chain}: the checkpoint of {cp.time} (line {cp.line}) names row {seq}, but the "
                                f"ledger has {counts.get(chain, 0)} row(s): rows were cut or deleted")
                break
            if found != digest and not (len(found) < len(digest) and digest.startswith(found)):
                problems.append(f"{chain}: row {seq} does not carry the hash the checkpoint of {cp.time} (line "
                                f"{cp.line}) signed: the chain was rewritten (an edit re-chained, or rows deleted "
                                "and renumbered)")
                break
    return problems


def pending_journals(base: Path) -> Iterator[tuple[int, Path]]:
    """The batched writers' journals beside the checkpoint file (``<base>.pending.<pid>.<n>``):
    (pid, path)."""
    for path in sorted(base.parent.glob(base.name + ".pending.*.*")) if base.parent.is_dir() else ():
        pid, _, generation = path.name[len(base.name) + len(".pending."):].partition(".")
        if pid.isdigit() and generation.isdigit():
            yield int(pid), path


def process_alive(pid: int) -> bool:
    """Whether a process `pid` runs on this machine (its journal may still be committing)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def checkpointer_for(location: str) -> Checkpointer | None:
    """The Checkpointer for the ledger at `location`, or None when no key is configured."""
    key = load_key()
    return Checkpointer(checkpoints_path(location), key) if key is not None else None
