"""What a site says about being collected, gathered per URL for the policy input.

base (SignalSource, Gathered, the SiteSignal registry and the shape of `input.signals`),
static (nothing fetched), live (robots.txt and the registered site signals, fetched and
cached), robots (RFC 9309 parsing and matching), robots_fetch (fetching /robots.txt,
fail-closed), robots_cache (per-origin TTL cache, single-flight), tokens (the product token,
canonical paths and the pattern matcher every reader shares), optout, optout_parse,
content_signals and optout_signal (the machine-readable opt-outs). Import the submodules
directly.
"""

__all__: list[str] = []
