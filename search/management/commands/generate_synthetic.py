"""Fill a separate database with synthetic registry data for load tests.

    manage.py generate_synthetic --scale 100                 # into <registry db>_synthetic
    manage.py generate_synthetic --scale 1 --database-url postgis://…/girrepo_load
    manage.py generate_synthetic --scale 100 --reset         # replace earlier synthetic data

Never writes into the registry itself: the default database is refused, and so
is any database holding records that are not synthetic. The target database is
created when missing (extensions postgis, pg_trgm, btree_gist), migrated, and
given the real regions with ``load_regions``; then ``scale`` × about 10,000
plainly fictional records go in with COPY (see ``search.synthetic``).
"""

import copy
import os
import subprocess
import sys
import time
from urllib.parse import quote, unquote

import environ
import psycopg2
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction
from psycopg2 import sql

from brands.models import CustomsRecordation, FamousMark, GIMark
from producers.models import Producer
from products.models import Category, GIProduct
from regions.models import Region
from search.synthetic import PREFIX, SCALE_UNIT, SyntheticRegistry
from township_products.models import TownshipProduct
from varieties.models import PlantVariety

ALIAS = "synthetic"
EXTENSIONS = ("postgis", "pg_trgm", "btree_gist")
# Register model -> the field that carries the "合成·" marker of synthetic rows.
MARKED = {
    Producer: "name",
    GIProduct: "name",
    GIMark: "name",
    FamousMark: "name",
    PlantVariety: "denomination",
    TownshipProduct: "product_name",
}
# Emptied by --reset; CASCADE takes every table that points at them (terms, users, links…).
RESET_TABLES = [m._meta.db_table for m in (*MARKED, Category, CustomsRecordation)]


def target_settings(url: str | None) -> dict:
    """Connection settings of the synthetic database: the default's, with another name."""
    target = copy.deepcopy(connections["default"].settings_dict)
    if url:
        parsed = environ.Env.db_url_config(url)
        for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT"):
            target[key] = parsed.get(key) or ""
        target["HOST"] = unquote(str(target["HOST"]))
    else:
        target["NAME"] = f"{target['NAME']}_synthetic"
    # The default's TEST name would map this alias onto the registry's test database.
    target["TEST"] = {**target.get("TEST", {}), "NAME": None, "MIRROR": None}
    return target


def database_url(target: dict) -> str:
    auth = quote(target["USER"] or "", safe="")
    if target["PASSWORD"]:
        auth += ":" + quote(target["PASSWORD"], safe="")
    host = quote(target["HOST"] or "", safe="")
    port = f":{target['PORT']}" if target["PORT"] else ""
    return f"postgis://{auth}@{host}{port}/{quote(target['NAME'], safe='')}"


def registry_names() -> set[str]:
    """Names of the databases that hold the registry (and its test copy)."""
    default = connections["default"].settings_dict
    names = {default["NAME"], (default.get("TEST") or {}).get("NAME")}
    if os.environ.get("DATABASE_URL"):
        names.add(environ.Env.db_url_config(os.environ["DATABASE_URL"])["NAME"])
    return {n for n in names if n}


def create_database(target: dict) -> bool:
    """Create the database when missing; True when it was created."""
    params = {"dbname": "postgres", "user": target["USER"], "password": target["PASSWORD"]}
    params |= {"host": target["HOST"], "port": target["PORT"]}
    conn = psycopg2.connect(**{k: v for k, v in params.items() if v not in (None, "")})
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [target["NAME"]])
            if cur.fetchone():
                return False
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target["NAME"])))
            return True
    finally:
        conn.close()


def wire(alias: str, target: dict) -> None:
    """Add (or replace) a connection alias at run time; settings files stay untouched."""
    current = connections.databases.get(alias)
    if current is not None:
        if all(current.get(k) == target.get(k) for k in ("NAME", "HOST", "PORT", "USER")):
            return
        connections[alias].close()
        del connections[alias]
    connections.databases[alias] = target


