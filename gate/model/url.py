"""One URL normalisation, used by the gate, the signals, the cache keys and the ledger.

Every spelling trick that could carry a request past a rule ends here: scheme and host
case, a trailing dot, IDN, userinfo, default ports, numeric IPv4 forms, dot segments and
percent-encoding (RFC 3986 section 6.2.2).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urlsplit

import idna

from gate.errors import InvalidURL

__all__ = ["NormalizedURL", "normalize", "registrable_domain", "normalize_host", "normalize_path", "host_kind",
           "site_name"]

DEFAULT_PORTS = {"http": 80, "https": 443}
# RFC 3986 section 2.3: unreserved characters never need percent-encoding.
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters left as they are in a path or query (reserved + unreserved + '%').
_KEEP = frozenset(b"!$&'()*+,;=:@/?" ) | _UNRESERVED
_PCT = re.compile(rb"%([0-9A-Fa-f]{2})")
_HOST_OK = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$")


class NormalizedURL(NamedTuple):
    """A URL in the one form the gate reasons about. Immutable; a tuple underneath because
    the crawl's hot path builds one per request and a tuple is built in C."""

    url: str
    scheme: str
    host: str
    port: int
    path: str
    query: str
    site: str

    @property
    def origin(self) -> str:
        """scheme://host[:port], the unit robots.txt and the caches are keyed by."""
        return _origin(self.scheme, self.host, self.port)

    @property
    def path_query(self) -> str:
        return self.path + ("?" + self.query if self.query else "")

    def __str__(self) -> str:
        return self.url


