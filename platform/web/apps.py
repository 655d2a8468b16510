from django.apps import AppConfig


class WebConfig(AppConfig):
    """The pages and the REST API: the top layer, composing catalog, courses and grading."""

    name = "web"
