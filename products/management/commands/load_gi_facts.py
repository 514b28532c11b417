"""Load the real Yunnan GI facts (fixtures/gi_products.json) into the product registers.

    manage.py load_gi_facts                 # after load_regions; idempotent
    manage.py load_gi_facts --file other.json

All or nothing: an unknown region code rolls the whole run back.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from products.facts import FACTS_FILE, FactsError, products_load_facts, read_facts


class Command(BaseCommand):
    help = "Load the verified GI product facts (protected products and agricultural-product GIs)."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=FACTS_FILE, help="Facts file (JSON).")

    def handle(self, *args, **opts):
        started = time.monotonic()
        try:
            summary = products_load_facts(data=read_facts(opts["file"]))
        except (FactsError, OSError, ValueError, KeyError) as exc:
            raise CommandError(f"nothing was saved: {exc}") from exc
        if opts["verbosity"] < 1:
            return
        self.stdout.write(f"{'kind':<12}{'created':>9}{'updated':>9}{'unchanged':>11}")
        for kind in ("category", "product"):
            row = [summary[(kind, k)] for k in ("created", "updated", "unchanged")]
            self.stdout.write(f"{kind:<12}{row[0]:>9}{row[1]:>9}{row[2]:>11}")
        changed = sum(v for (_, k), v in summary.items() if k != "unchanged")
        verdict = f"{changed} records changed" if changed else "nothing changed"
        seconds = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"load_gi_facts: {verdict} in {seconds:.1f} s"))