def _origin(scheme: str, host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    if DEFAULT_PORTS[scheme] == port:
        return f"{scheme}://{shown}"
    return f"{scheme}://{shown}:{port}"


def _normalize_pct(raw: str, keep: frozenset[int] = _KEEP) -> str:
    """Percent-encoding normalised: unreserved octets decoded, other escapes upper-cased,
    everything outside the reserved/unreserved sets (spaces, non-ASCII as UTF-8) encoded."""
    data = raw.encode("utf-8", "surrogatepass")
    out: list[str] = []
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b == 0x25:  # '%'
            m = _PCT.match(data, i)
            if m:
                octet = int(m.group(1), 16)
                out.append(chr(octet) if octet in _UNRESERVED else "%" + m.group(1).decode().upper())
                i += 3
                continue
            out.append("%25")
        elif b in keep:
            out.append(chr(b))
        else:
            out.append(f"%{b:02X}")
        i += 1
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4."""
    if "." not in path:
        return path
    out: list[str] = []
    segments = path.split("/")
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == ".":
            if last:
                out.append("")
        elif seg == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(seg)
    result = "/".join(out)
    return result if result.startswith("/") else "/" + result


def normalize_path(path: str) -> str:
    """A path as the gate matches it: percent-encoding normalised, dot segments removed."""
    path = _normalize_pct(path or "/")
    if not path.startswith("/"):
        path = "/" + path
    # Dot segments hidden behind %2E are unreserved and were decoded above.
    return _remove_dot_segments(path)


@lru_cache(maxsize=65536)
def site_name(text: str) -> str:
    """A site as a manifest or waiver writes it, as denials name it: lower case, no trailing
    dot, an IDN as punycode. Text with the glob wildcards * or ? is only lower-cased.
    Raises ValueError for what is no host."""
    text = text.strip().rstrip(".").lower()
    if text.isascii() or "*" in text or "?" in text:
        return text
    try:
        return normalize_host(text)
    except InvalidURL as exc:
        raise ValueError(f"{text!r} is not a host: {exc}"[:200]) from None


def normalize_host(host: str) -> str:
    """Lower-case, no trailing dot, IDN as punycode, numeric IPv4 forms as dotted quads."""
    if not host:
        raise InvalidURL("URL has no host", host)
    if host.startswith("[") and host.endswith("]"):
        try:
            return ipaddress.IPv6Address(host[1:-1].split("%")[0]).compressed
        except ValueError as exc:
            raise InvalidURL(f"invalid IPv6 host {host!r}", host) from exc
    if "%" in host:
        host = _PCT.sub(lambda m: bytes([int(m.group(1), 16)]), host.encode("utf-8")).decode("utf-8", "replace")
    host = host.strip().rstrip(".").lower()
    # Full-width and other dots that IDNA maps to '.'.
    host = host.replace("\u3002", ".").replace("\uff0e", ".").replace("\uff61", ".").rstrip(".")
    if not host:
        raise InvalidURL("URL has no host", host)
    if re.fullmatch(r"[0-9a-fx.]+", host) and not re.search(r"[g-wyz]", host):
        try:  # 2130706433, 0x7f.1, 127.1 all name 127.0.0.1 to the resolver
            return socket.inet_ntoa(socket.inet_aton(host))
        except OSError:
            pass
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise InvalidURL(f"invalid internationalised host {host!r}: {exc}", host) from exc
    elif "xn--" in host:
        try:  # validate punycode labels, keep the ASCII form
            idna.decode(host)
        except idna.IDNAError as exc:
            raise InvalidURL(f"invalid punycode host {host!r}: {exc}", host) from exc
    if not _HOST_OK.match(host):
        raise InvalidURL(f"invalid host {host!r}", host)
    return host


_extractor = None


@lru_cache(maxsize=4096)
def host_kind(host: str) -> str:
    """What a normalised host is, for `request.host_kind` (issue 17.3): "name", or for an IP
    literal "loopback" (127.0.0.0/8, ::1), "private" (RFC 1918, link-local, unique-local and
    other non-global ranges) or "public". An IP literal names no site, so it gets past every
    site rule; the policies deny a public one unless the job opts in."""
    import ipaddress

    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return "name"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:8.8.8.8 reaches 8.8.8.8
    if ip.is_loopback:
        return "loopback"
    return "public" if ip.is_global else "private"


@lru_cache(maxsize=65536)
def registrable_domain(host: str) -> str:
    """The registrable domain (eTLD+1) from the public suffix list bundled with tldextract;
    never fetched at run time. An IP address or a bare name is its own site."""
    global _extractor
    if ":" in host or re.fullmatch(r"[0-9.]+", host):
        return host
    if _extractor is None:
        import tldextract  # deferred: loading the suffix list costs ~50 ms

        _extractor = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    parts = _extractor(host)
    if parts.domain and parts.suffix:
        return f"{parts.domain}.{parts.suffix}"
    return host


# The shape most crawl URLs already have: lower-case scheme and host, no userinfo, no
# percent-escapes, no dot segments. Such a URL skips the general path (a crawl's hot loop):
# its origin part is checked once per origin (cached), its path with one regex.
_SIMPLE_ORIGIN = re.compile(
    r"(https?)://([a-z0-9][a-z0-9-]{0,62}(?:\.[a-z0-9][a-z0-9-]{0,62})*)(?::([0-9]{1,5}))?"
)
_SIMPLE_REST = re.compile(
    r"(/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*)(?:\?([A-Za-z0-9\-._~!$&'()*+,;=:@/?]*))?(?:#[^\x00-\x1f\x7f]*)?"
)
# Hosts the careful path hands to inet_aton: 127.0x0.0.1 is 127.0.0.1 to the resolver.
_MAYBE_NUMERIC = re.compile(r"[0-9a-fx.]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@lru_cache(maxsize=65536)
def _fast_origin(prefix: str) -> tuple[str, str, int, str, str] | None:
    """(scheme, host, port, "scheme://authority", site) for a simple origin, else None."""
    m = _SIMPLE_ORIGIN.fullmatch(prefix)
    if m is None:
        return None
    scheme, host, raw_port = m.groups()
    if _MAYBE_NUMERIC.fullmatch(host) or "xn--" in host:
        return None  # numeric and punycode hosts take the careful path
    port = int(raw_port) if raw_port else DEFAULT_PORTS[scheme]
    if port > 65535:
        return None
    authority = host if port == DEFAULT_PORTS[scheme] else f"{host}:{port}"
    return scheme, host, port, f"{scheme}://{authority}", registrable_domain(host)


_new_url = tuple.__new__  # NormalizedURL(...) without the keyword-argument handling


def _fast(url: str) -> NormalizedURL | None:
    cut = url.find("/", 8)  # the first "/" after "https://"
    if cut < 0:
        origin, rest = url, "/"
    else:
        origin, rest = url[:cut], url[cut:]
    parts = _fast_origin(origin)
    if parts is None:
        return None
    m = _SIMPLE_REST.fullmatch(rest)
    if m is None:
        return None
    path, query = m.groups()
    if "/." in path:
        return None
    scheme, host, port, prefix, site = parts
    if query:
        return _new_url(NormalizedURL, (f"{prefix}{path}?{query}", scheme, host, port, path, query, site))
    return _new_url(NormalizedURL, (prefix + path, scheme, host, port, path, "", site))


def normalize(url: str) -> NormalizedURL:
    """Normalise `url` or raise InvalidURL naming what is wrong with it."""
    if not isinstance(url, str):
        url = str(url)
    fast = _fast(url)
    if fast is not None:
        return fast
    if _CONTROL.search(url):
        raise InvalidURL(f"URL contains control characters: {url!r}", url)
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise InvalidURL(f"cannot parse URL {url!r}: {exc}", url) from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise InvalidURL(f"only http and https URLs can be gated, not {scheme or 'no scheme'!r}: {url!r}", url)
    netloc = parts.netloc
    if "@" in netloc:
        raise InvalidURL(f"URL carries userinfo (user:password@), which the gate rejects: {url!r}", url)
    if "\\" in netloc:
        raise InvalidURL(f"backslash in the URL's host: {url!r}", url)
    try:
        raw_port = parts.port
    except ValueError as exc:
        raise InvalidURL(f"invalid port in {url!r}", url) from exc
    raw_host = netloc
    if raw_host.startswith("["):
        raw_host = raw_host[: raw_host.index("]") + 1] if "]" in raw_host else raw_host
    elif ":" in raw_host:
        raw_host = raw_host.rsplit(":", 1)[0]
    host = normalize_host(raw_host)
    port = raw_port if raw_port is not None else DEFAULT_PORTS[scheme]
    path = normalize_path(parts.path)
    query = _normalize_pct(parts.query) if parts.query else ""
    shown_host = f"[{host}]" if ":" in host else host
    authority = shown_host if port == DEFAULT_PORTS[scheme] else f"{shown_host}:{port}"
    full = f"{scheme}://{authority}{path}" + (f"?{query}" if query else "")
    return NormalizedURL(full, scheme, host, port, path, query, registrable_domain(host))
