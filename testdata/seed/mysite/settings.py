import os

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["api.example.com"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "mysite.middleware.MtlsClientInfoMiddleware",
]

ROOT_URLCONF = "mysite.urls"

LOGGING = {
    'version': 1,
    'disable_existing_loggers': False,
    'filters': {
        'redact_headers': {
            '()': 'django.utils.log.CallbackFilter',
            'callback': lambda record: not any(h in record.getMessage() for h in ('authorization', 'x-api-key', 'cookie'))
        }
    },
    'handlers': {
        'console': {
            'class': 'logging.StreamHandler',
            'filters': ['redact_headers']
        }
    },
    'loggers': {
        'django.request': {
            'handlers': ['console'],
            'level': 'WARNING',
        },
    },
}
