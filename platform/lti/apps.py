from django.apps import AppConfig


class LtiConfig(AppConfig):
    """Gradient as an LTI 1.3 tool (LTI Advantage): launches from an LMS, deep linking, roster sync (NRPS) and
    scores back to the LMS's gradebook (AGS). Built on django-lti (registrations, deployments, keys: the
    ``lti_tool`` app) and pylti1p3. Sits above grading: it reads the gradebook and listens for its scores."""

    name = "lti"
    verbose_name = "LTI"

    def ready(self) -> None:
        from lti import receivers

        receivers.connect()
