"""scrapegate run, the parts: response metering, the CA, COMMAND's environment, the 451 body,
the missing-extra message."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gate.cli import cli
from gate.model.decision import Decision, Violation
from gate.proxy.ca import CertificateAuthority, InvalidHost, valid_host
from gate.proxy.command import CA_VARS, PROXY_VARS, child_env
from gate.proxy.meter import ResponseMeter
from gate.proxy.server import is_loopback_peer
from gate.proxy.service import blocked_body
from gate.proxy.state import state_dir


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def feed_bytewise(meter: ResponseMeter, data: bytes) -> tuple[bytes, list]:
    out, done = b"", []
    for i in range(len(data)):
        o, d = meter.feed(data[i:i + 1])
        out += o
        done += d
    return out, done


# -- ResponseMeter --------------------------------------------------------------------------

def test_meter_content_length_and_keepalive_sequence() -> None:
    m = ResponseMeter()
    m.expect("a", "GET")
    m.expect("b", "GET")
    wire = (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nnop")
    out, done = m.feed(wire)
    assert out == wire
    assert [(d.token, d.status, d.nbytes, d.sha256) for d in done] == [
        ("a", 200, 5, sha(b"hello")), ("b", 404, 3, sha(b"nop"))]
    assert m.pending == 0


def test_meter_chunked_fed_byte_by_byte() -> None:
    m = ResponseMeter()
    m.expect("t", "GET")
    wire = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\n")
    out, done = feed_bytewise(m, wire)
    assert out == wire
    assert len(done) == 1
    assert (done[0].status, done[0].nbytes, done[0].sha256) == (200, 12, sha(b"hello, world"))


def test_meter_no_body_cases() -> None:
    m = ResponseMeter()
    for token, method in (("head", "HEAD"), ("nc", "GET"), ("nm", "GET")):
        m.expect(token, method)
    wire = (b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"      # HEAD: no body despite the length
            b"HTTP/1.1 204 No Content\r\n\r\n"
            b"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n")
    _, done = m.feed(wire)
    assert [(d.token, d.status, d.nbytes) for d in done] == [("head", 200, 0), ("nc", 204, 0), ("nm", 304, 0)]


def test_meter_interim_response_then_final() -> None:
    m = ResponseMeter()
    m.expect("p", "POST")
    _, done = m.feed(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok")
    assert [(d.status, d.nbytes) for d in done] == [(201, 2)]


def test_meter_body_until_close() -> None:
    m = ResponseMeter()
    m.expect("c", "GET")
    _, done = m.feed(b"HTTP/1.0 200 OK\r\n\r\npart one ")
    assert done == []
    _, done = m.feed(b"part two")
    assert done == []
    _, done = m.close()
    assert [(d.status, d.nbytes, d.sha256) for d in done] == [(200, 17, sha(b"part one part two"))]


def test_meter_incomplete_response_is_not_recorded() -> None:
    m = ResponseMeter()
    m.expect("x", "GET")
    m.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
    assert m.close() == (b"", [])


def test_meter_force_close_rewrites_each_head() -> None:
    m = ResponseMeter(force_close=True)
    m.expect("a", "GET")
    out, done = feed_bytewise(m, b"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
                                 b"Content-Length: 2\r\n\r\nhi")
    assert out == b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi"
    assert done[0].nbytes == 2


def test_meter_passes_unexpected_bytes_through() -> None:
    m = ResponseMeter()
    out, done = m.feed(b"HTTP/1.1 200 OK\r\n\r\nsurprise")
    assert out == b"HTTP/1.1 200 OK\r\n\r\nsurprise" and done == []


# -- the CA ---------------------------------------------------------------------------------

def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_ca_created_under_scrapegate_home_with_private_keys(tmp_path: Path) -> None:
    ca = CertificateAuthority.load_or_create()
    assert ca.directory == tmp_path / "state" / "proxy" == state_dir() / "proxy"
    assert _mode(ca.key_path) == 0o600
    assert _mode(ca.leaf_key_path) == 0o600
    assert _mode(ca.directory) == 0o700
    again = CertificateAuthority.load_or_create()
    assert again.fingerprint == ca.fingerprint


def test_ca_tightens_loosened_key_permissions(tmp_path: Path) -> None:
    ca = CertificateAuthority.load_or_create(tmp_path / "ca")
    os.chmod(ca.key_path, 0o644)
    CertificateAuthority.load_or_create(tmp_path / "ca")
    assert _mode(ca.key_path) == 0o600


def test_ca_renewed_near_expiry_and_old_leaves_pruned(tmp_path: Path) -> None:
    ca = CertificateAuthority.load_or_create(tmp_path / "ca")
    ca.ensure_leaf("example.org")
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=340)
    renewed = CertificateAuthority.load_or_create(tmp_path / "ca", now=later)
    assert renewed.fingerprint != ca.fingerprint
    assert not ca.leaves_dir.exists()


def test_ca_replaces_a_corrupt_file(tmp_path: Path) -> None:
    ca = CertificateAuthority.load_or_create(tmp_path / "ca")
    ca.cert_path.write_text("not a certificate")
    assert CertificateAuthority.load_or_create(tmp_path / "ca").fingerprint != ca.fingerprint


@pytest.mark.parametrize("host, san", [("shop.example", "DNSName"), ("127.0.0.1", "IPAddress")])
def test_leaf_certificate_names_the_host_and_chains_to_the_ca(tmp_path: Path, host: str, san: str) -> None:
    from cryptography import x509

    ca = CertificateAuthority.load_or_create(tmp_path / "ca")
    path = ca.ensure_leaf(host)
    assert path == ca.leaves_dir / f"{host}.pem"
    leaf = x509.load_pem_x509_certificate(path.read_bytes())
    leaf.verify_directly_issued_by(ca.cert)
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [type(n).__name__ for n in names] == [san]
    assert str(names[0].value) == host
    assert leaf.not_valid_after_utc <= ca.cert.not_valid_after_utc
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


@pytest.mark.parametrize("host", ["../etc/passwd", "a/b", "", "x" * 300, "sp ace", "a..b"])
def test_leaf_refuses_hosts_that_are_not_host_names(tmp_path: Path, host: str) -> None:
    ca = CertificateAuthority.load_or_create(tmp_path / "ca")
    with pytest.raises(InvalidHost):
        ca.ensure_leaf(host)
    assert list(ca.leaves_dir.iterdir()) == []


def test_valid_host_accepts_names_and_ips() -> None:
    for host in ("localhost", "a-b.example.co.uk", "_dmarc.example", "10.0.0.1", "::1", "example.com."):
        assert valid_host(host) == host


# -- COMMAND's environment, the listener's peers ---------------------------------------------

def test_child_env_routes_everything_through_the_proxy() -> None:
    base = {"PATH": "/bin", "NO_PROXY": "localhost,127.0.0.1", "no_proxy": "*", "HTTPS_PROXY": "http://corp:3128"}
    env = child_env(base, "http://u:p@127.0.0.1:5555", "/s/ca-cert.pem", "/s/trust")
    assert "NO_PROXY" not in env and "no_proxy" not in env
    assert all(env[name] == "http://u:p@127.0.0.1:5555" for name in PROXY_VARS)
    assert all(env[name] == "/s/ca-cert.pem" for name in CA_VARS)
    assert env["SSL_CERT_DIR"] == "/s/trust"
    assert env["PATH"] == "/bin"
    assert base["NO_PROXY"] == "localhost,127.0.0.1"  # the caller's mapping is untouched


@pytest.mark.parametrize("peer, ok", [
    (("127.0.0.1", 5), True), (("127.8.9.10", 5), True), (("::1", 5, 0, 0), True),
    (("::ffff:127.0.0.1", 5, 0, 0), True), (("10.0.0.5", 5), False), (("192.168.1.2", 5), False),
    (("::ffff:10.0.0.5", 5, 0, 0), False), (("2001:db8::1", 5, 0, 0), False), (("garbage", 1), False), (None, False),
])
def test_only_loopback_peers_are_served(peer: object, ok: bool) -> None:
    assert is_loopback_peer(peer) is ok


# -- the 451 body ---------------------------------------------------------------------------

def test_blocked_body_names_codes_laws_and_decision() -> None:
    decision = Decision(allow=False, deny=[
        Violation(code="gdpr.art9_prohibited", jurisdiction="FR", law="GDPR Art. 9(1)", message="biometric"),
        Violation(code="terms.prohibited", law="Site terms", message="no scraping"),
    ])
    doc = json.loads(blocked_body(decision, "https://x.example/p"))
    assert doc == {
        "error": "blocked by scrapegate", "url": "https://x.example/p",
        "codes": ["gdpr.art9_prohibited", "terms.prohibited"],
        "deny": [
            {"code": "gdpr.art9_prohibited", "jurisdiction": "FR", "law": "GDPR Art. 9(1)", "message": "biometric"},
            {"code": "terms.prohibited", "jurisdiction": None, "law": "Site terms", "message": "no scraping"},
        ],
        "decision_id": decision.decision_id,
    }


# -- the extra ------------------------------------------------------------------------------

@pytest.mark.parametrize("module", ["proxy", "cryptography.x509"])
def test_run_without_the_extra_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        module: str) -> None:
    job = tmp_path / "job.yaml"
    job.write_text("not read: the extra is checked first\n")
    monkeypatch.setitem(sys.modules, module, None)  # what an uninstalled package looks like to import
    result = CliRunner().invoke(cli, ["run", "--job", str(job), "--", "true"])
    assert result.exit_code == 2
    assert "pip install 'scrapegate[proxy]'" in result.output


def test_run_with_a_bad_manifest_exits_2_before_running_anything(tmp_path: Path) -> None:
    job = tmp_path / "job.yaml"
    job.write_text("apiVersion: scrapegate/v1\nkind: CollectionJob\nmetadata: {name: x}\nspec: {}\n")
    marker = tmp_path / "ran"
    result = CliRunner().invoke(cli, ["run", "--job", str(job), "--signals", "static", "--",
                                      "touch", str(marker)])
    assert result.exit_code == 2, result.output
    assert not marker.exists()


def test_run_with_a_broken_policy_exits_2(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "bad.rego").write_text("package scrapegate\n\ndecision := {\n")
    job = tmp_path / "job.yaml"
    job.write_text(json.dumps({
        "apiVersion": "scrapegate/v1", "kind": "CollectionJob", "metadata": {"name": "x"},
        "spec": {"operator": {"name": "T", "establishment": "DE"}, "purpose": {"category": "other"},
                 "user_agent": "T/1", "data_categories": ["non_personal"], "data_subjects": {"jurisdictions": ["EU"]}},
    }))
    result = CliRunner().invoke(cli, ["run", "--job", str(job), "--signals", "static", "--policy", str(tmp_path / "p"),
                                      "--no-shipped-policies", "--", "true"])
    assert result.exit_code == 2, result.output
    assert "bad.rego" in result.output


def test_meter_holds_a_response_until_the_response_phase_releases_it() -> None:
    seen: list[tuple[Any, int, bytes, bool]] = []

    def on_held(token: Any, status: int, headers: list[tuple[str, str]], body: bytes, complete: bool) -> bytes | None:
        seen.append((token, status, body, complete))
        assert ("X-Robots-Tag", "noai") in headers
        return None if token == "ok" else b"HTTP/1.1 451 Unavailable\r\nConnection: close\r\n\r\n"

    m = ResponseMeter(on_held=on_held)
    m.expect("ok", "GET")
    head = b"HTTP/1.1 200 OK\r\nX-Robots-Tag: noai\r\nTransfer-Encoding: chunked\r\n\r\n"
    out, done = m.feed(head + b"3\r\nabc\r\n")
    assert out == b"" and done == [] and seen == []  # nothing reaches the client while held
    out, done = m.feed(b"0\r\n\r\n")
    assert out == head + b"3\r\nabc\r\n0\r\n\r\n" and seen == [("ok", 200, b"abc", True)]
    m.expect("no", "GET")
    out, done = m.feed(b"HTTP/1.1 200 OK\r\nX-Robots-Tag: noai\r\nContent-Length: 2\r\n\r\nhi")
    assert out.startswith(b"HTTP/1.1 451") and [d.status for d in done] == [200]
    assert m.feed(b"more from upstream")[0] == b""  # withheld: the rest is dropped


def test_meter_releases_a_long_body_after_its_prefix() -> None:
    m = ResponseMeter(on_held=lambda *a: None, hold_bytes=4)
    m.expect("t", "GET")
    out, _ = m.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456")
    assert out.endswith(b"0123456")  # the prefix was inspected, the rest streams
    out, done = m.feed(b"789")
    assert out == b"789" and [d.nbytes for d in done] == [10]
