"""What the sync and async Playwright gates share (gate.adapters.playwright): the constants,
the redirect and WebSocket URL helpers, and the decision book-keeping."""

from __future__ import annotations

import json
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from gate.model.response import ResponseFacts

if TYPE_CHECKING:
    from gate.core.gate import Gate
    from gate.model.decision import Decision

ROUTE_PATTERN = "**/*"
ABORT_ERROR = "blockedbyclient"
MAX_REDIRECTS = 20  # Chromium's own limit
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_GATED_SCHEMES = ("http://", "https://")
_WS_SCHEMES = {"ws://": "http://", "wss://": "https://"}
# What sends requests that reach no route, page or context (Chromium 156): a shared worker's
# fetches, an AudioWorklet's module, fetchLater(). The context's pages get none of them.
NO_UNROUTED_APIS = ("delete window.SharedWorker; delete window.fetchLater;"
                    "if (window.BaseAudioContext) delete BaseAudioContext.prototype.audioWorklet;")
NO_SHARED_WORKERS = NO_UNROUTED_APIS  # its first name
WS_POLICY_VIOLATION = 1008  # RFC 6455 7.4.1


def preloading_off(user_data_dir: str | Path) -> Path:
    """Set Chromium's "Preload pages" to off in the profile at `user_data_dir`, for
    `launch_persistent_context`: speculation rules' prefetch and prerender requests reach no
    route, and a context that preloads sends them ungated. A plain `browser.new_context()`
    has no profile of its own to set this in."""
    prefs = Path(user_data_dir) / "Default" / "Preferences"
    data = json.loads(prefs.read_text()) if prefs.exists() else {}
    data.setdefault("net", {})["network_prediction_options"] = 2  # NETWORK_PREDICTION_NEVER
    prefs.parent.mkdir(parents=True, exist_ok=True)
    prefs.write_text(json.dumps(data))
    return Path(user_data_dir)


def websocket_http_url(url: str) -> str:
    """The http(s) URL a WebSocket handshake GETs: the URL the gate decides on."""
    for ws, http in _WS_SCHEMES.items():
        if url[:len(ws)].lower() == ws:
            return http + url[len(ws):]
    return url


def context_of(target: Any) -> Any:
    """The BrowserContext of a Page, or the context itself."""
    context = getattr(target, "context", None)
    return target if context is None or callable(context) else context


def next_hop(url: str, method: str, status: int, headers: dict[str, str]) -> tuple[str, str] | None:
    """(url, method) of the hop a redirect response asks for, or None when it is final.
    303, and 301/302 after a POST, continue as GET (what browsers do)."""
    location = headers.get("location")
    if status not in _REDIRECT_CODES or not location:
        return None
    as_get = status == 303 or (status in (301, 302) and method == "POST")
    return urljoin(url, location), ("GET" if as_get and method != "HEAD" else method)


class _Refused(Exception):
    """Ends a route with `route.abort(error)`."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class _Base:
    def __init__(self, target: Any, gate: "Gate", record_bodies: bool, fetch: bool) -> None:
        self.target = target
        self.gate = gate
        self.record_bodies = record_bodies
        self.fetch = fetch
        self.blocked: list[Decision] = []
        self.decisions: list[Decision] = []
        self._pending: dict[Any, Decision] = {}
        self._listening = False
        self._detached = False  # route_web_socket has no unroute: a detached gate connects straight
        # Requests a caller's later route had decided before it fell back to the gate's handler.
        self._admitted: weakref.WeakKeyDictionary[Any, Decision] = weakref.WeakKeyDictionary()
        # The popups a gated Page opened, and theirs: still gated once the page is closed
        # (Page.opener() is None then).
        self._popups: weakref.WeakSet[Any] = weakref.WeakSet()
        self._agent_pinned = True  # False once a page could not be made to send the job's agent
        self.context = context_of(target)

    def _refused(self, decision: "Decision") -> bool:
        """Book-keeping; True when the request must be aborted."""
        self.decisions.append(decision)
        if not decision.allow and self.gate.mode == "enforce":
            self.blocked.append(decision)
            return True
        return False

    @staticmethod
    def _frame_page(request: Any) -> Any:
        """The page that made the request, or None: a service worker's request, or a popup's first
        navigation (issued before its frame exists)."""
        try:
            return request.frame.page
        except Exception:  # noqa: BLE001 - Playwright raises for both
            return None

    def _adopt(self, popup: Any) -> None:
        self._popups.add(popup)
        popup.on("popup", self._adopt)
        self._pin_agent(popup)

    def _pin_agent(self, page: Any) -> Any:
        """Make the page send the job's agent where no route can set it: a WebSocket handshake
        (Chromium's Emulation.setUserAgentOverride, also what navigator.userAgent says). The
        async API returns the coroutine to await. Without CDP (not Chromium) WebSockets are refused."""
        try:
            session = self.context.new_cdp_session(page)
            if hasattr(session, "__await__"):  # the async API
                return self._apin(session)
            session.send("Emulation.setUserAgentOverride", {"userAgent": self.gate.job.spec.user_agent})
        except Exception:  # noqa: BLE001 - another browser (no CDP), or the page is gone
            self._agent_pinned = False
        return None

    async def _apin(self, session: Any) -> None:
        try:
            cdp = await session
            await cdp.send("Emulation.setUserAgentOverride", {"userAgent": self.gate.job.spec.user_agent})
        except Exception:  # noqa: BLE001 - another browser: no CDP
            self._agent_pinned = False

    def _websocket_refusal(self, url: str) -> "Decision | None":
        """A deny for a WebSocket that would send another agent than the job's, else None."""
        if self._agent_pinned:
            return None
        return self.gate.refuse(url, "request.agent_mismatch", "a WebSocket handshake sends the browser's "
                                "User-Agent, which the gate could not replace (no CDP session)")

    @property
    def _records(self) -> bool:
        return self.record_bodies and self.gate.ledger is not None

    def _headers(self, request: Any) -> dict[str, str]:
        return with_job_agent(self.gate, request.headers)

    @staticmethod
    def _facts(url: str, response: Any, body: bytes) -> ResponseFacts:
        """An APIResponse (route.fetch) as the response phase sees it."""
        return ResponseFacts.of(url, response.status, response.headers_array, body)

    @staticmethod
    def _fetch_kwargs(url: str, method: str, original_method: str, headers: dict[str, str]) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"url": url, "method": method, "max_redirects": 0, "headers": headers}
        if method != original_method:
            kwargs["post_data"] = b""  # the hop became a GET: no body
        return kwargs


def with_job_agent(gate: "Gate", headers: Any) -> dict[str, str]:
    """`headers` with the job's User-Agent: robots.txt was read for that agent, so the origin
    receives it, not the browser's (gate.enforce.identity)."""
    out = {k: v for k, v in headers.items() if k.lower() != "user-agent"}
    out["user-agent"] = gate.job.spec.user_agent
    return out
