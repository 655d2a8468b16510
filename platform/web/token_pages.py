"""The owner's page of API tokens (/account/tokens/): each with its name, when it was created, last used and
expires (never the secret), a button to revoke it, and one to revoke them all. web/tokens.py does the work."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.users import SignedInRequest
from web import tokens


@login_required
def tokens_view(request: SignedInRequest) -> HttpResponse:
    return render(
        request,
        "accounts/tokens.html",
        {"tokens": tokens.live_tokens(request.user), "lifetime_days": tokens.lifetime().days},
    )


@login_required
@require_POST
def revoke_view(request: SignedInRequest, token_id: int) -> HttpResponse:
    if not tokens.revoke(request.user, token_id):
        raise Http404("No such token.")  # someone else's, or already gone: the same answer
    messages.success(request, "The token is revoked: nothing signs in with it any more.")
    return redirect("account_tokens")


@login_required
@require_POST
def revoke_all_view(request: SignedInRequest) -> HttpResponse:
    count = tokens.revoke_all(request.user)
    messages.success(request, f"{count} token{'s' if count != 1 else ''} revoked.")
    return redirect("account_tokens")
