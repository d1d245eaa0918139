"""The batched ledger writer: a child process that chains and commits the rows a Ledger sends it.

Why a process and not a thread: chaining a row (canonical JSON, SHA-256) and binding it to
SQLite is Python work, and a writer thread holding the GIL for it slows the crawl that
records. The child does that work on another core; the recording thread only renders the
row and appends it to a list, which is marshalled a batch at a time.

Protocol (pipes, frames of a 4-byte little-endian length and a `marshal` payload):
  parent -> child, on the child's stdin: ("rows", [(kind, values), ...]) in order, kind being
  gate.ledger.sqlite.store.DECISION or COLLECTION; ("flush",) asks for an immediate commit. EOF:
  commit what is pending and exit.
  child -> parent, on its stdout: ("ok", rows committed so far) after every commit;
  ("failed", message) once, then exit 1. Nothing else is written to that pipe.

The parent sends its rows within half of `max_delay_s` (or at 256 rows); the child commits
at most half of `max_delay_s` after the first pending row, or at `max_rows`. A row is lost
only if it is still in the parent's list or in the pipe when the parent dies: the child
commits whatever reached it before EOF.
"""

from __future__ import annotations

import marshal
import os
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

from gate.errors import LedgerError
from gate.ledger.checkpoints import checkpointer_for, checkpoints_path
from gate.ledger.sqlite import store

__all__ = ["WriterProcess", "main"]

_HEAD = struct.Struct("<I")
_FRAME_ROWS = 256  # rows marshalled into one frame at most (about 100 KiB)
_PLAIN_TYPES: frozenset[type] = frozenset({str, int, float, bool, type(None)})
_PLAIN_NAMES = frozenset(t.__name__ for t in _PLAIN_TYPES)
_PIPE_SIZE = 1 << 20  # /proc/sys/fs/pipe-max-size's default
_FLUSH_FRAME = marshal.dumps(("flush",))
_FLUSH_FRAME = _HEAD.pack(len(_FLUSH_FRAME)) + _FLUSH_FRAME
_TARGET_ENV = "SCRAPEGATE_LEDGER_WRITER_TARGET"
_POSTGRES_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")


