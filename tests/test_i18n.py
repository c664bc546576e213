"""Vietnamese first: every UI string has a Vietnamese translation, and the catalog is current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def _ids(catalog):
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def test_catalog_is_complete_and_current(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
                    "-o", str(pot), "ocop_app", "templates"], cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as fh:
        source_ids = _ids(read_po(fh))
    with (ROOT / "ocop_app/translations/vi/LC_MESSAGES/messages.po").open("rb") as fh:
        vi = read_po(fh, locale="vi")
    missing = sorted(source_ids - _ids(vi))
    assert len(source_ids) > 100  # the extraction found the UI strings
    assert missing == [], "run `make messages` and translate these"
    untranslated = sorted(
        (m.id if isinstance(m.id, str) else m.id[0]) for m in vi
        if m.id and (m.fuzzy or not (m.string if isinstance(m.string, str) else all(m.string)))
    )
    assert untranslated == []


def test_pages_speak_vietnamese_by_default(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="vi">' in page and "Sản phẩm OCOP được công nhận" in page


def test_wtforms_messages_are_vietnamese(make_user, client):
    """WTForms ships no Vietnamese: its own messages must come from our catalog."""
    from ocop_app.workflow import Role

    client.login(make_user(Role.COMMUNE_STAFF))
    body = client.post("/staff/products/new", {"name": "", "product_set_no": "99", "producer_name": "x" * 300,
                                               "producer_type": "household"}).get_data(as_text=True)
    assert "Vui lòng nhập thông tin này." in body
    assert "Lựa chọn không hợp lệ." in body
    assert "Không được dài quá 200 ký tự." in body
    assert "This field is required." not in body
