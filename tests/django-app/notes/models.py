from django.db import models


class Note(models.Model):
    """One row per note written through the API."""

    text = models.CharField(max_length=200)
    created = models.DateTimeField(auto_now_add=True)
