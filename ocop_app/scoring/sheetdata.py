"""OCOP score-sheet data: load the versioned score sheets and check their sums.

Pure Python, standard library only (no Flask, no database).

Where the rules come from
-------------------------
* ``qd26-2026``: Quyết định 26/2026/QĐ-TTg (22/05/2026), Phụ lục II "Bộ tiêu
  chí đánh giá sản phẩm OCOP (kiêm phiếu đánh giá sản phẩm OCOP)": 26 product
  sets, parts A 40 / B 25 / C 35 = 100 points.
* ``qd1048-2019``: Quyết định 1048/QĐ-TTg (21/08/2019), the sheet for
  "Chế biến từ rau, củ, quả, hạt": parts A 35 / B 25 / C 40 = 100 points.

Each data file in ``ocop_app/data/sheets/`` holds one version; its ``source``
field says where the text was copied from and what was repaired by hand.

File format (JSON, UTF-8, Vietnamese text in NFC)
-------------------------------------------------
::

    {"version": "qd26-2026", "decision": "...", "effective_from": "2026-05-22",
     "source": "...", "parts_max": {"A": 40, "B": 25, "C": 35},
     "sets": [{"no": 1, "name": "...", "branch": "..." | null, "group": "..." | null,
               "disqualify_if": ["..."], "notes": ["..."],
               "parts": [{"code": "A", "title": "...", "max_points": 40,
                          "groups": [{"code": "1", "title": "...", "max_points": 18,
                                      "notes": ["..."],
                                      "criteria": [{"code": "1.1", "title": "...",
                                                    "max_points": 3, "notes": ["..."],
                                                    "options": [{"label": "...",
                                                                 "points": 1,
                                                                 "min_stars": null}]}]}]}]}]}

Optional keys: set ``notes`` (editorial notes: repairs, doubts); group
``notes``; criterion ``printed_code`` and ``parent_title`` (a sub-criterion
such as "6.1.1" of "6.1 Ngoại hình" flattened to code "6.1a"); option
``case`` (the printed heading of an alternative block, e.g. "a. Trường hợp 1:
..."), ``synthesized`` (true when the decision prints no options for the
criterion and the option was supplied by us) and ``points_blank_in_source``
(true when the decision leaves the option's points blank; it is read as 0).

Points are in score-sheet points (int when whole, else float). ``min_stars``
is 3, 4 or 5 when the decision marks the option ``***``, ``****`` or
``*****`` (minimum requirement for that star level), else null.

The invariant checked by :func:`check_set`: every criterion is a single choice
among at least two options; criterion max = max option points; group max =
sum of its criteria maxima; part max = sum of its groups maxima = the
version's ``parts_max`` for that part; the parts add up to 100.
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

__all__ = [
    "SHEETS_DIR",
    "SheetDataError",
    "Option",
    "Criterion",
    "Group",
    "Part",
    "SheetSet",
    "SheetVersion",
    "load_version",
    "available_versions",
    "check_set",
    "check_version",
]

#: Directory holding one JSON file per rule version.
SHEETS_DIR: Path = Path(__file__).resolve().parent.parent / "data" / "sheets"

#: Allowed ``min_stars`` marks (``***``, ``****``, ``*****``).
VALID_MIN_STARS: frozenset[int] = frozenset({3, 4, 5})

#: Every decision's parts add up to this many points.
TOTAL_POINTS = 100

Number = int | float

_EPS = 1e-9


class SheetDataError(ValueError):
    """A sheet data file does not have the expected shape or types."""


# --------------------------------------------------------------------------
# Dataclasses
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One choice of a criterion.

    ``points`` are score-sheet points (>= 0). ``min_stars`` is 3/4/5 when the
    decision marks this option as the minimum for that star level, else None.
    """

    label: str
    points: Number
    min_stars: int | None = None
    case: str | None = None
    synthesized: bool = False
    points_blank_in_source: bool = False


@dataclass(frozen=True)
class Criterion:
    """A scored criterion: the evaluator picks exactly one of ``options``."""

    code: str
    title: str
    max_points: Number
    options: tuple[Option, ...]
    notes: tuple[str, ...] = ()
    printed_code: str | None = None
    parent_title: str | None = None

    @property
    def max_option_points(self) -> Number | None:
        """Highest option points, or None when there are no options."""
        return max((o.points for o in self.options), default=None)


