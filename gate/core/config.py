"""The one factory: the engine, the signals, the ledger and the decision log of a Gate.

Every entry point builds through here: `Gate(...)`, the CLI's policy options (`check`,
`explain`, `run`, ...) and the Scrapy middleware (`Gate.from_settings`). Each value comes
from the first place that gives it, in the same order everywhere:

    explicit argument  >  SCRAPEGATE_* environment variable  >  setting  >  default

"Setting" is a framework's configuration (Scrapy's `SCRAPEGATE_*` settings), handed over
as a plain mapping of typed values. The environment variables:

    SCRAPEGATE_ENGINE    embedded | opa         (default: opa when an OPA URL is given, else embedded)
    SCRAPEGATE_OPA_URL   http(s)://host:port    (the OPA server)
    SCRAPEGATE_SIGNALS   live | static          (default: live)
    SCRAPEGATE_LEDGER    where the ledger is (default ./.scrapegate/ledger.db), or off for none
    SCRAPEGATE_REDIS     redis://host:port/db: robots.txt and rate limits shared by a cluster (default: none)
    SCRAPEGATE_CLUSTER_NODES   how many nodes share them (default 1; the Redis-down fallback divides by it)
    SCRAPEGATE_REDIS_LEASE     seconds a node may hold an origin's slot at most (default 30)
    SCRAPEGATE_TERMS_DISCOVERY  on | off    (default: on; live signals read each site's own terms)

The ledger is on by default, at ./.scrapegate/ledger.db: `ledger=False` (or a setting of
False, or SCRAPEGATE_LEDGER=off) records nothing. The OPA engine also reads
SCRAPEGATE_OPA_TOKEN and SCRAPEGATE_OPA_TIMEOUT, the SQLite ledger SCRAPEGATE_LEDGER_WRITER.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Mapping, Sequence

from gate.cluster import DEFAULT_LEASE_S, LEASE_ENV, NODES_ENV, REDIS_ENV, Cluster, shared_cluster
from gate.engines.base import Engine
from gate.errors import ClusterError, PolicyError
from gate.ledger import Ledger, open_ledger
from gate.ledger.location import DEFAULT_LEDGER_PATH, LEDGER_ENV, ledger_off
from gate.signals.base import SignalSource

__all__ = [
    "ENGINE_ENV", "OPA_URL_ENV", "SIGNALS_ENV", "LEDGER_ENV", "ENGINES", "SIGNAL_MODES",
    "EngineChoice", "engine_choice", "make_engine", "signals_choice", "make_signals", "make_ledger",
    "make_decision_log", "make_cluster", "pick", "REDIS_ENV", "TERMS_DISCOVERY_ENV", "terms_discovery",
]

ENGINE_ENV = "SCRAPEGATE_ENGINE"
OPA_URL_ENV = "SCRAPEGATE_OPA_URL"
SIGNALS_ENV = "SCRAPEGATE_SIGNALS"
TERMS_DISCOVERY_ENV = "SCRAPEGATE_TERMS_DISCOVERY"
_ON = {"on", "true", "1", "yes"}
_OFF = {"off", "false", "0", "no"}
ENGINES = ("embedded", "opa")
SIGNAL_MODES = ("live", "static")
# Settings that have no environment variable of their own.
POLICIES_SETTING = "SCRAPEGATE_POLICIES"
SHIPPED_POLICIES_SETTING = "SCRAPEGATE_SHIPPED_POLICIES"
WAIVERS_SETTINGS = ("SCRAPEGATE_WAIVERS", "SCRAPEGATE_EXCEPTIONS")  # the second is the old name
LEDGER_SETTING = LEDGER_ENV

Settings = Mapping[str, Any]
SignalsChoice = Literal["live", "static"]


def _given(value: Any) -> bool:
    return value is not None and value != ""


def pick(name: str, explicit: Any, settings: Settings | None = None, default: Any = None) -> Any:
    """The value of `name`: the explicit argument, else the environment variable, else the
    setting, else `default`."""
    if _given(explicit):
        return explicit
    env = os.environ.get(name)
    if _given(env):
        return env
    if settings is not None and _given(settings.get(name)):
        return settings[name]
    return default


@dataclass(frozen=True)
class EngineChoice:
    """Which engine, on which policies and waivers."""

    kind: str = "embedded"
    opa_url: str | None = None
    policy_dirs: tuple[str, ...] = ()
    include_shipped: bool = True
    waivers: str | None = None


def engine_choice(*, kind: str | None = None, opa_url: str | None = None,
                  policy_dirs: Sequence[str | Path] | None = None, include_shipped: bool | None = None,
                  waivers: str | Path | None = None, settings: Settings | None = None) -> EngineChoice:
    """The engine the arguments, the environment and the settings name (see the module doc)."""
    url = pick(OPA_URL_ENV, opa_url, settings)
    chosen = str(pick(ENGINE_ENV, kind, settings, "opa" if url else "embedded")).strip().lower()
    if chosen not in ENGINES:
        raise PolicyError(f"unknown engine {chosen!r} (from the argument, {ENGINE_ENV} or the settings); "
                          f"choose from {', '.join(ENGINES)}")
    dirs = list(policy_dirs or ()) or list((settings or {}).get(POLICIES_SETTING) or ())
    shipped = include_shipped
    if shipped is None:
        shipped = bool((settings or {}).get(SHIPPED_POLICIES_SETTING, True))
    waiver_file = waivers or next((settings[k] for k in WAIVERS_SETTINGS if settings and _given(settings.get(k))), None)
    return EngineChoice(chosen, str(url) if url else None, tuple(str(d) for d in dirs), shipped,
                        str(waiver_file) if waiver_file else None)


def make_engine(choice: EngineChoice | None = None, **opa_options: Any) -> Engine:
    """Build the chosen engine (`opa_options` go to OPAServerEngine: token, timeout, ...)."""
    choice = choice if choice is not None else engine_choice()
    extra = None
    if choice.waivers:
        from gate.engines.waivers import load_waivers

        extra = load_waivers(choice.waivers)
    if choice.kind == "embedded":
        from gate.engines.embedded import EmbeddedEngine

        return EmbeddedEngine(list(choice.policy_dirs), include_shipped=choice.include_shipped, extra_data=extra)
    if not choice.opa_url:
        raise PolicyError(f"--engine opa needs --opa-url (or {OPA_URL_ENV})")
    if choice.policy_dirs or extra:
        # The server evaluates what it was given; silently ignoring flags would mislead.
        raise PolicyError("--policy/--waivers apply to the embedded engine; build them into the "
                          "bundle instead: scrapegate bundle build --policy DIR --waivers FILE")
    from gate.engines.opa import OPAServerEngine

    return OPAServerEngine(choice.opa_url, **opa_options)


def signals_choice(value: Any = None, settings: Settings | None = None) -> SignalsChoice | SignalSource:
    """"live", "static" or a SignalSource object, as the argument, the environment or the
    settings give it."""
    chosen = pick(SIGNALS_ENV, value, settings, "live")
    if not isinstance(chosen, str):
        source: SignalSource = chosen
        return source
    name = chosen.strip().lower()
    if name == "live":
        return "live"
    if name == "static":
        return "static"
    raise ValueError(f"signals must be one of {', '.join(SIGNAL_MODES)} (from the argument, {SIGNALS_ENV} "
                     f"or the settings), not {name!r}")


def terms_discovery(value: Any = None, settings: Settings | None = None) -> bool:
    """Whether live signals discover and read each site's own terms (issue 22): on unless
    the argument, SCRAPEGATE_TERMS_DISCOVERY or the setting says off."""
    chosen = pick(TERMS_DISCOVERY_ENV, value, settings, True)
    if isinstance(chosen, bool):
        return chosen
    word = str(chosen).strip().lower()
    if word in _ON | _OFF:
        return word in _ON
    raise ValueError(f"{TERMS_DISCOVERY_ENV} must be on or off, not {chosen!r}")


def make_signals(value: Any = None, *, settings: Settings | None = None, timeout: float = 10.0,
                 purpose: str = "other", verify: bool | str = True, cluster: Cluster | None = None,
                 terms: bool | None = None) -> SignalSource:
    """The signal source: static (nothing fetched), live (robots.txt, the site's terms, and
    the opt-outs for the purposes they govern; robots.txt shared through `cluster`'s Redis
    when given) or the SignalSource given."""
    chosen = signals_choice(value, settings)
    if chosen == "static":
        from gate.signals.static import StaticSignals

        return StaticSignals()
    if chosen == "live":
        from gate.signals.live import LiveSignals

        return LiveSignals(timeout=timeout, purpose=purpose, verify=verify, cluster=cluster,
                           terms=terms_discovery(terms, settings))
    return chosen


def make_ledger(value: Any = None, *, settings: Settings | None = None) -> Ledger | None:
    """The ledger, on unless something says off (the README's promise: every decision lands
    in the ledger). `value` is None (not given), False (none), True (on), a location (path or
    URL) or a Ledger; an explicit value decides. Not given: SCRAPEGATE_LEDGER=off (or false,
    no, none, 0) or a setting of False/off means none; otherwise the location is
    SCRAPEGATE_LEDGER, else the setting's, else ./.scrapegate/ledger.db."""
    if value is False:
        return None
    if value is True:
        return open_ledger(_env_location())
    if value is not None and not isinstance(value, (str, os.PathLike)):
        ledger: Ledger = value  # a Ledger object
        return ledger
    if value is not None and os.fspath(value) != "":
        return open_ledger(os.fspath(value))
    env = os.environ.get(LEDGER_ENV) or None
    setting = settings.get(LEDGER_SETTING) if settings is not None else None
    if (env is not None and ledger_off(env)) or (setting not in (None, "") and ledger_off(setting)):
        return None  # off, wherever it is said, wins over a location said elsewhere
    if env is not None:
        return open_ledger(env)
    if setting in (None, "", True):
        return open_ledger(str(DEFAULT_LEDGER_PATH))
    return make_ledger(setting)


