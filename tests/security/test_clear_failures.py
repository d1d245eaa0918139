"""Attack class 8: clear failures, each through the CLI. An engine outage is exit 3, not a
violation; hostile manifests are bounded bad input (exit 2); hostile robots.txt values are
clamped; a cached decision names the request's own URL."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from origin import Origin

from gate.cli import cli

JOB: dict[str, Any] = {
    "apiVersion": "scrapegate/v1", "kind": "CollectionJob",
    "metadata": {"name": "prices", "owner": "pricing@example.com"},
    "spec": {
        "operator": {"name": "Example Corp", "establishment": "DE", "markets": ["EU"]},
        "purpose": {"category": "price_monitoring"},
        "user_agent": "ExamplePriceBot/2.1 (+https://example.com/pricebot)",
        "data_categories": ["non_personal"], "data_subjects": {"jurisdictions": ["EU"]},
        "targeting": "targeted",
        "targets": ["https://shop.example.com/products/"],
    },
}


def write(tmp_path: Path, job: dict[str, Any] | str, name: str = "job.yaml") -> Path:
    path = tmp_path / name
    path.write_text(job if isinstance(job, str) else yaml.safe_dump(job))
    return path


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_check_exits_3_when_the_engine_is_unavailable(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    result = run("check", str(write(tmp_path, JOB)), "--engine", "opa", "--opa-url", url)
    assert result.exit_code == 3, result.output
    assert "engine.unavailable" in result.output


def test_check_exits_3_when_the_engine_errs(tmp_path: Path) -> None:
    with Origin(robots=None) as opa:
        opa.route("/v1/data/scrapegate/decision?provenance=true", status=403, body='{"code": "forbidden"}',
                  content_type="application/json")
        opa.route("/v1/data/scrapegate/decision", status=403, body='{"code": "forbidden"}',
                  content_type="application/json")
        result = run("check", str(write(tmp_path, JOB)), "--engine", "opa", "--opa-url", opa.base)
    assert result.exit_code == 3, result.output
    assert "engine.error" in result.output


def test_a_violation_still_exits_1(tmp_path: Path, examples: Path) -> None:
    assert run("check", str(examples / "clearview-like.yaml")).exit_code == 1


BOMB = "".join(
    [f'{c}: &{c} ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' if c == "a" else
     f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
     for p, c in zip("-abcdefgh", "abcdefghi")])


def test_yaml_anchor_bomb_is_refused_small_and_fast(tmp_path: Path) -> None:
    manifest = yaml.safe_dump(JOB) + BOMB
    assert len(manifest.encode()) < 2000
    started = time.monotonic()
    result = run("check", str(write(tmp_path, manifest)))
    assert time.monotonic() - started < 10
    assert result.exit_code == 2
    assert "anchor bomb" in result.output and len(result.output) < 2000, result.output[:500]


def test_many_distinct_bad_values_give_a_bounded_error(tmp_path: Path) -> None:
    job = json.loads(json.dumps(JOB))
    job["spec"]["data_categories"] = ["x" * 2_000 + str(i) for i in range(300)]
    result = run("check", str(write(tmp_path, job)))
    assert result.exit_code == 2
    assert "data_categories" in result.output and len(result.output) < 20_000


def test_nul_in_a_manifest_string_is_a_manifest_error(tmp_path: Path) -> None:
    text = yaml.safe_dump(JOB).replace("user_agent: ExamplePriceBot/2.1", 'user_agent: "Example\\0PriceBot/2.1')
    text = text.replace("(+https://example.com/pricebot)\n", '(+https://example.com/pricebot)"\n', 1)
    result = run("check", str(write(tmp_path, text)))
    assert result.exit_code == 2, result.output
    assert "spec.user_agent" in result.output and "NUL" in result.output


def test_nul_in_a_json_manifest_too(tmp_path: Path) -> None:
    job = json.loads(json.dumps(JOB))
    job["metadata"]["name"] = "prices\u0000; DROP"
    result = run("check", str(write(tmp_path, json.dumps(job), "job.json")))
    assert result.exit_code == 2 and "metadata.name" in result.output


def _live_job(origin: Origin, *paths: str) -> dict[str, Any]:
    job = json.loads(json.dumps(JOB))
    job["spec"]["targets"] = [origin.base + p for p in paths]
    return job


def test_crawl_delay_1e300_is_clamped(tmp_path: Path) -> None:
    with Origin(robots="User-agent: *\nCrawl-delay: 1e300\n") as origin:
        result = run("check", str(write(tmp_path, _live_job(origin, "/p"))), "--live", "-f", "json")
    assert result.exit_code == 0, result.output
    decision = json.loads(result.output)["results"][0]["decision"]
    assert decision["obligations"] == [{"code": "rate_limit", "min_interval_s": 86400.0}]


def test_a_cached_decision_names_the_request_url(tmp_path: Path) -> None:
    with Origin(robots="User-agent: *\nDisallow: /private\n") as origin:
        job = _live_job(origin, "/private/first", "/private/second")
        result = run("check", str(write(tmp_path, job)), "--live", "-f", "json")
    assert result.exit_code == 1, result.output
    by_target = {r["target"].rsplit("/", 1)[-1]: r["decision"] for r in json.loads(result.output)["results"]}
    second = " ".join(v["message"] for v in by_target["second"]["deny"])
    assert "/private/second" in second and "/private/first" not in second
