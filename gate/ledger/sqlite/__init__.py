"""The SQLite ledger: the file and its hash chains (`store`), the ledger object (`ledger`),
the batched writer process (`writer`) and read-only queries (`query`)."""

__all__: list[str] = []