def _env_location() -> str:
    """SCRAPEGATE_LEDGER when it names a location (not off), else the default location."""
    env = os.environ.get(LEDGER_ENV)
    return str(DEFAULT_LEDGER_PATH) if not env or ledger_off(env) else env


def make_decision_log(value: Any = None) -> Any:
    """The decision-log sink: None/False for none, a JSONL path or http(s) URL, or a sink."""
    if value is None or value is False:
        return None
    if isinstance(value, (str, os.PathLike)):
        from gate.ledger.decision_log import DecisionLogSink

        return DecisionLogSink(os.fspath(value))
    return value


def make_cluster(value: Any = None, *, settings: Settings | None = None) -> Cluster | None:
    """The cluster a Gate shares robots.txt and rate limits with: `value` is a Cluster, a
    Redis URL or None (then SCRAPEGATE_REDIS, then the setting); none named means none. The
    node count and lease come from SCRAPEGATE_CLUSTER_NODES and SCRAPEGATE_REDIS_LEASE (or the
    settings). One Cluster per process for the same settings (gate.cluster.shared_cluster)."""
    if isinstance(value, Cluster):
        return value
    url = pick(REDIS_ENV, value, settings)
    if not url:
        return None
    raw_nodes = pick(NODES_ENV, None, settings, 1)
    raw_lease = pick(LEASE_ENV, None, settings, DEFAULT_LEASE_S)
    try:
        nodes = int(raw_nodes)
    except (TypeError, ValueError):
        raise ClusterError(f"{NODES_ENV}: the node count must be a whole number, not {raw_nodes!r}") from None
    try:
        lease = float(raw_lease)
    except (TypeError, ValueError):
        raise ClusterError(f"{LEASE_ENV}: the lease must be a number of seconds, not {raw_lease!r}") from None
    return shared_cluster(str(url).strip(), nodes=nodes, lease_s=lease)
