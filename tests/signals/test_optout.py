"""Opt-out signals, pure parsing and combining (no network): TDMRep file / header / meta and
their precedence, X-Robots-Tag and robots meta, robots.txt Content-Signal / Content-Usage,
the most-restrictive combination, the signal shape, and bounded work on hostile input."""

from __future__ import annotations

import email
import json
import time

import httpx
import pytest
from werkzeug.datastructures import Headers

from gate.signals.content_signals import robots_txt_findings
from gate.signals.optout import OptOut, TDMRepFetch, assess
from gate.signals.optout_parse import (
    header_values,
    match_path,
    parse_html_meta,
    parse_tdmrep_json,
    product_token,
    x_robots_findings,
)
from gate.signals.robots import parse

UA = "ExampleBot/1.0 (+https://example.com/bot)"
URL = "https://news.example.fr/photos/a.html"
HTML = {"Content-Type": "text/html; charset=utf-8"}

# The spec's example (TDMRep CG final report, "TDM File on the Origin Server").
SPEC_FILE = json.dumps([
    {"location": "/directory-a/", "tdm-reservation": 1},
    {"location": "/directory-b/html/", "tdm-reservation": 1, "tdm-policy": "https://provider.com/policies/policy.json"},
    {"location": "/directory-b/images/*.jpg", "tdm-reservation": 0},
])


def page(*metas: tuple[str, str], body: str = "") -> str:
    tags = "".join(f'<meta name="{n}" content="{c}">' for n, c in metas)
    return f"<!doctype html><html><head><meta charset='utf-8'>{tags}<title>t</title></head><body>{body}</body></html>"


def sig(**kw) -> dict:
    return assess(kw.pop("url", URL), user_agent=kw.pop("user_agent", UA), **kw).to_signal()


# --- TDMRep: /.well-known/tdmrep.json ---------------------------------------------------

@pytest.mark.parametrize("path, reservation, policy", [
    ("/directory-a/report.pdf", 1, None),
    ("/directory-b/html/page.html", 1, "https://provider.com/policies/policy.json"),
    ("/directory-b/images/photo.jpg", 0, None),
    ("/directory-b/images/photo.png", None, None),
    ("/elsewhere", None, None),
])
def test_tdmrep_file_spec_example(path: str, reservation: int | None, policy: str | None) -> None:
    rule = parse_tdmrep_json(SPEC_FILE).lookup(path)
    assert (rule.reservation if rule else None) == reservation
    assert (rule.policy if rule else None) == policy


def test_tdmrep_file_first_match_wins_not_longest() -> None:
    narrow_first = parse_tdmrep_json('[{"location": "/a/", "tdm-reservation": 0}, {"location": "/", "tdm-reservation": 1}]')
    assert narrow_first.lookup("/a/x").reservation == 0
    assert narrow_first.lookup("/b").reservation == 1
    broad_first = parse_tdmrep_json('[{"location": "/", "tdm-reservation": 1}, {"location": "/a/", "tdm-reservation": 0}]')
    assert broad_first.lookup("/a/x").reservation == 1


@pytest.mark.parametrize("pattern, path, expected", [
    ("/fish", "/fish.html", True),            # prefix match
    ("/fish", "/Fish.html", False),           # case sensitive
    ("/fish$", "/fish", True),
    ("/fish$", "/fish/", False),
    ("/*.php$", "/folder/filename.php", True),
    ("/*.php$", "/filename.php?parameters", False),
    ("/fish*.php", "/fishheads/catfish.php?parameters", True),
    ("*.pdf", "/a/b.pdf", True),
    ("/path/foo-%24", "/path/foo-$", True),   # spec: special characters matched via %-encoding
    ("/path/foo-$", "/path/foo-", True),      # a final '$' anchors
    ("/a%7Eb", "/a~b", True),                 # unreserved escapes decoded before comparing
    ("/a~b", "/a%7eb", True),
    ("/a%2Fb", "/a/b", True),                 # compared as robots.txt paths are (gate.signals.tokens)
    ("/a%25b", "/a%b", True),                 # %25 stays an escape
    ("/x*", "/x", True),
    ("https://example.com/dir/", "/dir/a", True),  # a full URL as location: its path
])
def test_location_patterns(pattern: str, path: str, expected: bool) -> None:
    assert match_path(pattern, path) is expected


