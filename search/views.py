from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from . import region_summary
from .selectors import search_all


def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    groups = search_all(q=q)
    return render(
        request,
        "search/results.html",
        {"q": q, "groups": groups, "total": sum(len(g.results) for g in groups)},
    )


def region_registrations(request: HttpRequest, code: str) -> HttpResponse:
    """What is registered in a region or covers it.

    Region pages fetch this as an HTML fragment (``X-Requested-With``), since
    ``regions`` may not import the registers; without JavaScript the same URL
    is a page of its own.
    """
    region = region_summary.region_for_summary(code=code)
    if region is None:
        raise Http404(_("No region with this code."))
    is_fragment = request.headers.get("X-Requested-With") == "XMLHttpRequest"
    template = (
        "search/includes/region_registrations.html"
        if is_fragment
        else "search/region_registrations.html"
    )
    response = render(
        request, template, {"summary": region_summary.region_registrations(region=region)}
    )
    patch_vary_headers(response, ["X-Requested-With"])
    return response
