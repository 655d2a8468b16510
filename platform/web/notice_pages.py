"""Notices on the site (/notices/: newest first, unread ones marked; opening one marks it read and follows its
link, a path on this site only) and each person's choices (/account/notifications/: per kind, by email and
on the site, and the daily digest). notices/services.py does the work."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.users import SignedInRequest
from notices import services
from notices.models import KIND_DEFAULTS, Notice, NoticeKind

PAGE_SIZE = 25


@login_required
@never_cache
@require_GET
def notices_view(request: SignedInRequest) -> HttpResponse:
    shown = Notice.objects.filter(user=request.user, on_site=True).order_by("-created_at", "-pk")
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notices/notices.html", {"page": page})


@login_required
@require_POST
def read_all_view(request: SignedInRequest) -> HttpResponse:
    count = services.mark_all_read(request.user)
    messages.success(request, f"{count} notice{'s' if count != 1 else ''} marked read.")
    return redirect("notices")


@login_required
@never_cache
@require_GET
def open_view(request: SignedInRequest, notice_id: int) -> HttpResponse:
    """Mark the notice read and go where it points: a path on this site, never anywhere else."""
    notice = services.notice_open(user=request.user, notice_id=notice_id)
    if notice is None:
        raise Http404("No such notice.")  # someone else's, or none: the same answer
    if not notice.link:
        return redirect("notices")
    if not services.is_site_path(notice.link):
        return render(request, "notices/open_refused.html", {"notice": notice}, status=400)
    return redirect(notice.link)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def preferences_view(request: SignedInRequest) -> HttpResponse:
    """Per kind, two checkboxes (``<kind>-email``, ``<kind>-site``), and ``daily_digest``; a box left
    unticked is off. Anything else in the form is ignored."""
    if request.method == "POST":
        chosen = {
            kind: (f"{kind}-email" in request.POST, f"{kind}-site" in request.POST) for kind in KIND_DEFAULTS
        }
        services.preferences_save(user=request.user, kinds=chosen, digest="daily_digest" in request.POST)
        messages.success(request, "Your choices are saved.")
        return redirect("notice_preferences")
    kinds, digest = services.preferences_of(request.user)
    rows = [
        {"kind": kind, "label": NoticeKind(kind).label, "by_email": by_email, "on_site": on_site}
        for kind, (by_email, on_site) in kinds.items()
    ]
    return render(
        request, "notices/preferences.html", {"rows": rows, "digest": digest, "has_email": bool(request.user.email)}
    )


urlpatterns = [
    path("notices/", notices_view, name="notices"),
    path("notices/read/", read_all_view, name="notices_read"),
    path("notices/<int:notice_id>/open/", open_view, name="notice_open"),
    path("account/notifications/", preferences_view, name="notice_preferences"),
]
