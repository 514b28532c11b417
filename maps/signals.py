"""Keep the map's region mesh in step with region boundaries.

The mesh is simplified as a whole (shared borders), so any changed boundary
means a rebuild of every band: about 15 s. It runs after the boundary load
commits, in its own transaction; until then tiles keep the previous shapes.
"""

from django.db import transaction


def rebuild_mesh_on_boundary_change(sender, *, codes, **kwargs) -> None:
    from .services import map_mesh_rebuild

    if codes:
        transaction.on_commit(map_mesh_rebuild)
