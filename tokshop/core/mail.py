from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def send_templated_mail(*, to: str, subject: str, template: str, context: dict[str, Any]) -> None:
    """Send a plain-text e-mail with an HTML alternative, from `<template>.txt` and `<template>.html`."""
    context = {"site_url": settings.SITE_URL.rstrip("/"), **context}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    message.send()
