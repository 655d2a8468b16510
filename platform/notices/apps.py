from django.apps import AppConfig


class NoticesConfig(AppConfig):
    """Notices to people: on the site (/notices/) and by mail, per kind as each person chose, with a daily
    digest for those who want one. Just above audit, so courses and grading tell people what happened."""

    name = "notices"
