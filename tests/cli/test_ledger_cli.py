"""`scrapegate ledger ...` through click's CliRunner: exact exit codes and output."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from gate.cli import cli
from gate.cli.ledger import ledger as ledger_group
from gate.ledger.sqlite.ledger import SQLiteLedger

from ledger_helpers import allowed, denied, policy_input, sha

COMMANDS = ["verify", "show", "export", "stats", "erase-plan"]


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["ledger", *args], catch_exceptions=False)


def record(ledger: SQLiteLedger, decision, url: str, *, job: str = "face-index", mode: str = "enforce",
           subjects: list[str] | None = None, collected: bytes | None = None) -> str:
    decision_id = ledger.record(decision, policy_input(url, subjects=subjects, job=job), mode=mode, job=job,
                                owner="data-team@example.com", signal_docs={"robots": sha(b"robots")})
    if collected is not None:
        ledger.record_collected(decision_id, status=200, nbytes=len(collected), sha256=sha(collected))
    return decision_id


@pytest.fixture
def crawl(tmp_path: Path) -> dict[str, str]:
    """A small crawl over example.com (and look-alike sites), in enforce and audit mode."""
    with SQLiteLedger() as ledger:
        return {
            "home": record(ledger, allowed(), "https://example.com/", collected=b"home"),
            "photo": record(ledger, allowed(), "https://www.example.com/photos/1?face=42", subjects=["FR"],
                            collected=b"photo"),
            "shop": record(ledger, allowed(), "https://shop.example.com/cart", collected=b"cart"),
            "private": record(ledger, denied(), "https://example.com/private"),
            "audit": record(ledger, denied("terms.prohibited"), "https://example.com/terms-blocked", mode="audit",
                            collected=b"audited"),
            "not-collected": record(ledger, allowed(), "https://example.com/skipped"),
            "lookalike": record(ledger, allowed(), "https://notexample.com/", collected=b"x"),
            "suffix": record(ledger, allowed(), "https://example.com.evil.org/", collected=b"y"),
            "other-tld": record(ledger, allowed(), "https://example.org/", collected=b"z", job="other-job"),
            "de": record(ledger, denied("gdpr.art9_prohibited", "DE"), "https://news.example.de/",
                         subjects=["US"], collected=b"de"),
        }


def test_the_ledger_group_is_registered_and_every_command_has_help() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0 and "ledger" in result.output
    for name in COMMANDS:
        command = ledger_group.commands[name]
        assert command.help and "Example:" in command.help, name
        result = run(name, "--help")
        assert result.exit_code == 0 and "--ledger PATH" in result.output, name


def test_verify_a_valid_ledger_exits_0(crawl: dict[str, str], tmp_path: Path) -> None:
    result = run("verify")
    assert result.exit_code == 0
    assert result.output.startswith(f"ledger {tmp_path / 'ledger.db'}: OK: 10 decisions, 8 collections\n")


def test_verify_names_a_row_edited_by_hand_and_exits_1(crawl: dict[str, str], tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "ledger.db") as conn:  # someone hides a denial
        conn.execute("UPDATE decisions SET context = (SELECT context FROM decisions WHERE seq = 1) "
                     "WHERE seq = (SELECT seq FROM decisions_v WHERE decision_id = ?)", (crawl["private"],))
    result = run("verify")
    assert result.exit_code == 1
    assert f"first broken row: decisions row 4 (decision {crawl['private']}): its fields do not match its hash" \
        in result.output
    data = json.loads(run("verify", "--format", "json").output)
    assert data["ok"] is False and data["problems"][0]["seq"] == 4


def test_verify_names_a_forged_collection_and_exits_1(crawl: dict[str, str], tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "ledger.db") as conn:  # someone shrinks what was fetched
        conn.execute("UPDATE collections SET bytes = 1 WHERE decision = "
                     "(SELECT seq FROM decisions_v WHERE decision_id = ?)", (crawl["photo"],))
    result = run("verify")
    assert result.exit_code == 1
    assert f"collections row 2 (decision {crawl['photo']})" in result.output


def test_verify_with_ledger_option_overrides_the_environment(crawl: dict[str, str], tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with SQLiteLedger(other) as ledger:
        record(ledger, allowed(), "https://example.com/")
    result = run("verify", "--ledger", str(other))
    assert result.exit_code == 0 and ": OK: 1 decisions, 0 collections" in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_a_missing_ledger_is_exit_2_naming_the_file(tmp_path: Path, command: str) -> None:
    missing = tmp_path / "nowhere.db"
    extra = ["--site", "example.com"] if command == "erase-plan" else []
    result = run(command, "--ledger", str(missing), *extra)
    assert result.exit_code == 2
    assert f"ledger {missing}: no such file" in result.output
    assert not missing.exists()


@pytest.mark.parametrize("command", COMMANDS)
def test_a_corrupt_ledger_is_exit_2_naming_the_file(tmp_path: Path, command: str) -> None:
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"\x00garbage" * 512)
    extra = ["--site", "example.com"] if command == "erase-plan" else []
    result = run(command, "--ledger", str(corrupt), *extra)
    assert result.exit_code == 2
    assert f"ledger {corrupt}:" in result.output and "not a database" in result.output


def test_a_foreign_sqlite_file_is_exit_2(tmp_path: Path) -> None:
    foreign = tmp_path / "app.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE users (name)")
    result = run("verify", "--ledger", str(foreign))
    assert result.exit_code == 2 and "not a scrapegate ledger" in result.output


def test_show_prints_a_table_with_filters(crawl: dict[str, str]) -> None:
    result = run("show", "--site", "example.com", "--denied")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["SEQ", "TIME", "DECISION", "VERDICT", "MODE", "COLLECTED", "SITE", "CODES", "URL"]
    assert [line.split()[2] for line in lines[1:]] == [crawl["private"], crawl["audit"]]
    assert lines[2].split()[3:] == ["DENY", "audit", "200", "7B", "example.com", "terms.prohibited",
                                    "https://example.com/terms-blocked"]
    assert result.stderr == "2 decision(s)\n"
    photo = run("show", "--jurisdiction", "FR", "--job", "face-index", "--since", "2000-01-01").stdout
    assert "https://www.example.com/photos/1?face=*" in photo and "face=42" not in photo


def test_show_rejects_a_bad_since_with_exit_2(crawl: dict[str, str]) -> None:
    result = run("show", "--since", "yesterday")
    assert result.exit_code == 2 and "not an ISO 8601 time: 'yesterday'" in result.output


def test_export_jsonl_and_csv(crawl: dict[str, str], tmp_path: Path) -> None:
    result = run("export", "--format", "jsonl", "--site", "example.com")
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["decision_id"] for r in records] == [crawl[k] for k in
                                                   ("home", "photo", "shop", "private", "audit", "not-collected")]
    audit = records[4]
    assert (audit["mode"], audit["allow"], audit["deny_codes"], audit["collected"], audit["bytes"]) == \
        ("audit", False, ["terms.prohibited"], True, 7)
    assert audit["signals"] == {"robots": sha(b"robots")} and len(audit["hash"]) == 64
    out = tmp_path / "export.csv"
    result = run("export", "--format", "csv", "--denied", "-o", str(out))
    assert result.exit_code == 0
    table = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["decision_id"] for r in table] == [crawl["private"], crawl["audit"], crawl["de"]]
    assert table[2]["jurisdictions"] == "DE;US" and table[2]["deny_codes"] == "gdpr.art9_prohibited"
    assert json.loads(table[0]["legal_basis"])["gdpr_art6"] == "legitimate_interests"


def test_stats_counts_by_code_and_by_site(crawl: dict[str, str]) -> None:
    result = run("stats", "--format", "json")
    assert result.exit_code == 0
    counts = json.loads(result.stdout)
    assert (counts["decisions"], counts["allowed"], counts["denied"], counts["collected"]) == (10, 7, 3, 8)
    assert counts["by_code"] == [
        {"code": "gdpr.art9_prohibited", "denied": 1, "warned": 0},
        {"code": "robots.disallowed", "denied": 1, "warned": 0},
        {"code": "terms.prohibited", "denied": 1, "warned": 0},
    ]
    assert counts["by_site"][0] == {"site": "example.com", "allowed": 4, "denied": 2, "collected": 4}
    text = run("stats", "--site", "example.com").stdout
    assert text.splitlines()[0] == "decisions 6  allowed 4  denied 2  collected 4"


def test_erase_plan_for_a_site_lists_exactly_its_collected_urls(crawl: dict[str, str]) -> None:
    result = run("erase-plan", "--site", "example.com", "--format", "jsonl")
    assert result.exit_code == 0
    plan = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(p["decision_id"], p["url"]) for p in plan] == [
        (crawl["home"], "https://example.com/"),
        (crawl["photo"], "https://www.example.com/photos/1?face=*"),
        (crawl["shop"], "https://shop.example.com/cart"),
        (crawl["audit"], "https://example.com/terms-blocked"),  # fetched in audit mode despite the deny
    ]
    assert plan[1]["content_sha256"] == [sha(b"photo")]
    text = run("erase-plan", "--site", "www.example.com").stdout  # a host widens to its site
    assert text.splitlines()[0] == "# erasure plan (site=www.example.com): 4 collected URL(s)"
    assert {line.split()[0] for line in text.splitlines()[2:]} == {crawl[k] for k in ("home", "photo", "shop", "audit")}


def test_erase_plan_by_jurisdiction_and_job(crawl: dict[str, str]) -> None:
    de = [json.loads(line)["decision_id"] for line in
          run("erase-plan", "--jurisdiction", "DE", "--format", "jsonl").stdout.splitlines()]
    # '*' subjects (the default) may include Germans; the DE deny names them; FR-only rows do not.
    assert crawl["de"] in de and crawl["home"] in de and crawl["photo"] not in de
    job = run("erase-plan", "--job", "other-job", "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line)["decision_id"] for line in job] == [crawl["other-tld"]]


def test_erase_plan_without_a_scope_is_exit_2(crawl: dict[str, str]) -> None:
    result = run("erase-plan")
    assert result.exit_code == 2 and "needs a scope" in result.output


def test_erase_plan_with_nothing_collected(tmp_path: Path) -> None:
    with SQLiteLedger() as ledger:
        record(ledger, denied(), "https://example.com/private")
    result = run("erase-plan", "--site", "example.com")
    assert result.exit_code == 0
    assert result.stdout == "# erasure plan (site=example.com): 0 collected URL(s)\n"


def test_verify_with_an_anchor_detects_rows_cut_from_the_end(crawl: dict[str, str], tmp_path: Path) -> None:
    head = json.loads(run("verify", "--format", "json").stdout)["decisions_head"]
    assert run("verify", "--anchor", head).exit_code == 0
    with sqlite3.connect(tmp_path / "ledger.db") as conn:  # the last decision (not collected) vanishes
        seq = conn.execute("SELECT seq FROM decisions_v WHERE decision_id = ?", (crawl["de"],)).fetchone()[0]
        conn.execute("DELETE FROM collections WHERE decision = ?", (seq,))
        conn.execute("DELETE FROM decisions WHERE seq = ?", (seq,))
        conn.execute("DELETE FROM heads")  # and the collections' head row that would give the cut away
    assert run("verify").exit_code == 1  # a head row was there: its loss shows
    with sqlite3.connect(tmp_path / "ledger.db") as conn:  # the head row forged to match
        seq = conn.execute("SELECT max(seq) FROM collections").fetchone()[0]
        full = json.loads(run("verify", "--format", "json").stdout)["collections_head"]
        conn.execute("INSERT INTO heads VALUES ('collections', ?, ?)", (seq, bytes.fromhex(full)))
    assert run("verify").exit_code == 0  # a shorter chain is still a valid chain...
    result = run("verify", "--anchor", head)  # ...but not the one that was anchored
    assert result.exit_code == 1
    assert f"missing anchor: anchor {head} is in no chain: rows were cut from the end" in result.output


def test_erase_plan_skips_redirect_hops_that_kept_no_bytes(tmp_path: Path) -> None:
    """A 301 hop is recorded as a collection of 0 bytes: nothing of it is stored to delete."""
    with SQLiteLedger() as ledger:
        hop = record(ledger, allowed(), "https://example.com/old")
        ledger.record_collected(hop, status=301, nbytes=0, sha256=sha(b""))
        page = record(ledger, allowed(), "https://example.com/new", collected=b"page")
        ledger.flush()
    plan = [json.loads(line) for line in run("erase-plan", "--site", "example.com", "--format", "jsonl")
            .stdout.splitlines()]
    assert [(p["decision_id"], p["content_sha256"]) for p in plan] == [(page, [sha(b"page")])]
