"""Set up Django for a benchmark script run as ``.venv/bin/python bench/<script>.py``."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "girrepo.settings.dev")
    import django

    django.setup()


def bench_database() -> None:
    """Point this process's connections at the benchmark's own database (the test
    settings' ``GIRREPO_TEST_DB``): for server workers, which run no test set-up."""
    from django.conf import settings
    from django.db import connections

    name = settings.DATABASES["default"]["TEST"]["NAME"]
    settings.DATABASES["default"]["NAME"] = name
    connections.settings["default"]["NAME"] = name
