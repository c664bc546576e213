"""Benchmark of the public register at national scale (issue 5).

For each size (default 20,000 and 200,000 recognised products) this builds a throwaway
SQLite database with the real migrations (FTS5 triggers included), fills it with generated
products, producers, 63 provinces × 8 districts × 12 communes and a certificate per
product (a quarter expired, 2 % revoked), then serves the app in-process through its WSGI
interface (Flask's test client: the whole request path, hooks and templates, no network)
and measures for each page:

- the number of SQL statements one request runs (must be the same at every size), and
- requests per second, as a ratio to a trivial route of the same app served the same way
  (so the figure does not depend on the machine's speed).

Usage::

    make bench                                  # 20k and 200k
    .venv/bin/python bench/public_listing.py --sizes 2000,20000 --seconds 1

Prints a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event  # noqa: E402

from ocop_app import create_app  # noqa: E402
from ocop_app.extensions import db  # noqa: E402
from ocop_app.permissions import PUBLIC, access  # noqa: E402
from ocop_app.text import fold, vi_sort_key  # noqa: E402

KINDS = [
    ("Bánh chưng", 6), ("Bánh cuốn", 6), ("Bánh gai", 6), ("Bún khô", 6), ("Miến dong", 6), ("Gạo tám", 1),
    ("Gạo nếp cái hoa vàng", 1), ("Chè búp", 9), ("Trà sen", 9), ("Mật ong", 3), ("Nước mắm", 8),
    ("Giò lụa", 4), ("Nem chua", 4), ("Chả cá", 4), ("Đậu phụ", 8), ("Dầu lạc", 7), ("Tương bần", 8),
    ("Rượu nếp", 11), ("Rượu cần", 11), ("Nước ép", 10), ("Cà phê", 9), ("Ca cao", 9), ("Bưởi", 1),
    ("Cam", 1), ("Vải thiều", 1), ("Nhãn lồng", 1), ("Hồng xiêm", 1), ("Ổi", 1), ("Xoài", 1), ("Dưa lưới", 1),
    ("Tinh dầu", 14), ("Cao dược liệu", 13), ("Gốm sứ", 21), ("Mây tre đan", 21), ("Khăn lụa", 19),
    ("Tranh đá quý", 22), ("Đồ gỗ mỹ nghệ", 22), ("Lan hồ điệp", 24), ("Cây cảnh", 24), ("Điểm du lịch", 26),
]
SYLLABLES = ("An Bình Cát Đông Đức Gia Hà Hải Hòa Hưng Khánh Kim Lâm Long Minh Nam Ngọc Phú Phúc Quang "
             "Sơn Tân Thạch Thanh Thành Thịnh Tiến Trung Tường Vân Việt Xuân Yên Tranh Khúc Ước Lễ Đình").split()
PRODUCER_KINDS = [("Hợp tác xã", "cooperative"), ("Công ty TNHH", "enterprise"), ("Hộ kinh doanh", "household"),
                  ("Tổ hợp tác", "cooperative_group")]
BRANCH_OF_SET = {1: "food", 2: "food", 3: "food", 4: "food", 5: "food", 6: "food", 7: "food", 8: "food",
                 9: "beverage", 10: "beverage", 11: "beverage", 12: "beverage", 13: "herbal", 14: "herbal",
                 15: "herbal", 16: "herbal", 17: "handicraft", 18: "handicraft", 19: "handicraft", 20: "handicraft",
                 21: "handicraft", 22: "handicraft", 23: "ornamental", 24: "ornamental", 25: "ornamental",
                 26: "tourism"}


def _place_name(rng) -> str:
    return f"{rng.choice(SYLLABLES)} {rng.choice(SYLLABLES)}"


def build(path: Path, size: int, seed: int = 20261129) -> dict:
    """Migrate a fresh database at ``path`` and fill it with ``size`` recognised products."""
    rng = random.Random(seed)
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    units, communes = [], []
    uid = 0
    for c in range(63):
        uid += 1
        city_id, city = uid, f"Tỉnh {c:02d} {_place_name(rng)}"
        units.append((uid, "city", city, "Tỉnh", None, fold(city)))
        for d in range(8):
            uid += 1
            district_id, district = uid, f"{_place_name(rng)} {d}"
            units.append((uid, "district", district, "Huyện", city_id, fold(district)))
            for k in range(12):
                uid += 1
                name = f"{_place_name(rng)} {k}"
                units.append((uid, "commune", name, "Xã", district_id, fold(name)))
                communes.append((uid, name, district_id, district, city_id, city))
    con.executemany("INSERT INTO admin_unit (id, level, name, unit_type, parent_id, slug, source) "
                    "VALUES (?, ?, ?, ?, ?, ?, '')", units)
    producers, products, certificates = [], [], []
    today = dt.date.today()
    for i in range(1, size + 1):
        commune_id, commune, district_id, district, city_id, city = rng.choice(communes)
        kind, product_set = rng.choice(KINDS)
        name = f"{kind} {rng.choice(SYLLABLES)} {rng.choice(SYLLABLES)}"
        if i % 3 == 1:
            label, ptype = rng.choice(PRODUCER_KINDS)
            producers.append((len(producers) + 1, f"{label} {_place_name(rng)} {i}", ptype, commune_id))
        producer_id, producer_name = producers[-1][0], producers[-1][1]
        stars = rng.choice((3, 3, 3, 3, 4, 4, 4, 5))
        year = rng.randint(2019, today.year)
        search = fold(" ".join((name, producer_name, commune, district, city)))
        products.append((i, name, search, vi_sort_key(name), BRANCH_OF_SET[product_set], product_set, producer_id,
                         commune_id, district_id, city_id, "qd148-2023", stars, year))
        signed = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
        until = signed.replace(year=signed.year + 3)
        revoked = signed + dt.timedelta(days=200) if rng.random() < 0.02 else None
        certificates.append((i, f"{i:06d}/GCN-OCOP", f"{i}/QĐ-UBND", signed, until, stars, revoked))
    con.executemany("INSERT INTO producer (id, name, type, unit_id, created_at) "
                    "VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP)", producers)
    con.executemany(
        "INSERT INTO product (id, name, search_text, sort_key, description, branch, product_set_no, producer_id, "
        "commune_id, district_id, city_id, rule_set_code, stage, status, level, stars, ranked_year, "
        "proposed_central, source_url, source_note, version, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, 'ranked', 'approved', 'city', ?, ?, 0, '', '', 1, "
        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)", products)
    con.executemany(
        "INSERT INTO certificate (product_id, number, decision_no, signed_on, valid_until, stars, issued_by, "
        "rule_set_code, revoked_on, revocation_reason, note, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, 'city', 'qd148-2023', ?, '', '', CURRENT_TIMESTAMP)",
        [(c[0], c[1], c[2], c[3].isoformat(), c[4].isoformat(), c[5], c[6].isoformat() if c[6] else None)
         for c in certificates])
    con.commit()
    con.execute("ANALYZE")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    a_commune = communes[len(communes) // 2]
    return {"city": a_commune[4], "district": a_commune[2], "middle": size // 2}


def pages(info: dict) -> dict[str, str]:
    return {
        "trivial route": "/bench/trivial",
        "listing (first page)": "/",
        "search 'banh chung'": "/?q=banh+chung",
        "search, 3 words": "/?q=banh+chung+tranh",
        "filtered (★4, province, district)": f"/?stars=4&city={info['city']}&district={info['district']}",
        "filtered (★4, product set 6)": "/?stars=4&product_set=6",
        "page after the middle row": f"/?after={info['middle']}",
        "last page": "/?last=1",
        "product page": f"/p/{info['middle']}",
        "API page (50 items)": "/api/v1/products?after=" + str(info["middle"]),
    }


def measure(path: Path, info: dict, seconds: float) -> dict[str, tuple[int, float]]:
    """``{page: (statements per request, requests per second)}``."""
    app = create_app({"TESTING": False, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})

    @access(PUBLIC)
    def trivial():
        return "ok"

    app.add_url_rule("/bench/trivial", "bench_trivial", trivial)
    client = app.test_client()
    counter = {"n": 0}
    with app.app_context():
        engine = db.engine

    def count(*args):
        counter["n"] += 1

    event.listen(engine, "before_cursor_execute", count)
    results = {}
    for name, url in pages(info).items():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        counter["n"] = 0
        client.get(url)
        statements = counter["n"]
        rates = []
        for _ in range(3):  # best of three runs of `seconds` / 3
            n, start = 0, time.perf_counter()
            while (elapsed := time.perf_counter() - start) < seconds / 3 or n < 5:
                client.get(url).close()
                n += 1
            rates.append(n / elapsed)
        results[name] = (statements, max(rates))
    event.remove(engine, "before_cursor_execute", count)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="20000,200000")
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring time per page and size")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    table: dict[int, dict[str, tuple[int, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="ocop-bench-") as tmp:
        for size in sizes:
            path = Path(tmp) / f"bench-{size}.sqlite3"
            start = time.perf_counter()
            info = build(path, size)
            print(f"# built {size:,} products in {time.perf_counter() - start:.1f} s "
                  f"({path.stat().st_size / 1e6:.0f} MB)", file=sys.stderr)
            table[size] = measure(path, info, args.seconds)
    small, large = sizes[0], sizes[-1]
    print(f"| page | statements @{small:,} | statements @{large:,} | req/s @{small:,} | req/s @{large:,} "
          f"| ratio to trivial @{small:,} | ratio to trivial @{large:,} | ratio change |")
    print("|---|---|---|---|---|---|---|---|")
    for name in table[small]:
        s_stmt, s_rate = table[small][name]
        l_stmt, l_rate = table[large][name]
        s_ratio = s_rate / table[small]["trivial route"][1]
        l_ratio = l_rate / table[large]["trivial route"][1]
        print(f"| {name} | {s_stmt} | {l_stmt} | {s_rate:,.0f} | {l_rate:,.0f} | {s_ratio:.2f} | {l_ratio:.2f} "
              f"| {l_ratio / s_ratio:.2f}× |")
    same = all(table[small][n][0] == table[large][n][0] for n in table[small])
    print(f"\nStatement counts identical at every size: {'yes' if same else 'NO'}")
    print(f"Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}; best of 3 × {args.seconds / 3:.1f} s")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
