"""Enforcing decisions on real requests: one hop at a time (`admit`), per-host rate limits
(`ratelimit`), and `@guard` with its process-wide library hooks (`guard`, `hooks`).
Import the submodules directly."""

__all__: list[str] = []
