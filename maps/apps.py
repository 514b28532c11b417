from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MapsConfig(AppConfig):
    name = "maps"
    verbose_name = _("Maps")

    def ready(self) -> None:
        from regions import signals as region_signals

        from . import checks  # noqa: F401  (registers the start-up checks)
        from .signals import rebuild_mesh_on_boundary_change

        region_signals.boundaries_changed.connect(
            rebuild_mesh_on_boundary_change,
            dispatch_uid="maps_rebuild_mesh_on_boundary_change",
        )
