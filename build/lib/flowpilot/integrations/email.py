"""Outgoing e-mail over SMTP (aiosmtplib) with the account's own server settings."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

import aiosmtplib

from flowpilot.integrations import outbound
from flowpilot.integrations.delivery import DeliveryError, unreachable
from flowpilot.integrations.html import markdown_to_html


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str  # starttls | tls | none | auto (STARTTLS when the server offers it)
    username: str | None
    password: str | None
    from_address: str
    from_name: str | None = None


def build_message(config: SmtpConfig, to: list[str], subject: str, text: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((config.from_name or "", config.from_address))
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=config.from_address.rpartition("@")[2] or None)
    message.set_content(text)
    # Documents are Markdown: mail clients get a rendered HTML part next to the plain text.
    message.add_alternative(markdown_to_html(text), subtype="html")
    return message


async def send_mail(
    config: SmtpConfig, to: list[str], subject: str, text: str, *, wait_seconds: float = 20
) -> str:
    """Sends one message; returns its Message-ID. Raises DeliveryError with a readable reason."""
    message = build_message(config, to, subject, text)
    # The mail server the account typed in must be allowed (no private networks by default).
    await outbound.resolve_allowed(config.host, config.port)
    try:
        await aiosmtplib.send(
            message,
            hostname=config.host,
            port=config.port,
            username=config.username or None,
            password=config.password or None,
            use_tls=config.security == "tls",
            start_tls={"starttls": True, "auto": None}.get(config.security, False),
            timeout=wait_seconds,
        )
    except aiosmtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"The mail server rejected the login: {exc.message}") from exc
    except aiosmtplib.SMTPRecipientsRefused as exc:
        refused = ", ".join(r.recipient for r in exc.recipients)
        raise DeliveryError(f"The mail server refused the recipient(s): {refused}") from exc
    except aiosmtplib.SMTPResponseException as exc:
        # 4xx replies are temporary by definition (RFC 5321); 5xx are permanent.
        temporary = 400 <= exc.code < 500
        raise DeliveryError(
            f"The mail server answered {exc.code}: {exc.message}", retryable=temporary
        ) from exc
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise unreachable(f"The mail server {config.host}:{config.port}", exc) from exc
    return str(message["Message-ID"])
