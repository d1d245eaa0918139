"""OPAServerEngine: `data.scrapegate.decision` evaluated by an OPA server through its REST
API, with opa-python-client's sync client (on requests).

Every failure fails closed: a connection error, a timeout or a 5xx answer is retried a
bounded number of times and then raised as `EngineUnavailable` (the gate denies with
`engine.unavailable`); any other failure is an `EngineError` (`engine.error`); a missing
`result` is an undefined decision (`engine.undefined`).
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

from gate.engines.base import DECISION_ENTRYPOINT, BaseEngine
from gate.errors import EngineError, EngineUnavailable, ExtraMissing, PolicyError
from gate.signals.deadline import deadline_session, wall_clock

__all__ = ["OPAServerEngine", "OPAAddress", "parse_opa_url", "map_opa_errors", "new_client",
           "bundle_revision", "REVISION_DATA_PATH", "REVISION_DATA_ROOT", "TOKEN_ENV", "TIMEOUT_ENV"]

DEFAULT_TIMEOUT_S = 5.0
DEFAULT_RETRIES = 2
DEFAULT_BACKOFF_S = 0.1
# How often the engine asks OPA which policy revision it serves, so that a crawl notices a
# new bundle (and drops its cached decisions) even when every request hits the cache.
REVISION_TTL_S = 30.0
# `scrapegate bundle push` writes the pushed policy set's revision here: OPA reports a
# revision only for bundles, not for modules pushed through the Policy API.
REVISION_DATA_ROOT = "scrapegate_meta"
REVISION_DATA_PATH = f"{REVISION_DATA_ROOT}/revision"
RETRYABLE_STATUS = frozenset({500, 502, 503, 504})
TOKEN_ENV = "SCRAPEGATE_OPA_TOKEN"
TIMEOUT_ENV = "SCRAPEGATE_OPA_TIMEOUT"
_INSTALL_HINT = "The OPA engine needs opa-python-client: pip install 'scrapegate[opa]'"


@dataclass(frozen=True)
class OPAAddress:
    """Where an OPA server listens, split the way opa-python-client takes it."""

    url: str      # normalised: scheme://host:port
    host: str     # as the client puts it in a URL (IPv6 in brackets)
    port: int
    ssl: bool


def parse_opa_url(url: str) -> OPAAddress:
    """`http://127.0.0.1:8181` -> OPAAddress. The client builds `scheme://host:port/v1/...`
    itself, so a URL with a path prefix (OPA behind a gateway at /opa/) cannot be served."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PolicyError(f"--opa-url {url!r}: expected http(s)://host[:port]")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise PolicyError(f"--opa-url {url!r}: a path prefix is not supported; give scheme://host:port")
    if parts.username or parts.password:
        raise PolicyError(f"--opa-url {url!r}: put credentials in --token / {TOKEN_ENV}, not in the URL")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise PolicyError(f"--opa-url {url!r}: {exc}") from exc
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return OPAAddress(f"{parts.scheme}://{host}:{port}", host, port, parts.scheme == "https")


def _client_kwargs(address: OPAAddress, token: str | None, timeout: float) -> dict[str, Any]:
    # retries=0: the client's own retries (urllib3's Retry) would
    # multiply with ours and skip POSTs on 5xx; the engine retries once, uniformly.
    return {"host": address.host, "port": address.port, "ssl": address.ssl, "token": token,
            "retries": 0, "timeout": timeout}


def new_client(address: OPAAddress, token: str | None = None, timeout: float = DEFAULT_TIMEOUT_S) -> Any:
    """A sync opa-python-client `OpaClient` for `address`."""
    try:
        from opa_client import OpaClient
    except ImportError:
        raise ExtraMissing(_INSTALL_HINT) from None
    return OpaClient(**_client_kwargs(address, token, timeout))


def _status_error(where: str, status: int, detail: str) -> EngineError:
    if status in RETRYABLE_STATUS:
        return EngineUnavailable(f"{where}: OPA answered HTTP {status}: {detail}")
    return EngineError(f"{where}: OPA answered HTTP {status}: {detail}")


def _client_error_types(module: Any) -> tuple[type[BaseException], ...]:
    names = ("RegoParseError", "ConnectionsError", "QueryExecuteError", "PolicyNotFoundError",
             "DeleteDataError", "DeletePolicyError", "PatchDataError", "PathNotFoundError",
             "SSLError", "FileError", "TypeException")
    return tuple(getattr(module, n) for n in names if hasattr(module, n))