@pytest.mark.parametrize("value", [2, "yes", True, None, 1.5, [1]])
def test_tdmrep_invalid_reservation_is_unset(value: object) -> None:
    f = parse_tdmrep_json(json.dumps([{"location": "/", "tdm-reservation": value}]))
    assert f.valid and f.lookup("/x").reservation is None and f.errors
    s = sig(tdmrep=f)
    assert s["tdm_reserved"] is False and s["ai_train"] == "unknown"
    assert s["sources"] == [{"signal": "tdmrep.json", "value": "invalid", "reserves_tdm": False,
                             "where": "https://news.example.fr/.well-known/tdmrep.json (rule 1, location '/')"}]


@pytest.mark.parametrize("body, valid", [
    ("<html>soft 404</html>", False),
    ('{"location": "/", "tdm-reservation": 1}', False),  # brackets are mandatory
    ("", False),
    ("[]", True),
    (b'\xef\xbb\xbf[{"location": "/", "tdm-reservation": "1"}]', True),  # BOM, string value
])
def test_tdmrep_file_shapes(body: str | bytes, valid: bool) -> None:
    f = parse_tdmrep_json(body)
    assert f.valid is valid
    assert bool(f.errors) is (not valid)


def test_tdmrep_rules_without_location_are_skipped() -> None:
    f = parse_tdmrep_json('[{"tdm-reservation": 0}, "junk", {"location": "/", "tdm-reservation": 1}]')
    assert f.lookup("/x").reservation == 1 and len(f.errors) == 2


def test_tdmrep_file_where_names_url_and_rule() -> None:
    s = sig(tdmrep=parse_tdmrep_json(SPEC_FILE), url="https://news.example.fr/directory-b/html/x")
    assert s["sources"] == [{"signal": "tdmrep.json", "value": "1", "reserves_tdm": True,
                             "where": "https://news.example.fr/.well-known/tdmrep.json (rule 2, location '/directory-b/html/')"}]
    assert s["tdm_policy"] == "https://provider.com/policies/policy.json"


# --- TDMRep: headers and HTML meta --------------------------------------------------------

@pytest.mark.parametrize("headers, reserved", [
    ({"tdm-reservation": "1"}, True),
    ({"TDM-Reservation": " 1 "}, True),
    ({"tdm-reservation": "0"}, False),
    ([("tdm-reservation", "0"), ("tdm-reservation", "1")], True),   # conflicting: fail closed
    ({"tdm-reservation": "0, 1"}, True),
])
def test_tdm_reservation_header(headers: object, reserved: bool) -> None:
    s = sig(headers=headers)
    assert s["tdm_reserved"] is reserved
    assert s["ai_train"] == ("reserved" if reserved else "allowed")
    assert s["sources"][0]["signal"] == "tdm-reservation header"
    assert s["sources"][0]["where"] == "header tdm-reservation"


def test_tdm_policy_header_only_when_reserved() -> None:
    policy = "https://provider.com/policies/policy.json"
    assert sig(headers={"tdm-reservation": "1", "tdm-policy": policy})["tdm_policy"] == policy
    assert sig(headers={"tdm-reservation": "0", "tdm-policy": policy})["tdm_policy"] is None


def test_tdm_meta() -> None:
    html = page(("tdm-reservation", "1"), ("tdm-policy", "https://p.example/policy.json"))
    s = sig(headers=HTML, body=html)
    assert s["tdm_reserved"] is True and s["tdm_policy"] == "https://p.example/policy.json"
    assert s["sources"] == [{"signal": "meta tdm-reservation", "value": "1", "reserves_tdm": True,
                             "where": f'{URL} <meta name="tdm-reservation">'}]


def test_meta_name_case_and_bytes_body() -> None:
    body = page(("TDM-Reservation", "1")).encode()
    assert sig(headers=HTML, body=body)["tdm_reserved"] is True


def test_meta_after_head_is_ignored_and_non_html_is_not_parsed() -> None:
    late = page(body='<meta name="tdm-reservation" content="1">')
    assert sig(headers=HTML, body=late)["tdm_reserved"] is False
    assert sig(headers={"Content-Type": "image/jpeg"}, body=page(("tdm-reservation", "1")))["tdm_reserved"] is False
    assert sig(body=page(("tdm-reservation", "1")))["tdm_reserved"] is True  # no content type: sniffed


