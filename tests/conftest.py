"""Fixtures every test package shares: each test gets its own ledger and state directory under
tmp_path; the guard and adapter tests get a real local site (`site`), a small test policy
(`policy_dir`, `engine`) and a Gate factory (`make_gate`); the OPA tests get a running local
OPA stand-in (`fake_opa`; `opa_fake.FakeOPA(**options)` as a context manager for one with options).

Plain support modules beside this file hold what the fixtures wrap: local_site (the site,
the test policy and job), opa_fake (the OPA stand-in), legal_workflow_bundle (a small
policy bundle), ledger_helpers (decisions and inputs shaped as the Gate makes them) and
pg_server (a real PostgreSQL server: `postgres_server` for the session, `postgres_url` a fresh
database per test).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

import pytest
from pytest_httpserver import HTTPServer

import gate.engines  # noqa: F401  - before any test module imports regopy (see gate/engines/__init__.py)

from legal_workflow_bundle import write_bundle
from local_site import JOB, Site, signals_source, write_policy
from opa_fake import FakeOPA
from pg_server import PostgresServer, find_bindir

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def _isolated_session_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Session and module fixtures are built before a test's own monkeypatch below, and the
    ledger is on by default (issue 20.10): they too write under a tmp dir, never in the
    working tree (./.scrapegate) or the developer's home."""
    patch = pytest.MonkeyPatch()
    base = tmp_path_factory.mktemp("session-state")
    patch.setenv("SCRAPEGATE_LEDGER", str(base / "ledger.db"))
    patch.setenv("SCRAPEGATE_HOME", str(base / "state"))
    yield
    patch.undo()


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRAPEGATE_LEDGER", str(tmp_path / "ledger.db"))
    monkeypatch.setenv("SCRAPEGATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("SCRAPEGATE_OPA_URL", raising=False)
    monkeypatch.delenv("SCRAPEGATE_ENGINE", raising=False)
    monkeypatch.delenv("SCRAPEGATE_OPA_TOKEN", raising=False)
    monkeypatch.delenv("SCRAPEGATE_OPA_TIMEOUT", raising=False)
    monkeypatch.delenv("SCRAPEGATE_SIGNALS", raising=False)
    monkeypatch.delenv("SCRAPEGATE_LEDGER_WRITER", raising=False)
    for name in ("SCRAPEGATE_REDIS", "SCRAPEGATE_CLUSTER_NODES", "SCRAPEGATE_REDIS_LEASE"):
        monkeypatch.delenv(name, raising=False)
    # Reading each site's own terms adds GET / and a terms page to a live gate's first request
    # to a site; tests that count what reached an origin are about other things. The terms
    # tests (tests/signals_terms) switch it on.
    monkeypatch.setenv("SCRAPEGATE_TERMS_DISCOVERY", "off")


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def examples() -> Path:
    return REPO / "examples" / "jobs"


# -- a real local site and a small test policy (the guard and adapter tests) ----------------------

@pytest.fixture(scope="module")
def site_server() -> Iterator[HTTPServer]:
    """One server per test module (stopping a threaded server costs half a second)."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def site(site_server: HTTPServer) -> Iterator[Site]:
    """The module's server with no handlers and an empty access log."""
    site_server.clear()
    yield Site(site_server)
    site_server.clear()


@pytest.fixture(scope="session")
def policy_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_policy(tmp_path_factory.mktemp("adapter-policies"))


@pytest.fixture(scope="session")
def engine(policy_dir: Path) -> Iterator[Any]:
    from gate.engines.embedded import EmbeddedEngine

    eng = EmbeddedEngine([policy_dir], include_shipped=False)
    yield eng
    eng.close()


@pytest.fixture
def make_gate(engine: Any) -> Iterator[Any]:
    from gate.core.gate import Gate

    made: list[Any] = []

    def make(mode: str = "enforce", ledger: Any = False, **kw: Any) -> Any:
        kw.setdefault("signals", signals_source())
        g = Gate(JOB, engine=engine, mode=mode, ledger=ledger, **kw)
        made.append(g)
        return g

    yield make
    for g in made:
        g.close()


# -- the local OPA stand-in ------------------------------------------------------------------------

@pytest.fixture
def fake_opa() -> Iterator[FakeOPA]:
    with FakeOPA() as server:
        yield server



# -- a real PostgreSQL server (Debian's postgresql package; .ci/run installs it) -------------------

@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bindir = find_bindir()
    missing = "PostgreSQL's initdb/postgres (Debian: apt-get install postgresql)" if bindir is None else None
    try:
        import psycopg  # noqa: F401
    except ImportError:
        missing = "psycopg (pip install 'scrapegate[postgres]')"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{missing} is required in CI")
        pytest.skip(f"{missing} is not installed")
    assert bindir is not None
    server = PostgresServer(bindir).start()
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A fresh, empty database on the session's server."""
    return postgres_server.new_database()


# -- the legal-workflow bundle (diff, explain, docs, lint, report formats) -------------------------

@pytest.fixture
def legal_bundle(tmp_path: Path) -> Path:
    """A small policy bundle shaped like the shipped one (see legal_workflow_bundle)."""
    return write_bundle(tmp_path / "policies")
