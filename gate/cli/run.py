"""scrapegate run"""

from __future__ import annotations

import sys
from typing import Any

import click

from gate.cli.options import BadInput, InternalFailure, Seconds, cli_errors, engine_from_options, policy_options

__all__ = ["run"]

EXIT_DENIED = 1
DEFAULT_SIGNAL_TIMEOUT_S = 10.0


@click.command(context_settings={"allow_interspersed_args": False})
@click.option("--job", "job_file", required=True, type=click.Path(exists=True, dir_okay=False), metavar="JOB.yaml",
              help="The CollectionJob manifest every request is gated against.")
@click.option("--mode", type=click.Choice(["enforce", "audit"]), default="enforce", show_default=True,
              help="enforce answers denied requests with 451; audit forwards them and only records.")
@click.option("--fail-on-deny", is_flag=True, help="Exit 1 if any request was denied (in audit mode too).")
@click.option("--ledger", "ledger_file", type=click.Path(dir_okay=False), metavar="PATH",
              help="Decision ledger (default $SCRAPEGATE_LEDGER or ./.scrapegate/ledger.db; "
                   "SCRAPEGATE_LEDGER=off records nothing).")
@policy_options
@click.option("--signals", type=click.Choice(["live", "static"]), default="live", show_default=True,
              envvar="SCRAPEGATE_SIGNALS",
              help="live fetches robots.txt and opt-outs per origin; static checks only the job and the "
                   "terms registry (env SCRAPEGATE_SIGNALS).")
@click.option("--timeout", type=Seconds(), default=DEFAULT_SIGNAL_TIMEOUT_S, show_default=True,
              help="Seconds per live signal fetch.")
@click.option("--upstream-ca", type=click.Path(exists=True, dir_okay=False), envvar="SCRAPEGATE_UPSTREAM_CA",
              metavar="FILE", help="CA bundle the proxy verifies origins with (default: certifi's; "
                                   "env SCRAPEGATE_UPSTREAM_CA).")
@click.option("--proxy-auth/--no-proxy-auth", default=True, show_default=True,
              help="Put per-run credentials in the proxy URL, so other local users cannot use the proxy.")
@click.option("-q", "--quiet", is_flag=True, help="No line per denied request; only the summary.")
@click.option("-v", "--verbose", is_flag=True, help="Show the proxy's address and proxy.py's diagnostics.")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED, metavar="-- COMMAND [ARGS]...")
def run(job_file: str, mode: str, fail_on_deny: bool, ledger_file: str | None, signals: str, timeout: float,
        upstream_ca: str | None, proxy_auth: bool, quiet: bool, verbose: bool, command: tuple[str, ...],
        **policy: Any) -> None:
    """Run COMMAND behind a gating HTTP(S) proxy: every request it makes is checked.

    The proxy listens on 127.0.0.1 (an ephemeral port) only while COMMAND runs. COMMAND
    gets HTTP_PROXY/HTTPS_PROXY (and lower-case twins) pointing at it, NO_PROXY removed,
    and the proxy's CA as its only trusted CA (SSL_CERT_FILE, REQUESTS_CA_BUNDLE,
    CURL_CA_BUNDLE, NODE_EXTRA_CA_CERTS). HTTPS is intercepted, so the full URL is gated.
    A denied request gets HTTP 451 with a JSON body naming the codes and laws; redirects go
    back to COMMAND, whose next request is gated again. Every decision goes to the ledger.

    The CA is created per user under $SCRAPEGATE_HOME (default ~/.local/state/scrapegate)
    and never installed system-wide. A COMMAND that ignores the proxy variables is not
    gated: use network isolation where that matters.

    \b
    Exit codes: COMMAND's exit code (128+N if killed by signal N); 1 with --fail-on-deny
    when anything was denied; 2 bad input or the proxy extra missing; 3 engine or internal
    failure; 127 COMMAND not found.

    \b
    Example:
      scrapegate run --job jobs/prices.yaml -- curl -sS https://shop.example/p/1
      scrapegate run --job jobs/prices.yaml --mode audit --fail-on-deny -- python crawl.py
      scrapegate run --job job.yaml --signals static --policy team/ -- node crawler.js
    """
    from gate.proxy import ProxyExtraMissing, require_extra

    try:
        require_extra()
    except ProxyExtraMissing as exc:
        raise BadInput(str(exc)) from None

    from gate.core import config
    from gate.core.gate import Gate, as_mode
    from gate.proxy.command import run_behind_proxy
    from gate.proxy.summary import decision_line, summary_text

    def on_decision(url: str, method: str, decision: Any) -> None:
        line = decision_line(url, method, decision)
        if line and not quiet:
            click.echo(line, err=True)

    def on_start(proxy: Any) -> None:
        if verbose:
            click.echo(f"scrapegate run: proxy on {proxy.address[0]}:{proxy.port}, CA {proxy.ca.cert_path}, "
                       f"upstream CA {proxy.upstream_ca or 'system store'}", err=True)

    built: dict[str, Any] = {}

    def make_gate() -> Any:
        # Runs on the gate's worker thread (see GateService): the engine compiles once, there.
        built["engine"] = engine_from_options(**policy)
        try:
            built["gate"] = Gate(job_file, engine=built["engine"], mode=as_mode(mode),
                                 ledger=ledger_file, signals=config.signals_choice(signals), timeout=timeout,
                                 verify=upstream_ca or True)
        except ImportError as exc:
            raise InternalFailure(f"cannot set up {signals} signals: {exc}; try --signals static") from exc
        return built["gate"]

    with cli_errors():
        try:
            result = run_behind_proxy(
                command, make_gate, upstream_ca=upstream_ca, proxy_auth=proxy_auth, on_decision=on_decision,
                log="verbose" if verbose else ("quiet" if quiet else "normal"), on_start=on_start)
        except OSError as exc:
            raise InternalFailure(f"cannot start the proxy: {exc}") from exc
        finally:
            if "gate" in built:
                built["gate"].close()
            if "engine" in built:
                built["engine"].close()
    exit_code = EXIT_DENIED if fail_on_deny and result.stats.denied else result.returncode
    click.echo(summary_text(result.stats, mode=result.mode, ledger_path=result.ledger_path,
                            command_code=result.returncode, exit_code=exit_code), err=True)
    sys.exit(exit_code)
