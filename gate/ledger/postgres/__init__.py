"""The PostgreSQL ledger (issue 21): the schema and its migrations (`schema`), the chain
serialised by the database (`store`), the ledger object (`ledger`) and read-only queries
(`query`). Needs psycopg 3: ``pip install 'scrapegate[postgres]'``."""

__all__: list[str] = []
