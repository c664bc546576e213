"""The "Việc của tôi" badge in the menu counts what waits for the user, on every page."""

from __future__ import annotations

import re

from evaluation_support import setup_round, sheet_url
from ocop_app.workflow import Level, Stage, Status


def _badge(html: str) -> str:
    return re.search(r'<span id="queue-count"[^>]*>(.*?)</span>\s*</a>', html, re.S).group(1)


def test_a_council_members_badge_is_not_the_number_of_criteria(make_user, make_product, new_client):
    """A score sheet page has its own ``count`` of criteria; the badge must not show it (it showed 32)."""
    product = make_product(Stage.UPGRADED, Status.APPROVED, Level.DISTRICT)
    round_id, (entry_id,), _org, people = setup_round(make_user, new_client, [product])
    member = people[1][1]
    page = member.get(sheet_url(round_id, entry_id)).get_data(as_text=True)
    assert "32" not in _badge(page) and _badge(page).strip() == ""  # filled in by htmx on load
    count = member.get("/staff/queue/count").get_data(as_text=True)
    assert re.search(r"</span>\s*1</span>$", count.strip()), count  # one sheet waits for them


def test_the_task_summary_counts_each_product_once(make_user, make_product, new_client):
    """One product awaiting the commune's sign-off is one task, not one per button (sign off, return, reject)."""
    make_product(Stage.REGISTERED, Status.AWAITING, Level.COMMUNE, last_actor=make_user("commune_staff"))
    approver = new_client()
    approver.login(make_user("commune_approver"))
    page = approver.get("/staff/queue").get_data(as_text=True)
    summary = re.search(r'<ul class="counts"[^>]*>(.*?)</ul>', page, re.S).group(1)
    assert re.findall(r"<strong>(\d+)</strong>", summary) == ["1"], summary
