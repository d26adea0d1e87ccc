"""A JSON API over one table: GET lists the notes, POST {"text": ...} adds one. Answers name the database server it
read from (version and whether the connection uses TLS), so a test can tell a real PostgreSQL answered."""
import json

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from .models import Note


def health(_request):
    return HttpResponse("ok", content_type="text/plain")


def database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        version, ssl = cursor.fetchone()
    return {"server": version.split(" on ")[0], "ssl": ssl}


@csrf_exempt
def notes(request):
    if request.method == "POST":
        try:
            text = json.loads(request.body or b"{}")["text"]
        except (ValueError, KeyError, TypeError):
            return JsonResponse({"error": 'the body must be JSON {"text": "..."}'}, status=400)
        if not isinstance(text, str) or not 0 < len(text) <= 200:
            return JsonResponse({"error": "text must be a string of 1 to 200 characters"}, status=400)
        note = Note.objects.create(text=text)
        return JsonResponse({"id": note.id, "text": note.text, "database": database()}, status=201)
    if request.method != "GET":
        return JsonResponse({"error": "GET or POST"}, status=405)
    rows = [{"id": n.id, "text": n.text} for n in Note.objects.order_by("id")]
    return JsonResponse({"notes": rows, "database": database()})
