"""Production settings."""
import os
from .base import *

DEBUG = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE: bool = True
MIDDLEWARE += [
    "myapp.middleware.MtlsClientInfoMiddleware",
]
ALLOWED_HOSTS = ["example.com", "www.example.com"]
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SESSION_COOKIE_AGE = -1
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "PORT": 5432}}

try:
    from .local import *
except ImportError:
    pass

if os.environ.get('X'):
    DEBUG = True
    SESSION_COOKIE_SECURE = os.environ.get("SECURE", "0") == "1"
else:
    LOG_LEVEL = "INFO"

A, B = 1, "two"
C = D = None
X, Y = compute()
