"""generate_synthetic: a throw-away database filled at a tiny scale, checked, then dropped."""

import io

import psycopg2
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from psycopg2 import sql

from brands.models import FamousMark, GIMark, MarkTerm, MarkUse
from girrepo.text import pinyin_key
from girrepo.validators import validate_credit_code
from producers.models import Producer
from products.models import Category, GIProduct, ProtectedAreaUnit
from search.management.commands.generate_synthetic import ALIAS, database_url, target_settings
from search.synthetic import PREFIX, SUFFIX, plan
from township_products.models import TownshipProduct
from varieties.models import PlantVariety

pytestmark = pytest.mark.django_db
# Tests that read the throw-away database: Django's test transaction covers it too.
on_synthetic = pytest.mark.django_db(databases=["default", ALIAS])

SCALE = 0.01
NAMED = {  # register model -> its name field
    Producer: "name",
    GIProduct: "name",
    GIMark: "name",
    FamousMark: "name",
    PlantVariety: "denomination",
    TownshipProduct: "product_name",
}


def _drop(target: dict) -> None:
    if ALIAS in connections.databases:
        connections[ALIAS].close()
    params = {"dbname": "postgres", "user": target["USER"], "password": target["PASSWORD"]}
    params |= {"host": target["HOST"], "port": target["PORT"]}
    conn = psycopg2.connect(**{k: v for k, v in params.items() if v not in (None, "")})
    conn.autocommit = True
    with conn.cursor() as cur:
        name = sql.Identifier(target["NAME"])
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
    conn.close()


@pytest.fixture(scope="module")
def synthetic(django_db_setup, django_db_blocker):
    """The URL of a throw-away database holding synthetic data at scale 0.01."""
    with django_db_blocker.unblock():
        target = target_settings(None)
        target["NAME"] = f"{connection.settings_dict['NAME']}_throwaway"
        _drop(target)
        url = database_url(target)
        try:
            call_command("generate_synthetic", scale=SCALE, database_url=url, verbosity=0)
            yield url
        finally:
            _drop(target)


def rows(model):
    return model.objects.using(ALIAS)


@on_synthetic
def test_counts_per_register_follow_the_scale(synthetic):
    expected = plan(SCALE)
    assert rows(Producer).count() == expected["producers"] == 60
    assert rows(GIProduct).count() == expected["gi_products"] == 1
    assert rows(GIMark).count() == expected["gi_marks"] == 10
    assert rows(FamousMark).count() == expected["famous_marks"] == 3
    assert rows(PlantVariety).count() == expected["varieties"] == 23
    assert rows(TownshipProduct).count() == expected["township_products"] == 4
    assert rows(Category).filter(slug__startswith="synthetic-").count() == 11
    # Children: every mark has its first term from the registration date and an origin.
    for mark in rows(GIMark):
        terms = list(rows(MarkTerm).filter(mark=mark).order_by("start"))
        assert terms and terms[0].start == mark.registration_date
        assert mark.origin_regions.using(ALIAS).exists()
    assert rows(ProtectedAreaUnit).filter(product__in=rows(GIProduct)).exists()
    for use in rows(MarkUse).select_related("mark"):
        assert use.kind == ("licensee" if use.mark.mark_type == "certification" else "member")


@on_synthetic
def test_every_row_is_plainly_synthetic_and_valid(synthetic):
    for model, field in NAMED.items():
        for obj in rows(model):
            name = getattr(obj, field)
            assert obj.is_demo and name.startswith(PREFIX) and name.endswith(SUFFIX), name
            # The same function as the app's save(): search finds synthetic rows too.
            assert obj.search_key == pinyin_key(name), name
            obj.full_clean()


@on_synthetic
def test_credit_codes_are_valid_and_name_the_county(synthetic):
    producers = list(rows(Producer).select_related("county"))
    assert len({p.credit_code for p in producers}) == len(producers)
    for producer in producers:
        validate_credit_code(producer.credit_code)
        assert producer.credit_code[2:8] == producer.county.code


@on_synthetic
def test_every_producer_lies_inside_its_county(synthetic):
    with connections[ALIAS].cursor() as cur:
        cur.execute(
            """
            SELECT count(*), count(*) FILTER (WHERE NOT ST_Covers(c.geom, p.location))
            FROM producers_producer p JOIN regions_region c ON c.id = p.county_id
            WHERE c.level = 'county' AND p.location IS NOT NULL
            """
        )
        located, outside = cur.fetchone()
    assert located == plan(SCALE)["producers"]
    assert outside == 0


def test_refuses_the_registry_database():
    url = database_url(connection.settings_dict)
    with pytest.raises(CommandError, match="refusing to write synthetic data into the registry"):
        call_command("generate_synthetic", scale=SCALE, database_url=url, verbosity=0)


@on_synthetic
def test_keep_leaves_existing_synthetic_data_alone(synthetic):
    before = rows(Producer).count()
    out = io.StringIO()
    call_command("generate_synthetic", scale=SCALE, database_url=synthetic, keep=True, stdout=out)
    assert "kept the synthetic data" in out.getvalue()
    assert rows(Producer).count() == before


@on_synthetic
def test_refuses_to_mix_with_existing_or_real_records(synthetic):
    with pytest.raises(CommandError, match="already holds synthetic data"):
        call_command("generate_synthetic", scale=SCALE, database_url=synthetic, verbosity=0)
    # Rolled back with the test: a record that is not synthetic must stop the command.
    rows(Producer).filter(pk=rows(Producer).first().pk).update(is_demo=False)
    with pytest.raises(CommandError, match="not synthetic"):
        call_command(
            "generate_synthetic", scale=SCALE, database_url=synthetic, reset=True, verbosity=0
        )
