"""Views that belong to the site as a whole rather than to one app."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


def after_login(request: HttpRequest) -> HttpResponse:
    """Send each role to its start page: staff to the workbench, producers to the portal."""
    from django.shortcuts import redirect

    user = request.user
    if hasattr(user, "staff_assignment"):
        return redirect("labels:workbench")
    if user.is_authenticated and user.producer_accounts.exists():
        return redirect("labels:portal")
    if user.is_staff:
        return redirect("admin:index")
    return redirect("home")
