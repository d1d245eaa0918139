"""`@guard`: every HTTP request a function makes is gated, for the duration of the call.

    @gate.guard("jobs/prices.yaml", mode="enforce")
    def crawl(urls):
        for u in urls:
            requests.get(u)            # CollectionBlocked here for a denied URL

    g = gate.Gate("jobs/prices.yaml")
    @g.guard
    async def fetch(client, url):
        return await client.get(url)   # httpx, requests, urllib3 and anything built on them

Sync and async functions, generators and async generators are supported. The gate is active
only while the function's own code runs - between two items of a generator the consumer's
requests are not gated - and only in the calling context: other threads and asyncio tasks
are unaffected (a task created inside the call inherits it, as contextvars do). In enforce
mode a denied request raises CollectionBlocked where it is made; in audit mode it proceeds
and the ledger holds the deny. See gate.enforce.hooks for what is intercepted.
"""

from __future__ import annotations

import functools
import inspect
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any, AsyncGenerator, Callable, Generator, Iterator, TypeVar

from gate.enforce.admit import activated
from gate.enforce.hooks import install
from gate.enforce.strict import strict_scope

if TYPE_CHECKING:
    from gate.core.gate import Gate, Mode

__all__ = ["guard", "guard_with"]

F = TypeVar("F", bound=Callable[..., Any])


def guard(job: Any, mode: "Mode" = "enforce", *, strict: bool = False, **gate_kwargs: Any) -> Callable[[F], F]:
    """Decorator factory: a Gate for `job` (built now, so a bad manifest or policy fails at
    import), applied to each call of the decorated function. The gate is reachable as
    `func.gate` (its ledger, `close()`). `strict=True`: see gate.enforce.strict."""
    from gate.core.gate import Gate

    gate = job if isinstance(job, Gate) else Gate(job, mode=mode, **gate_kwargs)

    def decorate(func: F) -> F:
        return guard_with(gate, func, strict=strict)

    return decorate


def guard_with(gate: "Gate", func: Callable[..., Any] | None = None, *, strict: bool = False) -> Any:
    """Wrap `func` so that `gate` is active while it runs; without `func`, a decorator
    (so both `@g.guard` and `@g.guard()` work). With `strict`, any other outgoing TCP
    connection made in the call, its threads included, raises CollectionBlocked."""
    if func is None:
        return lambda f: guard_with(gate, f, strict=strict)
    install()
    if inspect.isasyncgenfunction(func):
        wrapper = _async_gen_wrapper(gate, func, strict)
    elif inspect.iscoroutinefunction(func):
        wrapper = _coroutine_wrapper(gate, func, strict)
    elif inspect.isgeneratorfunction(func):
        wrapper = _gen_wrapper(gate, func, strict)
    else:
        wrapper = _sync_wrapper(gate, func, strict)
    wrapper = functools.wraps(func)(wrapper)
    wrapper.gate = gate  # type: ignore[attr-defined]
    return wrapper


@contextmanager
def _active(gate: "Gate", strict: bool) -> Iterator[None]:
    """The gate active, and with `strict` every other connection watched (gate.enforce.strict)."""
    with activated(gate), (strict_scope(gate, activated) if strict else nullcontext()):
        yield


def _sync_wrapper(gate: "Gate", func: Callable[..., Any], strict: bool) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        with _active(gate, strict):
            return func(*args, **kwargs)

    return call


def _coroutine_wrapper(gate: "Gate", func: Callable[..., Any], strict: bool) -> Callable[..., Any]:
    async def call(*args: Any, **kwargs: Any) -> Any:
        with _active(gate, strict):  # the awaiting task's context: set and reset inside one task
            return await func(*args, **kwargs)

    return call


def _gen_wrapper(gate: "Gate", func: Callable[..., Any], strict: bool) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
        with activated(gate):
            gen = func(*args, **kwargs)
        # Drive the generator one step at a time, the gate active only during a step:
        # setting it across a `yield` would gate the consumer's code too.
        method, value = gen.send, None
        while True:
            with _active(gate, strict):
                try:
                    item = method(value)
                except StopIteration as stop:
                    return stop.value
            try:
                value, method = (yield item), gen.send
            except GeneratorExit:
                with activated(gate):
                    gen.close()
                raise
            except BaseException as exc:  # thrown in by the consumer: pass it on
                value, method = exc, gen.throw

    return call


def _async_gen_wrapper(gate: "Gate", func: Callable[..., Any], strict: bool) -> Callable[..., Any]:
    async def call(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, Any]:
        with activated(gate):
            agen = func(*args, **kwargs)
        method, value = agen.asend, None
        while True:
            with _active(gate, strict):
                try:
                    item = await method(value)
                except StopAsyncIteration:
                    return
            try:
                value, method = (yield item), agen.asend
            except GeneratorExit:
                with activated(gate):
                    await agen.aclose()
                raise
            except BaseException as exc:
                value, method = exc, agen.athrow

    return call
