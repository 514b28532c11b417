"""Fixed vocabularies of the regions app."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RegionLevel(models.TextChoices):
    """The four levels of China's administrative hierarchy that girrepo uses."""

    PROVINCE = "province", _("Province")
    PREFECTURE = "prefecture", _("Prefecture")
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township")


# Parent level expected for each level; the province is the root.
PARENT_LEVEL = {
    RegionLevel.PREFECTURE: RegionLevel.PROVINCE,
    RegionLevel.COUNTY: RegionLevel.PREFECTURE,
    RegionLevel.TOWNSHIP: RegionLevel.COUNTY,
}

# Length of a code at each level: GB/T 2260 (6 digits) above township,
# statistical division code (9 digits) at township level.
CODE_LENGTH = {
    RegionLevel.PROVINCE: 6,
    RegionLevel.PREFECTURE: 6,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWNSHIP: 9,
}


class UnitType(models.TextChoices):
    """What kind of unit a region is, as its name and code say (乡级 types by code digit 7)."""

    PROVINCE = "province", _("Province")
    CITY = "city", _("Prefecture-level city")
    AUTONOMOUS_PREFECTURE = "autonomous_prefecture", _("Autonomous prefecture")
    DISTRICT = "district", _("District")
    COUNTY = "county", pgettext_lazy("unit type", "County")
    COUNTY_CITY = "county_city", _("County-level city")
    AUTONOMOUS_COUNTY = "autonomous_county", _("Autonomous county")
    SUBDISTRICT = "subdistrict", _("Sub-district")
    TOWN = "town", _("Town")
    TOWNSHIP = "township", pgettext_lazy("unit type", "Township")
    ETHNIC_TOWNSHIP = "ethnic_township", _("Ethnic township")
    NON_ADMINISTRATIVE = "non_administrative", _("Non-administrative unit")


class CodeSystem(models.TextChoices):
    """Which register a region code comes from; the systems disagree on township codes."""

    GB2260 = "gb2260", _("GB/T 2260 administrative division code")
    NBS = "nbs", _("Statistical division code (National Bureau of Statistics)")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil-affairs gazetteer code")
    AGENCY = "agency", _("Agency-assigned code")


class SourceCRS(models.TextChoices):
    """Coordinate reference systems a boundary may arrive in (stored always as WGS-84)."""

    WGS84 = "EPSG:4326", _("WGS-84")
    CGCS2000 = "EPSG:4490", _("CGCS2000")
    GCJ02 = "GCJ-02", _("GCJ-02 (Amap, Tencent)")
    OTHER = "other", _("Other (reprojected by GDAL)")
