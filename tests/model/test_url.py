"""gate.model.url: one normalisation for the gate, the signals, the caches and the ledger."""

from __future__ import annotations

import pytest

from gate.errors import InvalidURL
from gate.model.url import normalize, normalize_host, normalize_path, registrable_domain


@pytest.mark.parametrize(
    "raw, url",
    [
        ("http://example.com", "http://example.com/"),
        ("HTTPS://WWW.Example.COM/Path", "https://www.example.com/Path"),  # path case kept
        ("http://example.com./a", "http://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:443/a", "http://example.com:443/a"),
        ("http://example.com:080/a", "http://example.com/a"),
        ("http://example.com:/a", "http://example.com/a"),
        ("http://example.com:8080", "http://example.com:8080/"),
        ("http://example.com/a#frag", "http://example.com/a"),
        ("http://example.com?q=1", "http://example.com/?q=1"),
        ("http://example.com/a?", "http://example.com/a"),
        ("  http://example.com/a  ", "http://example.com/a"),
        ("http://münchen.de/", "http://xn--mnchen-3ya.de/"),
        ("http://MÜNCHEN.DE/", "http://xn--mnchen-3ya.de/"),
        ("http://xn--mnchen-3ya.de/", "http://xn--mnchen-3ya.de/"),
        ("http://ｅｘａｍｐｌｅ.com/", "http://example.com/"),  # full-width letters
        ("http://example\u3002com/", "http://example.com/"),  # ideographic full stop
        ("http://ex%61mple.com/", "http://example.com/"),
        ("http://[::1]:80/x", "http://[::1]/x"),
        ("http://[0:0::1]:8080/x", "http://[::1]:8080/x"),
        ("http://[fe80::1%25eth0]/", "http://[fe80::1]/"),
    ],
)
def test_normalize_url(raw: str, url: str) -> None:
    assert normalize(raw).url == url


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "127.1", "0x7f.1", "0x7f000001", "2130706433", "017700000001", "127.0x0.0.1",
     "0177.0.0.1", "127.0.0.1.", "%31%32%37.0.0.1"],
)
def test_numeric_ipv4_forms_name_one_host(host: str) -> None:
    # Every spelling the resolver reads as 127.0.0.1 must normalise to it, whichever code
    # path (fast or careful) handles the URL.
    assert normalize(f"http://{host}/x").host == "127.0.0.1"
    assert normalize(f"HTTP://{host}/x").host == "127.0.0.1"


@pytest.mark.parametrize(
    "raw, path, query",
    [
        ("http://e.com/a/b/../c", "/a/c", ""),
        ("http://e.com/a/./b/.", "/a/b/", ""),
        ("http://e.com/../../x", "/x", ""),
        ("http://e.com/a/%2e%2E/b", "/b", ""),  # dot segments hidden behind escapes
        ("http://e.com/a%2e%2e/b", "/a../b", ""),  # not a segment of its own
        ("http://e.com/%7Ejoe/%7e", "/~joe/~", ""),  # unreserved octets decoded
        ("http://e.com/a%2fb", "/a%2Fb", ""),  # reserved stay encoded, upper-cased
        ("http://e.com/caf\u00e9", "/caf%C3%A9", ""),
        ("http://e.com/caf%c3%a9", "/caf%C3%A9", ""),
        ("http://e.com/a b\"<>", "/a%20b%22%3C%3E", ""),
        ("http://e.com/100%", "/100%25", ""),
        ("http://e.com/%zz", "/%25zz", ""),
        ("http://e.com/p?q=%7e&r=a+b&s=%2f", "/p", "q=~&r=a+b&s=%2F"),
        ("http://e.com/p?x=\u00e4 y", "/p", "x=%C3%A4%20y"),
        ("http://e.com//a//b", "//a//b", ""),
    ],
)
def test_path_and_query_normalisation(raw: str, path: str, query: str) -> None:
    n = normalize(raw)
    assert (n.path, n.query) == (path, query)
    assert n.path_query == path + (f"?{query}" if query else "")


