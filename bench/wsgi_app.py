"""WSGI entry for the benchmark server: the product with bench/settings.py (one extra trivial view)."""

import os

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
