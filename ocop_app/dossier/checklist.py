"""The dossier checklist and the upgrade actions, as data.

Dossier items follow QĐ 26/2026/QĐ-TTg, Điều 6 (hồ sơ đề nghị đánh giá,
phân hạng sản phẩm OCOP): form 01 registration, form 02 self-assessment,
business registration, quality declaration, food-safety facility
certificate and lab test report (food, beverages, medicinal herbs), IP
papers, label and packaging photos, quality-system certificates,
raw-material contracts. Which items are *required* for which branch of
Phụ lục I (food, beverage, herbal, handicraft, ornamental, tourism) is our
reading of Điều 6 and of the knock-out rule of every score sheet ("không
tuân thủ đầy đủ các quy định về giấy chứng nhận cơ sở đủ điều kiện an toàn
thực phẩm"): the food-safety certificate and the lab test report are
required for branches I–III only; label and packaging photos are not asked
of tourism services; IP papers, quality-system certificates and raw-material
contracts earn points but are optional.

Upgrade actions are the support list of QĐ 490/QĐ-TTg (2018), step 4, as
written in the district's plan (issue 4).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

ALL_BRANCHES = frozenset({"food", "beverage", "herbal", "handicraft", "ornamental", "tourism"})
FOOD_LIKE = frozenset({"food", "beverage", "herbal"})


@dataclass(frozen=True)
class ItemKind:
    """One kind of paper in the dossier; ``required_for`` lists branch codes."""

    code: str
    label: object
    required_for: frozenset[str]
    has_dates: bool = False

    def required(self, branch: str | None) -> bool:
        return branch in self.required_for


ITEMS: tuple[ItemKind, ...] = (
    ItemKind("registration_form", _l("Registration form (form 01)"), ALL_BRANCHES),
    ItemKind("self_assessment", _l("Self-assessment (form 02)"), ALL_BRANCHES),
    ItemKind("business_registration", _l("Business registration"), ALL_BRANCHES, has_dates=True),
    ItemKind("quality_declaration", _l("Quality declaration (tự công bố chất lượng)"),
             frozenset({"food", "beverage", "herbal", "handicraft"}), has_dates=True),
    ItemKind("food_safety_certificate", _l("Food-safety facility certificate"), FOOD_LIKE, has_dates=True),
    ItemKind("lab_test_report", _l("Lab test report (phiếu kết quả kiểm nghiệm)"), FOOD_LIKE, has_dates=True),
    ItemKind("ip_papers", _l("Intellectual property papers (trademark application or registration)"),
             frozenset(), has_dates=True),
    ItemKind("label_photos", _l("Label and packaging photos"), ALL_BRANCHES - {"tourism"}),
    ItemKind("quality_system_certificates", _l("Quality-system certificates (VietGAP, GMP, HACCP, ISO, organic…)"),
             frozenset(), has_dates=True),
    ItemKind("raw_material_contracts", _l("Raw-material contracts"), frozenset(), has_dates=True),
)
ITEMS_BY_CODE = {i.code: i for i in ITEMS}


def checklist_for(branch: str | None) -> list[tuple[ItemKind, bool]]:
    """``[(item kind, required?)]`` in the order of Điều 6 for a product of ``branch``."""
    return [(item, item.required(branch)) for item in ITEMS]


#: Upgrade action kinds (code → label), in the order of the district's plan.
ACTION_KINDS = {
    "equipment": _l("Equipment"),
    "label_design": _l("Label design"),
    "packaging_design": _l("Packaging design"),
    "trademark": _l("Trademark registration"),
    "business_plan": _l("Business plan"),
    "credit": _l("Access to credit"),
    "quality_gmp": _l("Quality system: GMP"),
    "quality_ssop": _l("Quality system: SSOP"),
    "quality_haccp": _l("Quality system: HACCP"),
    "quality_iso": _l("Quality system: ISO"),
    "quality_vietgap": _l("Quality system: VietGAP"),
    "quality_organic": _l("Quality system: organic"),
    "lab_analysis": _l("Lab analysis"),
    "other": _l("Other"),
}

#: Action status code → label. "dropped" needs a reason.
ACTION_STATUSES = {
    "planned": _l("Planned"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
    "dropped": _l("Dropped"),
}

FUNDING = {"state": _l("State support"), "own": _l("Own funds")}
