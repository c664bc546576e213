"""The documented production shape, for real: gunicorn with several workers on the test database,
login limits in Redis. Sessions and limits must hold whichever worker answers."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from conftest import PASSWORD
from ocop_app.workflow import Role
from test_security import _free_port, redis_url  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parent.parent


class Browser:
    """Cookies + CSRF over plain HTTP, one new connection per request (so workers vary)."""

    def __init__(self, port):
        self.port, self.cookies = port, {}

    def request(self, method, path, form=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        conn.close()
        return response.status, text

    def login(self, username, password):
        _, page = self.request("GET", "/auth/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page)
        return self.request("POST", "/auth/login", {"csrf_token": token.group(1) or token.group(2),
                                                    "username": username, "password": password})


@pytest.fixture
def gunicorn(db_uri, redis_url, tmp_path):  # noqa: F811
    exe = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("gunicorn is not installed (pip install '.[deploy]')")
    port = _free_port()
    env = dict(os.environ, DATABASE_URL=db_uri, REDIS_URL=redis_url, SECRET_KEY="9" * 10 + "abcdefghijklmnopqrstuv0123456789")
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        proc = subprocess.Popen([exe, "-w", "3", "-b", f"127.0.0.1:{port}", "ocop_app:create_app()"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield port, log
    finally:
        proc.terminate()
        proc.wait(20)


def test_several_workers_share_sessions_and_login_limits(make_user, gunicorn):
    port, log = gunicorn
    make_user(Role.COMMUNE_STAFF, username="xa.thachxa")
    staff = make_user(Role.DISTRICT_STAFF, username="huyen.canbo")
    codes = [Browser(port).login("xa.thachxa", f"wrong-{i}")[0] for i in range(12)]
    assert codes == [401] * 10 + [429, 429]
    browser = Browser(port)
    assert browser.login(staff.username, PASSWORD)[0] == 303
    for _ in range(15):  # whichever worker answers, the session holds
        status, page = browser.request("GET", "/staff/products")
        assert status == 200 and "Sản phẩm" in page
    time.sleep(0.2)
    assert log.read_text().count("Booting worker") == 3
