"""scrapegate bundle build | push"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from gate.cli.options import BadInput, Seconds, cli_errors, policy_source_options, waivers_file

__all__ = ["bundle"]


def _policy_set(policy_dirs: tuple[str, ...], no_shipped_policies: bool, waivers: str | None) -> Any:
    from gate.engines.policy_set import load_policy_set, shipped_policies_dir
    from gate.engines.waivers import load_waivers

    roots: list[Path] = [] if no_shipped_policies else [shipped_policies_dir()]
    roots += [Path(p) for p in policy_dirs]
    if not roots:
        raise BadInput("--no-shipped-policies needs at least one --policy DIR: the bundle would be empty")
    return load_policy_set(roots, load_waivers(waivers) if waivers else None)


@click.group()
def bundle() -> None:
    """Build OPA bundles and push policies to an OPA server.

    Run the policies on OPA when one machine is not enough: a sidecar per crawler or a
    central cluster, every crawler on the same policy revision (see docs/deploy.md).

    \b
    Example:
      scrapegate bundle build -o bundle.tar.gz
      opa run -s -b bundle.tar.gz
      scrapegate check jobs/ --engine opa --opa-url http://127.0.0.1:8181
    """


@bundle.command()
@policy_source_options
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True), metavar="FILE",
              help="Where to write the bundle (a .tar.gz).")
def build(policy_dirs: tuple[str, ...], no_shipped_policies: bool, waivers: str | None, exceptions: str | None,
          output: str) -> None:
    """Write an OPA bundle: the policies (tests left out), their data as data.json at
    the data path of each directory, the waivers at data.scrapegate.granted_waivers, and a
    .manifest whose revision is the hash the embedded engine reports for the same files.

    The same inputs always give the same bytes.

    \b
    Example:
      scrapegate bundle build -o bundle.tar.gz
      scrapegate bundle build --policy team/ --waivers waivers.yaml -o dist/bundle.tar.gz
      docker run -p 8181:8181 -v $PWD/bundle.tar.gz:/bundle.tar.gz \\
        openpolicyagent/opa run -s -b /bundle.tar.gz
    """
    from gate.policy.bundle import build_bundle

    with cli_errors():
        info = build_bundle(_policy_set(policy_dirs, no_shipped_policies, waivers_file(waivers, exceptions)), output)
    click.echo(f"wrote {output}: {len(info.modules)} modules, {len(info.data_files)} data files, "
               f"{info.size} bytes")
    click.echo(f"revision {info.revision}")
    click.echo(f"roots {', '.join(info.roots)}")


@bundle.command()
@policy_source_options
@click.option("--opa-url", envvar="SCRAPEGATE_OPA_URL", required=True, metavar="URL",
              help="The OPA server (env SCRAPEGATE_OPA_URL).")
@click.option("--token", envvar="SCRAPEGATE_OPA_TOKEN", metavar="TOKEN",
              help="Bearer token for OPA's --authentication=token (env SCRAPEGATE_OPA_TOKEN).")
@click.option("--timeout", type=Seconds(), default=10.0, show_default=True, help="Seconds per request.")
@click.option("--prune/--no-prune", default=True, show_default=True,
              help="Delete modules an earlier push uploaded that this one no longer has.")
def push(policy_dirs: tuple[str, ...], no_shipped_policies: bool, waivers: str | None, exceptions: str | None,
         opa_url: str,
         token: str | None, timeout: float, prune: bool) -> None:
    """Upload the policies through OPA's Policy API and their data through its Data API,
    for OPA servers that do not pull bundles. The revision is recorded at
    data.scrapegate_meta.revision, where `--engine opa` reads it.

    An OPA that serves a bundle owning data.scrapegate refuses the upload: update the
    bundle instead.

    \b
    Exit codes: 0 pushed, 2 a policy or data OPA rejected (or a bad flag),
    3 OPA unreachable or refusing the token.

    \b
    Example:
      scrapegate bundle push --opa-url http://127.0.0.1:8181
      SCRAPEGATE_OPA_TOKEN=... scrapegate bundle push --opa-url https://opa.internal:8181 --policy team/
    """
    from gate.engines.opa import new_client, parse_opa_url
    from gate.policy.bundle import push_policy_set

    with cli_errors():
        policy_set = _policy_set(policy_dirs, no_shipped_policies, waivers_file(waivers, exceptions))
        address = parse_opa_url(opa_url)
        client = new_client(address, token, timeout)
        try:
            result = push_policy_set(policy_set, client, prune=prune, url=address.url)
        finally:
            client.close_connection()
    click.echo(f"pushed {len(result.modules)} modules and data {', '.join(result.data_paths) or '(none)'} "
               f"to {address.url}")
    if result.deleted:
        click.echo(f"deleted {len(result.deleted)} stale modules: {', '.join(result.deleted)}")
    click.echo(f"revision {result.revision}")
