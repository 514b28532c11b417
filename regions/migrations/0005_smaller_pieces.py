"""Region pieces of at most 48 vertices (was 256), so that each stays inline in its row."""

from django.db import migrations

REBUILD_PIECES = """
DELETE FROM regions_regionpiece;
INSERT INTO regions_regionpiece (region_id, geom)
SELECT r.id, (ST_Dump(s.geom)).geom
FROM regions_region r, LATERAL ST_Subdivide(r.geom, 48) AS s(geom)
WHERE r.level IN ('county', 'township') AND r.geom IS NOT NULL;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("regions", "0004_region_pieces"),
    ]

    operations = [
        migrations.RunSQL(REBUILD_PIECES, migrations.RunSQL.noop),
    ]
