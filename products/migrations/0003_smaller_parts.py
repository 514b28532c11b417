"""Protected-area parts and outline stretches of at most 48 vertices (was 256), so that
each stays inline in its row."""

from django.db import migrations

REBUILD = """
DELETE FROM products_protectedareapart;
INSERT INTO products_protectedareapart (product_id, geom)
SELECT g.id, (ST_Dump(s.geom)).geom
FROM products_giproduct g, LATERAL ST_Subdivide(g.area_geom, 48) AS s(geom)
WHERE g.area_geom IS NOT NULL;
DELETE FROM products_protectedareaoutline;
INSERT INTO products_protectedareaoutline (product_id, geom)
SELECT g.id, (ST_Dump(s.geom)).geom
FROM products_giproduct g, LATERAL ST_Subdivide(ST_Boundary(g.area_geom), 48) AS s(geom)
WHERE g.area_geom IS NOT NULL;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("products", "0002_area_outline"),
    ]

    operations = [
        migrations.RunSQL(REBUILD, migrations.RunSQL.noop),
    ]