@dataclass(frozen=True)
class Group:
    """A numbered group of criteria (e.g. "1. TỔ CHỨC SẢN XUẤT")."""

    code: str
    title: str
    max_points: Number
    criteria: tuple[Criterion, ...]
    notes: tuple[str, ...] = ()

    def criteria_sum(self) -> Number:
        """Sum of the criteria maxima (points)."""
        return _num(sum(c.max_points for c in self.criteria))


@dataclass(frozen=True)
class Part:
    """Part A, B or C of a score sheet."""

    code: str
    title: str
    max_points: Number
    groups: tuple[Group, ...]

    def groups_sum(self) -> Number:
        """Sum of the declared group maxima (points)."""
        return _num(sum(g.max_points for g in self.groups))

    def criteria_sum(self) -> Number:
        """Sum of all criteria maxima in the part (points)."""
        return _num(sum(g.criteria_sum() for g in self.groups))


@dataclass(frozen=True)
class SheetSet:
    """The score sheet of one product set (bộ sản phẩm)."""

    no: int
    name: str
    branch: str | None
    group: str | None
    disqualify_if: tuple[str, ...]
    parts: tuple[Part, ...]
    notes: tuple[str, ...] = ()

    def totals(self) -> dict[str, Number]:
        """Reachable maximum per part and in total, summed bottom-up.

        Returns ``{"A": 40, "B": 25, "C": 35, "total": 100}`` (points) for a
        correct QĐ 26/2026 sheet: each part's value is the sum of its criteria
        maxima, ``"total"`` the sum of the parts. Declared maxima are not used,
        so a wrong header cannot hide a wrong sum (see :func:`check_set`).
        """
        result: dict[str, Number] = {p.code: p.criteria_sum() for p in self.parts}
        result["total"] = _num(sum(result[p.code] for p in self.parts))
        return result

    def part(self, code: str) -> Part:
        """The part with ``code`` ("A", "B" or "C"); KeyError if absent."""
        for p in self.parts:
            if p.code == code:
                return p
        raise KeyError(code)

    def iter_criteria(self) -> Iterator[tuple[Part, Group, Criterion]]:
        """Yield ``(part, group, criterion)`` in sheet order."""
        for p in self.parts:
            for g in p.groups:
                for c in g.criteria:
                    yield p, g, c

    def criterion(self, code: str) -> Criterion:
        """The criterion with ``code`` (e.g. "2.4", "6.1a"); KeyError if absent."""
        for _, _, c in self.iter_criteria():
            if c.code == code:
                return c
        raise KeyError(code)


@dataclass(frozen=True)
class SheetVersion:
    """One rule version (one decision) with all its product-set sheets."""

    version: str
    decision: str
    effective_from: date
    source: str
    parts_max: Mapping[str, Number]
    sets: tuple[SheetSet, ...]
    path: Path | None = field(default=None, compare=False)

    def get_set(self, no: int) -> SheetSet:
        """The sheet of product set number ``no``; KeyError if absent."""
        for s in self.sets:
            if s.no == no:
                return s
        raise KeyError(no)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: Path | None = None) -> SheetVersion:
        """Build a version from the parsed JSON document.

        Raises :class:`SheetDataError` when a key is missing or unknown, or a
        value has the wrong type. Sums are not checked here (see
        :func:`check_version`).
        """
        return _version_from_dict(data, path)


# --------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------


def load_version(path: str | Path) -> SheetVersion:
    """Load one sheet data file (``ocop_app/data/sheets/<version>.json``).

    ``path`` is a file path. Returns a :class:`SheetVersion` whose
    ``effective_from`` is a :class:`datetime.date` and whose points are ints
    (floats only for fractional points). Shapes and types are validated; the
    sums are not (call :func:`check_version` or :func:`check_set`).

    Raises ``FileNotFoundError``/``OSError`` if the file cannot be read,
    ``json.JSONDecodeError`` (a ``ValueError``) for invalid JSON and
    :class:`SheetDataError` (a ``ValueError``) for a wrong shape.
    """
    p = Path(path)
    with p.open(encoding="utf-8") as fh:
        data = json.load(fh)
    return SheetVersion.from_dict(data, path=p)


