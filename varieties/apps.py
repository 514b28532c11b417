from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VarietiesConfig(AppConfig):
    name = "varieties"
    verbose_name = _("Plant varieties")
