#!/usr/bin/env bash
# Idempotent set-up of girrepo on Debian 12, as root or as a normal user with sudo.
#
#   scripts/setup.sh          system packages, .venv, npm assets, local PostGIS, migrate, load data
#   scripts/setup.sh --test   the same, plus what the test suite needs (Debian chromium)
#
# A DATABASE_URL in the environment (or in .env, written by hand) switches off
# the project-local cluster and uses that PostGIS instead.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
WITH_TEST=0
[[ "${1:-}" == "--test" ]] && WITH_TEST=1

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

# ---------------------------------------------------------------- system packages
pg_version() { ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -1; }
missing=()
need() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed" || missing+=("$1"); }
apt_install() {
    if [[ $# -gt 0 ]]; then
        say "installing Debian packages: $*"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@"
    fi
}
if [[ -z "$(pg_version)" ]]; then need postgresql; apt_install "${missing[@]}"; missing=(); fi
PGV="$(pg_version)"
# libpango* are what WeasyPrint renders certificate PDFs with.
for p in "postgresql-$PGV-postgis-3" gdal-bin fonts-noto-cjk gettext locales \
         libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0; do need "$p"; done
# Tools that may come from elsewhere (e.g. Node.js from NodeSource bundles npm):
# ask Debian only when the command is missing.
command -v npm >/dev/null || need npm
python3 -c 'import venv, ensurepip' 2>/dev/null || need python3-venv
if [[ $WITH_TEST -eq 1 ]]; then need chromium; fi
apt_install "${missing[@]}"

# ---------------------------------------------------------------- python
PY=.venv/bin/python
stamp_of() { sha256sum "$@" | sha256sum | cut -c1-16; }
if [[ ! -x $PY ]]; then
    say "creating .venv"
    python3 -m venv .venv
fi
PY_STAMP="$(stamp_of pyproject.toml scripts/build-constraints.txt)"
if [[ "$(cat .venv/.girrepo-stamp 2>/dev/null)" != "$PY_STAMP" ]]; then
    say "installing Python packages into .venv"
    $PY -m pip install -q --upgrade 'pip>=25.3'
    # xstatic-* sdists still import pkg_resources at build time; setuptools 81 removed it.
    $PY -m pip install -q --build-constraint scripts/build-constraints.txt -e '.[dev]'
    echo "$PY_STAMP" > .venv/.girrepo-stamp
fi

# ---------------------------------------------------------------- npm (front-end plugins)
NPM_STAMP="$(stamp_of package.json package-lock.json)"
if [[ "$(cat node_modules/.girrepo-stamp 2>/dev/null)" != "$NPM_STAMP" ]]; then
    say "installing front-end packages (npm ci)"
    npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
    echo "$NPM_STAMP" > node_modules/.girrepo-stamp
fi

# ---------------------------------------------------------------- database
env_get() { grep -E "^$1=" .env 2>/dev/null | tail -1 | cut -d= -f2-; }
if [[ -n "${DATABASE_URL:-}" ]]; then
    say "using DATABASE_URL from the environment"
elif [[ -n "$(env_get DATABASE_URL)" && "$(env_get GIRREPO_LOCAL_PG)" != "1" ]]; then
    say "using DATABASE_URL from .env"
else
    scripts/localpg.sh start
fi

# ---------------------------------------------------------------- Django
say "migrating"
$PY manage.py migrate --noinput -v0
$PY manage.py compilemessages -v0 --ignore=.venv --ignore=node_modules
say "loading Yunnan regions and fixtures"
$PY manage.py load_regions
$PY manage.py build_map_shapes --missing
# Real, sourced facts (fixtures/SOURCES.md); each command is idempotent.
$PY manage.py load_gi_facts
$PY manage.py load_brand_facts
$PY manage.py load_variety_facts
# Demo data: fictional, flagged is_demo and named "(demo)".
$PY manage.py seed_demo
$PY manage.py seed_demo_producers
$PY manage.py seed_demo_accounts
$PY manage.py seed_brand_demo
$PY manage.py seed_township_products_demo
$PY manage.py seed_label_demo
say "set-up complete"
