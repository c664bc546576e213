""""Today" and "now", in one place so tests and the daily job can fix the date.

A deployment never sets ``OCOP_TODAY``; tests (and ``flask reminders run --today``)
set it to a date, and every rule that depends on the date (certificate validity,
re-evaluation windows, deadlines, delegation periods) reads it from here.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def today() -> dt.date:
    """Today's date in Vietnam (Asia/Ho_Chi_Minh), or the app's fixed ``OCOP_TODAY``."""
    if has_app_context():
        fixed = current_app.config.get("OCOP_TODAY")
        if fixed:
            return fixed if isinstance(fixed, dt.date) else dt.date.fromisoformat(str(fixed))
    return dt.datetime.now(LOCAL_TZ).date()


def now() -> dt.datetime:
    """The current time, timezone-aware (UTC)."""
    return dt.datetime.now(dt.timezone.utc)


def local_date(moment: dt.datetime) -> dt.date:
    """The date in Vietnam of an aware (or naive UTC) datetime."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(LOCAL_TZ).date()