class WriterProcess:
    """The parent's side: a list of rows, the child process, a thread reading its acks.

    `put` appends the row to the list; a flusher thread marshals and sends the list within
    half of `max_delay_s`, or `put` does at 256 rows."""

    def __init__(self, path: Path | str, *, durable: bool, max_rows: int, max_delay_s: float,
                 unique_id: Callable[[str], str], label: str | None = None) -> None:
        # `path`: an SQLite file, or a postgresql:// URL (gate.ledger.postgres.store); it goes to
        # the child in its environment, never on its command line (a URL may hold a password).
        self._path = label or str(path)
        self._target = os.fspath(path)
        self._args = ["1" if durable else "0", str(max_rows), repr(max_delay_s / 2), repr(store.BUSY_TIMEOUT_S)]
        # Half the delay in this buffer, half in the child's batch: committed within the delay.
        self._buffer_delay_s = max_delay_s / 2
        self._rows: list[tuple[str, list[Any]]] = []  # put, not yet sent
        self._rows_since = 0.0
        self._unique_id = unique_id
        self._cond = threading.Condition(threading.Lock())
        self._queued = 0
        self._committed = 0
        self._stopping = False
        self._failure: str | None = None
        self._proc: subprocess.Popen[bytes] | None = None  # started by the first put (also after fork)
        self._fd = -1
        self._threads: list[threading.Thread] = []
        # The journal of acknowledged decision ids (see _journal): `verify` names those a killed
        # process acknowledged and never committed. Generations: (end, path) of closed files.
        # Named after the writer process (set when it starts): rows are lost once it is gone.
        self._journals_at = str(checkpoints_path(self._target)) + ".pending"
        self._journal_base = ""
        self._journal_fd = -1
        self._journal_gen = 0
        self._journal_rows = 0
        self._journal_closed: list[tuple[int, str]] = []
        # Two batches in flight keep both processes busy; more only widens what a failure loses.
        self._max_uncommitted = max(_FRAME_ROWS, max_rows) * 2

    # -- the recording side ---------------------------------------------------------------
    def put(self, kind: str, values: list[Any]) -> str:
        if not _PLAIN_TYPES.issuperset(map(type, values)):  # what marshal carries, checked per row
            raise LedgerError(f"ledger {self._path}: cannot record row: values must be str, int, float, "
                              f"bool or None, not {sorted({type(v).__name__ for v in values} - _PLAIN_NAMES)}")
        with self._cond:
            if self._failure is not None:
                raise self._failed()
            if self._stopping:
                raise LedgerError(f"ledger {self._path}: the ledger is closed")
            if self._proc is None:
                self._start()
            if self._queued - self._committed >= self._max_uncommitted:
                self._wait_for_writer()
            if kind == store.DECISION:
                values[0] = self._unique_id(values[0])
                self._journal(values[0])
            rows = self._rows
            if not rows:
                self._rows_since = time.monotonic()
                self._cond.notify_all()  # wakes the flusher: its delay starts now
            rows.append((kind, values))
            self._queued += 1
            if len(rows) >= _FRAME_ROWS:
                self._write_locked()
            decision_id: str = values[0]
            return decision_id

    def _wait_for_writer(self) -> None:
        """Back-pressure: at most _max_uncommitted rows acknowledged and not yet committed, so
        a writer that stalls or fails surfaces within a bounded number of decisions."""
        self._write_locked()
        while self._queued - self._committed >= self._max_uncommitted and self._failure is None:
            self._cond.wait(1.0)
        if self._failure is not None:
            raise self._failed()

    def _journal(self, decision_id: str) -> None:
        """Write the id to this process's journal before `put` acknowledges it: a write to the
        page cache survives SIGKILL. A full or failing disk fails the put (and so the check)
        at once. The journal rolls over every _max_uncommitted rows; a generation whose rows
        are all committed is deleted."""
        try:
            if self._journal_fd < 0 or self._journal_rows >= self._max_uncommitted:
                if self._journal_fd >= 0:
                    os.close(self._journal_fd)
                    self._journal_closed.append((self._queued, f"{self._journal_base}.{self._journal_gen}"))
                    self._journal_gen += 1
                Path(self._journal_base).parent.mkdir(parents=True, exist_ok=True)
                self._journal_fd = os.open(f"{self._journal_base}.{self._journal_gen}",
                                           os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_TRUNC, 0o600)
                self._journal_rows = 0
            os.write(self._journal_fd, f"{decision_id}\n".encode())
            self._journal_rows += 1
        except OSError as exc:
            if self._failure is None:
                self._failure = f"cannot journal acknowledged rows ({self._journal_base}): {exc.strerror or exc}"
            raise self._failed() from exc

    def _drop_committed_journals(self) -> None:
        while self._journal_closed and self._journal_closed[0][0] <= self._committed:
            _, path = self._journal_closed.pop(0)
            try:
                os.unlink(path)
            except OSError:
                pass

    def _remove_journals(self) -> None:
        """After a clean stop: every row is committed, no journal is needed."""
        if self._journal_fd >= 0:
            os.close(self._journal_fd)
            self._journal_closed.append((self._queued, f"{self._journal_base}.{self._journal_gen}"))
            self._journal_fd = -1
        self._drop_committed_journals()

    def flush(self) -> None:
        """Wait until every row put so far is committed."""
        with self._cond:
            target = self._queued
            if self._proc is not None and self._committed < target and self._failure is None:
                self._write_locked(_FLUSH_FRAME)
            while self._committed < target and self._failure is None:
                self._cond.wait()
            if self._failure is not None:
                raise self._failed()

    def stop(self) -> LedgerError | None:
        """Hand over the buffer, close the pipe, wait for the child's last commit."""
        with self._cond:
            if self._stopping:
                return self._failed() if self._failure is not None else None
            self._stopping = True
            if self._proc is not None and self._failure is None:
                self._write_locked()
            self._close_pipe()
            self._cond.notify_all()
        for thread in self._threads:
            thread.join()
        if self._proc is not None:
            self._proc.wait()
        with self._cond:
            if self._failure is None:
                self._remove_journals()
            elif self._journal_fd >= 0:  # kept: verify names the rows that were lost
                os.close(self._journal_fd)
                self._journal_fd = -1
        return self._failed() if self._failure is not None else None

    def abandon_after_fork(self) -> None:
        """In a forked child: the buffer and the pipe are the parent's. Drop the buffer (the
        parent sends it) and close this copy of the pipe, so the parent's writer still sees
        EOF when the parent closes; the child starts its own writer on its first put."""
        self._rows = []
        self._close_pipe()
        if self._journal_fd >= 0:  # the parent's journal: the parent keeps it
            os.close(self._journal_fd)
        self._journal_fd, self._journal_gen, self._journal_rows, self._journal_closed = -1, 0, 0, []
        self._proc = None
        self._threads = []
        self._cond = threading.Condition(threading.Lock())
        self._queued = self._committed = 0

    # -- internals ------------------------------------------------------------------------
    def _failed(self) -> LedgerError:
        lost = self._queued - self._committed
        return LedgerError(f"ledger {self._path}: the batched writer failed, {lost} queued row(s) were not "
                           f"recorded and no more can be: {self._failure}")

    def _start(self) -> None:
        # Isolated mode (no current directory, no PYTHONPATH on the path), with this package's
        # root as a last resort; main() checks that it runs this very file.
        here = str(Path(__file__).resolve())
        root = Path(here).parents[3]  # the directory holding gate/ (this is gate/ledger/sqlite/writer.py)
        code = f"import sys; sys.path.append({str(root)!r}); from gate.ledger.sqlite.writer import main; main()"
        try:
            self._proc = subprocess.Popen([sys.executable, "-I", "-c", code, here, *self._args],
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True,
                                          env={**os.environ, _TARGET_ENV: self._target})
        except OSError as exc:
            self._failure = f"cannot start the writer process ({sys.executable}): {exc}"
            raise self._failed() from exc
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._journal_base = f"{self._journals_at}.{self._proc.pid}"
        # Raw descriptors, no buffered file objects: nothing may flush a copy of the buffer
        # from a forked child, or from a finalizer.
        self._fd = os.dup(self._proc.stdin.fileno())
        self._proc.stdin.close()
        try:  # Linux: a larger pipe rides out the writer's slower moments (a WAL checkpoint)
            import fcntl

            fcntl.fcntl(self._fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), _PIPE_SIZE)
        except (ImportError, OSError):
            pass
        name = f"scrapegate-ledger:{self._path}"
        self._threads = [threading.Thread(target=self._read_acks, args=(self._proc,), daemon=True, name=name + ":acks"),
                         threading.Thread(target=self._flusher, daemon=True, name=name + ":flush")]
        for thread in self._threads:
            thread.start()

    def _write_locked(self, tail: bytes = b"") -> None:
        """Marshal the pending rows into one frame (one call for the batch) and send it."""
        if self._fd < 0 or not (self._rows or tail):
            return
        data = tail
        if self._rows:
            payload = marshal.dumps(("rows", self._rows))
            self._rows = []
            data = _HEAD.pack(len(payload)) + payload + tail
        try:
            _write_all(self._fd, data)
        except OSError as exc:  # the child is gone; name its exit when it is known already
            if self._failure is None:
                code = self._proc.poll() if self._proc is not None else None
                self._failure = (f"the writer process exited unexpectedly (exit code {code})" if code is not None
                                 else f"the writer process stopped taking rows: {exc}")
            self._cond.notify_all()

    def _close_pipe(self) -> None:
        if self._fd >= 0:
            try:
                os.close(self._fd)
            except OSError:
                pass
            self._fd = -1

    def _flusher(self) -> None:
        with self._cond:
            while not self._stopping and self._failure is None:
                if not self._rows:
                    self._cond.wait()
                    continue
                remaining = self._rows_since + self._buffer_delay_s - time.monotonic()
                if remaining > 0:  # let the buffer fill, for half the delay at most
                    self._cond.wait(remaining)
                    continue
                self._write_locked()

    def _read_acks(self, proc: subprocess.Popen[bytes]) -> None:
        stream = proc.stdout
        assert stream is not None
        failure = None
        try:
            while True:
                head = stream.read(_HEAD.size)
                if len(head) < _HEAD.size:
                    break
                message = marshal.loads(stream.read(_HEAD.unpack(head)[0]))
                if message[0] == "ok":
                    with self._cond:
                        self._committed = message[1]
                        self._drop_committed_journals()
                        self._cond.notify_all()
                else:
                    failure = str(message[1])
        except (OSError, ValueError, EOFError) as exc:
            failure = f"lost the writer process's replies: {exc}"
        code = proc.wait()
        with self._cond:
            if failure is None and (code != 0 or not self._stopping):
                failure = f"the writer process exited unexpectedly (exit code {code})"
            if failure is not None and self._failure is None:
                self._failure = failure
                self._close_pipe()
            self._cond.notify_all()


