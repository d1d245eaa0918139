"""The decision ledger: rows (`rows`), the SQLite ledger (`sqlite`) and OPA-format
decision logs (`decision_log`)."""

__all__: list[str] = []
