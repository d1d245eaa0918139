"""Several writers at once, and writers killed mid-write: nothing committed is lost and the chain
stays valid. Real processes, real threads, real SIGKILL, against both backends: a real SQLite
file and a real PostgreSQL server (tests/pg_server.py)."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from gate.cli.ledger import ledger as ledger_cli
from gate.ledger import open_ledger
from gate.ledger.query import rows, verify

from ledger_helpers import allowed, policy_input

pytestmark = pytest.mark.slow

BACKENDS = ["sqlite", "postgres"]

# argv: ledger location, tag, threads, decisions in all, writer, go-file
CONCURRENT_WORKER = r"""
import os, sys, threading, time
from gate.ledger import open_ledger
from gate.model.decision import Decision

path, tag, threads, total, writer, go = sys.argv[1:7]
threads, total = int(threads), int(total)
ledger = open_ledger(path, writer=writer)
while not os.path.exists(go):  # start together with the other process
    time.sleep(0.001)
errors = []

def run(t):
    try:
        for i in range(total // threads + (1 if t < total % threads else 0)):
            d = Decision(allow=i % 5 != 0, decision_id=f"{tag}-{t}-{i}", policy_revision="r1", engine="embedded")
            request = {"url": f"https://h{t}.{tag}.example/{i}?q={i}", "site": f"{tag}.example"}
            ledger.record(d, {"request": request}, mode="enforce", job=tag, owner=None)
    except BaseException as exc:
        errors.append(repr(exc))

workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
for w in workers:
    w.start()
for w in workers:
    w.join()
ledger.close()
print("\n".join(errors))
sys.exit(1 if errors else 0)
"""

# argv: ledger location, writer, decisions per flush, tag. Prints each id once it is committed.
KILLED_WORKER = r"""
import sys
from gate.ledger import open_ledger
from gate.model.decision import Decision

path, writer, per_flush, tag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
ledger = open_ledger(path, writer=writer, batch_max_delay_s=0.002)
n = 0
while True:
    ids = []
    for _ in range(per_flush):
        d = Decision(allow=True, decision_id=f"{tag}-{n}", policy_revision="r1", engine="embedded")
        request = {"url": f"https://{tag}.example/{n}", "site": f"{tag}.example"}
        ids.append(ledger.record(d, {"request": request}, mode="enforce", job=tag, owner=None))
        if n % 3 == 0:
            ledger.record_collected(ids[-1], status=200, nbytes=n, sha256="ab" * 32)
        n += 1
    ledger.flush()  # a no-op for the sync writer, whose record() returns after the commit
    sys.stdout.write("".join(i + "\n" for i in ids))
    sys.stdout.flush()
"""


@pytest.fixture(params=BACKENDS)
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A ledger location in each backend: a file, or a fresh PostgreSQL database."""
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return str(tmp_path / "ledger.db")


def _spawn(code: str, *args: object, **kw: object) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], **kw)  # type: ignore[call-overload]


@pytest.mark.parametrize("writer", ["sync", "batched"])
def test_two_processes_of_eight_threads_lose_nothing(tmp_path: Path, location: str, writer: str) -> None:
    path, go = location, tmp_path / "go"
    procs = [_spawn(CONCURRENT_WORKER, path, tag, 8, 2500, writer, go, stdout=subprocess.PIPE, text=True)
             for tag in ("alpha", "beta")]
    time.sleep(0.5)  # both create the ledger at once (one transaction wins), then wait for "go"
    go.touch()
    for proc in procs:
        out, _ = proc.communicate(timeout=240)
        assert proc.returncode == 0, out
    report = verify(path)
    assert report.ok, report.problems
    assert report.decisions == 5000
    recorded = [r["decision_id"] for r in rows(path)]
    expected = {f"{tag}-{t}-{i}" for tag in ("alpha", "beta") for t in range(8)
                for i in range(2500 // 8 + (1 if t < 2500 % 8 else 0))}
    assert len(expected) == 5000
    assert sorted(recorded) == sorted(expected)


def _read_lines_until(proc: subprocess.Popen, count: int, timeout: float) -> bytes:
    """Read the child's stdout until `count` complete lines arrived."""
    data = b""
    deadline = time.monotonic() + timeout
    fd = proc.stdout.fileno()  # type: ignore[union-attr]
    while (lines := data.count(b"\n")) < count:
        assert time.monotonic() < deadline, f"the writer reported only {lines} ids"
        ready, _, _ = select.select([fd], [], [], 1.0)
        if ready:
            chunk = os.read(fd, 65536)
            assert chunk, f"the writer exited early: {proc.wait()}"
            data += chunk
    return data


@pytest.mark.parametrize("writer, per_flush", [("sync", 1), ("batched", 40)])
def test_a_writer_killed_mid_batch_leaves_every_committed_row(location: str, writer: str, per_flush: int) -> None:
    path = location
    reported: list[str] = []
    for round_ in range(3):  # each round kills a writer at a different point of its work
        proc = _spawn(KILLED_WORKER, path, writer, per_flush, f"r{round_}", stdout=subprocess.PIPE)
        data = _read_lines_until(proc, 200 + 37 * round_, timeout=120)
        os.kill(proc.pid, signal.SIGKILL)
        rest, _ = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        data += rest
        reported += [line.decode() for line in data.split(b"\n")[:-1]]  # a torn last line is not a report
        # Readable and verifiable right after the kill, before any writer reopens it.
        # The chains are intact; what a killed batched writer acknowledged and never committed
        # is named as lost (from its journal), never silently missing. The sync writer loses nothing.
        report = verify(path)
        assert all(p.table == "lost" for p in report.problems), report.problems
        assert report.ok or writer == "batched", report.problems
        result = CliRunner().invoke(ledger_cli, ["verify", "--ledger", str(path)])
        assert result.exit_code == (0 if report.ok else 1), result.output
        assert "first broken row" not in result.output
        present = {r["decision_id"] for r in rows(path)}
        missing = [i for i in reported if i not in present]
        assert not missing, f"{len(missing)} committed decisions lost, e.g. {missing[:3]}"
    # A new writer continues the same chain after the crashes.
    with open_ledger(path, writer=writer) as ledger:  # type: ignore[attr-defined]
        decision_id = ledger.record(allowed(), policy_input("https://example.com/after"), mode="enforce",
                                    job="after", owner=None)
        ledger.record_collected(decision_id, status=200, nbytes=1, sha256="cd" * 32)
    report = verify(path)
    assert all(p.table == "lost" for p in report.problems), report.problems
    assert report.decisions >= len(reported) + 1
    assert report.collections >= 1
