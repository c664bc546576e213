"""Load the official score sheets into the database, and check what is loaded.

The data files (``ocop_app/data/sheets/<version>.json``, read and validated by
:mod:`ocop_app.scoring.sheetdata`) are the source; the tables of
:mod:`ocop_app.models.evaluation` are what rounds use. Loading is idempotent
(a version whose file is unchanged is skipped) and safe: a version that a
round has used is never changed — a changed file for it is refused with
:class:`SheetVersionLocked`; ship the change as a new version file instead.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from ..extensions import db
from ..models import (Criterion, CriterionOption, EvaluationRound, SheetGroup, SheetPart, SheetSet, SheetVersion)
from ..scoring import sheetdata


class SheetVersionLocked(Exception):
    """A data file changed for a sheet version that a round has already used."""


class SheetDataInvalid(Exception):
    """A data file's sums or shape are wrong; nothing of it was loaded."""


def content_hash(data: dict) -> str:
    """SHA-256 (hex) of a sheet data document in canonical JSON form."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _dec(x) -> Decimal:
    return Decimal(str(x))


def _build(version: sheetdata.SheetVersion, digest: str) -> SheetVersion:
    row = SheetVersion(
        code=version.version, decision=version.decision, effective_from=version.effective_from,
        source=version.source, parts_max=dict(version.parts_max), content_hash=digest,
    )
    for s in version.sets:
        sheet_set = SheetSet(no=s.no, name=s.name, branch=s.branch, group=s.group,
                             disqualify_if=list(s.disqualify_if), notes=list(s.notes))
        for pi, p in enumerate(s.parts):
            part = SheetPart(position=pi, code=p.code, title=p.title, max_points=_dec(p.max_points))
            for gi, g in enumerate(p.groups):
                group = SheetGroup(position=gi, code=g.code, title=g.title, max_points=_dec(g.max_points),
                                   notes=list(g.notes))
                for ci, c in enumerate(g.criteria):
                    criterion = Criterion(position=ci, code=c.code, printed_code=c.printed_code,
                                          parent_title=c.parent_title, title=c.title,
                                          max_points=_dec(c.max_points), notes=list(c.notes))
                    for oi, o in enumerate(c.options):
                        criterion.options.append(CriterionOption(
                            position=oi, label=o.label, points=_dec(o.points), min_stars=o.min_stars, case=o.case,
                        ))
                    group.criteria.append(criterion)
                part.groups.append(group)
            sheet_set.parts.append(part)
        row.sets.append(sheet_set)
    return row


def version_in_use(version: SheetVersion) -> bool:
    """Whether any evaluation round uses ``version``."""
    return db.session.scalar(
        select(EvaluationRound.id).where(EvaluationRound.sheet_version_id == version.id).limit(1)
    ) is not None


def load_file(path: Path) -> str:
    """Load one data file; return ``"loaded"``, ``"replaced"`` or ``"unchanged"``. Flushes.

    :raises SheetDataInvalid: the file's sums or shape are wrong (nothing loaded).
    :raises SheetVersionLocked: the file differs from a version a round has used.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    try:
        parsed = sheetdata.SheetVersion.from_dict(data, path=Path(path))
    except sheetdata.SheetDataError as exc:
        raise SheetDataInvalid(f"{path}: {exc}") from exc
    problems = [p for ps in sheetdata.check_version(parsed).values() for p in ps]
    if problems:
        raise SheetDataInvalid(f"{path}: " + "; ".join(problems[:5]))
    digest = content_hash(data)
    existing = db.session.scalars(select(SheetVersion).where(SheetVersion.code == parsed.version)).first()
    if existing is not None:
        if existing.content_hash == digest:
            return "unchanged"
        if version_in_use(existing):
            raise SheetVersionLocked(
                f"sheet version {parsed.version} is used by an evaluation round and cannot change; "
                f"publish the corrected sheets under a new version code"
            )
        db.session.delete(existing)
        db.session.flush()
    db.session.add(_build(parsed, digest))
    db.session.flush()
    return "replaced" if existing is not None else "loaded"


def load_all(paths: list[Path] | None = None) -> dict[str, str]:
    """Load every shipped sheet file (``sheetdata.available_versions()``); ``{file name: outcome}``.

    Does not commit. Raises as :func:`load_file` does.
    """
    return {Path(p).name: load_file(p) for p in (paths or sheetdata.available_versions())}


def ensure_loaded() -> None:
    """Load the shipped sheets if any is missing or changed (and unused). Flushes, does not commit."""
    load_all()


def to_sheetdata(version: SheetVersion) -> sheetdata.SheetVersion:
    """Rebuild the loaded rows as :class:`sheetdata.SheetVersion`, so the same checks run on the database."""

    def num(d: Decimal):
        return int(d) if d == d.to_integral_value() else float(d)

    sets = []
    for s in version.sets:
        parts = []
        for p in s.parts:
            groups = []
            for g in p.groups:
                criteria = tuple(
                    sheetdata.Criterion(
                        code=c.code, title=c.title, max_points=num(c.max_points),
                        options=tuple(sheetdata.Option(label=o.label, points=num(o.points), min_stars=o.min_stars,
                                                       case=o.case) for o in c.options),
                        printed_code=c.printed_code, parent_title=c.parent_title,
                    )
                    for c in g.criteria
                )
                groups.append(sheetdata.Group(code=g.code, title=g.title, max_points=num(g.max_points),
                                              criteria=criteria))
            parts.append(sheetdata.Part(code=p.code, title=p.title, max_points=num(p.max_points),
                                        groups=tuple(groups)))
        sets.append(sheetdata.SheetSet(no=s.no, name=s.name, branch=s.branch, group=s.group,
                                       disqualify_if=tuple(s.disqualify_if), parts=tuple(parts)))
    return sheetdata.SheetVersion(
        version=version.code, decision=version.decision, effective_from=version.effective_from,
        source=version.source, parts_max={k: num(_dec(v)) for k, v in version.parts_max.items()}, sets=tuple(sets),
    )


@dataclass(frozen=True)
class CheckLine:
    """One line of ``sheets check``: a set of a version with its part sums (points)."""

    version: str
    set_no: int
    name: str
    parts: dict
    total: object
    problems: tuple[str, ...]

    def __str__(self) -> str:
        sums = " ".join(f"{code}={value}" for code, value in self.parts.items())
        verdict = "OK" if not self.problems else "FAIL: " + "; ".join(self.problems)
        return f"{self.version} set {self.set_no:>2} {sums} total={self.total} {verdict} — {self.name}"


def check_loaded() -> list[CheckLine]:
    """Check every loaded version with :func:`sheetdata.check_set`: one :class:`CheckLine` per set."""
    lines = []
    versions = db.session.scalars(select(SheetVersion).order_by(SheetVersion.effective_from)).all()
    for row in versions:
        version = to_sheetdata(row)
        for s in version.sets:
            totals = s.totals()
            problems = sheetdata.check_set(s, version.parts_max)
            if totals["total"] != sheetdata.TOTAL_POINTS and not problems:
                problems.append(f"total {totals['total']} != {sheetdata.TOTAL_POINTS}")
            lines.append(CheckLine(version.version, s.no, s.name, {k: v for k, v in totals.items() if k != "total"},
                                   totals["total"], tuple(problems)))
    return lines
