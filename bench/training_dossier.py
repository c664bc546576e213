"""Timings of the training and dossier pages on the demo data (issue 4).

Usage: .venv/bin/python bench/training_dossier.py   (builds a throw-away SQLite database in a temp dir)

Measures, per request (mean of N after one warm-up): the district approver's queue (every product's
guards are evaluated: training, plan, dossier), the targets page, a dossier page, the self-assessment
page, and reading a 200-row XLSX attendance list (preview, nothing written).
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

N = 20


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="ocop-bench-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    from flask_migrate import upgrade
    from openpyxl import Workbook
    from sqlalchemy import select

    from ocop_app import create_app, demo
    from ocop_app.extensions import db
    from ocop_app.models import Producer, StoredFile, TrainingCourse
    from ocop_app.training.operations import read_attendance

    app = create_app({"UPLOAD_FOLDER": str(tmp / "uploads"), "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade()
        demo.load()
        product_id = db.session.scalars(select(StoredFile.product_id)).first()
        course = db.session.scalars(select(TrainingCourse)).first()
        producers = db.session.scalars(select(Producer).where(Producer.unit_id.in_(
            [u.id for u in course.unit.children]))).all()
        wb = Workbook()
        ws = wb.active
        ws.append(["Họ và tên", "Chủ thể", "Xã", "Có mặt"])
        for i in range(200):
            p = producers[i % len(producers)]
            ws.append([f"Người tham dự {i}", p.name, p.unit.name, "x"])
        buf = io.BytesIO()
        wb.save(buf)
        read_attendance(buf.getvalue(), course)
        t = time.perf_counter()
        for _ in range(N):
            read_attendance(buf.getvalue(), course)
        print(f"read 200-row attendance XLSX: {(time.perf_counter() - t) / N * 1000:.1f} ms")
    client = app.test_client()
    client.post("/auth/login", data={"username": "huyen.duyet", "password": demo.DEMO_PASSWORD})
    for url in ("/staff/queue", "/staff/training/targets", f"/staff/dossier/products/{product_id}",
                f"/staff/dossier/products/{product_id}/self-assessment", "/staff/training/1"):
        assert client.get(url).status_code == 200, url
        t = time.perf_counter()
        for _ in range(N):
            client.get(url)
        print(f"GET {url}: {(time.perf_counter() - t) / N * 1000:.1f} ms")


if __name__ == "__main__":
    main()