class Command(BaseCommand):
    help = "Fill a separate database with synthetic registry data (load tests)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=float,
            required=True,
            help=f"Multiples of {sum(SCALE_UNIT.values()):,} register records (e.g. 0.01, 1, 100).",
        )
        parser.add_argument(
            "--database-url",
            help="Target database (postgis://…); default: <registry database>_synthetic.",
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--reset", action="store_true", help="Replace synthetic data already there."
        )
        parser.add_argument(
            "--keep",
            action="store_true",
            help="Keep synthetic data already there (only migrate it); generate if there is none.",
        )

    def handle(self, *args, **opts):
        started = time.monotonic()
        self.verbosity = opts["verbosity"]
        if opts["scale"] <= 0:
            raise CommandError("--scale must be positive")
        target = target_settings(opts["database_url"])
        if target["NAME"] in registry_names():
            raise CommandError(
                f"refusing to write synthetic data into the registry database "
                f"{target['NAME']!r}: give a separate --database-url"
            )
        if create_database(target):
            self.say(f"created database {target['NAME']}")
        wire(ALIAS, target)
        connection = connections[ALIAS]
        with connection.cursor() as cur:
            for extension in EXTENSIONS:
                cur.execute(f"CREATE EXTENSION IF NOT EXISTS {extension}")
        url = database_url(target)
        self.manage(url, "migrate", "--noinput")
        if Region.objects.using(ALIAS).filter(level="county").count() < 129:
            self.manage(url, "load_regions")
        if self.check_target(reset=opts["reset"], keep=opts["keep"]):
            self.say(f"kept the synthetic data already in {target['NAME']} (migrated)")
            return
        with transaction.atomic(using=ALIAS):
            rows = SyntheticRegistry(
                connection=connection, scale=opts["scale"], seed=opts["seed"]
            ).run()
        with connection.cursor() as cur:
            for table in rows:
                cur.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")
        self.summary(target["NAME"], rows, time.monotonic() - started)

    def say(self, message: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(message)

    def manage(self, url: str, *args: str) -> None:
        """Run one of the app's own commands with the synthetic database as default."""
        self.say(f"manage.py {' '.join(args)} (synthetic database)")
        result = subprocess.run(
            [sys.executable, str(settings.BASE_DIR / "manage.py"), *args, "--skip-checks", "-v0"],
            env={**os.environ, "DATABASE_URL": url},
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise CommandError(f"manage.py {args[0]} failed:\n{result.stderr[-2000:]}")

    def check_target(self, *, reset: bool, keep: bool = False) -> bool:
        """Whether synthetic data is already there and is to be kept."""
        foreign = sum(
            model.objects.using(ALIAS)
            .exclude(is_demo=True, **{f"{field}__startswith": PREFIX})
            .count()
            for model, field in MARKED.items()
        )
        foreign += CustomsRecordation.objects.using(ALIAS).count()
        foreign += Category.objects.using(ALIAS).exclude(slug__startswith="synthetic-").count()
        if foreign:
            raise CommandError(
                f"the target database holds {foreign} records that are not synthetic; "
                "refusing to write into it"
            )
        if any(model.objects.using(ALIAS).exists() for model in MARKED):
            if keep and not reset:
                return True
            if not reset:
                raise CommandError("the target already holds synthetic data; use --reset")
            quote = connections[ALIAS].ops.quote_name
            with connections[ALIAS].cursor() as cur:
                cur.execute(f"TRUNCATE {', '.join(map(quote, RESET_TABLES))} CASCADE")
            self.say("removed the earlier synthetic data")
        return False

    def summary(self, name: str, rows, seconds: float) -> None:
        if self.verbosity < 1:
            return
        self.stdout.write(f"{'table':<52}{'rows':>12}")
        for table, n in rows.items():
            self.stdout.write(f"{table:<52}{n:>12,}")
        self.stdout.write(f"{'total':<52}{sum(rows.values()):>12,}")
        self.stdout.write(
            self.style.SUCCESS(
                f"generate_synthetic: {sum(rows.values()):,} rows in {name} in {seconds:.1f} s"
            )
        )
