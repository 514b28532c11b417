"""Data versions for map caching, bumped by triggers on every table a map layer reads.

Why triggers and not ``max(last_updated)``: deletions leave no timestamp, and
``products.services.products_compute_areas`` rewrites protected areas in SQL
without touching ``last_updated``; a trigger sees every committed change.

The triggers are deferred constraint triggers, so the counter row is updated
at commit (locked for microseconds, never across a transaction's other locks),
and a per-transaction guard bumps each topic once however many rows changed.
Each bump also NOTIFYs ``girrepo_maps``, which listeners receive on commit.
The table lists are frozen here on purpose: a migration must not follow code.
"""

from django.db import migrations

TOPIC_TABLES = {
    "regions": ["regions_region"],
    "mesh": ["maps_regionshape", "maps_regiontile"],
    "products": [
        "products_giproduct",
        "products_protectedareaunit",
        "products_category",
        "products_productphoto",
        "maps_areashape",
        "maps_areatile",
    ],
    "marks": ["brands_gimark", "brands_gimark_origin_regions"],
    "varieties": ["varieties_plantvariety", "varieties_plantvariety_growing_regions"],
    "producers": ["producers_producer", "labels_authorization"],
    "townships": ["township_products_townshipproduct"],
}

FUNCTION = """
CREATE OR REPLACE FUNCTION maps_bump_data_version() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    guard text := 'girrepo_maps.bumped_' || TG_ARGV[0];
BEGIN
    IF current_setting(guard, true) IS DISTINCT FROM txid_current()::text THEN
        PERFORM set_config(guard, txid_current()::text, true);
        UPDATE maps_dataversion
        SET version = version + 1, changed = clock_timestamp()
        WHERE topic = TG_ARGV[0];
        -- Delivered to listeners when this transaction commits (maps.versions).
        PERFORM pg_notify('girrepo_maps', TG_ARGV[0]);
    END IF;
    RETURN NULL;
END
$$;
"""


def _trigger_name(table: str) -> str:
    return f"maps_version_{table}"


def forwards_sql() -> list[str]:
    sql = [FUNCTION]
    topics = ", ".join(f"('{t}', 0, now())" for t in TOPIC_TABLES)
    sql.append(
        f"INSERT INTO maps_dataversion (topic, version, changed) VALUES {topics} "
        "ON CONFLICT (topic) DO NOTHING"
    )
    for topic, tables in TOPIC_TABLES.items():
        for table in tables:
            sql.append(
                f"CREATE CONSTRAINT TRIGGER {_trigger_name(table)} "
                f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                f"EXECUTE FUNCTION maps_bump_data_version('{topic}')"
            )
    return sql


def backwards_sql() -> list[str]:
    sql = [
        f"DROP TRIGGER IF EXISTS {_trigger_name(table)} ON {table}"
        for tables in TOPIC_TABLES.values()
        for table in tables
    ]
    sql.append("DROP FUNCTION IF EXISTS maps_bump_data_version()")
    sql.append("DELETE FROM maps_dataversion")
    return sql


class Migration(migrations.Migration):
    dependencies = [
        ("maps", "0001_map_shapes"),
        ("regions", "0003_region_search_key"),
        ("products", "0001_initial"),
        ("brands", "0002_gimark_related_products"),
        ("varieties", "0001_initial"),
        ("producers", "0001_initial"),
        ("labels", "0001_initial"),
        ("township_products", "0001_initial"),
    ]

    operations = [migrations.RunSQL(forwards_sql(), backwards_sql())]