def available_versions() -> list[Path]:
    """Paths of the sheet data files shipped in ``ocop_app/data/sheets``.

    Returns the ``*.json`` files sorted by name (e.g. ``qd1048-2019.json``,
    ``qd26-2026.json``); an empty list if the directory is missing. Which
    decision governs which evaluation round is decided elsewhere: QĐ 1048/2019
    (2019 - 02/2023, A35/B25/C40), QĐ 26/2026 (from 22/05/2026, A40/B25/C35).
    """
    if not SHEETS_DIR.is_dir():
        return []
    return sorted(p for p in SHEETS_DIR.glob("*.json") if p.is_file())


def check_set(sheet_set: SheetSet, parts_max: Mapping[str, Number]) -> list[str]:
    """Check the structure and sums of one product-set sheet.

    ``parts_max`` maps part code to the decision's maximum in points, e.g.
    ``{"A": 40, "B": 25, "C": 35}`` (QĐ 26/2026 Điều 3 / Phụ lục II) or
    ``{"A": 35, "B": 25, "C": 40}`` (QĐ 1048/2019).

    Returns human-readable problems (Vietnamese codes, English text), empty
    when everything checks: parts present exactly as in ``parts_max``; each
    part max equals ``parts_max`` and the sum of its group maxima; each group
    max equals the sum of its criteria maxima; each criterion has at least two
    options, unique code, max = highest option points; points are finite and
    non-negative; ``min_stars`` is None, 3, 4 or 5; the parts total 100.
    Never raises for bad values (they are reported).
    """
    problems: list[str] = []
    where = f"set {sheet_set.no}"

    codes = [p.code for p in sheet_set.parts]
    if sorted(codes) != sorted(parts_max):
        problems.append(
            f"{where}: parts {codes} do not match the decision's parts {sorted(parts_max)}"
        )
    if len(set(codes)) != len(codes):
        problems.append(f"{where}: duplicate part codes {codes}")

    seen_criteria: set[str] = set()
    seen_groups: set[str] = set()
    for part in sheet_set.parts:
        pw = f"{where} part {part.code}"
        if not _is_points(part.max_points):
            problems.append(f"{pw}: max_points {part.max_points!r} is not a number >= 0")
            continue
        want = parts_max.get(part.code)
        if want is not None and not _eq(part.max_points, want):
            problems.append(
                f"{pw}: max {_fmt(part.max_points)} != decision's {_fmt(want)}"
            )
        if not part.groups:
            problems.append(f"{pw}: has no groups")
        group_total: Number = 0
        for grp in part.groups:
            gw = f"{where} group {grp.code}"
            if grp.code in seen_groups:
                problems.append(f"{gw}: duplicate group code")
            seen_groups.add(grp.code)
            if not _is_points(grp.max_points):
                problems.append(f"{gw}: max_points {grp.max_points!r} is not a number >= 0")
                continue
            group_total += grp.max_points
            if not grp.criteria:
                problems.append(f"{gw}: has no criteria")
            crit_total: Number = 0
            for crit in grp.criteria:
                cw = f"{where} criterion {crit.code}"
                if crit.code in seen_criteria:
                    problems.append(f"{cw}: duplicate criterion code")
                seen_criteria.add(crit.code)
                if not _is_points(crit.max_points):
                    problems.append(
                        f"{cw}: max_points {crit.max_points!r} is not a number >= 0"
                    )
                    continue
                crit_total += crit.max_points
                problems.extend(_check_options(cw, crit))
            if not _eq(crit_total, grp.max_points):
                problems.append(
                    f"{gw}: criteria sum {_fmt(crit_total)} != group max {_fmt(grp.max_points)}"
                )
        if not _eq(group_total, part.max_points):
            problems.append(
                f"{pw}: groups sum {_fmt(group_total)} != part max {_fmt(part.max_points)}"
            )

    declared = [p.max_points for p in sheet_set.parts if _is_points(p.max_points)]
    if not _eq(sum(declared), TOTAL_POINTS):
        problems.append(f"{where}: parts total {_fmt(sum(declared))} != {TOTAL_POINTS}")
    if not _eq(sum(parts_max.values()), TOTAL_POINTS):
        problems.append(
            f"{where}: decision's parts_max total {_fmt(sum(parts_max.values()))} != {TOTAL_POINTS}"
        )
    return problems


