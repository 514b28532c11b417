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
