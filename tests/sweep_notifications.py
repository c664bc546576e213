"""Route sweep declarations for in-app notifications.

The notification routes take no URL parameter (each user only ever sees their own list);
marking one as read names it in the form (``id``), so the sweep marks one of the acting
user's own unread notifications. That another user's notification cannot be reached
through ``id`` is tested in ``tests/test_sweep_rules_over_time.py``.
"""

from __future__ import annotations

import itertools

from ocop_app.extensions import db
from ocop_app.models import Notification

from routesweep import Case, route

_keys = itertools.count(1)


def notify(user, title: str = "Giấy chứng nhận sắp hết hạn") -> Notification:
    """An unread notification for ``user`` (as the reminders write them). Commits."""
    note = Notification(user_id=user.id, key=f"sweep:{next(_keys)}", title=title, body="", url="")
    db.session.add(note)
    db.session.commit()
    return note


@route("notifications.mark_read")
def _mark_read(ctx):
    return Case(data={"id": notify(ctx.user).id} if ctx.user is not None else {})
