"""The gate itself: `Gate` (normalise -> signals -> input -> engine -> ledger), its decision
cache, and batch decisions over manifests (`batch`). Import the submodules directly."""

__all__: list[str] = []
