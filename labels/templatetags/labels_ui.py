"""Badge colours for the portal and workbench templates."""

from django import template

from ..views.common import check_colour, status_colour

register = template.Library()

register.filter("status_colour", status_colour)
register.filter("check_colour", check_colour)
