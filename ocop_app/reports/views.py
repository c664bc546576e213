"""Reports: the dashboard, Excel import and export, and printable documents (PDF)."""

from __future__ import annotations

import datetime as dt
import json

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import workflow
from ..extensions import db
from ..models import Certificate, ImportBatch, Plan, Product, StageEvent
from ..permissions import STAFF, access, get_product_or_404, product_scope, roles
from ..plans import operations as plan_ops
from ..products.operations import local_today
from ..products.views import communes_in_scope, filtered_products
from ..rendering import is_htmx, redirect_to, render
from ..workflow import Level, Role, Stage, Status
from . import charts, dashboard, exports, importer, pdf
from .forms import ImportForm, QuarterForm
from .xlsx import workbook_bytes, xlsx_response

bp = Blueprint("reports", __name__)

IMPORTERS = (Role.COMMUNE_STAFF, Role.DISTRICT_STAFF)


def _today_text() -> str:
    return local_today().strftime("%d/%m/%Y")


# --------------------------------------------------------------------------
# Dashboard
# --------------------------------------------------------------------------


@bp.get("/")
@access(STAFF)
def dashboard_page():
    data = dashboard.summary(current_user)
    stages = list(Stage)
    stage_bars = charts.hbars(
        [(str(s.label), sum(data["by_stage_status"][s.value].values())) for s in stages],
        _("Products per stage"))
    commune_chart = charts.stacked(
        [(name, [counts.get(s.value, 0) for s in stages]) for name, counts in data["by_commune"][:30]],
        [str(s.label) for s in stages], _("Products per commune and stage"))
    branch_chart = charts.stacked(
        [(label, [counts.get(s.value, 0) for s in stages]) for label, counts in data["by_branch"]],
        [str(s.label) for s in stages], _("Products per product group and stage"))
    star_levels = [3, 4, 5]
    years_chart = charts.stacked(
        [(str(year), [counts.get(n, 0) for n in star_levels]) for year, counts in data["stars_by_year"]],
        [_("%(n)s stars", n=n) for n in star_levels], _("Stars obtained per year"))
    return render("reports/dashboard.html", data=data, stages=stages, statuses=list(Status),
                  stage_bars=stage_bars, commune_chart=commune_chart, branch_chart=branch_chart,
                  years_chart=years_chart, star_levels=star_levels)


# --------------------------------------------------------------------------
# Exports
# --------------------------------------------------------------------------


@bp.get("/products.xlsx")
@access(STAFF)
def products_xlsx():
    form, stmt = filtered_products(request.args, current_user)
    stmt = stmt.options(selectinload(Product.commune), selectinload(Product.district), selectinload(Product.city))
    products = db.session.scalars(stmt).unique().all()
    shown = [f"{f.label.text}: {dict(f.choices).get(f.data, f.data) if hasattr(f, 'choices') else f.data}"
             for f in (form.q, form.stage, form.status, form.commune, form.branch, form.reached, form.ranked_at)
             if f.data]
    subtitle = _("Exported on %(date)s", date=_today_text())
    if shown:
        subtitle += " · " + _("Filters") + ": " + "; ".join(shown)
    data = workbook_bytes(_("OCOP products"), exports.staff_columns(), products, subtitle=subtitle)
    return xlsx_response(data, f"san-pham-ocop-{local_today().isoformat()}.xlsx")


# --------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------


def _import_communes():
    return communes_in_scope(current_user)


def _default_commune():
    return current_user.unit if current_user.role == Role.COMMUNE_STAFF else None


def _batch_or_404(token: str) -> ImportBatch:
    batch = db.session.scalars(
        select(ImportBatch).where(ImportBatch.token == token, ImportBatch.user_id == current_user.id)
    ).first()
    if batch is None:
        abort(404)
    return batch


@bp.route("/import", methods=["GET", "POST"])
@access(roles(*IMPORTERS))
def import_upload():
    form = ImportForm()
    error = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            rows = importer.parse(upload.read(), upload.filename or "", _import_communes(), _default_commune())
        except importer.UploadError as exc:
            error = exc.message
        else:
            batch = importer.new_batch(current_user, upload.filename or "", rows)
            db.session.commit()
            return redirect_to(url_for("reports.import_preview", token=batch.token))
    status = 422 if form.is_submitted() else 200
    return render("reports/import.html", "reports/_import_form.html", status=status, form=form, error=error)