def test_header_value_containers() -> None:
    msg = email.message_from_string("X-Robots-Tag: noai\nX-Robots-Tag: otherbot: noindex\n\n")
    assert header_values(msg, "x-robots-tag") == ["noai", "otherbot: noindex"]
    wz = Headers([("X-Robots-Tag", "a"), ("x-robots-tag", "b")])
    assert header_values(wz, "X-Robots-Tag") == ["a", "b"]
    assert header_values({"X-Robots-Tag": ["a", "b"]}, "x-robots-tag") == ["a", "b"]
    assert header_values(httpx.Headers([("X-Robots-Tag", "a"), ("x-robots-tag", "b")]), "x-robots-tag") == ["a", "b"]
    playwright_array = [{"name": "X-Robots-Tag", "value": "a"}, {"name": "x-robots-tag", "value": "b"}]
    assert header_values(playwright_array, "x-robots-tag") == ["a", "b"]
    assert header_values({"x-robots-tag": "a\nb"}, "X-Robots-Tag") == ["a", "b"]  # Playwright all_headers()
    assert header_values([(b"X-Robots-Tag", b"noai")], "x-robots-tag") == ["noai"]  # raw ASGI-style pairs
    assert header_values(None, "x") == []


# --- TDMRep precedence: meta > header > file ---------------------------------------------

RESERVE_ALL = parse_tdmrep_json('[{"location": "/", "tdm-reservation": 1, "tdm-policy": "https://p.example/file"}]')
FREE_ALL = parse_tdmrep_json('[{"location": "/", "tdm-reservation": 0}]')


@pytest.mark.parametrize("file, header, meta, reserved", [
    (RESERVE_ALL, None, None, True),
    (RESERVE_ALL, None, "0", False),     # file 1, meta 0 -> not reserved
    (RESERVE_ALL, "0", None, False),     # header supersedes the file
    (FREE_ALL, "1", None, True),
    (FREE_ALL, None, "1", True),
    (RESERVE_ALL, "0", "1", True),       # meta supersedes the header
    (FREE_ALL, "1", "0", False),
    (RESERVE_ALL, "banana", None, True), # an invalid header value is unset: the file stands
    (RESERVE_ALL, None, "2", True),      # likewise an invalid meta value
])
def test_tdmrep_precedence(file, header: str | None, meta: str | None, reserved: bool) -> None:
    headers = dict(HTML, **({"tdm-reservation": header} if header is not None else {}))
    body = page(("tdm-reservation", meta)) if meta is not None else page()
    s = sig(tdmrep=file, headers=headers, body=body)
    assert s["tdm_reserved"] is reserved
    assert s["ai_train"] == ("reserved" if reserved else "allowed")


def test_superseded_sources_are_kept_and_marked() -> None:
    s = sig(tdmrep=RESERVE_ALL, headers=HTML, body=page(("tdm-reservation", "0")))
    assert [(x["signal"], x["value"]) for x in s["sources"]] == [
        ("tdmrep.json", "1 (superseded by meta tdm-reservation)"), ("meta tdm-reservation", "0")]
    assert s["tdm_policy"] is None


def test_policy_from_highest_layer_that_gives_one() -> None:
    headers = dict(HTML, **{"tdm-reservation": "1", "tdm-policy": "https://p.example/header"})
    assert sig(tdmrep=RESERVE_ALL, headers=headers)["tdm_policy"] == "https://p.example/header"
    body = page(("tdm-reservation", "1"), ("tdm-policy", "https://p.example/meta"))
    assert sig(tdmrep=RESERVE_ALL, headers=headers, body=body)["tdm_policy"] == "https://p.example/meta"
    assert sig(tdmrep=RESERVE_ALL, headers=HTML, body=page(("tdm-reservation", "1")))["tdm_policy"] == "https://p.example/file"


def test_noai_reserves_even_when_tdmrep_says_not_reserved() -> None:
    s = sig(tdmrep=RESERVE_ALL, headers=dict(HTML, **{"X-Robots-Tag": "noai"}), body=page(("tdm-reservation", "0")))
    assert s["tdm_reserved"] is True and s["ai_train"] == "reserved"
    assert [(x["signal"], x["reserves_tdm"]) for x in s["sources"]] == [
        ("tdmrep.json", False), ("meta tdm-reservation", False), ("x-robots-tag", True)]
    assert s["sources"][-1] == {"signal": "x-robots-tag", "value": "noai", "where": "header X-Robots-Tag",
                                "reserves_tdm": True}


# --- X-Robots-Tag and robots meta ---------------------------------------------------------

