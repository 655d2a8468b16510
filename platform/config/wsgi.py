"""The WSGI application gunicorn serves: Django, with chunked request bodies made readable within the body
limit (web/limits.py), refusing to start in production without a cache every process shares (config/checks.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_wsgi_application()

from config.checks import require_shared_cache  # noqa: E402  (after Django's set-up)
from web.limits import ChunkedBodies  # noqa: E402

require_shared_cache()
application = ChunkedBodies(django_application)
