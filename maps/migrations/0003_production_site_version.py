"""Production sites are drawn on producer pages: their changes bump ``producers``."""

from django.db import migrations

TABLE = "labels_productionsite"
TRIGGER = f"maps_version_{TABLE}"


class Migration(migrations.Migration):
    dependencies = [
        ("maps", "0002_data_version_triggers"),
        ("labels", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE CONSTRAINT TRIGGER {TRIGGER} "
            f"AFTER INSERT OR UPDATE OR DELETE ON {TABLE} "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            "EXECUTE FUNCTION maps_bump_data_version('producers')",
            f"DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE}",
        )
    ]