@pytest.mark.parametrize("lines, reserved", [
    (["noai"], True),
    (["noimageai"], True),
    (["NoAI, NoImageAI"], True),
    (["noindex, nofollow"], False),
    (["examplebot: noai"], True),                        # scoped to our product token
    (["ExampleBot: noindex, noai"], True),               # the scope runs to the end of the line
    (["otherbot: noai"], False),
    (["example: noai"], False),                          # "example" is not "examplebot"
    (["otherbot: noai", "noimageai"], True),             # a new header line is global again
    (["otherbot: noai", "examplebot: noimageai"], True),
    (["unavailable_after: 25 Jun 2010 15:00:00 PST, noai"], True),  # not an agent prefix
    (["max-snippet: 20"], False),
])
def test_x_robots_tag(lines: list[str], reserved: bool) -> None:
    s = sig(headers=[("X-Robots-Tag", line) for line in lines])
    assert s["tdm_reserved"] is reserved
    assert s["ai_train"] == ("reserved" if reserved else "unknown")


def test_x_robots_tag_values_and_search() -> None:
    found = x_robots_findings([("X-Robots-Tag", "examplebot: noai, noindex"), ("X-Robots-Tag", "none")], UA)
    assert [f.value for f in found] == ["examplebot: noai", "examplebot: noindex", "none"]
    s = sig(headers={"X-Robots-Tag": "noindex"})
    assert s["search"] == "reserved" and s["tdm_reserved"] is False


@pytest.mark.parametrize("metas, reserved", [
    ((("robots", "noai, noimageai"),), True),
    ((("robots", "index, follow"),), False),
    ((("examplebot", "noai"),), True),
    ((("ExampleBot", "noimageai"),), True),
    ((("otherbot", "noai"),), False),
    ((("googlebot", "noai"), ("robots", "noindex")), False),
])
def test_meta_robots(metas: tuple, reserved: bool) -> None:
    s = sig(headers=HTML, body=page(*metas))
    assert s["tdm_reserved"] is reserved


def test_meta_robots_where() -> None:
    s = sig(headers=HTML, body=page(("examplebot", "noai")))
    assert s["sources"] == [{"signal": "meta robots", "value": "noai", "where": f'{URL} <meta name="examplebot">',
                             "reserves_tdm": True}]


def test_product_token_is_the_robots_one() -> None:
    from gate.signals import robots

    assert product_token is robots.product_token  # gate.signals.tokens: one for robots and opt-outs
    assert product_token("ExampleBot/1.0 (+https://x)") == "examplebot"
    assert product_token("  Google-Extended") == "google-extended"
    assert product_token("") == "" and product_token("/1.0") == ""


# --- robots.txt Content-Signal / Content-Usage ---------------------------------------------

CLOUDFLARE = """# As a condition of accessing this website ...
User-Agent: *
Content-Signal: search=yes, ai-train=no
Allow: /
"""


def test_content_signal_in_star_group() -> None:
    s = sig(robots_txt=CLOUDFLARE)
    assert (s["tdm_reserved"], s["ai_train"], s["search"], s["ai_input"]) == (True, "reserved", "allowed", "unknown")
    assert s["sources"] == [{"signal": "content-signal", "value": "search=yes, ai-train=no", "where": "robots.txt line 3",
                             "reserves_tdm": True}]


def test_content_signal_ai_input_only_does_not_reserve_tdm() -> None:
    s = sig(robots_txt="User-agent: *\nContent-Signal: ai-input=no, ai-train=yes\n")
    assert (s["tdm_reserved"], s["ai_train"], s["ai_input"]) == (False, "allowed", "reserved")
    assert s["sources"][0]["reserves_tdm"] is False


def test_content_signal_group_selection() -> None:
    text = ("Content-Signal: search=yes\n"            # before any group: global
            "User-agent: *\nContent-Signal: ai-train=no\nAllow: /\n\n"
            "User-agent: ExampleBot\nUser-agent: other\nContent-Signal: ai-train=yes, ai-input=no\n")
    mine = sig(robots_txt=text)
    assert (mine["ai_train"], mine["ai_input"], mine["search"]) == ("allowed", "reserved", "allowed")
    assert [x["where"] for x in mine["sources"]] == ["robots.txt line 1", "robots.txt line 8"]
    theirs = sig(robots_txt=text, user_agent="SomeOtherCrawler/2")
    assert (theirs["ai_train"], theirs["ai_input"]) == ("reserved", "unknown")
    nobody = sig(robots_txt=text, user_agent=None)
    assert nobody["ai_train"] == "reserved"


