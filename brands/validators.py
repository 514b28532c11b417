"""Validators for the marks register."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .choices import NICE_CLASSES


def validate_nice_class(value: int) -> None:
    """One class of the Nice classification (尼斯分类), 1 to 45."""
    if value not in NICE_CLASSES:
        raise ValidationError(
            _("Nice class %(value)s does not exist: classes run from 1 to 45."),
            code="nice_class",
            params={"value": value},
        )


def validate_nice_classes(value: list[int]) -> None:
    """A mark's Nice classes: each 1 to 45, none twice."""
    for item in value or []:
        validate_nice_class(item)
    if value and len(set(value)) != len(value):
        raise ValidationError(_("A Nice class is listed twice."), code="nice_class_repeated")