def _client_error(exc: BaseException, where: str) -> Exception:
    """opa-python-client raises its own classes carrying OPA's `code` as `expression`."""
    code = str(getattr(exc, "expression", "") or "")
    message = str(exc) if type(exc).__name__ == "RegoParseError" else f"{code}: {getattr(exc, 'message', exc)}"
    if code == "internal_error":
        return EngineUnavailable(f"{where}: OPA failed: {message}")
    if code in ("unauthorized", "forbidden") or type(exc).__name__ in ("ConnectionsError", "SSLError"):
        return EngineError(f"{where}: OPA refused the request: {message}")
    return PolicyError(f"{where}: OPA rejected it: {message}")


@contextmanager
def map_opa_errors(where: str) -> Iterator[None]:
    """The one border where opa-python-client's and requests' errors become scrapegate's:
    unreachable, timed out or 5xx -> EngineUnavailable; a policy OPA rejects
    -> PolicyError; anything else -> EngineError."""
    import requests
    from opa_client import errors as client_errors

    try:
        yield
    except (EngineError, PolicyError):
        raise
    except _client_error_types(client_errors) as exc:  # a rejected call, by OPA's error code
        raise _client_error(exc, where) from exc
    except requests.exceptions.JSONDecodeError as exc:
        raise EngineError(f"{where}: OPA's answer is not JSON: {exc}") from exc
    except requests.exceptions.HTTPError as exc:
        response = exc.response
        status = response.status_code if response is not None else 0
        detail = (response.text if response is not None else str(exc))[:300].strip()
        raise _status_error(where, status, detail) from exc
    except requests.exceptions.Timeout as exc:
        raise EngineUnavailable(f"{where}: OPA did not answer in time: {exc}") from exc
    except requests.exceptions.RequestException as exc:
        raise EngineUnavailable(f"{where}: cannot reach OPA: {exc}") from exc


def bundle_revision(provenance: Any) -> str | None:
    """The revision OPA reports for its bundles (`?provenance=true`): one bundle's
    `.manifest` revision verbatim, several as `name=rev;...`, None when none is loaded."""
    if not isinstance(provenance, dict):
        return None
    bundles = provenance.get("bundles")
    if isinstance(bundles, dict):
        revs = {str(name): str(info.get("revision"))
                for name, info in bundles.items() if isinstance(info, dict) and info.get("revision")}
        if len(revs) == 1:
            return next(iter(revs.values()))
        if revs:
            return ";".join(f"{name}={rev}" for name, rev in sorted(revs.items()))
    legacy = provenance.get("revision")  # single legacy `bundle:` config
    return str(legacy) if legacy else None


def _env_timeout() -> float:
    raw = os.environ.get(TIMEOUT_ENV)
    if not raw:
        return DEFAULT_TIMEOUT_S
    try:
        return float(raw)
    except ValueError:
        raise PolicyError(f"{TIMEOUT_ENV}={raw!r}: expected a number of seconds") from None


