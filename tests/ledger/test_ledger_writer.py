"""The batched writer's child process: what it commits when its parent dies, and how the parent
fails closed when the child dies. Real processes, real SIGKILL, real SQLite."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gate.errors import LedgerError
from gate.ledger.sqlite.ledger import SQLiteLedger
from gate.ledger.sqlite.query import rows, verify

from ledger_helpers import allowed, policy_input

# argv: ledger path. Records 300 decisions, says so once they are past its buffer, then waits
# to be killed.
RECORD_THEN_WAIT = r"""
import sys, time
from gate.ledger.sqlite.ledger import SQLiteLedger
from gate.model.decision import Decision

ledger = SQLiteLedger(sys.argv[1], writer="batched", batch_max_delay_s=0.02)
for n in range(300):
    d = Decision(allow=True, decision_id=f"k-{n}", policy_revision="r1", engine="embedded")
    ledger.record(d, {"request": {"url": f"https://k.example/{n}", "site": "k.example"}}, mode="enforce",
                  job="k", owner=None)
time.sleep(0.2)  # twice the buffer's delay: every row is in the pipe or committed
print("recorded", flush=True)
time.sleep(60)
"""


def _writer_pids(parent: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(parent)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def test_rows_that_reached_the_writer_survive_the_recording_process_being_killed(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    proc = subprocess.Popen([sys.executable, "-c", RECORD_THEN_WAIT, str(path)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "recorded"
    writers = _writer_pids(proc.pid)
    assert len(writers) == 1
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 30
    while _pid_alive(writers[0]):  # the writer sees EOF, commits and exits on its own
        assert time.monotonic() < deadline, "the writer process outlived its parent"
        time.sleep(0.05)
    report = verify(path)
    assert report.ok and report.decisions == 300
    assert [r["decision_id"] for r in rows(path)] == [f"k-{n}" for n in range(300)]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (not yet reaped) has finished.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ", 1)[1][0] != "Z"


def test_a_dead_writer_process_fails_every_later_record_closed(tmp_path: Path) -> None:
    ledger = SQLiteLedger(tmp_path / "ledger.db", writer="batched", batch_max_delay_s=0.01)
    ledger.record(allowed(), policy_input("https://example.com/a"), mode="enforce", job="j", owner=None)
    ledger.flush()
    writer = ledger._batcher._proc  # type: ignore[union-attr]
    os.kill(writer.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    # Whichever thread notices first: the writing one (a broken pipe, or the exit when it is
    # already known) or the one reading the replies (the exit).
    with pytest.raises(LedgerError, match=r"batched writer failed.*writer process (exited unexpectedly|stopped taking)"):
        while time.monotonic() < deadline:  # the next record or flush after the ack thread notices
            ledger.record(allowed(), policy_input("https://example.com/b"), mode="enforce", job="j", owner=None)
            ledger.flush()
            time.sleep(0.01)
    with pytest.raises(LedgerError, match="no more can be"):
        ledger.record(allowed(), policy_input("https://example.com/c"), mode="enforce", job="j", owner=None)
    with pytest.raises(LedgerError, match="batched writer failed"):
        ledger.close()
    assert verify(tmp_path / "ledger.db").decisions == 1


def test_a_row_marshal_cannot_carry_is_refused_and_nothing_else_is_lost(tmp_path: Path) -> None:
    with SQLiteLedger(tmp_path / "ledger.db", writer="batched") as ledger:
        ledger.record(allowed(), policy_input("https://example.com/a"), mode="enforce", job="j", owner=None)
        with pytest.raises(LedgerError, match="cannot record row"):
            ledger._batcher.put("d", [object()])  # type: ignore[union-attr]
        ledger.record(allowed(), policy_input("https://example.com/b"), mode="enforce", job="j", owner=None)
    assert verify(tmp_path / "ledger.db").decisions == 2


def test_close_waits_for_the_writer_and_leaves_no_process_behind(tmp_path: Path) -> None:
    ledger = SQLiteLedger(tmp_path / "ledger.db", writer="batched", batch_max_delay_s=5)
    for i in range(1000):
        ledger.record(allowed(), policy_input(f"https://example.com/{i}"), mode="enforce", job="j", owner=None)
    writer = ledger._batcher._proc  # type: ignore[union-attr]
    ledger.close()  # well inside the 5 s delay: close hands everything over and waits
    assert verify(tmp_path / "ledger.db").decisions == 1000
    assert writer.returncode == 0


def test_a_writer_that_imported_another_gate_package_refuses_to_write(tmp_path: Path) -> None:
    import marshal

    proc = subprocess.run([sys.executable, "-I", "-c", "from gate.ledger.sqlite.writer import main; main()",
                           str(tmp_path / "elsewhere" / "ledger_writer.py"), "0", "512", "0.025", "1.0"],
                          input=b"", capture_output=True, timeout=60,
                          env={**os.environ, "SCRAPEGATE_LEDGER_WRITER_TARGET": str(tmp_path / "ledger.db")})
    assert proc.returncode == 1
    reply = marshal.loads(proc.stdout[4:])
    assert reply[0] == "failed" and "elsewhere" in reply[1]
    assert not (tmp_path / "ledger.db").exists()
