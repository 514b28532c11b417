"""Intake: applications, production sites and documents, as applicants enter them."""

from .applications import (
    application_add_document,
    application_add_site,
    application_add_sites,
    application_create,
    application_remove_document,
    application_remove_site,
    application_update,
)
from .documents import check_document
from .sites import site_from_coordinates, site_geometry, sites_from_geojson, sites_from_upload

__all__ = [
    "application_add_document",
    "application_add_site",
    "application_add_sites",
    "application_create",
    "application_remove_document",
    "application_remove_site",
    "application_update",
    "check_document",
    "site_from_coordinates",
    "site_geometry",
    "sites_from_geojson",
    "sites_from_upload",
]
