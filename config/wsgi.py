"""The WSGI application gunicorn serves (Dockerfile, docker-compose.yml).

Start-up builds about 150,000 objects (Django, the views, their libraries) that
live as long as the process. Every view is imported here, and then what start-up
built is frozen (`gc.freeze`): the collector's full passes, which one request in
a few hundred triggers, skip those objects instead of pausing that request to
walk them all (docs/performance.md).
"""

import gc
import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
import_module(settings.ROOT_URLCONF)  # every view, and what the views import
gc.collect()
gc.freeze()
