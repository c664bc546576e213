"""Send the e-mail outbox through the configured SMTP server (stdlib ``smtplib``).

Configuration (``instance/config.py`` or the app config): ``MAIL_SERVER`` (no
server: nothing is sent, messages wait), ``MAIL_PORT`` (25), ``MAIL_USE_TLS``
(STARTTLS), ``MAIL_USE_SSL``, ``MAIL_USERNAME``, ``MAIL_PASSWORD``,
``MAIL_FROM``, ``MAIL_TIMEOUT`` (seconds, 10).

Each message is committed as sent right after the server accepts it; a failure
is recorded on the row (``attempts``, ``last_error``) and the row stays unsent
for the next run. Every message carries a Message-ID derived from its outbox key,
so in the rare case of a crash between the server's acceptance and our commit the
receiving side sees the same Message-ID again.
"""

from __future__ import annotations

import hashlib
import smtplib
from email.message import EmailMessage
from email.utils import formatdate

from flask import current_app
from sqlalchemy import select

from .. import clock
from ..extensions import db
from ..models import OutboxEmail


def _connect(config) -> smtplib.SMTP:
    host, port, timeout = config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25), float(config.get("MAIL_TIMEOUT") or 10)
    if config.get("MAIL_USE_SSL"):
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    return smtp


def _message(row: OutboxEmail, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = row.to_addr
    msg["Subject"] = row.subject
    msg["Date"] = formatdate(localtime=False)
    domain = sender.rsplit("@", 1)[-1].strip("> ") or "ocop.local"
    msg["Message-ID"] = f"<outbox-{hashlib.sha256(row.key.encode()).hexdigest()[:32]}@{domain}>"
    msg.set_content(row.body)
    return msg


def _fail(row: OutboxEmail, error: Exception) -> None:
    row.attempts += 1
    row.last_error = f"{type(error).__name__}: {error}"[:2000]
    row.last_attempt_at = clock.now()


def send_pending(limit: int = 500) -> tuple[int, int]:
    """Send up to ``limit`` unsent messages, oldest first; return ``(sent, still_pending)``."""
    config = current_app.config
    pending_ids = db.session.scalars(
        select(OutboxEmail.id).where(OutboxEmail.sent_at.is_(None)).order_by(OutboxEmail.id).limit(limit)
    ).all()
    if not pending_ids or not config.get("MAIL_SERVER"):
        return 0, len(pending_ids)
    sender = config.get("MAIL_FROM") or "ocop@localhost"
    try:
        smtp = _connect(config)
    except (OSError, smtplib.SMTPException) as exc:
        for row in db.session.scalars(select(OutboxEmail).where(OutboxEmail.id.in_(pending_ids))):
            _fail(row, exc)
        db.session.commit()
        current_app.logger.warning("SMTP server unreachable, %d e-mails wait: %s", len(pending_ids), exc)
        return 0, len(pending_ids)
    sent = failed = 0
    try:
        for row_id in pending_ids:
            stmt = select(OutboxEmail).where(OutboxEmail.id == row_id, OutboxEmail.sent_at.is_(None))
            if db.engine.dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)  # another run is sending it
            row = db.session.scalars(stmt).first()
            if row is None:
                db.session.rollback()
                continue
            try:
                smtp.send_message(_message(row, sender))
            except (OSError, smtplib.SMTPException) as exc:
                _fail(row, exc)
                failed += 1
            else:
                row.attempts += 1
                row.last_attempt_at = row.sent_at = clock.now()
                row.last_error = ""
                sent += 1
            db.session.commit()
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return sent, failed + (len(pending_ids) - sent - failed)
