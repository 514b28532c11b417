"""Fixed vocabularies of the marks register."""

from django.db import models
from django.utils.translation import gettext_lazy as _

NICE_CLASSES = range(1, 46)  # Nice classification: goods 1–34, services 35–45


class MarkType(models.TextChoices):
    """The two kinds of GI mark (地理标志商标) the trademark office registers."""

    CERTIFICATION = "certification", _("Certification mark")  # 证明商标
    COLLECTIVE = "collective", _("Collective mark")  # 集体商标


class MarkStatus(models.TextChoices):
    """Where a registered mark stands. ``expired`` is also derived from its terms."""

    REGISTERED = "registered", _("Registered")
    RENEWED = "renewed", _("Renewed")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")  # 注销 / 撤销
    INVALIDATED = "invalidated", _("Invalidated")  # 宣告无效


# Statuses in which a mark is in force until its current term runs out.
IN_FORCE_STATUSES = (MarkStatus.REGISTERED, MarkStatus.RENEWED)

MARK_STATUS_COLOURS = {
    MarkStatus.REGISTERED: "success",
    MarkStatus.RENEWED: "success",
    MarkStatus.EXPIRED: "warning",
    MarkStatus.CANCELLED: "danger",
    MarkStatus.INVALIDATED: "danger",
}


class MarkUseKind(models.TextChoices):
    """Who may use a GI mark: filed licensees of a certification mark (许可使用),
    members of a collective mark's registrant (集体成员)."""

    LICENSEE = "licensee", _("Licensee")
    MEMBER = "member", _("Member")


# The one kind of use each mark type admits.
USE_KIND_FOR_MARK_TYPE = {
    MarkType.CERTIFICATION: MarkUseKind.LICENSEE,
    MarkType.COLLECTIVE: MarkUseKind.MEMBER,
}


class FamousMarkKind(models.TextChoices):
    """Recognitions of a mark's reputation."""

    WELL_KNOWN = "well_known", _("China well-known mark")  # 中国驰名商标
    YUNNAN_FAMOUS = "yunnan_famous", _("Yunnan famous mark")  # 云南省著名商标


class RightType(models.TextChoices):
    """The kind of right recorded with customs (海关知识产权备案)."""

    TRADEMARK = "trademark", _("Trademark")
    GI_MARK = "gi_mark", _("GI mark")
    PATENT = "patent", _("Patent")
    COPYRIGHT = "copyright", _("Copyright")


class RecordationStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


RECORDATION_STATUS_COLOURS = {
    RecordationStatus.VALID: "success",
    RecordationStatus.EXPIRED: "warning",
    RecordationStatus.CANCELLED: "danger",
}
