"""`guard(strict=True)`: inside the call, an outgoing connection the gate did not admit raises.

The library hooks (gate.enforce.hooks) gate what goes through requests, urllib3 and httpx.
Anything else - http.client, urllib.request, a raw socket, aiohttp, a library with its own
HTTP stack - would go out ungated. In strict mode a process-wide audit hook
(`sys.addaudithook`, event `socket.connect`) watches every TCP connection made in the call's
context and in the threads the call starts: a connection to an address no admitted request
resolved to raises CollectionBlocked (`guard.ungated_connection`) before it is opened.

How a connection counts as admitted: when the gate admits a request, its host is resolved
(getaddrinfo, as the client is about to do), and while that request is being sent (`sending`,
around the send in every hook and adapter hop) a connection to one of those (address, port)
pairs is let through; at any other moment, even to the same address, it is refused. The
gate's own signal fetches are exempt. Not covered, by design: other processes
(`subprocess.run(["curl", ...])` runs outside Python; use `scrapegate run` for them), Unix
sockets, and connections made through a proxy the process is configured to use (the proxy's
address is what is connected to: allow it by gating through `scrapegate run` instead).

Threads started inside a strict call run with the call's gate active and under its strict
scope; such a thread (a ThreadPoolExecutor worker, say) keeps the gate for its lifetime, and
stops being strict when the call returns.
"""

from __future__ import annotations

import logging
import socket
import sys
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Callable, ContextManager, Iterator

from gate.errors import CollectionBlocked, InvalidURL
from gate.model.url import normalize

if TYPE_CHECKING:
    from gate.core.gate import Gate

__all__ = ["strict_scope", "internal", "note_admitted", "sending", "install", "UNGATED_CODE"]

UNGATED_CODE = "guard.ungated_connection"
logger = logging.getLogger("scrapegate")

_SCOPE: ContextVar["_Scope | None"] = ContextVar("scrapegate_strict_scope", default=None)
_INTERNAL: ContextVar[bool] = ContextVar("scrapegate_strict_internal", default=False)
_NEXT: ContextVar[frozenset[tuple[str, int]]] = ContextVar("scrapegate_strict_next", default=frozenset())
_SENDING: ContextVar[frozenset[tuple[str, int]]] = ContextVar("scrapegate_strict_sending", default=frozenset())
_IN_HOOK = threading.local()
_INSTALL_LOCK = threading.Lock()
_installed = False
_INET = (socket.AF_INET, socket.AF_INET6)


class _Scope:
    """One strict call and its gate."""

    def __init__(self, gate: "Gate", activate: Callable[["Gate"], ContextManager[None]]) -> None:
        self.gate = gate
        self.activate = activate
        self.active = True


def _current() -> _Scope | None:
    scope = _SCOPE.get()
    return scope if scope is not None and scope.active else None


@contextmanager
def strict_scope(gate: "Gate", activate: Callable[["Gate"], ContextManager[None]]) -> Iterator[None]:
    """Watch every connection made in this context (and threads it starts) until the block
    ends. `activate(gate)` makes the gate active in a thread the call starts (the guard's
    `activated`, passed in: this module sits below gate.enforce.admit)."""
    install()
    scope = _Scope(gate, activate)
    token = _SCOPE.set(scope)
    try:
        yield
    finally:
        scope.active = False
        _SCOPE.reset(token)


@contextmanager
def internal() -> Iterator[None]:
    """The gate's own work (robots.txt and opt-out fetches, an OPA call): never refused."""
    token = _INTERNAL.set(True)
    try:
        yield
    finally:
        _INTERNAL.reset(token)


def note_admitted(url: str) -> None:
    """Remember where the request just admitted will connect, for its `sending` block (a
    no-op outside a strict call)."""
    if _current() is None:
        return
    try:
        n = normalize(url)
    except InvalidURL:
        return
    with internal():
        try:
            infos = socket.getaddrinfo(n.host, n.port, type=socket.SOCK_STREAM)
        except OSError:
            infos = []
    _NEXT.set(frozenset({(n.host, n.port)} | {(str(info[4][0]), n.port) for info in infos}))


@contextmanager
def sending() -> Iterator[None]:
    """Around the send of the hop just admitted: its connections are let through."""
    token = _SENDING.set(_NEXT.get())
    reset = _NEXT.set(frozenset())
    try:
        yield
    finally:
        _NEXT.reset(reset)
        _SENDING.reset(token)


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event != "socket.connect" or getattr(_IN_HOOK, "on", False):
        return
    scope = _current()
    if scope is None or _INTERNAL.get():
        return
    sock, address = args[0], args[1]
    if getattr(sock, "family", None) not in _INET or not isinstance(address, tuple):
        return
    _IN_HOOK.on = True
    try:
        _check(scope, str(address[0]), int(address[1]))
    finally:
        _IN_HOOK.on = False


def _check(scope: _Scope, host: str, port: int) -> None:
    if host.startswith("::ffff:"):  # an IPv4-mapped address is the IPv4 one
        host = host[7:]
    if (host, port) in _SENDING.get():
        return
    from gate.model.decision import Decision

    shown = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    message = (f"a connection to {shown} inside a strict guard did not pass the gate (http.client, a raw "
               "socket or a library the hooks do not reach)")
    gate = scope.gate
    decision = Decision.denied(UNGATED_CODE, message, url=f"tcp://{shown}", mode=gate.mode,
                               engine=gate.engine.name)
    if gate.mode == "enforce":
        raise CollectionBlocked(decision, f"tcp://{shown}")
    logger.warning("scrapegate (audit): %s", message)


def install() -> None:
    """Add the audit hook and the thread-start hook once per process (audit hooks cannot be
    removed; outside a strict call each costs one context-variable read per event)."""
    global _installed
    with _INSTALL_LOCK:
        if _installed:
            return
        sys.addaudithook(_hook)
        _wrap_thread_start()
        _installed = True


def _wrap_thread_start() -> None:
    original = threading.Thread.start

    def start(self: threading.Thread) -> None:
        scope = _current()
        if scope is not None:
            run = self.run

            def run_in_scope() -> None:
                _SCOPE.set(scope)  # a new thread starts with an empty context: carry the call's
                with scope.activate(scope.gate):
                    run()

            self.run = run_in_scope  # type: ignore[method-assign]
        original(self)

    threading.Thread.start = start  # type: ignore[method-assign]