def test_content_signal_agent_group_only() -> None:
    text = "User-agent: GPTBot\nContent-Signal: ai-train=no\nDisallow:\n\nUser-agent: *\nAllow: /\n"
    assert sig(robots_txt=text)["ai_train"] == "unknown"
    assert sig(robots_txt=text, user_agent="GPTBot/1.2")["ai_train"] == "reserved"
    assert sig(robots_txt=text, user_agent="gptbot")["ai_train"] == "reserved"
    assert sig(robots_txt=text, user_agent="GPT")["ai_train"] == "unknown"


def test_signal_lines_sit_in_the_groups_the_robots_parser_forms() -> None:
    """One group parser for rules and signals (gate.signals.robots): as in google/robotstxt,
    only Allow/Disallow end a run of User-agent lines, so a signal line between two of them
    belongs to the one group both agents share - and a reservation there reaches both."""
    text = "User-agent: GPTBot\nContent-Signal: ai-train=no\n\nUser-agent: *\nDisallow: /private\n"
    robots = parse(text)
    assert not robots.allowed("https://x.example/private", "GPTBot/1.0")  # the rules: one group
    for agent in ("GPTBot/1.0", "OtherBot/2"):
        assert sig(robots_txt=text, user_agent=agent)["ai_train"] == "reserved"  # the signals: the same group


def test_blank_and_unknown_lines_neither_open_nor_close_groups() -> None:
    text = ("User-agent: a\n\nFoo: bar\nUser-agent: examplebot\nDisallow: /x\n\n# c\n\n"
            "Content-Signal: ai-train=no\nUser-agent: b\nContent-Signal: ai-train=yes\n")
    assert sig(robots_txt=text)["ai_train"] == "reserved"
    assert sig(robots_txt=text, user_agent="b")["ai_train"] == "allowed"


def test_bom_crlf_cr_and_comments() -> None:
    for eol in ("\r\n", "\r", "\n"):
        text = "\ufeffUser-agent: *" + eol + "Content-Signal: ai-train=no # trailing comment, ai-input=no" + eol
        s = sig(robots_txt=text)
        assert (s["ai_train"], s["ai_input"]) == ("reserved", "unknown"), repr(eol)
        assert s["sources"][0]["where"] == "robots.txt line 2"


def test_content_usage_lines() -> None:
    assert sig(robots_txt="User-agent: *\nContent-Usage: train-ai=n\n")["tdm_reserved"] is True
    assert sig(robots_txt="User-agent: *\nContent-Usage: train-ai=y\n")["ai_train"] == "allowed"
    assert sig(robots_txt="Content-Usage: bots=n\n")["search"] == "reserved"
    assert sig(robots_txt="Content-Usage: train-genai=n;x=1, search=y\n")["ai_train"] == "reserved"
    assert sig(robots_txt="Content-Usage: foo=n, train-ai\n")["ai_train"] == "unknown"  # unknown keys, no value


# The aipref-attach example and its table of expected preferences.
AIPREF = """User-Agent: *
Allow: /
Disallow: /never/
Content-Usage: / train-ai=n
Content-Usage: /ai-ok/ train-ai=y

User-Agent: ExampleBot
Allow: /
Content-Usage: / train-ai=y
"""


@pytest.mark.parametrize("path, agent, expected, line", [
    ("/test", "SomeBot", "reserved", 4),
    ("/ai-ok/test", "SomeBot", "allowed", 5),
    ("/test", UA, "allowed", 9),
])
def test_content_usage_paths_longest_match(path: str, agent: str, expected: str, line: int) -> None:
    s = sig(robots_txt=AIPREF, url="https://example.com" + path, user_agent=agent)
    assert s["ai_train"] == expected
    assert [x["where"] for x in s["sources"]] == [f"robots.txt line {line}"]


def test_equal_paths_combine_restrictively() -> None:
    text = "User-agent: *\nContent-Usage: /a train-ai=y\nContent-Usage: /a train-ai=n\nContent-Signal: /a\tai-train=yes\n"
    s = sig(robots_txt=text, url="https://example.com/a/b")
    assert s["ai_train"] == "reserved" and len(s["sources"]) == 3
    assert sig(robots_txt=text, url="https://example.com/b")["ai_train"] == "unknown"


def test_robots_where_names_the_file() -> None:
    found = robots_txt_findings(CLOUDFLARE, "/", UA, where="https://x.example/robots.txt")
    assert found[0].where == "https://x.example/robots.txt line 3"


