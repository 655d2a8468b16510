"""The single sign-on pages: mozilla-django-oidc's two views (send the browser to the provider; take it back
and sign in), with the provider's endpoints from accounts.sso and a page that says why a sign-in was refused
instead of a bare 400 or a silent return to the sign-in form. Both answer 404 when SSO is not configured.

The redirect URI to register at the provider: https://<site>/oidc/callback/ (docs/sso.md).
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views import View
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from accounts import sso
from core.errors import UserError

log = logging.getLogger(__name__)

START_AGAIN = (
    "This sign-in could not be checked: it may have been started in another browser or tab, taken too long, "
    "or been tampered with. Start again from the sign-in page."
)


def refused(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(
        request, "sso/refused.html", {"message": message, "provider": sso.provider_name()}, status=status
    )


class StartView(OIDCAuthenticationRequestView):
    """GET /oidc/authenticate/?next=...: a new state, nonce and PKCE verifier in the session, then off to the
    provider's authorisation endpoint."""

    get_settings = staticmethod(sso.setting)

    def __init__(self, **kwargs: Any) -> None:
        View.__init__(self, **kwargs)  # the library's reads the endpoint here; dispatch does, below

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not sso.enabled():
            raise Http404("single sign-on is not configured")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = sso.setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except UserError as error:
            return refused(request, error.message, error.status)
        self.OIDC_RP_CLIENT_ID = sso.setting("OIDC_RP_CLIENT_ID")
        response: HttpResponse = super().dispatch(request, *args, **kwargs)
        return response


class CallbackView(OIDCAuthenticationCallbackView):
    """GET /oidc/callback/?code=...&state=...: the library checks the state against the session, trades the code
    (with the PKCE verifier) for tokens, checks the ID token's signature and nonce; accounts.sso checks the
    rest and finds the user. Whatever fails ends on the refused page, which says what to do next."""

    get_settings = staticmethod(sso.setting)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso.enabled():
            raise Http404("single sign-on is not configured")
        try:
            # RFC 9207: a provider that names itself in the answer must be ours (mix-up attacks).
            if "iss" in request.GET and request.GET["iss"] != sso.expected_issuer():
                raise SuspiciousOperation("the authorisation response names another issuer")
            response: HttpResponse = super().get(request)
            return response
        except SuspiciousOperation as error:
            log.warning("single sign-on refused: %s", error)
            return refused(request, START_AGAIN, 400)
        except UserError as error:
            return refused(request, error.message, error.status)
        except requests.RequestException as error:
            log.warning("single sign-on: the provider failed: %s", error)
            return refused(
                request,
                f"{sso.provider_name()} did not complete the sign-in (its server answered with an error). "
                "Start again from the sign-in page.",
                502,
            )

    def login_failure(self) -> HttpResponse:
        """The provider answered with an error (the person declined, say), the session held no sign-in in
        progress, or the account could not be used."""
        return refused(
            self.request,
            f"Signing in with {sso.provider_name()} did not complete. Start again from the sign-in page.",
            403,
        )


# mozilla-django-oidc's URL names, which it reverses itself (the callback's is the redirect URI it sends).
urlpatterns = [
    path("oidc/authenticate/", StartView.as_view(), name="oidc_authentication_init"),
    path("oidc/callback/", CallbackView.as_view(), name="oidc_authentication_callback"),
]