def check_version(version: SheetVersion) -> dict[int, list[str]]:
    """Run :func:`check_set` on every set of ``version``.

    Returns ``{set_no: [problems]}`` with an entry for every set (empty list
    when the set checks). Duplicate set numbers are reported under the
    duplicated number.
    """
    result: dict[int, list[str]] = {}
    for s in version.sets:
        problems = check_set(s, version.parts_max)
        if s.no in result:
            result[s.no].append(f"set {s.no}: duplicate set number")
            result[s.no].extend(problems)
        else:
            result[s.no] = problems
    return result


# --------------------------------------------------------------------------
# Internals
# --------------------------------------------------------------------------


def _check_options(where: str, crit: Criterion) -> list[str]:
    problems: list[str] = []
    if len(crit.options) < 2:
        problems.append(f"{where}: has {len(crit.options)} option(s), needs at least 2")
    labels: set[tuple[str | None, str]] = set()
    best: Number | None = None
    for i, opt in enumerate(crit.options, 1):
        ow = f"{where} option {i}"
        if not _is_points(opt.points):
            problems.append(f"{ow}: points {opt.points!r} is not a number >= 0")
        else:
            best = opt.points if best is None else max(best, opt.points)
        if opt.min_stars is not None and opt.min_stars not in VALID_MIN_STARS:
            problems.append(f"{ow}: min_stars {opt.min_stars!r} not in None/3/4/5")
        if not isinstance(opt.label, str) or not opt.label.strip():
            problems.append(f"{ow}: empty label")
        key = (opt.case, opt.label)
        if key in labels:
            problems.append(f"{ow}: duplicate label {opt.label!r}")
        labels.add(key)
    if best is not None and not _eq(best, crit.max_points):
        problems.append(
            f"{where}: max option points {_fmt(best)} != criterion max {_fmt(crit.max_points)}"
        )
    return problems


def _is_points(x: object) -> bool:
    return (
        isinstance(x, (int, float))
        and not isinstance(x, bool)
        and math.isfinite(x)
        and x >= 0
    )


def _eq(a: Number, b: Number) -> bool:
    return abs(a - b) < _EPS


def _num(x: Number) -> Number:
    """int when whole, else float."""
    if isinstance(x, float) and x.is_integer():
        return int(x)
    return x


def _fmt(x: object) -> str:
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


_VERSION_KEYS = {"version", "decision", "effective_from", "source", "parts_max", "sets"}
_SET_KEYS = {"no", "name", "branch", "group", "disqualify_if", "parts"}
_SET_OPT = {"notes"}
_PART_KEYS = {"code", "title", "max_points", "groups"}
_GROUP_KEYS = {"code", "title", "max_points", "criteria"}
_GROUP_OPT = {"notes"}
_CRIT_KEYS = {"code", "title", "max_points", "options"}
_CRIT_OPT = {"notes", "printed_code", "parent_title"}
_OPT_KEYS = {"label", "points", "min_stars"}
_OPT_OPT = {"case", "synthesized", "points_blank_in_source"}


def _keys(obj: Any, required: set[str], optional: set[str], where: str) -> Mapping[str, Any]:
    if not isinstance(obj, Mapping):
        raise SheetDataError(f"{where}: expected an object, got {type(obj).__name__}")
    missing = required - obj.keys()
    if missing:
        raise SheetDataError(f"{where}: missing key(s) {sorted(missing)}")
    unknown = obj.keys() - required - optional
    if unknown:
        raise SheetDataError(f"{where}: unknown key(s) {sorted(unknown)}")
    return obj


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise SheetDataError(f"{where}: expected a string, got {value!r}")
    return unicodedata.normalize("NFC", value)


def _opt_str(value: Any, where: str) -> str | None:
    return None if value is None else _str(value, where)


