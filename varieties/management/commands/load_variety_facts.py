"""Load the verified facts about Yunnan-bred plant varieties. Idempotent.

Only what /work/shared/DATA.md lists is stated: the denomination and the crop.
No register, number, date, owner, breeder or status is verified, so they stay
empty ("not recorded") and the pages show them as unverified. A record that
already exists is left alone, so details a clerk has since verified survive a
re-run. Sources: fixtures/SOURCES.md, "Plant varieties".
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from varieties.choices import PlantType, VarietyRegister, VarietyStatus
from varieties.models import PlantVariety
from varieties.services import variety_save

SOURCE = 'fixtures/SOURCES.md, section "Plant varieties bred in Yunnan"'
TEA = "茶"
TEA_LATIN = "Camellia sinensis"

# denomination, species (zh), species (Latin), plant type, description.
# Plant type follows from the crop's growth habit (the tea plant is a woody
# shrub, the potato a herb), not from any register entry.
FACTS = [
    ("云抗10号", TEA, TEA_LATIN, PlantType.WOODY_OTHER, "Tea cultivar bred in Yunnan."),
    ("云抗14号", TEA, TEA_LATIN, PlantType.WOODY_OTHER, "Tea cultivar bred in Yunnan."),
    (
        "紫娟",
        TEA,
        "Camellia sinensis var. assamica",
        PlantType.WOODY_OTHER,
        "Purple-leaf assamica tea cultivar bred in Yunnan.",
    ),
    (
        "合作88",
        "马铃薯",
        "Solanum tuberosum",
        PlantType.HERBACEOUS,
        "Potato cultivar bred in Yunnan.",
    ),
]


class Command(BaseCommand):
    help = "Load the verified Yunnan plant-variety facts (no numbers or dates: unverified)."

    @transaction.atomic
    def handle(self, *args, **opts):
        created = 0
        for denomination, species_zh, species_latin, plant_type, description in FACTS:
            if PlantVariety.objects.filter(
                denomination=denomination, species_zh=species_zh
            ).exists():
                continue
            variety_save(
                variety=PlantVariety(
                    denomination=denomination,
                    species_zh=species_zh,
                    species_latin=species_latin,
                    plant_type=plant_type,
                    register=VarietyRegister.UNRECORDED,
                    status=VarietyStatus.UNRECORDED,
                    description=description,
                    sources=SOURCE,
                )
            )
            created += 1
        if opts["verbosity"] >= 1:
            self.stdout.write(
                f"load_variety_facts: {created} created, {len(FACTS) - created} already present"
            )
