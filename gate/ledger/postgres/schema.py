"""The PostgreSQL ledger's schema: versioned migrations, applied once under an advisory lock, and
the connection every writer and reader opens.

Everything lives in the database schema ``scrapegate`` (never beside an application's own
tables). ``scrapegate.migrations`` lists the versions applied; a writer applies the missing
ones in order, in one transaction each, holding ``pg_advisory_xact_lock`` so that many nodes
starting at once migrate once. A database whose version is newer than this code knows is
refused (by writers and readers alike): an old node must never append rows a newer reader
cannot verify.

psycopg's errors are mapped here, once, to LedgerError naming the (password-redacted) URL.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from gate.errors import LedgerError, redact_url, scrub_secrets
from gate.ledger.postgres.compact import MIGRATION_3, migrate_rows_3
from gate.ledger.postgres.packed import MIGRATION_4, migrate_rows_4

__all__ = [
    "SCHEMA", "MIGRATIONS", "SCHEMA_VERSION", "LOCK_TIMEOUT_S", "CONNECT_TIMEOUT_S", "POSTGRES_SCHEMES",
    "redact", "dsn", "connect", "pg_errors", "schema_version",
]

POSTGRES_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")
SCHEMA = "scrapegate"
LEDGER_FORMAT = "scrapegate-ledger"
# Bound on waiting for another writer's chain lock (PostgreSQL's lock_timeout), as SQLite's busy wait.
LOCK_TIMEOUT_S = 10.0
CONNECT_TIMEOUT_S = 10
_MIGRATION_LOCK = 0x5C7A9E6A7E  # pg_advisory_xact_lock key: "scrapegate" migrations

# (version, what it does, statements). Append only: a released migration is never edited.
MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (1, "decisions and collections, each one hash chain serialised by a head row", f"""
CREATE TABLE {SCHEMA}.meta (key text PRIMARY KEY, value text NOT NULL);
INSERT INTO {SCHEMA}.meta VALUES ('format', '{LEDGER_FORMAT}');
CREATE TABLE {SCHEMA}.decisions (
    seq bigint PRIMARY KEY,
    decision_id text NOT NULL UNIQUE,
    time text NOT NULL,
    job text NOT NULL,
    owner text,
    method text NOT NULL,
    url text NOT NULL,
    site text NOT NULL,
    allow smallint NOT NULL,
    mode text NOT NULL,
    deny_codes text NOT NULL,
    warn_codes text NOT NULL,
    waived_codes text NOT NULL,
    jurisdictions text NOT NULL,
    legal_basis text NOT NULL,
    policy_revision text,
    engine text,
    signals text NOT NULL,
    error text,
    prev_hash text NOT NULL,
    hash text NOT NULL
);
CREATE INDEX decisions_by_site ON {SCHEMA}.decisions (site);
CREATE INDEX decisions_by_job ON {SCHEMA}.decisions (job);
CREATE TABLE {SCHEMA}.collections (
    seq bigint PRIMARY KEY,
    decision_id text NOT NULL,
    time text NOT NULL,
    status integer NOT NULL,
    bytes bigint NOT NULL,
    content_sha256 text NOT NULL,
    decision_hash text NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL
);
CREATE INDEX collections_by_decision ON {SCHEMA}.collections (decision_id);
-- One row per chain: the last seq and hash. Appending locks it (SELECT ... FOR UPDATE), so
-- concurrent writers extend one chain one transaction at a time.
CREATE TABLE {SCHEMA}.heads (chain text PRIMARY KEY, seq bigint NOT NULL, hash text NOT NULL);
INSERT INTO {SCHEMA}.heads VALUES ('decisions', 0, '{"0" * 64}'), ('collections', 0, '{"0" * 64}');
"""),
    (2, "the response phase's quarantine, its own hash chain", f"""
