from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Who a person is: verified email addresses and the outside identities (OpenID Connect, LTI) that sign
    them in. Sits just above core: every other app may use it; it knows nothing of courses or grading."""

    name = "accounts"
