"""Settings: ``instance/config.py`` or the environment (a systemd unit, a container), the environment winning."""

from __future__ import annotations

import datetime as dt

import pytest

from ocop_app import SettingError, create_app
from ocop_app import clock


def _app(monkeypatch, tmp_path, **env):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/s.sqlite3"})


def test_mail_and_clock_settings_come_from_the_environment(monkeypatch, tmp_path):
    app = _app(monkeypatch, tmp_path, MAIL_SERVER="smtp.thachthat.hanoi.gov.vn", MAIL_PORT="587",
               MAIL_USE_TLS="true", MAIL_USERNAME="ocop", MAIL_PASSWORD="bí mật", MAIL_FROM="ocop@thachthat.vn",
               OCOP_TODAY="2026-06-18", OCOP_RULE_SET="qd26-2026", PUBLIC_BASE_URL="https://ocop.thachthat.vn")
    c = app.config
    assert c["PUBLIC_BASE_URL"] == "https://ocop.thachthat.vn"  # tester report (session 5): it was ignored
    assert (c["MAIL_SERVER"], c["MAIL_PORT"], c["MAIL_USE_TLS"], c["MAIL_USE_SSL"]) == \
        ("smtp.thachthat.hanoi.gov.vn", 587, True, False)
    assert (c["MAIL_USERNAME"], c["MAIL_PASSWORD"], c["MAIL_FROM"]) == ("ocop", "bí mật", "ocop@thachthat.vn")
    assert c["OCOP_RULE_SET"] == "qd26-2026"
    with app.app_context():
        assert clock.today() == dt.date(2026, 6, 18)
        # What is recorded that day is dated that day too (a result, then a recognition signed the same day).
        assert clock.local_date(clock.now()) == dt.date(2026, 6, 18)


@pytest.mark.parametrize("key, value", [("MAIL_PORT", "hai lăm"), ("MAIL_USE_TLS", "maybe"),
                                        ("OCOP_TODAY", "18/06/2026x"), ("OCOP_RULE_SET", "qd999")])
def test_a_wrong_setting_stops_the_start_saying_which_and_why(monkeypatch, tmp_path, key, value):
    with pytest.raises(SettingError, match=key):
        _app(monkeypatch, tmp_path, **{key: value})