@pytest.mark.parametrize(
    "raw, fragment",
    [
        ("ftp://example.com/x", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("javascript:alert(1)", "only http and https"),
        ("//example.com/x", "only http and https"),
        ("example.com/x", "only http and https"),
        ("http://user:pw@example.com/", "userinfo"),
        ("http://user@example.com/", "userinfo"),
        ("http://@example.com/", "userinfo"),
        ("http://example.com\\@evil.com/", "userinfo"),
        ("http://example.com\\evil.com/", "backslash"),
        ("http:///x", "no host"),
        ("http://example.com:65536/", "port"),
        ("http://example.com:+80/", "port"),
        ("http://example.com:8_0/", "port"),
        ("http://[::1/", "cannot parse"),
        ("http://exa mple.com/", "invalid host"),
        ("http://a..com/", "invalid host"),
        ("http://-a.com/", "invalid host"),
        ("http://ex%2Fample.com/", "invalid host"),
        ("http://xn--zz.de/", "punycode"),
        ("http://" + "a" * 64 + ".com/", "invalid host"),
        ("HTTP://" + "a" * 64 + ".com/", "invalid host"),
        ("http://example.com/\x00", "control characters"),
        ("http://example.com/a\nb", "control characters"),
        ("http://example.com/#\x01", "control characters"),
        ("http://example.com/\tx", "control characters"),
    ],
)
def test_rejected_urls_say_why(raw: str, fragment: str) -> None:
    with pytest.raises(InvalidURL, match=fragment) as info:
        normalize(raw)
    assert isinstance(info.value, ValueError)  # InvalidURL is also a ValueError


def test_fields_origin_and_site() -> None:
    n = normalize("https://M.Facebook.com:8443/photos/1?id=2#x")
    assert (n.scheme, n.host, n.port, n.path, n.query) == ("https", "m.facebook.com", 8443, "/photos/1", "id=2")
    assert n.origin == "https://m.facebook.com:8443"
    assert n.site == "facebook.com"
    assert str(n) == n.url == "https://m.facebook.com:8443/photos/1?id=2"
    assert normalize("http://[::1]:8080/").origin == "http://[::1]:8080"
    assert normalize("https://example.com/").origin == "https://example.com"


@pytest.mark.parametrize(
    "host, site",
    [
        ("example.com", "example.com"),
        ("www.example.co.uk", "example.co.uk"),
        ("a.b.example.com.au", "example.com.au"),
        ("localhost", "localhost"),
        ("127.0.0.1", "127.0.0.1"),
        ("::1", "::1"),
        ("co.uk", "co.uk"),
        ("xn--mnchen-3ya.de", "xn--mnchen-3ya.de"),
    ],
)
def test_registrable_domain(host: str, site: str) -> None:
    assert registrable_domain(host) == site


def test_normalize_host_direct() -> None:
    assert normalize_host("WWW.Example.COM.") == "www.example.com"
    assert normalize_host("[::FFFF:1.2.3.4]") == "::ffff:102:304"
    with pytest.raises(InvalidURL):
        normalize_host("")
    with pytest.raises(InvalidURL):
        normalize_host(".")


@pytest.mark.parametrize(
    "path, out",
    [("", "/"), ("a", "/a"), ("/a/b/../../..", "/"), ("/.", "/"), ("/..", "/"), ("/a/.../b", "/a/.../b"),
     ("/a/b/c/./../../g", "/a/g"), ("mid/content=5/../6", "/mid/6"), ("/%2E%2E/x", "/x")],
)
def test_normalize_path(path: str, out: str) -> None:
    assert normalize_path(path) == out


CORPUS = [
    "http://example.com/", "https://www.example.com/shop/item-1?color=red&size=M",
    "http://example.com:8080/a/b/c", "https://sub.example.co.uk/x_y~z/!$&'()*+,;=:@/",
    "http://example.com/index.html", "http://a-b.example/p?q=a/b?c", "https://example.com/a/../b",
    "http://127.0.0.1:5000/x", "http://example.com/%7euser", "https://example.com/caf%C3%A9?x=%e2%82%ac",
    "http://example.com/?", "http://example.com/#top", "https://example.com:443/a?b#c",
]


@pytest.mark.parametrize("raw", CORPUS)
def test_normalisation_is_idempotent_and_case_blind_on_scheme(raw: str) -> None:
    once = normalize(raw)
    assert normalize(once.url) == once
    # An upper-case scheme cannot take any shortcut a lower-case URL may take: both must
    # give the same answer.
    assert normalize(raw.replace("http", "HTTP", 1)) == once


def test_the_fast_path_agrees_with_the_careful_path() -> None:
    # An upper-case scheme always takes the careful path (urlsplit, percent and dot-segment
    # normalisation); the lower-case spelling takes the fast path when it can.
    import random

    rng = random.Random(9)
    alphabet = "ab./-_~%2e?=&#"
    for _ in range(5000):
        rest = "/" + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        fast, careful = f"https://e.example.com{rest}", f"HTTPS://e.example.com{rest}"
        assert normalize(fast) == normalize(careful), rest
