from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.AddIndex(
            model_name="region",
            index=GinIndex(
                fields=["name"], name="region_name_trgm", opclasses=["gin_trgm_ops"]
            ),
        ),
        migrations.AddIndex(
            model_name="region",
            index=GinIndex(
                fields=["name_pinyin"], name="region_pinyin_trgm", opclasses=["gin_trgm_ops"]
            ),
        ),
    ]
