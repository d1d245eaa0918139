"""More attacks in the same classes, each against the real origin of origin.py."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from click.testing import CliRunner
from origin import Origin, Trickler
from test_clear_failures import JOB, write

from gate.adapters.requests import GatedSession
from gate.cli import cli
from gate.errors import CollectionBlocked
from gate.signals.robots import parse
from gate.signals.robots_fetch import RobotsFetcher

from local_site import USER_AGENT, ledger_rows

# -- class 1: path readings -------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/x/%2e%2e/private/a", "/PRIVATE/../private/a", "/%2F%2Fprivate",
                                  "/a;/..;/private", "/%252fprivate"])
def test_more_spellings_of_a_disallowed_path(origin: Origin, make_gate: Any, path: str) -> None:
    with GatedSession(make_gate()) as s:
        with pytest.raises(CollectionBlocked):
            s.get(origin.base + path)
    assert origin.arrived() == []


# -- class 2: the Host header -----------------------------------------------------------------

@pytest.mark.parametrize("host", ["user@www.facebook.com", "127.0.0.1 www.facebook.com", ""])
def test_host_headers_that_cannot_be_read_as_the_url_authority(origin: Origin, make_gate: Any, host: str) -> None:
    with GatedSession(make_gate()) as s:
        with pytest.raises(CollectionBlocked) as blocked:
            s.get(origin.base + "/x", headers={"Host": host})
    assert blocked.value.decision.deny_codes == ["request.host_mismatch"]
    assert origin.hits == []


# -- class 10: the agent ----------------------------------------------------------------------

def test_a_lower_case_user_agent_header_is_still_the_agent(origin: Origin, make_gate: Any) -> None:
    with GatedSession(make_gate()) as s:
        with pytest.raises(CollectionBlocked) as blocked:
            s.get(origin.base + "/x", headers={"user-agent": "Googlebot/2.1"})
    assert blocked.value.decision.deny_codes == ["request.agent_mismatch"]
    assert origin.hits == []


def test_a_plain_session_under_guard_sends_the_job_agent_not_its_default(origin: Origin, make_gate: Any) -> None:
    g = make_gate()

    @g.guard
    def crawl() -> None:
        with requests.Session() as s:  # its default headers say python-requests/x
            s.get(origin.base + "/s", timeout=5)

    crawl()
    assert [h.headers.get("User-Agent") for h in origin.hits] == [USER_AGENT, USER_AGENT]


# -- class 4: time ----------------------------------------------------------------------------

def test_robots_redirected_to_a_trickling_server_ends_by_the_deadline(origin: Origin) -> None:
    body = b"User-agent: *\nAllow: /\n" + b"#" * 400
    with Trickler(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body), 0.05) as slow:
        origin.route("/robots.txt", status=302, headers={"Location": slow.base + "/robots.txt"}, body="")
        with RobotsFetcher(timeout=4.0, deadline=1.0) as fetcher:
            started = time.monotonic()
            result = fetcher.fetch(origin.base + "/", USER_AGENT)
            assert time.monotonic() - started < 5.0
    assert result.status == "unreachable" and result.redirects == 1


def test_a_server_that_accepts_and_never_answers_ends_by_the_deadline() -> None:
    """The per-read timeout is 4 s; the wall-clock deadline of 1 s governs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    try:
        with RobotsFetcher(timeout=4.0, deadline=1.0) as fetcher:
            started = time.monotonic()
            result = fetcher.fetch(f"http://127.0.0.1:{listener.getsockname()[1]}/", USER_AGENT)
            took = time.monotonic() - started
    finally:
        listener.close()
    assert result.status == "unreachable" and took < 3.5, took


# -- class 7: strict guard ----------------------------------------------------------------------

def test_strict_guard_refuses_a_raw_socket_to_an_address_just_admitted(origin: Origin, make_gate: Any) -> None:
    """The admitted address is let through only while its request is being sent."""
    g = make_gate()

    @g.guard(strict=True)
    def crawl() -> None:
        requests.get(origin.base + "/ok", timeout=5)
        with socket.create_connection(("127.0.0.1", origin.port), timeout=5) as s:
            s.sendall(b"GET /private/after HTTP/1.0\r\n\r\n")

    with pytest.raises(CollectionBlocked):
        crawl()
    assert origin.arrived() == ["/ok"]


def test_strict_guard_covers_a_thread_started_from_a_thread(origin: Origin, make_gate: Any) -> None:
    g = make_gate()
    seen: list[Any] = []

    def inner() -> None:
        try:
            socket.create_connection(("127.0.0.1", origin.port), timeout=5).close()
            seen.append("connected")
        except CollectionBlocked as exc:
            seen.append(exc.decision.deny_codes)

    @g.guard(strict=True)
    def crawl() -> None:
        outer = threading.Thread(target=lambda: (t := threading.Thread(target=inner), t.start(), t.join()))
        outer.start()
        outer.join(10)

    crawl()
    assert seen == [["guard.ungated_connection"]]
    assert origin.hits == []


# -- class 8: clear failures --------------------------------------------------------------------

def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_a_recursive_yaml_alias_is_bad_input(tmp_path: Path) -> None:
    result = run("check", str(write(tmp_path, yaml.safe_dump(JOB) + "loop: &l [*l]\n")))
    assert result.exit_code == 2


def test_deeply_nested_yaml_is_bad_input(tmp_path: Path) -> None:
    result = run("check", str(write(tmp_path, yaml.safe_dump(JOB) + "deep: " + "[" * 5000 + "]" * 5000 + "\n")))
    assert result.exit_code == 2


def test_an_escape_sequence_in_a_manifest_is_bad_input(tmp_path: Path) -> None:
    job = yaml.safe_load(yaml.safe_dump(JOB))
    job["metadata"]["owner"] = "ops@example.com\x1b[2J\x1b[31mALL ALLOWED"
    result = run("check", str(write(tmp_path, yaml.safe_dump(job))))
    assert result.exit_code == 2 and "metadata.owner" in result.output and "\x1b" not in result.output


@pytest.mark.parametrize("value", ["1e308", "99999999999999", "1e400", "-5", "nan"])
def test_hostile_crawl_delays_never_overflow(value: str) -> None:
    delay = parse(f"User-agent: *\nCrawl-delay: {value}\n").crawl_delay("bot")
    assert delay is None or 0 <= delay <= 86400


# -- class 11: the ledger -----------------------------------------------------------------------

@pytest.mark.parametrize("status", [301, 303, 307, 308])
def test_every_fetched_redirect_is_collected(origin: Origin, make_gate: Any, tmp_path: Path, status: int) -> None:
    origin.route("/r", status=status, body="moved", headers={"Location": "/final"})
    with GatedSession(make_gate(ledger=tmp_path / "l.db")) as s:
        s.get(origin.base + "/r")
    rows = ledger_rows(tmp_path / "l.db")
    assert [(r["url"].rsplit("/", 1)[-1], r["collected_status"]) for r in rows] == [("r", status), ("final", 200)]
