"""The Scrapy middleware's settings (gate.adapters.scrapy): read with Scrapy's typed getters
for the one factory (gate.core.config), and checked so that a middleware that is listed
never crawls without the gate it was asked for."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.utils.misc import load_object

from gate.errors import ManifestError

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

    from gate.core.gate import Gate

__all__ = ["SETTINGS", "DEFAULT_TIMEOUT_S", "scrapegate_settings", "gate_from_settings", "check_settings"]

DEFAULT_TIMEOUT_S = 10.0
# Every setting the middleware reads (docs/adapters.md, "Settings"): another SCRAPEGATE_* name
# is a typo, refused rather than ignored.
SETTINGS = frozenset({
    "SCRAPEGATE_ENABLED", "SCRAPEGATE_JOB", "SCRAPEGATE_MODE", "SCRAPEGATE_POLICIES", "SCRAPEGATE_SHIPPED_POLICIES",
    "SCRAPEGATE_WAIVERS", "SCRAPEGATE_EXCEPTIONS", "SCRAPEGATE_ENGINE", "SCRAPEGATE_OPA_URL", "SCRAPEGATE_LEDGER",
    "SCRAPEGATE_SIGNALS", "SCRAPEGATE_TIMEOUT", "SCRAPEGATE_REDIS", "SCRAPEGATE_CLUSTER_NODES",
    "SCRAPEGATE_REDIS_LEASE", "SCRAPEGATE_GC_FREEZE"})
# Read from the environment only (gate.core.config, the ledger, the OPA engine).
ENVIRONMENT_ONLY = frozenset({
    "SCRAPEGATE_OPA_TOKEN", "SCRAPEGATE_OPA_TIMEOUT", "SCRAPEGATE_LEDGER_WRITER", "SCRAPEGATE_TERMS_DISCOVERY",
    "SCRAPEGATE_HOME", "SCRAPEGATE_LEDGER_KEY", "SCRAPEGATE_LEDGER_KEY_FILE", "SCRAPEGATE_LEDGER_CHECKPOINTS"})
_OFF = {"", "0", "false", "no", "off", "none"}
_ON = {"1", "true", "yes", "on"}


def _ledger_setting(value: Any) -> Any:
    """True (the default ledger: $SCRAPEGATE_LEDGER or ./.scrapegate/ledger.db), a path, or False."""
    if value is None or value is False:
        return False
    if value is True:
        return True
    text = str(value).strip()
    if text.lower() in _OFF:
        return False
    if text.lower() in _ON:
        return True
    return text


def _signals_setting(value: Any) -> Any:
    """"live", "static", or the dotted path of a SignalSource class or factory."""
    if value in (None, "") or value in ("live", "static") or not isinstance(value, str):
        return value or None
    return load_object(value)()


def scrapegate_settings(settings: "BaseSettings") -> dict[str, Any]:
    """The SCRAPEGATE_* settings that are set, read with Scrapy's typed getters (a list, a
    bool, a float), for gate.core.config."""
    out: dict[str, Any] = {"SCRAPEGATE_LEDGER": _ledger_setting(settings.get("SCRAPEGATE_LEDGER", True))}
    job = settings.get("SCRAPEGATE_JOB")
    if isinstance(job, str) and job:
        out["SCRAPEGATE_JOB"] = _job_path(job)
    for name in ("SCRAPEGATE_MODE", "SCRAPEGATE_ENGINE", "SCRAPEGATE_OPA_URL",
                 "SCRAPEGATE_WAIVERS", "SCRAPEGATE_EXCEPTIONS", "SCRAPEGATE_REDIS", "SCRAPEGATE_CLUSTER_NODES",
                 "SCRAPEGATE_REDIS_LEASE"):
        if settings.get(name):
            out[name] = settings.get(name)
    if settings.get("SCRAPEGATE_POLICIES"):
        out["SCRAPEGATE_POLICIES"] = settings.getlist("SCRAPEGATE_POLICIES")
    if settings.get("SCRAPEGATE_SHIPPED_POLICIES") is not None:
        out["SCRAPEGATE_SHIPPED_POLICIES"] = settings.getbool("SCRAPEGATE_SHIPPED_POLICIES", True)
    if settings.get("SCRAPEGATE_SIGNALS"):
        out["SCRAPEGATE_SIGNALS"] = _signals_setting(settings.get("SCRAPEGATE_SIGNALS"))
    out["SCRAPEGATE_TIMEOUT"] = settings.getfloat("SCRAPEGATE_TIMEOUT", DEFAULT_TIMEOUT_S)
    return out


def _job_path(job: str) -> str:
    """A relative SCRAPEGATE_JOB is read from the working directory, else from the Scrapy
    project's root (where scrapy.cfg is): `scrapy crawl` runs from any folder of a project."""
    from pathlib import Path

    path = Path(job)
    if path.is_absolute() or path.exists():
        return job
    from scrapy.utils.conf import closest_scrapy_cfg

    cfg = closest_scrapy_cfg()
    if cfg and (Path(cfg).parent / path).exists():
        return str(Path(cfg).parent / path)
    return job


def gate_from_settings(settings: "BaseSettings") -> "Gate":
    """Build the crawl's Gate from the SCRAPEGATE_* settings, through the one factory
    (gate.core.config: the environment's SCRAPEGATE_ENGINE, SCRAPEGATE_OPA_URL,
    SCRAPEGATE_SIGNALS and SCRAPEGATE_LEDGER win over the settings, as everywhere)."""
    from gate.core.gate import Gate

    return Gate.from_settings(scrapegate_settings(settings))


def check_settings(settings: "BaseSettings", cls: type) -> None:
    """ManifestError for a configuration that would crawl without the gate it asks for: a
    SCRAPEGATE_* name the middleware does not know (a typo: `SCRAPEGATE_POLICY` would drop the
    extra policies), no SCRAPEGATE_JOB while the middleware is listed and not switched off, or
    the middleware listed as a spider middleware (it would build a gate and decide nothing)."""
    import difflib

    unknown = sorted(name for name in settings if str(name).startswith("SCRAPEGATE_") and name not in SETTINGS)
    if unknown:
        hints = [f"{name} (an environment variable, not a setting)" if name in ENVIRONMENT_ONLY
                 else f"{name} (did you mean {close[0]}?)" if (close := difflib.get_close_matches(name, SETTINGS, 1))
                 else name for name in unknown]
        raise ManifestError(f"unknown setting {', '.join(hints)}; the settings are {', '.join(sorted(SETTINGS))}")
    for name, priority in settings.getwithbase("SPIDER_MIDDLEWARES").items():
        if priority is not None and _is_middleware(name, cls):
            raise ManifestError(f"{name} is listed in SPIDER_MIDDLEWARES, where it gates nothing: it is a "
                                "downloader middleware (DOWNLOADER_MIDDLEWARES, priority 100)")
    enabled = settings.get("SCRAPEGATE_ENABLED")
    if not settings.get("SCRAPEGATE_JOB") and (enabled is None or settings.getbool("SCRAPEGATE_ENABLED")):
        raise ManifestError("ScrapegateMiddleware is enabled but SCRAPEGATE_JOB names no job manifest; set it, "
                            "or SCRAPEGATE_ENABLED = False to crawl without the gate")


def _is_middleware(name: Any, cls: type) -> bool:
    try:
        obj = load_object(name)
    except Exception:  # noqa: BLE001 - not ours to report: Scrapy fails on it itself
        return False
    return isinstance(obj, type) and issubclass(obj, cls)
