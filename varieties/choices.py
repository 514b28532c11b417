"""Fixed vocabularies of the plant-variety register."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VarietyRegister(models.TextChoices):
    """Which register granted (or holds) the variety; the three are not merged."""

    NATIONAL_AGRI_PVP = "national_agri_pvp", _("Agricultural plant variety right (MARA)")
    NATIONAL_FORESTRY_PVP = "national_forestry_pvp", _("Forestry plant variety right (NFGA)")
    YUNNAN_FLOWER = "yunnan_flower", _("Yunnan flower variety registration")
    # A variety known to exist (e.g. from news) whose register is not verified.
    UNRECORDED = "unrecorded", _("Not recorded (unverified)")


NATIONAL_PVP_REGISTERS = frozenset(
    {VarietyRegister.NATIONAL_AGRI_PVP, VarietyRegister.NATIONAL_FORESTRY_PVP}
)


class PlantType(models.TextChoices):
    """Growth habit, in the categories the protection terms are written in.

    The national PVP regulations (植物新品种保护条例, art. 34) give 20 years to
    vines, forest trees, fruit trees and ornamental trees and 15 to other plants;
    Yunnan's flower registration distinguishes herbaceous from woody varieties.
    """

    VINE = "vine", _("Vine")
    FOREST_TREE = "forest_tree", _("Forest tree")
    FRUIT_TREE = "fruit_tree", _("Fruit tree")
    ORNAMENTAL_TREE = "ornamental_tree", _("Ornamental tree")
    WOODY_OTHER = "woody_other", _("Other woody plant (e.g. shrub)")
    HERBACEOUS = "herbaceous", _("Herbaceous")
    OTHER = "other", _("Other")


# The "20 years" group of the national regulations.
LONG_TERM_PLANT_TYPES = frozenset(
    {PlantType.VINE, PlantType.FOREST_TREE, PlantType.FRUIT_TREE, PlantType.ORNAMENTAL_TREE}
)
# Unambiguously woody for the Yunnan flower register; a vine may be either, so
# the clerk must say which.
WOODY_PLANT_TYPES = frozenset(
    {
        PlantType.FOREST_TREE,
        PlantType.FRUIT_TREE,
        PlantType.ORNAMENTAL_TREE,
        PlantType.WOODY_OTHER,
    }
)


class VarietyStatus(models.TextChoices):
    """Where the application or right stands."""

    FILED = "filed", _("Application filed")
    PUBLISHED = "published", _("Application published")
    GRANTED = "granted", _("Granted")
    TERMINATED = "terminated", _("Terminated")
    INVALIDATED = "invalidated", _("Invalidated")
    EXPIRED = "expired", _("Expired")
    UNRECORDED = "unrecorded", _("Not recorded (unverified)")