def _strs(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise SheetDataError(f"{where}: expected a list of strings")
    return tuple(_str(v, f"{where}[{i}]") for i, v in enumerate(value))


def _number(value: Any, where: str) -> Number:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SheetDataError(f"{where}: expected a number, got {value!r}")
    return _num(value)


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise SheetDataError(f"{where}: expected a list")
    return value


def _option_from_dict(d: Any, where: str) -> Option:
    d = _keys(d, _OPT_KEYS, _OPT_OPT, where)
    stars = d["min_stars"]
    if stars is not None and (isinstance(stars, bool) or not isinstance(stars, int)):
        raise SheetDataError(f"{where}: min_stars must be an int or null, got {stars!r}")
    for flag in ("synthesized", "points_blank_in_source"):
        if flag in d and not isinstance(d[flag], bool):
            raise SheetDataError(f"{where}: {flag} must be true/false")
    return Option(
        label=_str(d["label"], f"{where}.label"),
        points=_number(d["points"], f"{where}.points"),
        min_stars=stars,
        case=_opt_str(d.get("case"), f"{where}.case"),
        synthesized=d.get("synthesized", False),
        points_blank_in_source=d.get("points_blank_in_source", False),
    )


def _criterion_from_dict(d: Any, where: str) -> Criterion:
    d = _keys(d, _CRIT_KEYS, _CRIT_OPT, where)
    code = _str(d["code"], f"{where}.code")
    w = f"{where}[{code}]"
    return Criterion(
        code=code,
        title=_str(d["title"], f"{w}.title"),
        max_points=_number(d["max_points"], f"{w}.max_points"),
        options=tuple(
            _option_from_dict(o, f"{w}.options[{i}]")
            for i, o in enumerate(_list(d["options"], f"{w}.options"))
        ),
        notes=_strs(d.get("notes", []), f"{w}.notes"),
        printed_code=_opt_str(d.get("printed_code"), f"{w}.printed_code"),
        parent_title=_opt_str(d.get("parent_title"), f"{w}.parent_title"),
    )


def _group_from_dict(d: Any, where: str) -> Group:
    d = _keys(d, _GROUP_KEYS, _GROUP_OPT, where)
    code = _str(d["code"], f"{where}.code")
    w = f"{where}[{code}]"
    return Group(
        code=code,
        title=_str(d["title"], f"{w}.title"),
        max_points=_number(d["max_points"], f"{w}.max_points"),
        criteria=tuple(
            _criterion_from_dict(c, f"{w}.criteria[{i}]")
            for i, c in enumerate(_list(d["criteria"], f"{w}.criteria"))
        ),
        notes=_strs(d.get("notes", []), f"{w}.notes"),
    )


def _part_from_dict(d: Any, where: str) -> Part:
    d = _keys(d, _PART_KEYS, set(), where)
    code = _str(d["code"], f"{where}.code")
    w = f"{where}[{code}]"
    return Part(
        code=code,
        title=_str(d["title"], f"{w}.title"),
        max_points=_number(d["max_points"], f"{w}.max_points"),
        groups=tuple(
            _group_from_dict(g, f"{w}.groups[{i}]")
            for i, g in enumerate(_list(d["groups"], f"{w}.groups"))
        ),
    )


def _set_from_dict(d: Any, where: str) -> SheetSet:
    d = _keys(d, _SET_KEYS, _SET_OPT, where)
    no = d["no"]
    if isinstance(no, bool) or not isinstance(no, int):
        raise SheetDataError(f"{where}.no: expected an int, got {no!r}")
    w = f"set {no}"
    return SheetSet(
        no=no,
        name=_str(d["name"], f"{w}.name"),
        branch=_opt_str(d["branch"], f"{w}.branch"),
        group=_opt_str(d["group"], f"{w}.group"),
        disqualify_if=_strs(d["disqualify_if"], f"{w}.disqualify_if"),
        parts=tuple(
            _part_from_dict(p, f"{w}.parts[{i}]")
            for i, p in enumerate(_list(d["parts"], f"{w}.parts"))
        ),
        notes=_strs(d.get("notes", []), f"{w}.notes"),
    )


def _version_from_dict(data: Any, path: Path | None) -> SheetVersion:
    where = str(path) if path is not None else "sheet data"
    d = _keys(data, _VERSION_KEYS, set(), where)
    try:
        effective = date.fromisoformat(_str(d["effective_from"], f"{where}.effective_from"))
    except ValueError as exc:
        raise SheetDataError(f"{where}.effective_from: {exc}") from exc
    pm = d["parts_max"]
    if not isinstance(pm, Mapping) or not pm:
        raise SheetDataError(f"{where}.parts_max: expected a non-empty object")
    parts_max = {str(k): _number(v, f"{where}.parts_max.{k}") for k, v in pm.items()}
    return SheetVersion(
        version=_str(d["version"], f"{where}.version"),
        decision=_str(d["decision"], f"{where}.decision"),
        effective_from=effective,
        source=_str(d["source"], f"{where}.source"),
        parts_max=parts_max,
        sets=tuple(
            _set_from_dict(s, f"{where}.sets[{i}]")
            for i, s in enumerate(_list(d["sets"], f"{where}.sets"))
        ),
        path=path,
    )
