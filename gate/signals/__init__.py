"""Site signals gathered live and fed into the policy input.

robots (RFC 9309 parsing and matching), robots_fetch (fetching /robots.txt, fail-closed),
robots_cache (per-origin TTL/LRU cache, single-flight), optout (machine-readable opt-outs),
source (where a Gate's signals come from). Import the submodules directly.
"""

__all__: list[str] = []