def _preview_context(batch: ImportBatch) -> dict:
    rows = json.loads(batch.rows)
    good = sum(1 for r in rows if not r["errors"])
    from ..models import ProducerType

    return {"batch": batch, "rows": rows, "good": good, "bad": len(rows) - good,
            "ptypes": {t.value: t.label for t in ProducerType},
            "percent": round(100 * batch.done / batch.total) if batch.total else 100}


@bp.get("/import/<token>")
@access(roles(*IMPORTERS))
def import_preview(token: str):
    batch = _batch_or_404(token)
    return render("reports/import_preview.html", "reports/_import_panel.html", **_preview_context(batch))


@bp.post("/import/<token>/run")
@access(roles(*IMPORTERS))
def import_run(token: str):
    """Confirm: with htmx, one chunk per request (the panel polls the next); without JS, every chunk."""
    batch = _batch_or_404(token)
    communes = _import_communes()
    if is_htmx():
        importer.run_batch(batch, current_user, communes)
        db.session.commit()
        db.session.refresh(batch)
        return render("reports/import_preview.html", "reports/_import_panel.html", **_preview_context(batch))
    while batch.done < batch.total:
        if not importer.run_batch(batch, current_user, communes):
            break
        db.session.commit()
        db.session.refresh(batch)
    db.session.commit()
    db.session.refresh(batch)
    flash(_("Import finished: %(created)s products created, %(skipped)s rows skipped.",
            created=batch.created, skipped=batch.skipped), "success")
    return redirect_to(url_for("reports.import_preview", token=batch.token))


@bp.get("/import/template.xlsx")
@access(roles(*IMPORTERS))
def import_template():
    """An empty spreadsheet in the import layout, with one example row."""
    from .xlsx import Column

    headers = ["Tên sản phẩm", "Chủ thể", "Loại hình chủ thể", "Xã", "Bộ sản phẩm", "Liên hệ"]
    example = ["Chè búp khô", "HTX Chè Tân Cương", "Hợp tác xã",
               current_user.unit.name if current_user.role == Role.COMMUNE_STAFF else "Thạch Xá", "7",
               "0912 345 678"]
    columns = [Column(h, lambda row, i=i: row[i], width=24) for i, h in enumerate(headers)]
    data = workbook_bytes("Danh sách đăng ký sản phẩm OCOP", columns, [example],
                          subtitle="Bộ sản phẩm: số 1–26 theo QĐ 26/2026/QĐ-TTg, Phụ lục I")
    return xlsx_response(data, "mau-dang-ky-ocop.xlsx")


# --------------------------------------------------------------------------
# Documents (PDF)
# --------------------------------------------------------------------------


def _decisions():
    """Decisions recognising stars within the user's scope: ``[(decision_no, count, last signed_on)]``."""
    return db.session.execute(
        select(Certificate.decision_no, func.count(), func.max(Certificate.signed_on))
        .join(Product, Certificate.product_id == Product.id)
        .where(product_scope(current_user))
        .group_by(Certificate.decision_no)
        .order_by(func.max(Certificate.signed_on).desc(), Certificate.decision_no)
    ).all()


