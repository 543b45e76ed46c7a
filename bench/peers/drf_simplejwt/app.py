"""Django REST framework + simplejwt: GET /me as its documentation builds it.

`gunicorn -c gunicorn_conf.py app:application` serves it (DEBUG off, JSON renderer only,
persistent connections, JWTAuthentication: one query for the user per request).
`python app.py setup USERS TOKENS_FILE` creates the tables, seeds the users and writes access
tokens of the first 32 (minted by simplejwt), after checking that /me makes exactly one query.
"""

import os
import sys
from datetime import timedelta
from urllib.parse import urlparse

import django
from django.conf import settings

_url = urlparse(os.environ["DATABASE_URL"].replace("+psycopg2", ""))
settings.configure(
    DEBUG=False,
    SECRET_KEY=os.environ["SECRET_KEY"],
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"],
    MIDDLEWARE=[
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ],
    DATABASES={
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": _url.path.lstrip("/"),
            "USER": _url.username or "postgres",
            "HOST": _url.hostname,
            "PORT": _url.port or 5432,
            "CONN_MAX_AGE": 600,  # persistent connections, as Django's deployment checklist advises
        }
    },
    USE_TZ=True,
    REST_FRAMEWORK={
        "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
        "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
        "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    },
    SIMPLE_JWT={"ACCESS_TOKEN_LIFETIME": timedelta(minutes=30), "ALGORITHM": "HS256"},
)
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.urls import path  # noqa: E402
from rest_framework import serializers  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email", "first_name", "last_name", "is_active", "is_staff",
                  "is_superuser", "last_login", "date_joined"]


class Me(APIView):
    def get(self, request):
        return Response(UserSerializer(request.user).data)


urlpatterns = [path("me", Me.as_view())]
application = get_wsgi_application()


def setup(users: int, tokens_file: str) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework_simplejwt.tokens import AccessToken

    call_command("migrate", verbosity=0)
    User.objects.bulk_create(
        User(username=f"bench-user-{n}", email=f"bench-user-{n}@bench.sena.edu.co", password="!",
             first_name="Usuario", last_name=f"Prueba {n}")
        for n in range(1, users + 1)
    )
    chosen = list(User.objects.order_by("id")[:32])
    tokens = [str(AccessToken.for_user(user)) for user in chosen]
    with open(tokens_file, "w") as out:
        out.write("\n".join(tokens) + "\n")
    with CaptureQueriesContext(connection) as queries:
        answer = Client().get("/me", HTTP_AUTHORIZATION=f"Bearer {tokens[0]}", HTTP_HOST="127.0.0.1")
    assert answer.status_code == 200, answer.content
    print(f"queries per /me: {len(queries)}: {[q['sql'] for q in queries]}")


if __name__ == "__main__":
    setup(int(sys.argv[2]), sys.argv[3])