CREATE TABLE {SCHEMA}.quarantine (
    seq bigint PRIMARY KEY,
    time text NOT NULL,
    action text NOT NULL,
    decision_id text,
    job text NOT NULL,
    site text NOT NULL,
    url text,
    reason text,
    category text,
    evidence text,
    handed_over smallint NOT NULL,
    actor text,
    prev_hash text NOT NULL,
    hash text NOT NULL
);
CREATE INDEX quarantine_by_job_site ON {SCHEMA}.quarantine (job, site);
INSERT INTO {SCHEMA}.heads VALUES ('quarantine', 0, '{"0" * 64}');
"""),
    (3, "compact rows: interned profiles and contexts, binary ids, times and hashes (issue 21.5)", MIGRATION_3),
    (4, "packed rows: the rows of one transaction in one tuple, ids found by runs (issue 21.5)", MIGRATION_4),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


redact = redact_url  # `url` with its passwords hidden (user:***@, ?password=***), for messages


def dsn(url: str) -> str:
    """The libpq connection URL: the scheme in lower case, SQLAlchemy's ``postgresql+psycopg://``
    spelling accepted."""
    scheme, _, rest = url.partition("://")
    return ("postgresql" if scheme.lower() == "postgresql+psycopg" else scheme.lower()) + "://" + rest


_scrub = scrub_secrets  # a libpq message may quote the URL: its passwords hidden


@contextmanager
def pg_errors(url: str, doing: str) -> Iterator[None]:
    """The one place psycopg errors become LedgerError, naming the ledger and the cause."""
    import psycopg

    try:
        yield
    except LedgerError:
        raise
    except psycopg.Error as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if isinstance(exc, psycopg.errors.LockNotAvailable):
            detail = f"the chain stayed locked by another writer for {LOCK_TIMEOUT_S:g} s ({detail})"
        raise LedgerError(f"ledger {redact(url)}: {doing} failed: {_scrub(detail, url)}") from None


def _import_psycopg() -> Any:
    try:
        import psycopg
    except ImportError as exc:
        raise LedgerError("the PostgreSQL ledger needs psycopg 3: pip install 'scrapegate[postgres]'") from exc
    return psycopg


def connect(url: str, *, readonly: bool = False) -> Any:
    """A psycopg connection to the ledger at `url`. A writer creates or migrates the schema; a
    reader requires a ledger at this code's version and never creates or alters anything."""
    psycopg = _import_psycopg()
    with pg_errors(url, "connecting to"):
        conn = psycopg.connect(dsn(url), connect_timeout=CONNECT_TIMEOUT_S, autocommit=True,
                               application_name="scrapegate-ledger")
    try:
        with pg_errors(url, "configuring"):
            conn.execute(f"SET lock_timeout = '{int(LOCK_TIMEOUT_S * 1000)}ms'")
        if readonly:
            with pg_errors(url, "opening"):
                version = schema_version(conn)
            if version == 0:
                raise LedgerError(f"ledger {redact(url)}: no scrapegate ledger in this database (no "
                                  f"{SCHEMA}.migrations table)")
            _check_version(url, version)
            with pg_errors(url, "opening"):
                conn.execute("SET default_transaction_read_only = on")
        else:
            _migrate(conn, url)
    except BaseException:
        conn.close()
        raise
    return conn


def schema_version(conn: Any) -> int:
    """The highest migration applied, 0 for a database without the ledger."""
    exists = conn.execute("SELECT to_regclass(%s)", (f"{SCHEMA}.migrations",)).fetchone()[0]
    if exists is None:
        return 0
    return int(conn.execute(f"SELECT coalesce(max(version), 0) FROM {SCHEMA}.migrations").fetchone()[0])


def _check_version(url: str, version: int) -> None:
    if version > SCHEMA_VERSION:
        raise LedgerError(f"ledger {redact(url)}: schema version {version} is newer than this scrapegate knows "
                          f"({SCHEMA_VERSION}); upgrade scrapegate on this node")
    if version < SCHEMA_VERSION:
        raise LedgerError(f"ledger {redact(url)}: schema version {version}, this scrapegate reads {SCHEMA_VERSION}; "
                          "open it once with a writer (any Gate with this ledger) to migrate it")


def _migrate(conn: Any, url: str) -> None:
    with pg_errors(url, "migrating the schema of"):
        if schema_version(conn) == SCHEMA_VERSION:  # the common case: no lock taken
            return
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
            conn.execute(f"CREATE TABLE IF NOT EXISTS {SCHEMA}.migrations (version integer PRIMARY KEY, "
                         "description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())")
            version = schema_version(conn)
            if version > SCHEMA_VERSION:
                _check_version(url, version)
            for number, description, statements in MIGRATIONS:
                if number <= version:
                    continue
                conn.execute(statements)
                if number == 3:
                    migrate_rows_3(conn)  # the rows themselves: Python, with the same encoding as the writers
                elif number == 4:
                    migrate_rows_4(conn)
                conn.execute(f"INSERT INTO {SCHEMA}.migrations (version, description) VALUES (%s, %s)",
                             (number, description))
        fmt = conn.execute(f"SELECT value FROM {SCHEMA}.meta WHERE key = 'format'").fetchone()
    if fmt is None or fmt[0] != LEDGER_FORMAT:
        raise LedgerError(f"ledger {redact(url)}: schema {SCHEMA} is not a scrapegate ledger")
