"""Settings shared by every environment.

Everything that differs between machines comes from the environment (or the
ignored ``.env`` file that ``make setup`` writes), read through django-environ.
"""

from pathlib import Path
from urllib.parse import unquote

import environ
import xstatic.pkg.bootstrap
import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-dev-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "django_filters",
    "rules.apps.AutodiscoverRulesConfig",
    "django_tables2",
    "import_export",
    "mptt",
    "simple_history",
    "girrepo",
    "regions",
    "producers",
    "products",
    "brands",
    "varieties",
    "township_products",
    "accounts",
    "labels",
    "maps",
    "search",
    "rest_framework",
    "rest_framework_gis",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rest_framework.authtoken",
    "corsheaders",
    "ogc",
]

MIDDLEWARE = [
    # First: answers cached map tiles and points before sessions, auth and CSRF run.
    "maps.middleware.MapDataCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Map tiles and point layers, keyed by data version (see maps/caching.py).
    "maps": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "girrepo-maps",
        "TIMEOUT": 86400,
        "OPTIONS": {"MAX_ENTRIES": 20000},
    },
}

ROOT_URLCONF = "girrepo.urls"
WSGI_APPLICATION = "girrepo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "girrepo" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# ``postgis://`` URLs select GeoDjango's PostGIS backend; a host that is a
# socket directory is written URL-encoded (``%2Fpath%2Fto%2Fsocket``).
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["HOST"] = unquote(DATABASES["default"]["HOST"])
DATABASES["default"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "static_root")
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")

# Third-party front-end code is never committed: it comes from PyPI xstatic
# packages and from ``npm ci`` into the ignored node_modules folder, and is
# served by staticfiles under a fixed prefix per package.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "girrepo" / "static",
    ("vendor/leaflet", xstatic.pkg.leaflet.BASE_DIR),
    ("vendor/leaflet-markercluster", xstatic.pkg.leaflet_markercluster.BASE_DIR),
    ("vendor/bootstrap", xstatic.pkg.bootstrap.BASE_DIR),
]
# Files served from node_modules, by their served path (see girrepo/staticfinders.py).
GIRREPO_NPM_ASSETS = {
    "vendor/ol/ol.js": "ol/dist/ol.js",
    "vendor/ol/ol.css": "ol/ol.css",
    "vendor/leaflet-vectorgrid/Leaflet.VectorGrid.bundled.min.js": (
        "leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.min.js"
    ),
    "vendor/leaflet-fullscreen/Control.FullScreen.umd.js": (
        "leaflet.fullscreen/dist/Control.FullScreen.umd.js"
    ),
    "vendor/leaflet-fullscreen/Control.FullScreen.css": (
        "leaflet.fullscreen/dist/Control.FullScreen.css"
    ),
    "vendor/leaflet-locatecontrol/L.Control.Locate.min.js": (
        "leaflet.locatecontrol/dist/L.Control.Locate.min.js"
    ),
    "vendor/leaflet-locatecontrol/L.Control.Locate.min.css": (
        "leaflet.locatecontrol/dist/L.Control.Locate.min.css"
    ),
}
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "girrepo.staticfinders.NpmAssetFinder",
]

# Maps: base tiles are optional. "none" draws the county outlines as the base,
# which is what an intranet without internet gets.
GIRREPO_BASEMAP = env.str("GIRREPO_BASEMAP", default="none")  # none | osm | tianditu
GIRREPO_TIANDITU_KEY = env.str("GIRREPO_TIANDITU_KEY", default="")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "after_login"
LOGOUT_REDIRECT_URL = "home"
# Object-level permissions live in one place: labels/rules.py (django-rules).
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="girrepo@localhost")
EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)

# Special-label workflow
# Site checks accept a site this far outside an exact protected area (boundary precision).
GIRREPO_SITE_TOLERANCE_M = env.float("GIRREPO_SITE_TOLERANCE_M", default=30.0)
# On-site check due within this many working days of acceptance.
GIRREPO_ONSITE_WORKING_DAYS = 10
# Absolute origin printed in QR codes and certificates; empty = the request's host.
GIRREPO_PUBLIC_BASE_URL = env.str("GIRREPO_PUBLIC_BASE_URL", default="")
# The annual usage report for year Y is due by this (month, day) of Y + 1.
GIRREPO_ANNUAL_REPORT_DUE = (3, 31)
# Authorizations run this many years (None: until cancelled).
GIRREPO_AUTHORIZATION_YEARS = env.int("GIRREPO_AUTHORIZATION_YEARS", default=5)
# Staff bulk screening (/staff/screening/): the largest upload, and where the reports
# wait (24 h) for the user who ran them. Only the screening views read that directory:
# girrepo/urls.py serves no media, and a web server that serves MEDIA_ROOT at
# MEDIA_URL must leave out its private/ folder (or point this setting elsewhere).
GIRREPO_SCREENING_MAX_UPLOAD_MB = env.float("GIRREPO_SCREENING_MAX_UPLOAD_MB", default=200)
GIRREPO_SCREENING_DIR = env.path(
    "GIRREPO_SCREENING_DIR", default=Path(str(MEDIA_ROOT)) / "private" / "screening"
)

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"
# Lists never count more rows than this exactly; above it the count is estimated.
GIRREPO_EXACT_COUNT_LIMIT = 100_000
IMPORT_EXPORT_USE_TRANSACTIONS = True
FORMS_URLFIELD_ASSUME_HTTPS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="WARNING")},
}


# GDAL 3.6 (Debian 12) cannot block file/network access from malicious SRS
# definitions. girrepo never passes a user-supplied SRS to GDAL: coordinate
# systems are chosen from a fixed list (regions.coords.CRS) and boundary files
# are reprojected from integer EPSG codes only, so the warning is answered.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "girrepo.api.schema.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "EXCEPTION_HANDLER": "girrepo.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("GIRREPO_ANON_THROTTLE", default="120/min"),
        "site_check": env.str("GIRREPO_SITE_CHECK_THROTTLE", default="60/min"),
        "ogc": env.str("GIRREPO_OGC_THROTTLE", default="600/min"),
    },
}

# CORS: other sites' pages may read the public registers (GET only, no credentials);
# the workflow, supervision and token endpoints stay same-origin.
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_URLS_REGEX = (
    r"^/(ogc/.*|api/(?!labels/(applications|annual-reports|supervision)|auth/|site-check/).*)$"
)
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_HEADERS = ["accept", "accept-language", "content-type", "if-none-match"]

SPECTACULAR_SETTINGS = {
    "TITLE": "girrepo API",
    "DESCRIPTION": "Yunnan GI and brand registry",
    "VERSION": "0.1.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
