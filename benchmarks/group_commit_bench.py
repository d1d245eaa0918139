"""The default ledger writer's group commit (gate.ledger.group), on its own (issue 21.6):

    python benchmarks/group_commit_bench.py [--records 2000] [--rounds 3]

1. Threads: 1, 4 and 16 threads record decisions at once into one SQLite ledger, each record
   acknowledged only once committed: decisions per second, and rows per commit; with the
   default synchronous=NORMAL (no fsync per commit in WAL mode) and with durable=True.
2. An event loop (Twisted's asyncio reactor, as Scrapy runs it), 8 decisions a turn: each
   record committed inline before it returns, against the turn's records queued
   (`deferred()`) and committed together at the end of the turn while they wait on a
   Deferred, as the Scrapy middleware does. CPU per decision.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "tests"), str(HERE.parent)]
from gate.ledger import open_ledger  # noqa: E402
from gate.ledger.group import deferred  # noqa: E402

from ledger_helpers import allowed, policy_input  # noqa: E402

PER_TURN = 8


def _record(ledger: Any, i: int) -> str:
    decision_id: str = ledger.record(allowed(), policy_input(f"https://shop.example.com/p/{i}"), mode="enforce",
                                     job="bench", owner="bench@example.com")
    return decision_id


def threads(records: int, n: int, durable: bool) -> tuple[float, float]:
    """(decisions/s, rows per commit) with `n` threads recording `records` in all; `durable`:
    synchronous=FULL, an fsync per commit."""
    with tempfile.TemporaryDirectory() as tmp:
        ledger: Any = open_ledger(str(Path(tmp) / "l.db"), durable=durable)
        sizes: list[int] = []
        commit = ledger.group._commit_rows

        def counted(items: list[Any]) -> None:
            commit(items)
            sizes.append(len(items))

        ledger.group._commit_rows = counted
        start = threading.Barrier(n + 1)

        def work(t: int) -> None:
            start.wait()
            for i in range(records // n):
                _record(ledger, t * records + i)

        pool = [threading.Thread(target=work, args=(t,)) for t in range(n)]
        for thread in pool:
            thread.start()
        start.wait()
        began = time.perf_counter()
        for thread in pool:
            thread.join()
        elapsed = time.perf_counter() - began
        ledger.close()
    return (records // n * n) / elapsed, sum(sizes) / max(len(sizes), 1)


def event_loop(records: int) -> tuple[float, float]:
    """(µs CPU per decision committed inline, µs CPU per decision committed per turn)."""
    from twisted.internet import asyncioreactor

    asyncioreactor.install()
    import asyncio

    from scrapy.utils.defer import maybe_deferred_to_future
    from twisted.internet import reactor
    from twisted.internet.defer import Deferred

    out: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        ledger: Any = open_ledger(str(Path(tmp) / "l.db"))
        waiters: list[Deferred[None]] = []

        def commit_turn() -> None:
            done, waiters[:] = list(waiters), []
            ledger.group.commit_open()
            for waiter in done:
                waiter.callback(None)

        async def one(i: int) -> None:
            with deferred():
                _record(ledger, i)
            waiter: Deferred[None] = Deferred()
            if not waiters:
                reactor.callLater(0, commit_turn)  # type: ignore[attr-defined]
            waiters.append(waiter)
            await maybe_deferred_to_future(waiter)

        async def inline_turn(i: int) -> None:
            for k in range(PER_TURN):
                _record(ledger, i + k)
            await asyncio.sleep(0)

        async def main() -> None:
            for mode in ("inline", "per turn"):
                began = time.process_time()
                for turn in range(records // PER_TURN):
                    base = len(out) * records + turn * PER_TURN
                    if mode == "inline":
                        await inline_turn(base)
                    else:
                        await asyncio.gather(*[one(base + k) for k in range(PER_TURN)])
                out.append((time.process_time() - began) / (records // PER_TURN * PER_TURN) * 1e6)

        def run() -> None:
            task = asyncio.ensure_future(main())
            task.add_done_callback(lambda _: reactor.stop())  # type: ignore[attr-defined]

        reactor.callWhenRunning(run)  # type: ignore[attr-defined]
        reactor.run()  # type: ignore[attr-defined]
        ledger.close()
    return out[0], out[1]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    for durable in (False, True):
        for n in (1, 4, 16):
            got = [threads(args.records // (4 if durable else 1), n, durable) for _ in range(args.rounds)]
            print(f"{'durable (fsync) ' if durable else 'default         '}{n:2d} thread(s): "
                  f"{statistics.median(g[0] for g in got):6.0f} decisions/s, "
                  f"{statistics.median(g[1] for g in got):5.1f} rows per commit (median of {args.rounds})")
    inline, per_turn = event_loop(args.records)
    print(f"event loop, {PER_TURN} decisions a turn: committed inline {inline:.0f} us CPU per decision, "
          f"committed once per turn {per_turn:.0f} us")


if __name__ == "__main__":
    main(sys.argv[1:])