# -- the child --------------------------------------------------------------------------
def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _reply(message: tuple[Any, ...]) -> None:
    payload = marshal.dumps(message)
    _write_all(1, _HEAD.pack(len(payload)) + payload)


class _Inbox:
    """The child's reading thread: it drains the pipe into memory while the main thread
    commits (SQLite releases the GIL while it writes and syncs), so a slow commit or a WAL
    checkpoint never blocks the recording process on a full pipe."""

    def __init__(self) -> None:
        self.cond = threading.Condition(threading.Lock())
        self.rows: list[tuple[str, list[Any]]] = []
        self.first_at = 0.0
        self.flush_asked = False
        self.eof = False
        self.error: BaseException | None = None

    def run(self) -> None:
        data = bytearray()
        try:
            while True:
                chunk = os.read(0, 1 << 20)
                if not chunk:
                    break
                data += chunk
                frames, start = [], 0
                while len(data) - start >= _HEAD.size:
                    size = _HEAD.unpack_from(data, start)[0]
                    if len(data) - start - _HEAD.size < size:
                        break
                    frames.append(marshal.loads(data[start + _HEAD.size:start + _HEAD.size + size]))
                    start += _HEAD.size + size
                del data[:start]
                with self.cond:
                    for frame in frames:
                        if frame[0] == "flush":
                            self.flush_asked = True
                        else:
                            if not self.rows:
                                self.first_at = time.monotonic()
                            self.rows += frame[1]
                    self.cond.notify()
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread, which reports it
            self.error = exc
        with self.cond:
            self.eof = True
            self.cond.notify()


