"""The data everything else passes around: the job manifest (`job`, loaded by `manifest`),
the `decision`, the one URL normalisation (`url`) and the policy input (`input`).

Nothing here imports another scrapegate package but `gate.errors`: every stage below builds
on these types. Import the submodules directly.
"""

__all__: list[str] = []
