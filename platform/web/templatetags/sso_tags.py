"""``{% sso_button %}``: the sign-in page's "Sign in with <provider>" link, shown only where single sign-on is
configured (read when the page renders, so the settings' current values count)."""

from __future__ import annotations

from typing import Any

from django import template

from accounts import sso

register = template.Library()


@register.inclusion_tag("sso/button.html", takes_context=True)
def sso_button(context: template.Context) -> dict[str, Any]:
    return {"enabled": sso.enabled(), "provider": sso.provider_name(), "next": context.get("next", "")}
