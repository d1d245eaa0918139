"""scrapegate run end to end: real curl and a real requests script behind the real proxy,
against real local HTTP and HTTPS origins (certificates from trustme) that log every request.

The test policy (a small `package scrapegate` in tmp_path) denies the host 127.0.0.1 and
allows localhost; both names reach the same origins, so "denied requests never arrive" is
read straight off the origins' logs.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import textwrap
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import trustme
from click.testing import CliRunner

from gate.cli import cli
from gate.core.gate import Gate
from gate.engines import StaticEngine
from gate.ledger.sqlite.ledger import mask_url
from gate.ledger.sqlite.query import rows
from gate.proxy.ca import CertificateAuthority
from gate.proxy.server import GatingProxy
from gate.proxy.service import GateService

pytestmark = pytest.mark.slow
CURL = shutil.which("curl")
needs_curl = pytest.mark.skipif(CURL is None, reason="curl is not installed")
BLOCKED_HOST = "127.0.0.1"

POLICY = """\
package scrapegate

decision := {"allow": count(deny) == 0, "deny": deny, "warn": [], "obligations": [], "waived": []}

deny contains v if {
	some blocked in data.scrapegate.blocked_hosts
	input.request.host == blocked
	v := {"code": "test.blocked_host", "jurisdiction": null, "law": "Test Act s. 1",
		"message": sprintf("host %s is blocked", [input.request.host]), "precedents": []}
}
"""

JOB = {
    "apiVersion": "scrapegate/v1", "kind": "CollectionJob",
    "metadata": {"name": "proxy-test", "owner": "tests@example.com"},
    "spec": {
        "operator": {"name": "Test", "establishment": "DE", "markets": ["EU"]},
        "purpose": {"category": "price_monitoring"},
        "user_agent": "ProxyTestBot/1.0",
        "data_categories": ["non_personal"],
        "data_subjects": {"jurisdictions": ["EU"]},
    },
}


# -- origins ----------------------------------------------------------------------------------

@dataclass
class Origin:
    """A real HTTP/1.1 (keep-alive) origin on 127.0.0.1 that logs every request it receives."""

    scheme: str
    server: ThreadingHTTPServer
    log: list[tuple[str, str, str]] = field(default_factory=list)   # (method, Host header, path)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str, host: str = "localhost") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    def paths(self) -> list[str]:
        return [path for _, _, path in self.log]


def body_for(path: str) -> bytes:
    return f"origin says {path}\n".encode()


def start_origin(scheme: str, ssl_context: ssl.SSLContext | None, *, ignore_close: bool = False,
                 robots: str | None = None) -> Origin:
    """`ignore_close`: keep the connection open even when the request says Connection: close.
    `robots`: the body of /robots.txt (else /robots.txt is an ordinary page)."""
    log: list[tuple[str, str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            log.append((self.command, self.headers.get("Host", ""), self.path))
            parts = urlsplit(self.path)
            if parts.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", parse_qs(parts.query)["to"][0])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = robots.encode() if robots is not None and parts.path == "/robots.txt" else body_for(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            if ignore_close:
                self.close_connection = False

        do_HEAD = do_GET

        def log_message(self, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # an aborted TLS handshake is a test scenario, not an error to print

    server = Server(("127.0.0.1", 0), Handler)
    if ssl_context is not None:
        server.socket = ssl_context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return Origin(scheme, server, log)


@dataclass
class Origins:
    http: Origin
    https: Origin
    upstream_ca: Path


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[trustme.CA, Path]:
    ca = trustme.CA()
    bundle = tmp_path_factory.mktemp("upstream") / "upstream-ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    return ca, bundle


@pytest.fixture
def origins(tls: tuple[trustme.CA, Path]) -> Iterator[Origins]:
    ca, bundle = tls
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(ctx)
    http, https = start_origin("http", None), start_origin("https", ctx)
    yield Origins(http, https, bundle)
    for origin in (http, https):
        origin.server.shutdown()
        origin.server.server_close()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    policy = tmp_path / "policy" / "scrapegate"
    policy.mkdir(parents=True)
    (policy / "test.rego").write_text(POLICY)
    (policy / "data.json").write_text(json.dumps({"blocked_hosts": [BLOCKED_HOST]}))
    (tmp_path / "job.yaml").write_text(json.dumps(JOB))
    return tmp_path


def invoke_run(workdir: Path, origins: Origins, command: list[str], *options: str) -> Any:
    args = ["run", "--job", str(workdir / "job.yaml"), "--signals", "static",
            "--policy", str(workdir / "policy"), "--no-shipped-policies",
            "--ledger", str(workdir / "ledger.db"), "--upstream-ca", str(origins.upstream_ca),
            *options, "--", *command]
    return CliRunner().invoke(cli, args)


def ledger(workdir: Path) -> list[dict[str, Any]]:
    return list(rows(workdir / "ledger.db"))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def curl(out: Path, *args: str) -> list[str]:
    """curl writing `<url> <status>` lines and all bodies to `out`, through a shell redirect
    (CliRunner does not capture a subprocess's stdout)."""
    quoted = " ".join(f"'{a}'" for a in args)
    return ["sh", "-c", f"exec '{CURL}' -sS -w '\\n@@ %{{url_effective}} %{{http_code}}\\n' {quoted} > '{out}'"]


def curl_results(out: Path) -> list[tuple[str, int]]:
    return [(line.split()[1], int(line.split()[2])) for line in out.read_text().splitlines() if line.startswith("@@ ")]


# -- curl -------------------------------------------------------------------------------------

@needs_curl
def test_curl_allowed_urls_arrive_denied_get_451_and_never_arrive(workdir: Path, origins: Origins) -> None:
    out = workdir / "curl.out"
    urls = [origins.http.url("/a"), origins.https.url("/b?q=1"),
            origins.http.url("/c", BLOCKED_HOST), origins.https.url("/d", BLOCKED_HOST)]
    result = invoke_run(workdir, origins, curl(out, *urls))
    assert result.exit_code == 0, result.output
    assert curl_results(out) == [(urls[0], 200), (urls[1], 200), (urls[2], 451), (urls[3], 451)]
    text = out.read_text()
    assert body_for("/a").decode() in text and body_for("/b?q=1").decode() in text
    blocked, _ = json.JSONDecoder().raw_decode(text, text.index("{"))
    assert blocked["error"] == "blocked by scrapegate"
    assert blocked["url"] == urls[2].replace("localhost", BLOCKED_HOST)
    assert blocked["codes"] == ["test.blocked_host"]
    assert blocked["deny"][0]["law"] == "Test Act s. 1"
    assert origins.http.paths() == ["/a"]
    assert origins.https.paths() == ["/b?q=1"]
    # the summary
    assert "4 request(s): 2 allowed, 2 denied" in result.stderr
    assert "test.blocked_host  2" in result.stderr
    assert f"localhost:{origins.https.port}" in result.stderr and f"{BLOCKED_HOST}:{origins.http.port}" in result.stderr
    assert f"ledger: {workdir / 'ledger.db'}" in result.stderr
    assert "scrapegate: blocked GET " + urls[2] in result.stderr
    # the ledger: every request, the HTTPS path included, and what was collected
    entries = ledger(workdir)
    assert [(e["url"], e["allow"]) for e in entries] == [  # the ledger masks query values
        (urls[0], True), (mask_url(urls[1]), True), (urls[2], False), (urls[3], False)]
    assert blocked["decision_id"] == entries[2]["decision_id"]
    assert [(e["status"], e["bytes"], e["content_sha256"]) for e in entries[:2]] == [
        (200, len(body_for("/a")), sha(body_for("/a"))), (200, len(body_for("/b?q=1")), sha(body_for("/b?q=1")))]
    assert not entries[2]["collected"] and not entries[3]["collected"]


@needs_curl
def test_curl_redirect_to_a_denied_host_is_stopped_at_the_hop(workdir: Path, origins: Origins) -> None:
    out = workdir / "curl.out"
    target = origins.https.url("/secret", BLOCKED_HOST)
    start = origins.https.url("/redirect?to=" + target)
    result = invoke_run(workdir, origins, curl(out, "-L", start))
    assert result.exit_code == 0, result.output
    assert curl_results(out) == [(target, 451)]
    assert origins.https.paths() == ["/redirect?to=" + target]  # /secret never arrived
    assert [(e["url"], e["allow"], e["status"]) for e in ledger(workdir)] == [
        (mask_url(start), True, 302), (target, False, None)]


@needs_curl
def test_exit_codes_follow_the_command_or_fail_on_deny(workdir: Path, origins: Origins) -> None:
    denied = origins.http.url("/x", BLOCKED_HOST)
    # curl -f turns the 451 into curl's exit 22, which run passes on
    result = invoke_run(workdir, origins, curl(workdir / "o", "-f", denied))
    assert result.exit_code == 22
    assert "command exit code: 22" in result.stderr
    # --fail-on-deny: 1 when anything was denied, whatever COMMAND says
    result = invoke_run(workdir, origins, curl(workdir / "o", denied), "--fail-on-deny")
    assert result.exit_code == 1
    assert "scrapegate exits 1 (--fail-on-deny)" in result.stderr
    # nothing denied: COMMAND's code, with or without the flag
    result = invoke_run(workdir, origins, curl(workdir / "o", origins.http.url("/ok")), "--fail-on-deny")
    assert result.exit_code == 0
    result = invoke_run(workdir, origins, ["sh", "-c", "exit 7"])
    assert result.exit_code == 7
    assert "0 request(s)" in result.stderr
    result = invoke_run(workdir, origins, ["scrapegate-test-no-such-command"])
    assert result.exit_code == 127


@needs_curl
def test_audit_mode_forwards_and_records_what_enforce_would_deny(workdir: Path, origins: Origins) -> None:
    out = workdir / "curl.out"
    url = origins.https.url("/audited", BLOCKED_HOST)
    result = invoke_run(workdir, origins, curl(out, url), "--mode", "audit", "--fail-on-deny")
    assert curl_results(out) == [(url, 200)]
    assert origins.https.paths() == ["/audited"]
    assert result.exit_code == 1
    assert "1 would be denied" in result.stderr and "would block (audit)" in result.stderr
    [entry] = ledger(workdir)
    assert (entry["allow"], entry["mode"], entry["deny_codes"], entry["status"]) == (
        False, "audit", ["test.blocked_host"], 200)


@needs_curl
def test_unreachable_and_untrusted_origins_are_reported(workdir: Path, origins: Origins) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    out = workdir / "curl.out"
    result = invoke_run(workdir, origins, curl(out, f"https://localhost:{closed}/x"))
    assert result.exit_code == 56  # curl: CONNECT refused (502)
    assert "connections that ended before any request was gated" in result.stderr
    assert f"localhost:{closed}  1" in result.stderr
    # without --upstream-ca the proxy cannot verify the trustme origin: it says so, cleanly
    args = ["run", "--job", str(workdir / "job.yaml"), "--signals", "static", "--policy", str(workdir / "policy"),
            "--no-shipped-policies", "--ledger", str(workdir / "ledger.db"), "--", *curl(out, origins.https.url("/t"))]
    result = CliRunner().invoke(cli, args, env={"SCRAPEGATE_UPSTREAM_CA": None})
    assert result.exit_code != 0
    assert f"localhost:{origins.https.port}: the origin's certificate is not trusted" \
        in result.stderr
    assert "--upstream-ca FILE" in result.stderr
    assert "Traceback" not in result.stderr
    assert origins.https.log == []
    assert ledger(workdir) == []


@needs_curl
def test_live_signals_and_shipped_policies_deny_a_robots_disallowed_path(workdir: Path, origins: Origins) -> None:
    """The default set-up: the shipped policies and live signals. robots.txt is fetched by
    scrapegate itself; a path it disallows is denied inside the proxy, the rest goes through."""
    site = start_origin("http", None, robots="User-agent: *\nDisallow: /private\n")
    try:
        out = workdir / "curl.out"
        urls = [site.url("/catalogue"), site.url("/private/prices"), site.url("/catalogue/2")]
        result = CliRunner().invoke(cli, ["run", "--job", str(workdir / "job.yaml"), "--ledger",
                                          str(workdir / "ledger.db"), "--", *curl(out, *urls)])
    finally:
        site.server.shutdown()
        site.server.server_close()
    assert result.exit_code == 0, result.output
    assert curl_results(out) == [(urls[0], 200), (urls[1], 451), (urls[2], 200)]
    assert site.paths() == ["/robots.txt", "/catalogue", "/catalogue/2"]
    assert "robots.disallowed  1" in result.stderr
    assert [(e["url"], e["deny_codes"]) for e in ledger(workdir)] == [
        (urls[0], []), (urls[1], ["robots.disallowed"]), (urls[2], [])]


# -- a Python requests script ---------------------------------------------------------------

SCRIPT = textwrap.dedent("""\
    import json, os, sys
    import requests

    out, code, urls = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    session = requests.Session()          # one pool: plain-HTTP connections to the proxy get reused
    results = []
    for url in urls:
        r = session.get(url, timeout=20)  # follows redirects, each hop through the proxy
        results.append({"url": url, "final": r.url, "status": r.status_code, "body": r.text,
                        "history": [h.status_code for h in r.history]})
    env = {k: os.environ.get(k) for k in ("HTTPS_PROXY", "http_proxy", "NO_PROXY", "no_proxy",
                                          "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE",
                                          "NODE_EXTRA_CA_CERTS")}
    json.dump({"results": results, "env": env}, open(out, "w"))
    sys.exit(code)
""")


def test_requests_script_is_gated_and_its_exit_code_kept(workdir: Path, origins: Origins,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")  # would bypass the proxy if passed on
    script, out = workdir / "fetch.py", workdir / "fetch.json"
    script.write_text(SCRIPT)
    denied_target = origins.http.url("/private", BLOCKED_HOST)
    urls = [origins.http.url("/1"), origins.https.url("/2"), origins.http.url("/3", BLOCKED_HOST),
            origins.https.url("/4"), origins.https.url("/redirect?to=" + denied_target)]
    result = invoke_run(workdir, origins, [sys.executable, str(script), str(out), "3", *urls])
    assert result.exit_code == 3, result.output
    doc = json.loads(out.read_text())
    got = [(r["status"], r["history"]) for r in doc["results"]]
    assert got == [(200, []), (200, []), (451, []), (200, []), (451, [302])]
    assert doc["results"][0]["body"] == body_for("/1").decode()
    assert json.loads(doc["results"][4]["body"])["url"] == denied_target
    assert origins.http.paths() == ["/1"]
    assert origins.https.paths() == ["/2", "/4", "/redirect?to=" + denied_target]
    assert all(host.startswith("localhost:") for _, host, _ in origins.http.log + origins.https.log)
    env = doc["env"]
    assert env["NO_PROXY"] is None and env["no_proxy"] is None
    assert env["HTTPS_PROXY"] == env["http_proxy"] and "@127.0.0.1:" in env["HTTPS_PROXY"]
    ca_file = str(CertificateAuthority.default_dir() / "ca-cert.pem")
    assert {env[k] for k in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS")} == {ca_file}
    assert len(ledger(workdir)) == 6
    # the proxy lived only as long as the command
    port = int(env["HTTPS_PROXY"].rsplit(":", 1)[1])
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def scrapegate_argv(workdir: Path, origins: Origins, *args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from gate.cli import main; sys.exit(main())",
            "run", "--job", str(workdir / "job.yaml"), "--signals", "static", "--policy", str(workdir / "policy"),
            "--no-shipped-policies", "--ledger", str(workdir / "ledger.db"),
            "--upstream-ca", str(origins.upstream_ca), *args]


def test_scrapegate_run_as_a_real_process(workdir: Path, origins: Origins) -> None:
    """The console entry point in its own process: stderr summary and exit code as a shell sees them."""
    script, out = workdir / "fetch.py", workdir / "fetch.json"
    script.write_text(SCRIPT)
    cmd = scrapegate_argv(workdir, origins, "--fail-on-deny", "--", sys.executable, str(script), str(out), "0",
                          origins.https.url("/fine"), origins.https.url("/nope", BLOCKED_HOST))
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "2 request(s): 1 allowed, 1 denied" in proc.stderr
    assert [r["status"] for r in json.loads(out.read_text())["results"]] == [200, 451]
    assert origins.https.paths() == ["/fine"]


def test_sigterm_reaches_the_command_and_nothing_is_left_running(workdir: Path, origins: Origins) -> None:
    pidfile = workdir / "child.pid"
    child = f"import os, time; open({str(pidfile)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    proc = subprocess.Popen(scrapegate_argv(workdir, origins, "--", sys.executable, "-c", child),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (pidfile.exists() and pidfile.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        child_pid = int(pidfile.read_text())
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + signal.SIGTERM  # COMMAND got the SIGTERM and its status is passed on
    assert "command exit code: 143" in stderr
    with pytest.raises(ProcessLookupError):
        os.kill(child_pid, 0)


# -- the proxy in-process: connection-level behaviour ---------------------------------------

def _deny_blocked_host(policy_input: dict[str, Any]) -> dict[str, Any]:
    if policy_input["request"]["host"] == BLOCKED_HOST:
        return {"allow": False, "deny": [{"code": "test.blocked_host", "law": "Test Act s. 1", "message": "no"}]}
    return {"allow": True, "deny": []}


@contextmanager
def running_proxy(origins: Origins, ledger_path: Path, handler: Any = _deny_blocked_host) -> Iterator[GatingProxy]:
    gate = Gate(JOB, engine=StaticEngine(handler), signals="static", ledger=ledger_path)
    service = GateService(gate)
    p = GatingProxy(service, CertificateAuthority.load_or_create(), upstream_ca=str(origins.upstream_ca))
    p.start()
    try:
        yield p
    finally:
        p.stop()
        service.close()
        gate.close()


@pytest.fixture
def proxy(origins: Origins, tmp_path: Path) -> Iterator[GatingProxy]:
    with running_proxy(origins, tmp_path / "ledger.db") as p:
        yield p


def _raw(proxy: GatingProxy, payload: bytes) -> bytes:
    with socket.create_connection(proxy.address, timeout=10) as s:
        s.sendall(payload)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _auth(proxy: GatingProxy) -> bytes:
    import base64

    assert proxy.credentials
    return b"Proxy-Authorization: Basic " + base64.b64encode(":".join(proxy.credentials).encode()) + b"\r\n"


def test_proxy_listens_on_loopback_only_and_needs_the_run_credentials(proxy: GatingProxy, origins: Origins) -> None:
    assert proxy.address[0] == "127.0.0.1"
    target = origins.http.url("/x")
    reply = _raw(proxy, f"GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
    assert reply.startswith(b"HTTP/1.1 407")
    assert origins.http.log == []


def test_plain_http_is_forced_to_one_request_per_connection(proxy: GatingProxy, origins: Origins) -> None:
    """proxy.py binds a plain connection to its first origin: a keep-alive reuse for another
    host would be sent to the first one. Requests go out and come back with Connection: close."""
    target = origins.http.url("/k")
    reply = _raw(proxy, f"GET {target} HTTP/1.1\r\nHost: evil.example\r\nConnection: keep-alive\r\n".encode()
                 + _auth(proxy) + b"\r\n")
    head = reply.split(b"\r\n\r\n", 1)[0].lower()
    assert head.startswith(b"http/1.1 200") and b"connection: close" in head and b"keep-alive" not in head
    assert origins.http.log == [("GET", f"localhost:{origins.http.port}", "/k")]  # the gated Host, not the sent one


def test_a_plain_connection_serves_only_its_first_origin(origins: Origins, tmp_path: Path) -> None:
    """Against an origin that keeps the connection open anyway, a client that reuses its proxy
    connection for another host gets 421, and that host sees nothing."""
    sticky, other = start_origin("http", None, ignore_close=True), start_origin("http", None)
    try:
        with running_proxy(origins, tmp_path / "ledger.db") as p, \
                socket.create_connection(p.address, timeout=10) as s:
            s.sendall(f"GET {sticky.url('/first')} HTTP/1.1\r\nHost: x\r\n".encode() + _auth(p) + b"\r\n")
            first = b""
            while not first.endswith(body_for("/first")):
                first += s.recv(65536)
            s.sendall(f"GET {other.url('/second')} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            second = b""
            while chunk := s.recv(65536):
                second += chunk
    finally:
        for origin in (sticky, other):
            origin.server.shutdown()
            origin.server.server_close()
    assert first.startswith(b"HTTP/1.1 200") and b"Connection: close" in first
    assert second.startswith(b"HTTP/1.1 421")
    assert sticky.paths() == ["/first"] and other.log == []


def test_https_url_in_the_clear_is_refused(proxy: GatingProxy, origins: Origins) -> None:
    reply = _raw(proxy, f"GET {origins.https.url('/x')} HTTP/1.1\r\nHost: localhost\r\n".encode()
                 + _auth(proxy) + b"\r\n")
    assert reply.startswith(b"HTTP/1.1 400")
    assert origins.https.log == []


def test_requests_in_process_http_https_and_head(proxy: GatingProxy, origins: Origins) -> None:
    proxies = {"http": proxy.url, "https": proxy.url}
    verify = str(proxy.ca.cert_path)
    with requests.Session() as s:
        assert s.get(origins.https.url("/p"), proxies=proxies, verify=verify, timeout=10).text == body_for("/p").decode()
        assert s.head(origins.https.url("/h"), proxies=proxies, verify=verify, timeout=10).status_code == 200
        denied = s.get(origins.https.url("/q", BLOCKED_HOST), proxies=proxies, verify=verify, timeout=10)
    assert denied.status_code == 451
    assert denied.headers["X-Scrapegate-Decision"] == denied.json()["decision_id"]
    assert origins.https.paths() == ["/p", "/h"]
    assert proxy.service.stats.as_dict()["denied_by_code"] == {"test.blocked_host": 1}
    assert proxy.service.stats.collected == 2


def test_stopped_proxy_refuses_connections_and_leaves_no_thread(proxy: GatingProxy, origins: Origins) -> None:
    proxies = {"http": proxy.url, "https": proxy.url}
    with requests.Session() as s:  # a kept-alive tunnel is still open when the proxy stops
        s.get(origins.https.url("/k"), proxies=proxies, verify=str(proxy.ca.cert_path), timeout=10)
        address = proxy.address
        proxy.stop()
    with pytest.raises(OSError):
        socket.create_connection(address, timeout=2).close()
    assert [t.name for t in threading.enumerate() if t.name.startswith("scrapegate-proxy")] == []


def test_rate_limit_obligation_spaces_requests_to_an_origin(origins: Origins, tmp_path: Path) -> None:
    """A `rate_limit` obligation (robots.txt crawl-delay) is honoured as the adapters honour it."""
    interval = 0.4

    def slow_host(policy_input: dict[str, Any]) -> dict[str, Any]:
        return {"allow": True, "deny": [], "obligations": [{"code": "rate_limit", "min_interval_s": interval}]}

    with running_proxy(origins, tmp_path / "ledger.db", slow_host) as p, requests.Session() as s:
        proxies = {"http": p.url, "https": p.url}
        started = time.monotonic()
        for path in ("/r1", "/r2", "/r3"):
            s.get(origins.http.url(path), proxies=proxies, timeout=10)
        elapsed = time.monotonic() - started
    assert origins.http.paths() == ["/r1", "/r2", "/r3"]
    assert elapsed >= 2 * interval  # three requests, two waits (a lower bound only: sleep never returns early)
