"""Import registrations from the spreadsheets communes already keep (XLSX or CSV).

Flow: :func:`parse` reads the upload into row dicts, each with the errors
that stop it (unknown commune, missing producer, duplicate of an existing
product…); the rows are kept server-side in an :class:`ImportBatch` under a
random token; nothing is written until the user confirms; then
:func:`run_batch` creates the good rows, a chunk at a time, as draft
registrations through :func:`ocop_app.products.operations.register` (so each
gets its ``StageEvent``). Every row is re-checked for duplicates when it is
written, so importing the same file twice creates nothing new.

Layout (one header row, anywhere in the first 15 rows, any column order;
headers matched without accents or case): Tên sản phẩm · Chủ thể ·
Loại hình chủ thể · Xã · Bộ sản phẩm (number 1–26 of QĐ 26/2026 Phụ lục I,
or its name) · Liên hệ.
"""

from __future__ import annotations

import csv
import io
import json
import re
import secrets

from flask_babel import gettext as _
from sqlalchemy import select, update

from .. import catalog
from ..extensions import db
from ..models import ImportBatch, Producer, Product, ProducerType
from ..products import operations
from ..text import fold

MAX_ROWS = 5000
BATCH_SIZE = 200

HEADERS = {
    "name": ("ten san pham", "san pham", "ten sp", "ten san pham ocop"),
    "producer": ("chu the", "ten chu the", "chu the ocop", "chu the san xuat", "co so san xuat", "ten co so"),
    "producer_type": ("loai hinh chu the", "loai hinh", "loai chu the", "loai hinh to chuc"),
    "commune": ("xa", "xa/thi tran", "xa, thi tran", "xa thi tran", "xa/phuong", "dia ban", "ten xa"),
    "product_set": ("bo san pham", "bo sp", "nhom san pham", "bo san pham (qd 26/2026)"),
    "contact": ("lien he", "thong tin lien he", "dien thoai", "so dien thoai", "dia chi lien he"),
}
REQUIRED = ("name", "producer", "commune", "product_set")

PRODUCER_TYPES = (
    (("doanh nghiep", "cong ty", "dn"), ProducerType.ENTERPRISE),
    (("hop tac xa", "htx"), ProducerType.COOPERATIVE),
    (("to hop tac", "tht"), ProducerType.COOPERATIVE_GROUP),
    (("ho kinh doanh", "ho gia dinh", "hkd", "ho san xuat"), ProducerType.HOUSEHOLD),
    (("co so san xuat", "co so"), ProducerType.PRODUCTION_FACILITY),
)
UNIT_PREFIXES = ("xa ", "thi tran ", "phuong ", "tt. ", "tt ")


