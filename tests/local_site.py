"""The pieces of the guard and adapter tests (their fixtures, in tests/conftest.py, wrap them):
a real local site whose access log is the evidence, a small test policy (robots verdict + a
"prohibited hosts" terms list) loaded without the shipped policies, and the job.

The site answers on 127.0.0.1 and on `localhost` (the same server): the test policy's
terms data prohibits the host `localhost`, so a cross-host redirect to it must be blocked.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Response

PROHIBITED_HOST = "localhost"
USER_AGENT = "GateTestBot/1.0 (+https://example.com/bot)"
ROBOTS = "User-agent: *\nDisallow: /private\n"

POLICY = """package scrapegate

deny contains {"code": "robots.disallowed", "jurisdiction": null, "law": "RFC 9309",
               "message": sprintf("robots.txt: %v", [input.signals.robots.rule]), "precedents": []} if {
	input.signals.robots.status == "ok"
	input.signals.robots.allowed == false
}

deny contains {"code": "robots.unreachable", "jurisdiction": null, "law": "RFC 9309",
               "message": "robots.txt unreachable", "precedents": []} if {
	input.signals.robots.status == "unreachable"
}

deny contains {"code": "terms.automated_collection_prohibited", "jurisdiction": null,
               "law": "site terms", "message": "the site's terms prohibit scraping", "precedents": []} if {
	input.request.host in data.testdata.prohibited_hosts
}

obligations contains {"code": "rate_limit", "min_interval_s": d} if {
	d := input.signals.robots.crawl_delay
	is_number(d)
	d > 0
}

decision := {
	"allow": count(deny) == 0,
	"deny": [v | some v in deny],
	"warn": [],
	"obligations": [o | some o in obligations],
	"waived": [],
}
"""

JOB: dict[str, Any] = {
    "apiVersion": "scrapegate/v1",
    "kind": "CollectionJob",
    "metadata": {"name": "adapter-test", "owner": "tests@example.com"},
    "spec": {
        "operator": {"name": "Test Corp", "establishment": "DE", "markets": ["EU"]},
        "purpose": {"category": "price_monitoring"},
        "user_agent": USER_AGENT,
        "data_categories": ["non_personal"],
        "data_subjects": {"jurisdictions": ["EU"]},
    },
}


def write_policy(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "main.rego").write_text(POLICY)
    (root / "data.json").write_text(json.dumps({"testdata": {"prohibited_hosts": [PROHIBITED_HOST]}}))
    return root


def write_job(path: Path) -> Path:
    import yaml

    path.write_text(yaml.safe_dump(JOB))
    return path


def signals_source() -> Any:
    """The real LiveSignals: robots.txt is fetched from the local site with the job's agent."""
    return "live"


@dataclass
class Site:
    server: HTTPServer

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    @property
    def other_base(self) -> str:
        """The same server under the prohibited host name."""
        return f"http://{PROHIBITED_HOST}:{self.server.port}"

    def page(self, path: str, body: str | bytes = "ok", content_type: str = "text/html", status: int = 200) -> None:
        self.server.expect_request(path).respond_with_data(body, status=status, content_type=content_type)

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        self.server.expect_request(path).respond_with_response(
            Response(status=status, headers={"Location": location}))

    def redirect_maze(self, body: str | bytes = "page a") -> None:
        """/a allowed; /private/* disallowed by robots.txt; redirects from allowed pages to
        the disallowed path (/r-private), to the prohibited host (/r-other) and to /a (/r-ok)."""
        self.robots()
        self.page("/a", body)
        self.page("/private/x", "never")
        self.redirect("/r-other", f"{self.other_base}/b")
        self.page("/b", "never")
        self.redirect("/r-private", "/private/y")
        self.page("/private/y", "never")
        self.redirect("/r-ok", "/a")

    def robots(self, text: str = ROBOTS) -> None:
        self.page("/robots.txt", text, content_type="text/plain")

    def log(self) -> list[tuple[str, str]]:
        """(host, path) of every request the server received, robots.txt included."""
        return [(req.host.split(":")[0], req.path) for req, _ in self.server.log]

    def paths(self) -> list[str]:
        return [path for _, path in self.log() if path != "/robots.txt"]

    def user_agents(self) -> list[str]:
        return [req.headers.get("User-Agent", "") for req, _ in self.server.log]


def ledger_rows(path: Path) -> list[dict[str, Any]]:
    """Decisions joined with their collections, oldest first (read with plain sqlite3)."""
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute(
            "SELECT d.url, d.allow, d.mode, d.deny_codes, c.status AS collected_status, c.bytes, "
            "c.content_sha256 FROM decisions_v d LEFT JOIN collections_v c ON c.decision_id = d.decision_id "
            "ORDER BY d.seq").fetchall()
    return [dict(r) for r in rows]