# --- most restrictive across signals; status; shape ---------------------------------------

def test_most_restrictive_across_signals() -> None:
    s = sig(tdmrep=FREE_ALL, robots_txt="User-agent: *\nContent-Signal: ai-train=yes\nContent-Usage: train-ai=n\n")
    assert s["tdm_reserved"] is True and s["ai_train"] == "reserved"
    assert [x["signal"] for x in s["sources"]] == ["tdmrep.json", "content-signal", "content-usage"]
    allowed = sig(tdmrep=FREE_ALL, robots_txt="User-agent: *\nContent-Signal: ai-train=yes\n")
    assert allowed["tdm_reserved"] is False and allowed["ai_train"] == "allowed"


def test_content_usage_header() -> None:
    s = sig(headers={"Content-Usage": "train-ai=n"})
    assert s["tdm_reserved"] is True
    assert s["sources"] == [{"signal": "content-usage", "value": "train-ai=n", "where": "header Content-Usage",
                             "reserves_tdm": True}]


def test_status() -> None:
    assert sig()["status"] == "not_checked"
    assert OptOut.not_checked().to_signal() == sig()
    assert sig(robots_txt="")["status"] == "ok"
    down = TDMRepFetch("https://news.example.fr/.well-known/tdmrep.json", "unreachable", http_status=503, error="HTTP 503")
    s = sig(tdmrep=down)
    assert s["status"] == "unreachable" and s["tdm_reserved"] is False
    assert s["errors"] == ["https://news.example.fr/.well-known/tdmrep.json: HTTP 503"]
    # Other signals still count while the file is unreachable.
    assert sig(tdmrep=down, headers={"X-Robots-Tag": "noai"})["tdm_reserved"] is True
    # A header declaring TDMRep supersedes the file, so the outage no longer matters.
    assert sig(tdmrep=down, headers={"tdm-reservation": "0"})["status"] == "ok"
    absent = TDMRepFetch("https://news.example.fr/.well-known/tdmrep.json", "absent", http_status=404)
    assert sig(tdmrep=absent)["status"] == "ok"


def test_signal_shape() -> None:
    s = sig(tdmrep=RESERVE_ALL)
    assert s == {
        "status": "ok", "tdm_reserved": True, "ai_train": "reserved", "ai_input": "unknown",
        "search": "unknown", "tdm_policy": "https://p.example/file",
        "sources": [{"signal": "tdmrep.json", "value": "1", "reserves_tdm": True,
                     "where": "https://news.example.fr/.well-known/tdmrep.json (rule 1, location '/')"}],
        "errors": [],
    }
    json.dumps(s)  # plain JSON for the policy input


# --- bounded work on hostile input ---------------------------------------------------------

def _elapsed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def test_huge_and_pathological_html_is_bounded() -> None:
    bodies = [
        "<html><head>" + "<p>" * 2_000_000,
        "<html><head><!--" + "x" * 4_000_000,
        "<html><head>" + "<a " * 1_000_000,
        "<" * 3_000_000,
        "<html><head>" + '<meta name="robots" content="noai">' * 100_000,
    ]
    for body in bodies:
        assert _elapsed(lambda body=body: parse_html_meta(body)) < 5.0
    assert parse_html_meta(bodies[-1]).truncated
    assert sig(headers=HTML, body=bodies[-1])["tdm_reserved"] is True


def test_wildcard_heavy_patterns_are_fast() -> None:
    rules = [{"location": "/" + "*a" * 200 + "b", "tdm-reservation": 1} for _ in range(500)]
    f = parse_tdmrep_json(json.dumps(rules + [{"location": "/", "tdm-reservation": 0}]))
    path = "/" + "a" * 4000
    assert _elapsed(lambda: f.lookup(path)) < 2.0
    assert f.lookup(path).reservation == 0


def test_big_inputs_are_capped() -> None:
    assert not parse_tdmrep_json("[" + " " * (2 * 1024 * 1024) + "]").valid
    many = parse_tdmrep_json(json.dumps([{"location": "/x", "tdm-reservation": 1}] * 20_000))
    assert len(many.rules) == 10_000 and many.errors
    robots = "User-agent: *\n" + "Disallow: /x\n" * 200_000 + "Content-Signal: ai-train=no\n"
    assert _elapsed(lambda: sig(robots_txt=robots)) < 5.0
    assert sig(robots_txt=robots)["ai_train"] == "unknown"  # beyond the 512 KiB read
