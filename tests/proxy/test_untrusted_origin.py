"""Issue 20.9: an origin whose certificate the proxy does not trust, under the real
`scrapegate run` (a child process, its real stderr), with curl and a raw CONNECT client as
COMMAND, against a real local TLS server whose self-signed certificate is made here.

Before: curl saw "Proxy CONNECT aborted" and stderr had proxy.py's raw "Exception while
handling connection <socket ...>" line. Now: one line naming the host, the cause and the
option that fixes it; the client gets a 502 whose reason and JSON body say the same.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import shutil
import ssl
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")]
REPO = Path(__file__).resolve().parents[2]
JOB = REPO / "examples" / "jobs" / "price-monitoring.yaml"

# COMMAND's second client: CONNECT through $HTTPS_PROXY by hand and print the whole answer
# (curl and requests show only the status line of a refused CONNECT).
RAW_CONNECT = """\
import base64, os, socket, sys
from urllib.parse import urlsplit
proxy = urlsplit(os.environ["HTTPS_PROXY"])
auth = base64.b64encode(f"{proxy.username}:{proxy.password}".encode()).decode()
with socket.create_connection((proxy.hostname, proxy.port), timeout=10) as s:
    s.sendall(f"CONNECT {sys.argv[1]} HTTP/1.1\\r\\nHost: {sys.argv[1]}\\r\\n"
              f"Proxy-Authorization: Basic {auth}\\r\\n\\r\\n".encode())
    data = b""
    while chunk := s.recv(65536):
        data += chunk
open(sys.argv[2], "wb").write(data)
"""


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for localhost and 127.0.0.1 that signs itself: no CA bundle has it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "origin.pem", directory / "origin.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def origin(tmp_path: Path) -> Iterator[tuple[int, Path, list[str]]]:
    """A TLS origin with a self-signed certificate: (port, certificate, paths it served)."""
    cert, key = self_signed(tmp_path)
    served: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "6")
            self.end_headers()
            self.wfile.write(b"origin")

        def log_message(self, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # the proxy's refused handshake is the scenario, not an error

    server = Server(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert), str(key))
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield server.server_address[1], cert, served
    server.shutdown()
    server.server_close()


def scrapegate_run(tmp_path: Path, command: list[str], *options: str) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "gate", "run", "--job", str(JOB), "--signals", "static",
            "--ledger", str(tmp_path / "ledger.db"), *options, "--", *command]
    return subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=tmp_path)


def test_untrusted_origin_certificate_is_one_clear_line_and_a_502(
        tmp_path: Path, origin: tuple[int, Path, list[str]]) -> None:
    port, cert, served = origin
    authority = f"localhost:{port}"
    raw_out, curl_err = tmp_path / "connect.out", tmp_path / "curl.err"
    script = tmp_path / "connect.py"
    script.write_text(RAW_CONNECT)
    command = ["sh", "-c", f'curl -sS -v -o /dev/null "https://{authority}/prices" 2>"{curl_err}"; '
                           f'echo "curl=$?"; "{sys.executable}" "{script}" {authority} "{raw_out}"']
    result = scrapegate_run(tmp_path, command)

    assert "curl=56" in result.stdout, result.stderr  # curl: the CONNECT was refused
    assert "< HTTP/1.1 502 Origin TLS Not Trusted" in curl_err.read_text()
    answer = raw_out.read_bytes()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 502 Origin TLS Not Trusted\r\n")
    payload = json.loads(body)
    assert payload["host"] == "localhost" and payload["port"] == port
    assert payload["cause"] == "self-signed certificate"
    assert "--upstream-ca" in payload["message"]

    # the proxy's own diagnostics: one line per refused tunnel, naming host, cause and remedy
    proxy_lines = [line for line in result.stderr.splitlines() if line.startswith("scrapegate proxy:")]
    expected = (f"scrapegate proxy: {authority}: the origin's certificate is not trusted "
                "(self-signed certificate); if you trust this origin, give its CA bundle with "
                "--upstream-ca FILE (env SCRAPEGATE_UPSTREAM_CA)")
    assert proxy_lines == [expected, expected], result.stderr
    for raw in ("Exception while handling", "Traceback", "SSLCertVerificationError", "socket.socket"):
        assert raw not in result.stderr
    assert f"{authority}  2" in result.stderr  # the summary counts both refused connections
    assert served == []  # no request ever reached the origin
    assert result.returncode == 0  # the shell's exit code: the run itself went fine

    # the remedy the line names works: the same origin, its certificate given as the bundle
    ok = scrapegate_run(tmp_path, ["curl", "-sS", f"https://{authority}/prices"], "--upstream-ca", str(cert))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == "origin"
    assert served == ["/prices"]
    assert "scrapegate proxy:" not in ok.stderr
