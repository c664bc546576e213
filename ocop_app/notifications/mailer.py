"""Send the e-mail outbox through the configured SMTP server (stdlib ``smtplib``).

Configuration (``instance/config.py`` or the app config): ``MAIL_SERVER`` (no
server: nothing is sent, messages wait), ``MAIL_PORT`` (25), ``MAIL_USE_TLS``
(STARTTLS), ``MAIL_USE_SSL``, ``MAIL_USERNAME``, ``MAIL_PASSWORD``,
``MAIL_FROM``, ``MAIL_TIMEOUT`` (seconds, 10).

Each message is claimed in a short transaction, sent with no transaction open, and
committed as sent right after the server accepts it; a failure is recorded on the
row (``attempts``, ``last_error``) and the row stays unsent for the next run. Every message carries a Message-ID derived from its outbox key,
so in the rare case of a crash between the server's acceptance and our commit the
receiving side sees the same Message-ID again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import smtplib
from email.message import EmailMessage
from email.utils import formatdate

from flask import current_app
from sqlalchemy import func, or_, select, update

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


#: How long a message claimed by one run stays out of another run's reach (a run that died
#: while sending leaves its claim behind; after this the next run retries the message).
CLAIM_LEASE = dt.timedelta(minutes=15)


def _real_now() -> dt.datetime:
    # Claims are about the machine's time, not the rules' "today" (OCOP_TODAY may be fixed).
    return dt.datetime.now(dt.timezone.utc)


def _claim(row_id: int, sender: str) -> EmailMessage | None:
    """Take one unsent message for this run in a short transaction (compare-and-set on
    ``sending_since``), so no lock is held while the SMTP server answers and two runs never
    send the same message. Returns the message to send, or ``None`` if it is sent or claimed."""
    now = _real_now()
    taken = db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == row_id, OutboxEmail.sent_at.is_(None),
               or_(OutboxEmail.sending_since.is_(None), OutboxEmail.sending_since < now - CLAIM_LEASE))
        .values(sending_since=now).execution_options(synchronize_session=False)
    ).rowcount
    message = None
    if taken == 1:
        message = _message(db.session.get(OutboxEmail, row_id, populate_existing=True), sender)
    db.session.commit()
    return message


def _record(row_id: int, error: Exception | None) -> None:
    """Record one attempt (short transaction): sent, or the error, and release the claim."""
    row = db.session.get(OutboxEmail, row_id, populate_existing=True)
    row.attempts += 1
    row.last_attempt_at = clock.now()
    row.sending_since = None
    if error is None:
        row.sent_at, row.last_error = row.last_attempt_at, ""
    else:
        row.last_error = f"{type(error).__name__}: {error}"[:2000]
    db.session.commit()


def send_pending(limit: int = 500) -> tuple[int, int]:
    """Send up to ``limit`` unsent messages, oldest first; return ``(sent by this run, left unsent
    in the outbox afterwards)``.

    Commits what the caller had open first. Each message is claimed, then sent with no database
    transaction open (on SQLite a slow SMTP server must not lock out the users), then recorded:
    sent, or left in the outbox with its error for the next run.
    """
    config = current_app.config
    db.session.commit()
    pending_ids = db.session.scalars(
        select(OutboxEmail.id).where(OutboxEmail.sent_at.is_(None)).order_by(OutboxEmail.id).limit(limit)
    ).all()
    db.session.commit()
    if not pending_ids or not config.get("MAIL_SERVER"):
        return 0, len(pending_ids)
    sender = config.get("MAIL_FROM") or "ocop@localhost"
    try:
        smtp = _connect(config)
    except (OSError, smtplib.SMTPException) as exc:
        db.session.execute(
            update(OutboxEmail).where(OutboxEmail.id.in_(pending_ids), OutboxEmail.sending_since.is_(None))
            .values(attempts=OutboxEmail.attempts + 1, last_attempt_at=clock.now(),
                    last_error=f"{type(exc).__name__}: {exc}"[:2000]))
        db.session.commit()
        current_app.logger.warning("SMTP server unreachable, %d e-mails wait: %s", len(pending_ids), exc)
        return 0, len(pending_ids)
    sent = 0
    try:
        for row_id in pending_ids:
            message = _claim(row_id, sender)
            if message is None:  # sent or being sent by another run
                continue
            try:
                smtp.send_message(message)
            except (OSError, smtplib.SMTPException) as exc:
                _record(row_id, exc)
            else:
                _record(row_id, None)
                sent += 1
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass
    left = db.session.scalar(select(func.count(OutboxEmail.id)).where(OutboxEmail.sent_at.is_(None)))
    db.session.commit()
    return sent, left or 0


def readdress(user, old_address: str | None) -> int:
    """Send the user's messages still waiting in the outbox to their new address (``user.email``),
    or drop them from sending if the address was removed (they stay listed, with that reason).
    Outbox keys end with ``:<user id>`` (:func:`ocop_app.notifications.reminders._store`).
    Returns how many messages changed. Flushes; the caller commits."""
    if not old_address:
        return 0
    rows = db.session.scalars(select(OutboxEmail).where(
        OutboxEmail.sent_at.is_(None), OutboxEmail.to_addr == old_address,
        OutboxEmail.key.like(f"%:{user.id}"))).all()
    for row in rows:
        if user.email:
            row.to_addr = user.email
        else:
            row.sent_at, row.last_error = clock.now(), "not sent: the address was removed from the account"
    db.session.flush()
    return len(rows)


def waiting(limit: int = 200) -> list[OutboxEmail]:
    """Messages not sent yet, the most tried first (what an administrator should look at)."""
    return list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.sent_at.is_(None))
                                   .order_by(OutboxEmail.attempts.desc(), OutboxEmail.id).limit(limit)))
