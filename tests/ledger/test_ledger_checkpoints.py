"""Issue 17.6: signed checkpoints kept apart from the database catch what a hash chain alone
cannot (a tail cut off, every row deleted, a chain rebuilt after an edit, a row deleted and the
rest renumbered), in both backends; the batched writer fails closed promptly on a full disk (a
real RLIMIT_FSIZE on the recording process and its writer), and after a SIGKILL `verify` names
the decisions that were acknowledged and lost."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from gate.ledger import open_ledger
from gate.ledger.checkpoints import checkpoints_path, pending_journals, process_alive
from gate.ledger.query import rows, verify
from gate.ledger.sqlite.store import DECISION_FIELDS, GENESIS_HASH, row_hash

from ledger_helpers import allowed, policy_input

KEY = "k3y-for-the-ledger-checkpoints-0123456789"
Rows = list[list[Any]]  # [seq, *DECISION_FIELDS values] per decision


@pytest.fixture(params=["sqlite", "postgres"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return str(tmp_path / "ledger.db")


@pytest.fixture
def keyed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A key in the environment and the checkpoints in a directory of their own."""
    monkeypatch.setenv("SCRAPEGATE_LEDGER_KEY", KEY)
    path = tmp_path / "elsewhere" / "ledger.checkpoints"
    monkeypatch.setenv("SCRAPEGATE_LEDGER_CHECKPOINTS", str(path))
    return path


def _fill(location: str, n: int = 20, writer: str = "sync") -> None:
    with open_ledger(location, writer=writer) as ledger:  # type: ignore[attr-defined]
        for i in range(n):
            ledger.record(allowed(), policy_input(f"https://example.org/p/{i}"), mode="enforce", job="j", owner=None)


# -- what an attacker with write access to the database does ---------------------------------------

def _read(location: str) -> Rows:
    cols = ", ".join(("seq", *DECISION_FIELDS))
    if location.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(location) as conn:
            return [list(r) for r in conn.execute(f"SELECT {cols} FROM scrapegate.decisions_v ORDER BY seq")]
    with sqlite3.connect(location) as conn:
        return [list(r) for r in conn.execute(f"SELECT {cols} FROM decisions_v ORDER BY seq")]


def _rewrite(location: str, mutate: Callable[[Rows], Rows]) -> None:
    """Replace every decision row by `mutate`'s rows, re-chained from genesis so that the chain
    verifies (and, in PostgreSQL, with the head row moved to match)."""
    new, prev = [], GENESIS_HASH
    for row in mutate(_read(location)):
        digest = row_hash("decisions", row[0], prev, row[1:])
        new.append((*row, prev, digest))
        prev = digest
    if location.startswith("postgresql://"):
        import psycopg

        from gate.ledger.postgres.store import compact_decisions

        with psycopg.connect(location) as conn:
            conn.execute("DELETE FROM scrapegate.decision_blocks")
            conn.execute("DELETE FROM scrapegate.decision_runs")
            compact_decisions(conn, [(row[0], row[1:-2], row[-1]) for row in new])
            conn.execute("UPDATE scrapegate.heads SET seq = %s, hash = %s WHERE chain = 'decisions'",
                         (new[-1][0] if new else 0, prev))
        return
    from gate.ledger.sqlite.schema import compact_decision, time_base
    from gate.ledger.sqlite.store import Interner

    with sqlite3.connect(location) as conn:
        conn.execute("DELETE FROM decisions")
        interner, base = Interner(), time_base(conn)
        for row in new:
            conn.execute("INSERT INTO decisions VALUES (?, ?, ?, ?, ?, ?)",
                         compact_decision(conn, interner, base, row[0], row[1:-2], row[-1]))


def _edit_and_rechain(rows_: Rows) -> Rows:
    rows_[4][DECISION_FIELDS.index("url") + 1] = "https://example.org/innocent"
    return rows_


def _delete_and_renumber(rows_: Rows) -> Rows:
    del rows_[4]
    return [[i + 1, *r[1:]] for i, r in enumerate(rows_)]


ATTACKS: dict[str, Callable[[Rows], Rows]] = {
    "truncated tail": lambda r: r[:-3],
    "all rows deleted": lambda r: [],
    "re-chain after edit": _edit_and_rechain,
    "delete and renumber": _delete_and_renumber,
}


