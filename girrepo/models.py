"""Abstract bases shared by every girrepo app.

Domain apps declare their models on top of these, so that change logging,
history and lookup tables behave the same everywhere (NetBox's
``PrimaryModel`` / ``OrganizationalModel`` pattern).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class TimestampedModel(models.Model):
    """A record that knows when it was created and last changed."""

    created = models.DateTimeField(
        verbose_name=_("created"),
        auto_now_add=True,
    )
    last_updated = models.DateTimeField(
        verbose_name=_("last updated"),
        auto_now=True,
    )

    class Meta:
        abstract = True


class ChangeLoggedModel(TimestampedModel):
    """A record whose full change history is kept (who, when, what; with diffs in admin)."""

    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True


class OrganizationalModel(ChangeLoggedModel):
    """A short lookup table (categories, authorities, kinds) with a name and slug."""

    name = models.CharField(
        verbose_name=_("name"),
        max_length=100,
        unique=True,
    )
    slug = models.SlugField(
        verbose_name=_("slug"),
        max_length=100,
        unique=True,
    )
    description = models.CharField(
        verbose_name=_("description"),
        max_length=200,
        blank=True,
    )

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PhotoModel(ChangeLoggedModel):
    """An image attached to a record: stored re-encoded (no EXIF), with a thumbnail.

    Set the file through :meth:`set_image`, which runs the Pillow checks; the
    admin and the services all go that way.
    """

    image = models.ImageField(
        verbose_name=_("image"),
        upload_to="photos/%Y/",
    )
    thumbnail = models.ImageField(
        verbose_name=_("thumbnail"),
        upload_to="photos/%Y/thumbs/",
        editable=False,
        blank=True,
    )
    caption = models.CharField(
        verbose_name=_("caption"),
        max_length=200,
        blank=True,
    )
    credit = models.CharField(
        verbose_name=_("credit"),
        max_length=200,
        blank=True,
        help_text=_("Photographer or source, and licence."),
    )

    class Meta:
        abstract = True

    def set_image(self, upload) -> None:
        from .images import sanitize_image

        clean = sanitize_image(upload)
        self.image = clean.image
        self.thumbnail = clean.thumbnail
