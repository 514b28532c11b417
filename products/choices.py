"""Fixed vocabularies of the GI product registers."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Register(models.TextChoices):
    """The two product registers girrepo keeps apart (GI marks live in ``brands``).

    地理标志保护产品 were protected by AQSIQ until 2018 and by CNIPA since;
    农产品地理标志 were registered by the Ministry of Agriculture. A name may
    appear in both registers, and the two records are never merged.
    """

    GI_PRODUCT = "gi_product", _("GI protected product")
    AGRI_GI = "agri_gi", _("Agricultural-product GI")


class Authority(models.TextChoices):
    """The national authority that announced the protection or registration."""

    AQSIQ = "aqsiq", _("AQSIQ")
    CNIPA = "cnipa", _("CNIPA")
    MOA = "moa", _("Ministry of Agriculture")


AUTHORITY_FULL_NAMES = {
    Authority.AQSIQ: _(
        "General Administration of Quality Supervision, Inspection and Quarantine "
        "(国家质量监督检验检疫总局)"
    ),
    Authority.CNIPA: _("China National Intellectual Property Administration (国家知识产权局)"),
    Authority.MOA: _("农业部, now the Ministry of Agriculture and Rural Affairs"),
}


# Which authorities may announce into which register. An empty authority means
# "not recorded", which only the GI product register allows: every
# agricultural-product GI was registered by the Ministry of Agriculture.
REGISTER_AUTHORITIES = {
    Register.GI_PRODUCT: (Authority.AQSIQ, Authority.CNIPA, ""),
    Register.AGRI_GI: (Authority.MOA,),
}

# AQSIQ's GI product work passed to CNIPA in the 2018 reorganisation.
AQSIQ_LAST_YEAR = 2018
CNIPA_FIRST_YEAR = 2018


class ProductStatus(models.TextChoices):
    PROTECTED = "protected", _("Protected")
    UNDER_REVIEW = "under_review", _("Under review")
    CANCELLED = "cancelled", _("Cancelled")


class AreaPrecision(models.TextChoices):
    """How closely the mapped protected area follows the announced one."""

    EXACT = "exact", _("Exact")
    APPROXIMATE = "approximate", _("Approximate")
    NOT_MAPPED = "not_mapped", _("Not mapped")


AREA_PRECISION_HELP = {
    AreaPrecision.EXACT: _(
        "Every unit named in the announcement has its own boundary, and the map is their union."
    ),
    AreaPrecision.APPROXIMATE: _(
        "Some announced units have no boundary in girrepo; larger units that contain them "
        "stand in. The map shows a larger area than the announced one, so a point inside it "
        "needs manual verification."
    ),
    AreaPrecision.NOT_MAPPED: _(
        "No geometry is available for the protected area; it cannot be checked on a map."
    ),
}


class MatchedBy(models.TextChoices):
    """How a name in the announced area text was linked to a region."""

    CODE = "code", _("By code")
    NAME = "name", _("By exact name")
    ALIAS = "alias", _("By alias or former name")
    ROOT = "root", _("By name root (unit suffix or ethnic qualifier differs)")
    MANUAL = "manual", _("Linked by staff")


class UnitBoundary(models.TextChoices):
    """Which boundary a protected-area unit contributes to the mapped area."""

    OWN = "own", _("Its own boundary")
    COUNTY = "county", _("Its county's boundary (stand-in)")
    NONE = "none", _("No boundary")
