"""Settings from the environment, as the lambda-django-rds task definition gives them: DB_HOST, DB_PORT, DB_NAME,
DB_SSLMODE and DJANGO_ALLOWED_HOSTS in `environment`; DB_USER, DB_PASSWORD and DJANGO_SECRET_KEY in `secrets`
(ECS resolves them from Secrets Manager when the task starts). A missing one stops the program, naming it."""
import os


def required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise SystemExit("config.settings: the environment variable %s is not set (the task definition gives it)" % name)
    return value


SECRET_KEY = required("DJANGO_SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = [h.strip() for h in required("DJANGO_ALLOWED_HOSTS").split(",") if h.strip()]

INSTALLED_APPS = ["django.contrib.contenttypes", "notes"]
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware", "django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": required("DB_HOST"),
        "PORT": required("DB_PORT"),
        "NAME": required("DB_NAME"),
        "USER": required("DB_USER"),
        "PASSWORD": required("DB_PASSWORD"),
        # rds.force_ssl = 1 on the instance: the connection must use TLS (libpq's sslmode).
        "OPTIONS": {"sslmode": os.environ.get("DB_SSLMODE", "require")},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
LOGGING = {
    "version": 1,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"django": {"handlers": ["stderr"], "level": "WARNING"}},
}
