from django.apps import AppConfig


class WebConfig(AppConfig):
    """The pages and the REST API: the top layer, composing catalog, courses and grading."""

    name = "web"

    def ready(self) -> None:
        # API tokens are revoked when their owner signs out of the site, changes their password or is
        # deactivated, in every process (web/tokens.py).
        from web import tokens

        tokens.connect_signals()
