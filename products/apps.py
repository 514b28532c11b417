from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProductsConfig(AppConfig):
    name = "products"
    verbose_name = _("GI products")

    def ready(self) -> None:
        from regions import signals as region_signals

        from .signals import recompute_areas_on_boundary_change

        region_signals.boundaries_changed.connect(
            recompute_areas_on_boundary_change,
            dispatch_uid="products_recompute_areas_on_boundary_change",
        )