def main(argv: list[str] | None = None) -> None:
    expected, durable, max_rows_text, delay_text, busy_text = (argv or sys.argv[1:])[:5]
    target = os.environ.pop(_TARGET_ENV, "")
    max_rows, max_delay_s = int(max_rows_text), float(delay_text)
    store.BUSY_TIMEOUT_S = float(busy_text)
    backend: Any = store
    path: Any = Path(target)
    if target.lower().startswith(_POSTGRES_SCHEMES):
        from gate.ledger.postgres import store as backend

        path = target
    sys.stdout = sys.stderr  # fd 1 carries only replies
    if Path(__file__).resolve() != Path(expected):  # another `gate` package shadows this one
        _reply(("failed", f"the writer process imported {Path(__file__).resolve()}, not {expected}"))
        os._exit(1)
    committed = 0
    inbox = _Inbox()
    try:
        checkpointer = checkpointer_for(target)
        conn = backend.connect(path, durable=durable == "1")
        threading.Thread(target=inbox.run, daemon=True, name="scrapegate-ledger-inbox").start()
        while True:
            with inbox.cond:
                while True:
                    if inbox.error is not None:
                        raise inbox.error
                    ready = inbox.eof or inbox.flush_asked or len(inbox.rows) >= max_rows
                    if inbox.rows and not ready:
                        remaining = inbox.first_at + max_delay_s - time.monotonic()
                        ready = remaining <= 0
                    if ready:
                        break
                    inbox.cond.wait(remaining if inbox.rows else None)
                batch, inbox.rows = inbox.rows, []
                inbox.first_at = time.monotonic()
                flush_asked, inbox.flush_asked = inbox.flush_asked, False
                eof = inbox.eof
            for start in range(0, len(batch), max_rows):
                part = batch[start:start + max_rows]
                heads = backend.append(conn, path, part)
                committed += len(part)
                if checkpointer is not None:
                    checkpointer.maybe_write(heads)
            if batch or flush_asked:
                _reply(("ok", committed))
            if eof:
                if checkpointer is not None:
                    checkpointer.write()
                break
        conn.close()
    except BaseException as exc:  # noqa: BLE001 - report every failure; the parent fails closed
        message = str(exc) if isinstance(exc, LedgerError) else f"{type(exc).__name__}: {exc}"
        try:
            _reply(("failed", message))
        finally:
            os._exit(1)