@pytest.mark.parametrize("attack", list(ATTACKS))
@pytest.mark.parametrize("writer", ["sync", "batched"])
def test_verify_catches_each_attack_once_a_key_is_configured(location: str, keyed: Path, writer: str,
                                                             attack: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(location, writer=writer)
    assert keyed.is_file() and verify(location).ok
    _rewrite(location, ATTACKS[attack])
    report = verify(location)
    assert not report.ok
    assert [p.table for p in report.problems] == ["checkpoint"], report.problems  # the chain alone verifies
    assert "rows were cut or deleted" in report.problems[0].reason or "rewritten" in report.problems[0].reason
    monkeypatch.delenv("SCRAPEGATE_LEDGER_KEY")  # the threat model: without the key, nothing shows
    assert verify(location).ok


def test_a_forged_or_deleted_checkpoint_file_is_reported(tmp_path: Path, keyed: Path) -> None:
    location = str(tmp_path / "ledger.db")
    _fill(location)
    lines = keyed.read_text().splitlines()
    entry = json.loads(lines[-1])
    entry["decisions"][0] = 3  # claim a shorter ledger, keep the old signature
    keyed.write_text("\n".join([*lines[:-1], json.dumps(entry)]) + "\n")
    report = verify(location)
    assert any("bad signature" in p.reason for p in report.problems), report.problems
    keyed.unlink()
    report = verify(location)
    assert [p.reason.split(",")[0] for p in report.problems] == [f"no signed checkpoint at {keyed}"]


def test_a_short_key_is_refused_clearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gate.errors import LedgerError

    monkeypatch.setenv("SCRAPEGATE_LEDGER_KEY", "short")
    with pytest.raises(LedgerError, match="at least 16 bytes"):
        open_ledger(tmp_path / "ledger.db")


def test_the_default_checkpoint_file_is_beside_the_ledger_file(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRAPEGATE_LEDGER_KEY_FILE", str(tmp_path / "key"))
    (tmp_path / "key").write_text(KEY + "\n")
    _fill(str(tmp_path / "ledger.db"), n=3)
    assert checkpoints_path(str(tmp_path / "ledger.db")) == tmp_path / "ledger.db.checkpoints"
    assert json.loads((tmp_path / "ledger.db.checkpoints").read_text().splitlines()[-1])["decisions"][0] == 3


# -- the batched writer: a full disk, and SIGKILL ----------------------------------------------------

FULL_DISK = r"""
import json, resource, sys
from gate.core.gate import Gate
from gate.engines.static import StaticEngine
from gate.ledger import open_ledger

path, limit = sys.argv[1], int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))  # the writer process inherits it: a full disk
job = {"apiVersion": "scrapegate/v1", "kind": "CollectionJob", "metadata": {"name": "j"},
       "spec": {"operator": {"name": "o", "establishment": "DE"}, "purpose": {"category": "price_monitoring"},
                "user_agent": "Bot/1.0", "data_categories": ["non_personal"],
                "data_subjects": {"jurisdictions": ["EU"]}, "targets": ["https://shop.example.com/"]}}
ledger = open_ledger(path, writer="batched")
gate = Gate(job, engine=StaticEngine(lambda _: {"allow": True}), signals="static", ledger=ledger)
acked, denied = [], []
for i in range(200000):
    d = gate.check(f"https://shop.example.com/p/{i}")
    if d.allow:
        acked.append(d.decision_id)
    else:
        denied.append(d.deny_codes)
        if len(denied) == 2:
            break
print(json.dumps({"acked": acked, "denied": denied}))
"""


@pytest.mark.slow
def test_a_full_disk_fails_the_batched_writer_closed_promptly(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    proc = subprocess.run([sys.executable, "-c", FULL_DISK, str(path), str(512 * 1024)], capture_output=True,
                          text=True, timeout=240)
    assert proc.returncode != 0 or proc.stdout, proc.stderr
    result = json.loads(proc.stdout)
    assert result["denied"] == [["ledger.unavailable"], ["ledger.unavailable"]]  # and every check after it
    present = {r["decision_id"] for r in rows(path)}
    lost = [i for i in result["acked"] if i not in present]
    # Back-pressure bounds what can be acknowledged ahead of the writer (2 batches of 512).
    assert len(lost) <= 2 * 512, len(lost)
    report = verify(path)
    named = [p for p in report.problems if p.table == "lost"]
    if lost:
        # One problem per journal of the dead writer (compact rows fill the disk later: several batches in flight).
        assert named and sum(int(p.reason.split(" ", 1)[0]) for p in named) == len(lost), report.problems
    assert all(p.table == "lost" for p in report.problems), report.problems


KILLED = r"""
import sys
from gate.ledger import open_ledger
from ledger_helpers import allowed, policy_input

ledger = open_ledger(sys.argv[1], writer="batched", batch_max_delay_s=120)  # nothing commits by time
for i in range(300):
    decision_id = ledger.record(allowed(), policy_input(f"https://example.org/{i}"), mode="enforce", job="j",
                                owner=None)
    print(decision_id, flush=True)
sys.stdin.read()  # wait to be killed
"""


@pytest.mark.slow
def test_after_sigkill_verify_names_the_acknowledged_rows_that_were_lost(location: str, tmp_path: Path) -> None:
    tests_dir = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen([sys.executable, "-c", KILLED, location], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, cwd=tmp_path, env={**__import__("os").environ, "PYTHONPATH": str(tests_dir)})
    acked = [proc.stdout.readline().strip() for _ in range(300)]  # type: ignore[union-attr]
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    journals = list(pending_journals(checkpoints_path(location)))
    assert len(journals) == 1
    deadline = time.monotonic() + 60
    while process_alive(journals[0][0]):  # the writer commits what reached it, then exits
        assert time.monotonic() < deadline
        time.sleep(0.05)
    present = {r["decision_id"] for r in rows(location)}
    lost = [i for i in acked if i not in present]
    assert 0 < len(lost) < 300  # the first 256 reached the writer (one frame), the rest died with the process
    report = verify(location)
    assert [p.table for p in report.problems] == ["lost"], report.problems
    assert f"{len(lost)} decision(s)" in report.problems[0].reason and lost[0] in report.problems[0].reason


def test_each_node_of_a_shared_postgresql_ledger_keeps_its_checkpoints_and_verify_reads_them_all(
        postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from gate.cli.ledger import ledger as ledger_cli

    monkeypatch.setenv("SCRAPEGATE_LEDGER_KEY", KEY)
    files = [tmp_path / "node-a.checkpoints", tmp_path / "node-b.checkpoints"]
    for node, path in enumerate(files):
        monkeypatch.setenv("SCRAPEGATE_LEDGER_CHECKPOINTS", str(path))
        _fill(postgres_url, n=10 + node)
    monkeypatch.delenv("SCRAPEGATE_LEDGER_CHECKPOINTS")
    args = ["verify", "--ledger", postgres_url, "--checkpoints", str(files[0]), "--checkpoints", str(files[1])]
    assert CliRunner().invoke(ledger_cli, args).exit_code == 0
    _rewrite(postgres_url, ATTACKS["truncated tail"])  # only node b's last rows go
    assert verify(postgres_url, checkpoints=[str(files[0])]).ok  # node a's checkpoints cannot see it
    result = CliRunner().invoke(ledger_cli, args)
    assert result.exit_code == 1 and "checkpoint contradicted: decisions: the checkpoint" in result.output


def test_ed25519_checkpoints_are_verified_with_the_public_key_alone(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from gate.errors import LedgerError

    private = ed25519.Ed25519PrivateKey.generate()
    (tmp_path / "writer.pem").write_bytes(private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (tmp_path / "auditor.pem").write_bytes(private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    location = str(tmp_path / "ledger.db")
    monkeypatch.setenv("SCRAPEGATE_LEDGER_KEY_FILE", str(tmp_path / "writer.pem"))
    _fill(location, writer="batched")
    monkeypatch.setenv("SCRAPEGATE_LEDGER_KEY_FILE", str(tmp_path / "auditor.pem"))
    assert verify(location).ok
    with pytest.raises(LedgerError, match="public key: it verifies checkpoints but cannot sign them"):
        open_ledger(location)  # an auditor's key cannot write (nor forge) checkpoints
    _rewrite(location, ATTACKS["re-chain after edit"])
    assert [p.table for p in verify(location).problems] == ["checkpoint"]
    other = ed25519.Ed25519PrivateKey.generate().public_key()
    (tmp_path / "other.pem").write_bytes(other.public_bytes(serialization.Encoding.PEM,
                                                            serialization.PublicFormat.SubjectPublicKeyInfo))
    monkeypatch.setenv("SCRAPEGATE_LEDGER_KEY_FILE", str(tmp_path / "other.pem"))
    assert any("bad signature" in p.reason for p in verify(location).problems)


def test_verify_without_the_key_says_the_checkpoints_were_not_checked(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """An OK that did not read the signed checkpoints says so (found from outside: it did not)."""
    from click.testing import CliRunner

    from gate.cli import cli

    monkeypatch.setenv("SCRAPEGATE_LEDGER_KEY_FILE", str(tmp_path / "key"))
    (tmp_path / "key").write_text(KEY + "\n")
    _fill(str(tmp_path / "ledger.db"), n=3)
    monkeypatch.delenv("SCRAPEGATE_LEDGER_KEY_FILE")
    monkeypatch.delenv("SCRAPEGATE_LEDGER_KEY", raising=False)
    result = CliRunner().invoke(cli, ["ledger", "verify", "--ledger", str(tmp_path / "ledger.db")])
    assert result.exit_code == 0, result.output
    assert f"the signed checkpoints in {tmp_path / 'ledger.db.checkpoints'} were not checked" in result.stderr
    monkeypatch.setenv("SCRAPEGATE_LEDGER_KEY_FILE", str(tmp_path / "key"))
    keyed = CliRunner().invoke(cli, ["ledger", "verify", "--ledger", str(tmp_path / "ledger.db")])
    assert keyed.exit_code == 0 and "not checked" not in keyed.stderr
