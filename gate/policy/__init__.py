"""Working on the Rego policies: their METADATA (`meta`), `lint`, `docs`, the Rego test
`runner`, `diff` between two versions, `explain`, and OPA `bundle`s. Import the submodules
directly."""

__all__: list[str] = []