class UploadError(Exception):
    """The file as a whole cannot be read (HTTP 422); ``message`` says why, in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _key(text) -> str:
    return re.sub(r"[\s:*()]+$", "", fold(str(text or "")))


def _table(data: bytes, filename: str) -> list[list[str]]:
    """The upload as a list of rows of cell texts."""
    name = filename.lower()
    if name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UploadError(_("The CSV file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.")) from exc
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), dialect)]
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            ws = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
            rows = []
            for row in ws.iter_rows(values_only=True):
                rows.append(["" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)).strip()
                             for v in row])
                if len(rows) > MAX_ROWS + 20:
                    break
            return rows
        except Exception as exc:  # openpyxl raises many kinds on a damaged file
            raise UploadError(_("This file could not be read as an Excel workbook (.xlsx).")) from exc
    raise UploadError(_("Upload an Excel workbook (.xlsx) or a CSV file."))


def _find_header(table: list[list[str]]) -> tuple[int, dict[str, int]]:
    for index, row in enumerate(table[:15]):
        found: dict[str, int] = {}
        for col, cell in enumerate(row):
            key = _key(cell)
            for field, aliases in HEADERS.items():
                if field not in found and key in aliases:
                    found[field] = col
        if "name" in found and "producer" in found:
            missing = [f for f in REQUIRED if f not in found]
            if missing:
                labels = {"commune": _("Commune"), "product_set": _("Product set")}
                raise UploadError(_("The header row has no column for: %(cols)s.",
                                    cols=", ".join(str(labels[m]) for m in missing)))
            return index, found
    raise UploadError(_("No header row found. The first rows must name the columns: "
                        "Tên sản phẩm, Chủ thể, Loại hình chủ thể, Xã, Bộ sản phẩm, Liên hệ."))


def _producer_type(raw: str) -> str | None:
    key = _key(raw)
    for aliases, kind in PRODUCER_TYPES:
        if key in aliases or any(key.startswith(a + " ") for a in aliases if len(a) > 3):
            return kind.value
    return None


def _product_set(raw: str) -> int | None:
    text = raw.strip()
    m = re.match(r"^(\d{1,2})(?:\s*[.\-:)]|\s|$)", text)
    if m and int(m.group(1)) in catalog.product_sets():
        return int(m.group(1))
    key = _key(text)
    if not key:
        return None
    sets = catalog.product_sets().values()
    for ps in sets:
        if key == _key(ps.name_vi):
            return ps.no
    starting = [ps.no for ps in sets if len(key) >= 5 and _key(ps.name_vi).startswith(key)]
    return starting[0] if len(starting) == 1 else None  # a unique beginning of the name, e.g. "Gạo, ngũ cốc"


def _commune_index(communes) -> dict[str, object]:
    index = {}
    for c in communes:
        for form in (c.name, c.display_name):
            index[_key(form)] = c
    return index


def _commune_for(raw: str, index: dict):
    key = _key(raw)
    if key in index:
        return index[key]
    for prefix in UNIT_PREFIXES:
        if key.startswith(prefix) and key[len(prefix):] in index:
            return index[key[len(prefix):]]
    return None


def existing_keys(commune_ids) -> dict[tuple, int]:
    """``(commune_id, folded product name, folded producer name) → product id`` for products already there."""
    if not commune_ids:
        return {}
    rows = db.session.execute(
        select(Product.id, Product.commune_id, Product.name, Producer.name)
        .join(Producer, Product.producer_id == Producer.id)
        .where(Product.commune_id.in_(list(commune_ids)))
    )
    return {(cid, fold(name), fold(producer)): pid for pid, cid, name, producer in rows}


def parse(data: bytes, filename: str, communes, default_commune=None) -> list[dict]:
    """Read an upload into preview rows.

    A product set is given by its number (``7`` or ``7. Bánh, kẹo, mứt…``), its full name, or a
    beginning of its name that fits only one set.

    :param communes: the communes the user may register products in.
    :param default_commune: used when a row leaves the commune blank (a commune officer's own).
    :returns: one dict per non-empty row: ``line`` (spreadsheet row number), ``name``,
        ``producer``, ``producer_type`` (code or ``None``), ``commune_id``, ``commune``,
        ``product_set_no``, ``product_set``, ``contact``, ``errors`` (messages, empty when the
        row will be created) and ``duplicate_of`` (an existing product id, or ``None``).
    :raises UploadError: unreadable file, no header row, a required column missing, too many rows.
    """
    table = _table(data, filename)
    header_index, cols = _find_header(table)
    index = _commune_index(communes)

    def cell(row, field):
        col = cols.get(field)
        return row[col].strip() if col is not None and col < len(row) else ""

    rows = []
    for offset, raw in enumerate(table[header_index + 1:], start=header_index + 2):
        if not any(c.strip() for c in raw):
            continue
        if len(rows) >= MAX_ROWS:
            raise UploadError(_("The file has more than %(n)s rows; split it into smaller files.", n=MAX_ROWS))
        row = {key: cell(raw, key) for key in HEADERS}
        errors = []
        if not row["name"]:
            errors.append(_("Product name is missing."))
        if not row["producer"]:
            errors.append(_("Producer (chủ thể) is missing."))
        ptype = None
        if row["producer_type"]:
            ptype = _producer_type(row["producer_type"])
            if ptype is None:
                errors.append(_("Unknown producer type “%(v)s”.", v=row["producer_type"]))
        commune = _commune_for(row["commune"], index) if row["commune"] else default_commune
        if commune is None:
            if row["commune"]:
                errors.append(_("Unknown commune “%(v)s” (not in your area).", v=row["commune"]))
            else:
                errors.append(_("Commune is missing."))
        set_no = _product_set(row["product_set"]) if row["product_set"] else None
        if set_no is None:
            if row["product_set"]:
                errors.append(_("Unknown product set “%(v)s” (use its number 1–26).", v=row["product_set"]))
            else:
                errors.append(_("Product set is missing."))
        rows.append({
            "line": offset,
            "name": row["name"][:200],
            "producer": row["producer"][:200],
            "producer_type": ptype,
            "commune_id": commune.id if commune is not None else None,
            "commune": commune.name if commune is not None else row["commune"],
            "product_set_no": set_no,
            "product_set": catalog.product_sets()[set_no].name_vi if set_no else row["product_set"],
            "contact": row["contact"][:200],
            "errors": errors,
            "duplicate_of": None,
        })
    if not rows:
        raise UploadError(_("The file has a header row but no products under it."))
    _mark_duplicates(rows)
    return rows


def _mark_duplicates(rows: list[dict]) -> None:
    existing = existing_keys({r["commune_id"] for r in rows if r["commune_id"]})
    seen: dict[tuple, int] = {}
    for row in rows:
        if row["errors"]:
            continue
        key = (row["commune_id"], fold(row["name"]), fold(row["producer"]))
        if key in existing:
            row["duplicate_of"] = existing[key]
            row["errors"].append(_("Duplicate of an existing product (no. %(id)s).", id=existing[key]))
        elif key in seen:
            row["errors"].append(_("Same product as row %(line)s of this file.", line=seen[key]))
        else:
            seen[key] = row["line"]


KEEP_DAYS = 7


def new_batch(user, filename: str, rows: list[dict]) -> ImportBatch:
    """Keep parsed ``rows`` server-side under a new random token (nothing else is written).

    The user's uploads older than :data:`KEEP_DAYS` days are deleted (their products stay).
    """
    import datetime as dt

    from sqlalchemy import delete

    cutoff = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=KEEP_DAYS)
    db.session.execute(delete(ImportBatch).where(ImportBatch.user_id == user.id, ImportBatch.created_at < cutoff))
    batch = ImportBatch(token=secrets.token_urlsafe(24), user_id=user.id, filename=filename[:255],
                        rows=json.dumps(rows, ensure_ascii=False), total=len(rows), done=0, created=0,
                        skipped=0, state="preview")
    db.session.add(batch)
    db.session.flush()
    return batch


def run_batch(batch: ImportBatch, actor, communes, size: int = BATCH_SIZE) -> int:
    """Create the next ``size`` rows of ``batch``; return how many rows were processed (0 when none were left
    or another request claimed them first).

    Rows are claimed with a compare-and-set on ``done``, so two confirmations of one batch never
    create a row twice. Good rows become draft registrations at their commune (``operations.register``),
    finding the producer by name in the commune or creating it. A row that became a duplicate since the
    preview is skipped.
    """
    start = batch.done
    if start >= batch.total:
        return 0
    end = min(batch.total, start + size)
    claimed = db.session.execute(
        update(ImportBatch).where(ImportBatch.id == batch.id, ImportBatch.done == start)
        .values(done=end, state="running").execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        return 0
    rows = json.loads(batch.rows)[start:end]
    by_id = {c.id: c for c in communes}
    ids = {r["commune_id"] for r in rows if r["commune_id"] in by_id}
    existing = existing_keys(ids)
    producers: dict[tuple, Producer] = {}
    for p in db.session.scalars(select(Producer).where(Producer.unit_id.in_(list(ids)))) if ids else ():
        producers.setdefault((p.unit_id, fold(p.name)), p)
    created = skipped = 0
    for row in rows:
        commune = by_id.get(row["commune_id"])
        key = (row["commune_id"], fold(row["name"]), fold(row["producer"]))
        if row["errors"] or commune is None or key in existing:
            skipped += 1
            continue
        producer = producers.get((commune.id, fold(row["producer"])))
        if producer is None:
            producer = Producer(name=row["producer"], unit=commune, type=row["producer_type"],
                                contact=row["contact"])
            db.session.add(producer)
            producers[(commune.id, fold(row["producer"]))] = producer
        else:
            producer.type = producer.type or row["producer_type"]
            producer.contact = producer.contact or row["contact"]
        product = operations.register(
            name=row["name"], producer=producer, commune=commune, product_set_no=row["product_set_no"],
            branch=None, actor=actor, rule_set_code=None,
        )
        existing[key] = product.id
        created += 1
    db.session.execute(
        update(ImportBatch).where(ImportBatch.id == batch.id).values(
            created=ImportBatch.created + created, skipped=ImportBatch.skipped + skipped,
            state="finished" if end >= batch.total else "running",
        ).execution_options(synchronize_session=False)
    )
    db.session.flush()
    return end - start
