"""Time the Excel import of 2,000 registrations, a re-import, the XLSX export and the dashboard.

Run: ``.venv/bin/python bench/import_2000.py`` (a fresh SQLite file in a temporary folder;
``DATABASE_URL`` is ignored). Prints one line per measurement; figures go to BENCHMARKS.md.
"""

from __future__ import annotations

import io
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from openpyxl import Workbook  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from ocop_app import create_app  # noqa: E402
from ocop_app.extensions import db  # noqa: E402
from ocop_app.models import City, Commune, District, User  # noqa: E402

ROWS = 2000


def workbook() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH ĐĂNG KÝ SẢN PHẨM OCOP"])
    ws.append(["STT", "Tên sản phẩm", "Chủ thể", "Loại hình chủ thể", "Xã", "Bộ sản phẩm", "Liên hệ"])
    communes = ["Thạch Xá", "Bình Phú", "Hương Ngải", "Cần Kiệm"]
    for i in range(ROWS):
        ws.append([i + 1, f"Sản phẩm thử {i}", f"Hộ kinh doanh {i % 400}", "Hộ kinh doanh",
                   communes[i % 4], 1 + i % 26, f"09{i:08d}"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}"})
    with app.app_context():
        upgrade()
        hanoi = City(name="Hà Nội", unit_type="Thành phố", slug="hanoi")
        district = District(name="Thạch Thất", unit_type="Huyện", slug="thachthat", parent=hanoi)
        for name in ("Thạch Xá", "Bình Phú", "Hương Ngải", "Cần Kiệm"):
            Commune(name=name, unit_type="Xã", slug=name, parent=district)
        db.session.add(hanoi)
        db.session.add(User(username="bench", full_name="Bench", role="district_staff", unit=district,
                            password_hash=generate_password_hash("x", method="pbkdf2:sha256:1000")))
        db.session.commit()
    client = app.test_client()
    client.post("/auth/login", data={"username": "bench", "password": "x"})
    data = workbook()

    def upload():
        t = time.perf_counter()
        r = client.post("/staff/reports/import", data={"file": (io.BytesIO(data), "ds.xlsx")},
                        content_type="multipart/form-data")
        return r.headers["Location"].rsplit("/", 1)[1], time.perf_counter() - t

    token, took = upload()
    print(f"upload + parse + preview store, {ROWS} rows: {took:.2f} s")
    t = time.perf_counter()
    page = client.get(f"/staff/reports/import/{token}")
    print(f"preview page ({len(page.data) // 1024} KiB): {time.perf_counter() - t:.2f} s")
    chunks = []
    while True:
        t = time.perf_counter()
        r = client.post(f"/staff/reports/import/{token}/run", headers={"HX-Request": "true"})
        chunks.append(time.perf_counter() - t)
        if "hx-trigger" not in r.get_data(as_text=True):
            break
    print(f"confirm over htmx: {len(chunks)} chunks, {sum(chunks):.2f} s in all, longest chunk {max(chunks):.2f} s")
    assert re.search(r"2000 sản phẩm được tạo|2000 products created", r.get_data(as_text=True)), "import incomplete"
    token, took = upload()
    print(f"re-upload of the same file (all {ROWS} rows found duplicate): {took:.2f} s")
    t = time.perf_counter()
    r = client.get("/staff/reports/products.xlsx")
    print(f"XLSX export of {ROWS} products ({len(r.data) // 1024} KiB): {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    client.get("/staff/reports/")
    print(f"dashboard with {ROWS} products: {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
