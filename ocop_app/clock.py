""""Today" and "now", in one place so tests and the daily job can fix the date.

A deployment never sets ``OCOP_TODAY``; tests (and ``flask reminders run --today``)
set it to a date, and every rule that depends on the date (certificate validity,
re-evaluation windows, deadlines, delegation periods) reads it from here.

:func:`frozen` fixes both "today" and "now" for a block of code, so the demo can
record a past round (its events, decisions and certificates) through the real
operations, dated when they happened.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

#: The moment fixed by :func:`frozen` (aware, UTC), or ``None``.
_FROZEN: ContextVar[dt.datetime | None] = ContextVar("ocop_frozen_now", default=None)


@contextmanager
def frozen(moment: dt.datetime | dt.date) -> Iterator[dt.datetime]:
    """Within the block, :func:`now` is ``moment`` and :func:`today` its date in Vietnam
    (it wins over ``OCOP_TODAY``). A naive ``moment`` is Vietnam's local time; a date means
    09:00 that day. Blocks nest; the previous clock comes back on leaving.

    >>> with frozen(dt.datetime(2024, 9, 27, 15, 0)):
    ...     today()
    datetime.date(2024, 9, 27)
    """
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.combine(moment, dt.time(9, 0))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    token = _FROZEN.set(moment.astimezone(dt.timezone.utc))
    try:
        yield moment
    finally:
        _FROZEN.reset(token)


def _configured_today() -> dt.date | None:
    """The app's ``OCOP_TODAY`` as a date, or ``None`` (unset, or outside an app)."""
    if has_app_context():
        fixed = current_app.config.get("OCOP_TODAY")
        if fixed:
            return fixed if isinstance(fixed, dt.date) else dt.date.fromisoformat(str(fixed))
    return None


def today() -> dt.date:
    """Today's date in Vietnam (Asia/Ho_Chi_Minh), or the date :func:`frozen` or the
    app's ``OCOP_TODAY`` fixes."""
    fixed_moment = _FROZEN.get()
    if fixed_moment is not None:
        return local_date(fixed_moment)
    return _configured_today() or dt.datetime.now(LOCAL_TZ).date()


def now() -> dt.datetime:
    """The current time, timezone-aware (UTC), or the moment :func:`frozen` fixes. Under
    ``OCOP_TODAY`` it is that day at the current time of day in Vietnam, so that what is
    recorded (a council's result, a sign-off) is dated the same day the rules see as today."""
    fixed_moment = _FROZEN.get()
    if fixed_moment is not None:
        return fixed_moment
    real = dt.datetime.now(LOCAL_TZ)
    configured = _configured_today()
    if configured is not None:
        real = dt.datetime.combine(configured, real.timetz())
    return real.astimezone(dt.timezone.utc)


def local_date(moment: dt.datetime) -> dt.date:
    """The date in Vietnam of an aware (or naive UTC) datetime."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(LOCAL_TZ).date()
