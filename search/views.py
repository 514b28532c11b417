from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .selectors import search_all


def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    groups = search_all(q=q)
    return render(
        request,
        "search/results.html",
        {"q": q, "groups": groups, "total": sum(len(g.results) for g in groups)},
    )
