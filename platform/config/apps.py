from django.apps import AppConfig

from config import checks  # noqa: F401  (registers the production checks)


class SiteConfig(AppConfig):
    """The settings' own app: it holds no models, only the system checks of the deployment as a whole
    (config/checks.py), which no lower app may know about."""

    name = "config"
    label = "gradient_config"
