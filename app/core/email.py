"""Mail, sent through the SMTP server the settings name (SMTP_*, EMAILS_FROM)."""

import smtplib
import ssl
from email.message import EmailMessage

from app.core.config import settings


def send(to: str, subject: str, body: str) -> None:
    """Send a plain-text mail, blocking until the server has taken it. Raises OSError or
    smtplib.SMTPException if it could not be handed over."""
    if settings.SMTP_HOST is None or settings.EMAILS_FROM is None:
        raise RuntimeError("no SMTP server is configured (SMTP_HOST, EMAILS_FROM)")
    message = EmailMessage()
    message["From"] = settings.EMAILS_FROM
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    # smtplib's own default context checks neither the certificate nor the host name.
    context = ssl.create_default_context()
    host, port, timeout = settings.SMTP_HOST, settings.SMTP_PORT, settings.SMTP_TIMEOUT
    smtp = (
        smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        if settings.SMTP_SSL
        else smtplib.SMTP(host, port, timeout=timeout)
    )
    with smtp:
        if settings.SMTP_TLS:
            smtp.starttls(context=context)
        if settings.SMTP_USER is not None:
            password = settings.SMTP_PASSWORD
            smtp.login(settings.SMTP_USER, password.get_secret_value() if password else "")
        smtp.send_message(message)