@bp.get("/documents")
@access(STAFF)
def documents():
    form = QuarterForm(request.args)
    if not request.args:
        today = local_today()
        form.year.data, form.quarter.data = today.year, str((today.month - 1) // 3 + 1)
    return render("reports/documents.html", decisions=_decisions(), form=form)


def _annex_certificates(decision: str) -> list[Certificate]:
    certificates = db.session.scalars(
        select(Certificate).join(Product, Certificate.product_id == Product.id)
        .where(Certificate.decision_no == decision, product_scope(current_user))
        .order_by(Certificate.stars.desc(), Product.name, Certificate.id)
    ).all()
    if not certificates:
        abort(404)
    return certificates


@bp.get("/annex.pdf")
@access(STAFF)
def annex_pdf():
    decision = request.args.get("decision", "")
    certificates = _annex_certificates(decision)
    data = pdf.render_pdf("reports/pdf/annex.html", decision=decision, certificates=certificates,
                          today=local_today())
    return pdf_response_named(data, "phu-luc-danh-sach-san-pham-ocop.pdf")


@bp.get("/annex.xlsx")
@access(STAFF)
def annex_xlsx():
    from .xlsx import Column

    decision = request.args.get("decision", "")
    certificates = _annex_certificates(decision)
    index = {c.id: n for n, c in enumerate(certificates, start=1)}
    columns = [
        Column(_("No."), lambda c: index[c.id], kind="int", width=6),
        Column(_("Product"), lambda c: c.product.name, width=40),
        Column(_("Producer"), lambda c: c.product.producer.name, width=34),
        Column(_("Address"), lambda c: ", ".join(u.display_name for u in (c.product.commune, c.product.district,
                                                                           c.product.city) if u), width=40),
        Column(_("Product set"), lambda c: c.product.product_set.name_vi if c.product.product_set else "", width=30),
        Column(_("Score"), lambda c: c.product.score, kind="decimal", width=8),
        Column(_("Stars"), lambda c: c.stars, kind="int", width=8),
        Column(_("Certificate number"), lambda c: c.number, width=18),
        Column(_("Valid until"), lambda c: c.valid_until, kind="date", width=12),
    ]
    with force_locale("vi"):  # an official annex, in Vietnamese
        data = workbook_bytes("Danh sách sản phẩm được công nhận đạt sao OCOP", columns, certificates,
                              subtitle=_("Attached to %(decision)s", decision=decision))
    return xlsx_response(data, "phu-luc-danh-sach-san-pham-ocop.xlsx")


def pdf_response_named(data: bytes, filename: str):
    return pdf.pdf_response(data, filename)


@bp.get("/quarterly.pdf")
@access(STAFF)
def quarterly_pdf():
    form = QuarterForm(request.args)
    if not form.validate():
        abort(400, description=_("Choose a year and a quarter."))
    year, quarter = form.year.data, int(form.quarter.data)
    start, end = pdf.quarter_range(year, quarter)
    start_at = dt.datetime.combine(start, dt.time.min, tzinfo=dt.timezone.utc)
    end_at = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.timezone.utc)
    steps = dict(db.session.execute(
        select(StageEvent.action, func.count())
        .join(Product, StageEvent.product_id == Product.id)
        .where(product_scope(current_user), StageEvent.at >= start_at, StageEvent.at < end_at)
        .group_by(StageEvent.action)
    ).all())
    step_rows = [(workflow.BY_NAME[name].label if name in workflow.BY_NAME else
                  {"create": _l("Registered (new product)"), "edit": _l("Details edited"),
                   "import": _l("Loaded from published records")}.get(name, name), n)
                 for name, n in sorted(steps.items(), key=lambda kv: -kv[1])]
    data = dashboard.summary(current_user)
    ranked = db.session.scalars(
        select(Product).where(product_scope(current_user), Product.stage == Stage.RANKED.value,
                              Product.ranked_on >= start, Product.ranked_on <= end)
        .order_by(Product.stars.desc(), Product.name)
    ).all()
    plans = []
    if current_user.unit_id is not None:
        for plan in db.session.scalars(select(Plan).where(
                Plan.unit_id == current_user.unit_id, Plan.year_from <= year, Plan.year_to >= year)):
            plans.append((plan, plan_ops.progress(plan)))
    roman = {1: "I", 2: "II", 3: "III", 4: "IV"}[quarter]
    with force_locale("vi"):
        stage_chart = charts.hbars([(s.label, sum(data["by_stage_status"][s.value].values())) for s in Stage],
                                   _("Products per stage"))
    body = pdf.render_pdf(
        "reports/pdf/quarterly.html", year=year, quarter=roman, start=start, end=end, steps=step_rows,
        data=data, stages=list(Stage), ranked=ranked, plans=plans, today=local_today(),
        unit=current_user.unit, stage_chart=stage_chart)
    return pdf.pdf_response(body, f"bao-cao-ocop-quy-{quarter}-{year}.pdf")


@bp.get("/certificates/<int:certificate_id>.pdf")
@access(STAFF)
def certificate_pdf(certificate_id: int):
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        abort(404)
    product = get_product_or_404(certificate.product_id, current_user)
    url = pdf.public_url("public.product", product_id=product.id)
    body = pdf.render_pdf("reports/pdf/certificate.html", c=certificate, product=product, url=url,
                          qr=pdf.qr_data_uri(url), status=certificate.status_on(local_today()),
                          level=Level(certificate.issued_by))
    return pdf.pdf_response(body, f"giay-chung-nhan-{certificate.number}.pdf")
