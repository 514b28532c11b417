from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TownshipProductsConfig(AppConfig):
    name = "township_products"
    verbose_name = _("One township, one product")