class OPAServerEngine(BaseEngine):
    """Evaluates `POST /v1/data/scrapegate/decision` on an OPA server.

    Usage::

        engine = OPAServerEngine("http://127.0.0.1:8181", token=None, timeout=5.0)
        with Gate("jobs/prices.yaml", engine=engine) as gate: ...

    `token` defaults to $SCRAPEGATE_OPA_TOKEN, `timeout` (seconds per request) to
    $SCRAPEGATE_OPA_TIMEOUT or 5. `retries` more attempts follow a connection error, a timeout or a 5xx answer, after
    `backoff`, `2*backoff`, ... seconds. `revision` is the bundle's `.manifest` revision as
    OPA reports it (the same hash the embedded engine computes for the same policies), the
    revision `scrapegate bundle push` recorded, or a hash of the server URL when neither.
    """

    name = "opa"

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        timeout: float | None = None,
        retries: int = DEFAULT_RETRIES,
        backoff: float = DEFAULT_BACKOFF_S,
        entrypoint: str = DECISION_ENTRYPOINT,
        revision_ttl: float = REVISION_TTL_S,
    ) -> None:
        timeout = _env_timeout() if timeout is None else timeout
        if retries < 0 or timeout <= 0 or backoff < 0:
            raise ValueError("OPAServerEngine: retries and backoff must be >= 0, timeout > 0")
        self.address = parse_opa_url(url)
        self.url = self.address.url
        self.token = token or os.environ.get(TOKEN_ENV) or None
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.entrypoint = entrypoint.strip("/")
        self.revision_ttl = revision_ttl
        self._where = f"OPA {self.url}/v1/data/{self.entrypoint}"
        self._client = new_client(self.address, self.token, timeout)
        # requests' timeout is per read: a server trickling its answer would never trip it.
        # The deadline adapter cuts the connection when the wall-clock timeout passes.
        session = getattr(self._client, "_session", None)
        if session is not None:
            deadline_session(session)
        self._lock = threading.Lock()
        self._fallback = "opa-" + hashlib.sha256(f"{self.url}/v1/data/{self.entrypoint}".encode()).hexdigest()[:16]
        self._bundle_rev: str | None = None
        self._pushed_rev: str | None = None
        self._probe_due = 0.0  # probe on first use

    # -- revision -----------------------------------------------------------------
    @property
    def revision(self) -> str:
        if time.monotonic() >= self._probe_due:
            self.refresh_revision()
        return self._bundle_rev or self._pushed_rev or self._fallback

    def refresh_revision(self) -> str:
        """Ask OPA now (one request, no retries). An unreachable server keeps the last
        known revision: the evaluation that follows fails, and denies, on its own."""
        self._probe_due = time.monotonic() + self.revision_ttl
        try:
            with wall_clock(self.timeout), map_opa_errors(f"OPA {self.url} revision"):
                body = self._client.query_rule({}, REVISION_DATA_PATH, None, {"provenance": "true"})
        except Exception:  # a property must not raise: the evaluation denies on its own
            return self._bundle_rev or self._pushed_rev or self._fallback
        if isinstance(body, dict):
            pushed = body.get("result")
            with self._lock:
                self._pushed_rev = str(pushed) if isinstance(pushed, (str, int)) and pushed != "" else None
            self._observe(body)
        return self._bundle_rev or self._pushed_rev or self._fallback

    def _observe(self, body: dict[str, Any]) -> None:
        if "provenance" in body:
            with self._lock:
                self._bundle_rev = bundle_revision(body.get("provenance"))

    # -- evaluation -----------------------------------------------------------------
    def _result(self, body: Any) -> dict[str, Any] | None:
        if not isinstance(body, dict):
            raise EngineError(f"{self._where}: OPA's answer is not a JSON object: {str(body)[:200]!r}")
        self._observe(body)
        if "result" not in body:  # undefined: OPA omits the key
            return None
        result = body["result"]
        return result if isinstance(result, dict) else None

    def _delays(self) -> Iterator[float]:
        yield 0.0
        for attempt in range(self.retries):
            yield self.backoff * (2 ** attempt)

    def _give_up(self, attempts: int, last: EngineUnavailable) -> EngineUnavailable:
        return EngineUnavailable(f"{last} (gave up after {attempts} attempt{'s' if attempts > 1 else ''})")

    def evaluate(self, policy_input: dict[str, Any]) -> dict[str, Any] | None:
        return self._result(self._with_retries(
            lambda: self._client.query_rule(policy_input, self.entrypoint, None, {"provenance": "true"})))

    def _with_retries(self, call: Callable[[], Any]) -> Any:
        last: EngineUnavailable | None = None
        attempts = 0
        for delay in self._delays():
            if delay:
                time.sleep(delay)
            attempts += 1
            with wall_clock(self.timeout) as deadline:
                try:
                    with map_opa_errors(self._where):
                        return call()
                except EngineError as exc:
                    if deadline.expired:  # cut at the wall-clock deadline, whatever the error reads
                        last = EngineUnavailable(f"{self._where}: OPA did not answer in time "
                                                 f"(no complete answer within {self.timeout:g} s)")
                    elif isinstance(exc, EngineUnavailable):
                        last = exc
                    else:
                        raise
        assert last is not None
        raise self._give_up(attempts, last) from last

    # -- operations ---------------------------------------------------------------
    def healthy(self, bundles: bool = False) -> bool:
        """OPA's `GET /health` (with `?bundles`: every configured bundle is activated)."""
        return bool(self._client.check_health(query={"bundles": "true"} if bundles else None))

    def close(self) -> None:
        self._client.close_connection()

    def __repr__(self) -> str:
        return f"<OPAServerEngine {self.url} entrypoint={self.entrypoint}>"
