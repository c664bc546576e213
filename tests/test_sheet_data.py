"""Tests for the OCOP score-sheet data (ocop_app/data/sheets) and its loader.

Rules under test: QĐ 26/2026/QĐ-TTg Phụ lục II (26 product sets, parts
A 40 / B 25 / C 35) and QĐ 1048/QĐ-TTg (2019; A 35 / B 25 / C 40).

Only project files are read.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import unicodedata
from pathlib import Path

import pytest

from ocop_app.scoring import sheetdata

ROOT = Path(__file__).resolve().parent.parent
SHEETS = ROOT / "ocop_app" / "data" / "sheets"
QD26 = SHEETS / "qd26-2026.json"
QD1048 = SHEETS / "qd1048-2019.json"

sd = sheetdata

QD26_PARTS = {"A": 40, "B": 25, "C": 35}
QD1048_PARTS = {"A": 35, "B": 25, "C": 40}


@pytest.fixture(scope="module")
def qd26():
    return sd.load_version(QD26)


@pytest.fixture(scope="module")
def qd1048():
    return sd.load_version(QD1048)


@pytest.fixture(scope="module")
def qd26_raw():
    return json.loads(QD26.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- files


def test_available_versions_lists_both_files():
    names = [p.name for p in sd.available_versions()]
    assert "qd26-2026.json" in names
    assert "qd1048-2019.json" in names
    assert all(p.parent == SHEETS for p in sd.available_versions())


def test_version_headers(qd26, qd1048):
    assert qd26.version == "qd26-2026"
    assert qd26.decision == "Quyết định 26/2026/QĐ-TTg"
    assert qd26.effective_from.isoformat() == "2026-05-22"
    assert dict(qd26.parts_max) == QD26_PARTS
    assert "../shared/data/" in qd26.source
    assert qd1048.version == "qd1048-2019"
    assert dict(qd1048.parts_max) == QD1048_PARTS
    assert "../shared/data/" in qd1048.source


def test_qd26_has_sets_1_to_26_with_unique_names(qd26):
    assert [s.no for s in qd26.sets] == list(range(1, 27))
    assert len({s.name for s in qd26.sets}) == 26


@pytest.mark.parametrize("path", [QD26, QD1048], ids=lambda p: p.name)
def test_text_is_nfc_and_whole_numbers_are_ints(path):
    raw = json.loads(path.read_text(encoding="utf-8"))

    def walk(node, where):
        if isinstance(node, str):
            assert unicodedata.normalize("NFC", node) == node, where
        elif isinstance(node, float):
            assert not node.is_integer(), f"{where}: whole number stored as float"
        elif isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{where}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}[{i}]")

    walk(raw, path.name)


# ---------------------------------------------------------------- QĐ 26/2026


@pytest.mark.parametrize("no", range(1, 27))
def test_qd26_set_sums_and_options(qd26, no):
    s = qd26.get_set(no)
    assert sd.check_set(s, qd26.parts_max) == []
    assert s.totals() == {"A": 40, "B": 25, "C": 35, "total": 100}
    assert {p.code: p.max_points for p in s.parts} == QD26_PARTS
    for part in s.parts:
        assert part.groups_sum() == part.max_points
        for group in part.groups:
            assert group.criteria_sum() == group.max_points
    codes = []
    for _, _, crit in s.iter_criteria():
        codes.append(crit.code)
        assert len(crit.options) >= 2, crit.code
        for opt in crit.options:
            assert isinstance(opt.points, (int, float)) and not isinstance(opt.points, bool)
            assert opt.points >= 0, (crit.code, opt.label)
            assert opt.min_stars in (None, 3, 4, 5), (crit.code, opt.label)
            assert opt.label.strip() == opt.label and opt.label
            assert "□" not in opt.label and not opt.label.endswith("*")
        assert crit.max_points == max(o.points for o in crit.options), crit.code
    assert len(codes) == len(set(codes))


def test_qd26_repairs(qd26):
    # set 4: 'Có trên 2 chỉ tiêu' printed 13, read 3
    c = qd26.get_set(4).criterion("7")
    assert [o.points for o in c.options] == [0, 1, 3]
    # set 10: group '8 CÔNG BỐ...' (no dot) restored as its own group
    part_c = qd26.get_set(10).part("C")
    assert [g.code for g in part_c.groups] == ["6", "7", "8", "9", "10", "11"]
    assert part_c.groups[2].title == "CÔNG BỐ CHẤT LƯỢNG SẢN PHẨM"
    # set 11: nested sub-criteria flattened; option printed 11 read 1
    s11 = qd26.get_set(11)
    flat = [(c.code, c.printed_code, c.parent_title, c.max_points)
            for _, g, c in s11.iter_criteria() if g.code == "6"]
    assert flat == [
        ("6.1a", "6.1.1", "Ngoại hình", 2),
        ("6.1b", "6.1.2", "Ngoại hình", 2),
        ("6.2a", "6.2.1", "Nước pha", 3),
        ("6.2b", "6.2.2", "Nước pha", 3),
        ("6.2c", "6.2.3", "Nước pha", 5),
    ]
    assert [o.points for o in s11.criterion("6.1a").options] == [0, 1, 2]
    # set 13: 6.1.1-6.1.5 and 6.2.1-6.2.2 flattened
    s13 = qd26.get_set(13)
    assert [c.code for _, g, c in s13.iter_criteria() if g.code == "6"] == [
        "6.1a", "6.1b", "6.1c", "6.1d", "6.1e", "6.2a", "6.2b"]
    # set 23: group 9 header '4 1' read 4
    assert qd26.get_set(23).part("C").groups[3].max_points == 4
    # set 26: part A header '(35 Điểm) | 40'; part C header 'PHẦN C' found
    s26 = qd26.get_set(26)
    assert s26.part("A").max_points == 40
    assert [g.code for g in s26.part("B").groups] == ["4", "5"]
    assert [g.code for g in s26.part("C").groups] == [str(i) for i in range(6, 18)]
    for code, maximum in (("8", 3), ("9", 2), ("15", 3)):
        crit = s26.criterion(code)
        assert len({o.case for o in crit.options}) == 2
        assert all(o.case and o.case.startswith(("a. Trường hợp 1", "b. Trường hợp 2")) for o in crit.options)
        assert crit.max_points == maximum


def test_qd26_star_marks_kept(qd26):
    # spaced '* * * *' in set 3, star mark before a 'Ghi chú' in sets 21/22
    assert qd26.get_set(3).criterion("5.1").options[-1].min_stars == 4
    for no in (21, 22):
        crit = qd26.get_set(no).criterion("6.2")
        assert crit.options[-1].label == "Phong cách độc đáo riêng, thể hiện trí tuệ địa phương"
        assert crit.options[-1].min_stars == 5
        assert "Ghi chú: Nếu sản phẩm vi phạm sở hữu trí tuệ, sẽ bị loại bỏ" in crit.notes
    marks = sum(1 for s in qd26.sets for _, _, c in s.iter_criteria() for o in c.options if o.min_stars)
    assert marks > 26 * 10


def test_qd26_synthesized_options_only_for_unprinted_criterion(qd26):
    for s in qd26.sets:
        for _, _, crit in s.iter_criteria():
            synth = [o.synthesized for o in crit.options]
            if any(synth):
                assert all(synth)
                assert crit.title.startswith("Ghi nhãn hàng hóa có sử dụng song ngữ")
                assert [o.points for o in crit.options] == [0, crit.max_points]


def test_qd26_every_set_has_disqualification_or_note(qd26):
    for s in qd26.sets:
        assert s.disqualify_if or any("disqualify_if is empty" in n for n in s.notes), s.no


# ---------------------------------------------------------------- QĐ 1048/2019


def test_qd1048_single_set_sums(qd1048):
    assert [s.no for s in qd1048.sets] == [7]
    s = qd1048.get_set(7)
    assert s.name == "Chế biến từ rau, củ, quả, hạt"
    assert sd.check_set(s, qd1048.parts_max) == []
    assert s.totals() == {"A": 35, "B": 25, "C": 40, "total": 100}
    # checked against the wrong decision, the same sheet fails
    assert sd.check_set(s, QD26_PARTS)


# ---------------------------------------------------------------- hand-checked sets 6 and 7


@pytest.mark.parametrize("no", [6, 7])
def test_sets_6_and_7_equal_hand_checked(qd26, no):
    ours = [(c.code, c.max_points, tuple((o.label, o.points, o.min_stars)
                                           for o in c.options if not o.synthesized))
            for _, _, c in qd26.get_set(no).iter_criteria()]
    assert ours == [(code, mx, opts) for code, mx, opts in HAND_CHECKED[no]]


def test_set_7_keeps_printed_typo_in_3_1(qd26):
    crit = qd26.get_set(7).criterion("3.1")
    assert [o.points for o in crit.options] == [1, 1, 3]
    assert any("3.1" in n for n in qd26.get_set(7).notes)


# ---------------------------------------------------------------- check_set finds faults


def _set_from_raw(raw, no):
    return sd.SheetVersion.from_dict(raw).get_set(no)


def test_check_set_reports_broken_option_points(qd26_raw):
    raw = copy.deepcopy(qd26_raw)
    crit = raw["sets"][0]["parts"][0]["groups"][0]["criteria"][0]
    crit["options"][-1]["points"] = 13
    problems = sd.check_set(_set_from_raw(raw, 1), QD26_PARTS)
    assert any("criterion 1.1" in p and "13" in p for p in problems)


def test_check_set_reports_wrong_group_and_part_sums(qd26):
    s = qd26.get_set(5)
    a = s.part("A")
    g0 = dataclasses.replace(a.groups[0], max_points=a.groups[0].max_points + 1)
    broken = dataclasses.replace(s, parts=(dataclasses.replace(a, groups=(g0,) + a.groups[1:]),) + s.parts[1:])
    problems = sd.check_set(broken, QD26_PARTS)
    assert any("group 1" in p and "criteria sum" in p for p in problems)
    assert any("part A" in p and "groups sum" in p for p in problems)
    assert broken.totals() == s.totals()  # totals are bottom-up


def test_check_set_reports_bad_options(qd26_raw):
    raw = copy.deepcopy(qd26_raw)
    criteria = raw["sets"][1]["parts"][2]["groups"][0]["criteria"]
    criteria[0]["options"] = criteria[0]["options"][-1:]  # one option left
    criteria[1]["options"][0]["points"] = -1
    criteria[1]["options"][1]["min_stars"] = 6
    problems = sd.check_set(_set_from_raw(raw, 2), QD26_PARTS)
    text = "\n".join(problems)
    assert "needs at least 2" in text
    assert "-1" in text
    assert "min_stars 6" in text


def test_check_set_reports_missing_part_and_bad_total(qd26):
    s = qd26.get_set(1)
    broken = dataclasses.replace(s, parts=s.parts[:2])
    problems = sd.check_set(broken, QD26_PARTS)
    assert any("do not match" in p for p in problems)
    assert any("parts total 65" in p for p in problems)


def test_check_version_all_clean(qd26, qd1048):
    assert all(v == [] for v in sd.check_version(qd26).values())
    assert sd.check_version(qd1048) == {7: []}


# ---------------------------------------------------------------- loader errors


def test_load_version_errors(tmp_path, qd26_raw):
    with pytest.raises(FileNotFoundError):
        sd.load_version(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(json.JSONDecodeError):
        sd.load_version(bad)
    raw = copy.deepcopy(qd26_raw)
    del raw["sets"][0]["parts"][0]["title"]
    bad.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(sd.SheetDataError, match="missing key"):
        sd.load_version(bad)
    raw = copy.deepcopy(qd26_raw)
    raw["sets"][0]["parts"][0]["groups"][0]["criteria"][0]["options"][0]["stars"] = 3
    bad.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(sd.SheetDataError, match="unknown key"):
        sd.load_version(bad)
    raw = copy.deepcopy(qd26_raw)
    raw["sets"][0]["parts"][0]["max_points"] = "40"
    with pytest.raises(sd.SheetDataError, match="expected a number"):
        sd.SheetVersion.from_dict(raw)


# ---------------------------------------------------------------- expected data
# Generated from ../shared/data/scoring_sheet_che_bien_tu_gao_ngu_coc_qd26-2026.json (set 6)
# and ../shared/data/scoring_sheet_che_bien_tu_rau_cu_qua_hat_qd26-2026.json (set 7), both
# hand-checked: (criterion code, max points, ((label, points, min_stars), ...)). Criterion 2.4
# prints no options there (our file supplies synthesized ones, excluded from the comparison).

HAND_CHECKED = {
    6: (
        ('1.1', 3, (
            ('Có sử dụng nguyên liệu có nguồn gốc trong tỉnh, nhưng có tỷ lệ dưới 50%', 1, None),
            ('Sử dụng nguyên liệu có nguồn gốc trong tỉnh từ 50% đến dưới 75%', 2, 3),
            ('Sử dụng nguyên liệu có nguồn gốc trong tỉnh từ 75% đến 100%', 3, None),
        )),
        ('1.2', 2, (
            ('Không được cấp giấy chứng nhận chất lượng', 0, None),
            ('Được cấp giấy chứng nhận chất lượng theo tiêu chuẩn quốc gia (VietGAP, hữu cơ,...)', 1, None),
            ('Được cấp giấy chứng nhận chất lượng theo tiêu chuẩn quốc tế (GlobalGAP, hữu cơ - Organic,...)', 2, None),
        )),
        ('1.3', 3, (
            ('Chế biến đơn giản', 1, None),
            ('Chế biến', 2, None),
            ('Chế biến sâu từ vùng nguyên liệu địa phương (tạo ra sản phẩm chất lượng cao theo nhu cầu của thị trường)', 3, None),
        )),
        ('1.4', 3, (
            ('Có năng lực, quy mô sản xuất mức độ nhỏ', 1, None),
            ('Có năng lực, quy mô sản xuất trung bình', 2, None),
            ('Có năng lực, quy mô sản xuất lớn', 3, None),
        )),
        ('1.5', 3, (
            ('Không có liên kết hoặc có liên kết nhưng không rõ ràng', 0, None),
            ('Có hợp đồng liên kết từ 50% đến dưới 75% sản lượng tiêu thụ', 1, None),
            ('Có hợp đồng liên kết trên 75% sản lượng tiêu thụ', 2, 4),
            ('Có hợp đồng liên kết trên 75% sản lượng tiêu thụ và tổ chức thực hiện hợp đồng ổn định từ 12 tháng trở lên tính đến thời điểm đăng ký đánh giá, phân hạng OCOP', 3, 5),
        )),
        ('1.6', 3, (
            ('Có Hồ sơ, thủ tục về môi trường theo quy định của pháp luật và các quy định khác về bảo vệ môi trường', 1, 4),
            ('Có Hồ sơ, thủ tục về môi trường theo quy định của pháp luật về bảo vệ môi trường và hồ sơ minh chứng về công trình thu gom và xử lý chất thải theo quy định', 2, None),
            ('Có Hồ sơ, thủ tục về môi trường theo quy định của pháp luật về bảo vệ môi trường; hồ sơ minh chứng về công trình thu gom và xử lý chất thải theo quy định và hồ sơ minh chứng về sử dụng bao gói thân thiện với môi trường', 3, None),
        )),
        ('1.7', 1, (
            ('Không sử dụng công nghệ theo hướng bền vững trong sản xuất', 0, None),
            ('Có áp dụng công nghệ theo hướng bền vững môi trường (công nghệ tiết kiệm nguyên liệu, nhiên liệu; hoạt động xử lý/tái chế chất thải; tận thu tái sử dụng, tái chế phụ phẩm nông nghiệp,...)', 1, None),
        )),
        ('2.1', 3, (
            ('Sản phẩm được sản xuất phổ biến ở nhiều tỉnh, thành phố', 0, None),
            ('Sản phẩm được sản xuất phổ biến ở nhiều tỉnh, thành phố nhưng có chất lượng nổi trội, khác biệt do điều kiện về nguyên liệu, kỹ thuật truyền thống', 1, None),
            ('Sản phẩm được sản xuất ở nhiều nơi trên địa bàn, là sản phẩm đặc trưng của tỉnh, có chất lượng nổi trội/sản phẩm mới được chế biến từ nguyên liệu đặc trưng của địa phương', 2, None),
            ('Sản phẩm là đặc sản, truyền thống, chỉ sản xuất trên địa bàn của xã, có chất lượng đặc sắc, thương mại gắn với chỉ dẫn nguồn gốc địa lý hoặc sản phẩm mới được chế biến từ nguyên liệu đặc trưng của địa phương, được thương mại ổn định ít nhất 36 tháng', 3, 4),
        )),
        ('2.2', 3, (
            ('Đóng gói theo hình thức thông thường, không có bao bì', 0, None),
            ('Đóng gói theo hình thức thông thường, bao bì đơn giản', 1, None),
            ('Đóng gói sáng tạo, bao bì đẹp', 2, 3),
            ('Đóng gói sáng tạo, tiện lợi, bao bì đẹp, sang trọng', 3, None),
        )),
        ('2.3', 3, (
            ('Có nhãn, ghi nhãn hàng hóa đầy đủ, theo đúng quy định', 1, 3),
            ('Ghi nhãn hàng hóa đầy đủ, đúng quy định và thể hiện được thông điệp câu chuyện sản phẩm (hình ảnh hoặc lời giới thiệu)', 2, None),
            ('Ghi nhãn hàng hóa đầy đủ, đúng quy định, đẹp và thể hiện được thông điệp câu chuyện sản phẩm (hình ảnh hoặc lời giới thiệu) và có mã truy xuất nguồn gốc điện tử', 3, 4),
        )),
        ('2.4', 1, (
        )),
        ('3.1', 3, (
            ('Hộ sản xuất/hộ gia đình có đăng ký kinh doanh; hoặc trang trại; hoặc tổ hợp tác (có giấy đăng ký kinh doanh theo quy định)', 1, None),
            ('Công ty TNHH; hoặc doanh nghiệp tư nhân; hoặc công ty cổ phần có vốn góp của cộng đồng người địa phương < 51%', 2, None),
            ('HTX tổ chức, hoạt động theo đúng quy định của pháp luật; hoặc công ty cổ phần có vốn góp của cộng đồng người địa phương ≥ 51%', 3, None),
        )),
        ('3.2', 1, (
            ('Đại diện pháp luật của chủ thể không phải nữ, không phải là đồng bào dân tộc thiểu số, không phải là người khuyết tật', 0, None),
            ('Đại diện pháp luật của chủ thể là nữ; hoặc là đồng bào dân tộc thiểu số; hoặc là người khuyết tật', 1, None),
        )),
        ('3.3', 3, (
            ('Có sử dụng từ 25% đến dưới 50% lao động là người trên địa bàn cấp xã', 1, None),
            ('Có sử dụng từ 50% đến 75% lao động là người trên địa bàn cấp xã', 2, None),
            ('Có sử dụng ≥ 75% lao động là người trên địa bàn cấp xã', 3, None),
        )),
        ('3.4', 2, (
            ('Hợp tác xã xếp loại trung bình hoặc năm trước liền kề năm đánh giá có lợi nhuận cao hơn so với năm trước liền kề; các loại hình khác: Năm trước liền kề năm đánh giá có lợi nhuận cao hơn so với năm trước liền kề.', 1, None),
            ('Hợp tác xã xếp loại khá trở lên hoặc có 02 năm liên tiếp tăng trưởng dương về lợi nhuận tính từ năm trước liền kề năm đánh giá; các loại hình khác: Có 02 năm liên tiếp tăng trưởng dương về lợi nhuận tính từ năm trước liền kề năm đánh giá', 2, 4),
        )),
        ('3.5', 3, (
            ('Đơn đăng ký nhãn hiệu đã được cơ quan có thẩm quyền chấp nhận hoặc công bố (đã qua vòng thẩm định hình thức)', 1, 3),
            ('Các nhãn hiệu sử dụng trên bao bì, nhãn của sản phẩm được cấp Giấy chứng nhận đăng ký nhãn hiệu và sản phẩm có sử dụng dấu hiệu chỉ dẫn nguồn gốc địa lý gắn với cộng đồng địa phương (trường hợp sản phẩm đã được nhà nước bảo hộ chỉ dẫn địa lý, nhãn hiệu tập thể, nhãn hiệu chứng nhận thì phải có văn bản ghi nhận quyền sử dụng)', 2, 4),
            ('Các nhãn hiệu sử dụng trên bao bì, nhãn của sản phẩm được cấp Giấy chứng nhận đăng ký nhãn hiệu và sản phẩm có sử dụng dấu hiệu chỉ dẫn nguồn gốc địa lý gắn với cộng đồng địa phương (trường hợp sản phẩm đã được nhà nước bảo hộ chỉ dẫn địa lý, nhãn hiệu tập thể, nhãn hiệu chứng nhận thì phải có văn bản ghi nhận quyền sử dụng) và có Bằng độc quyền kiểu dáng công nghiệp, hoặc Bằng sáng chế, hoặc Bằng độc quyền giải pháp hữu ích, hoặc Giấy chứng nhận đăng ký quyền tác giả (trừ Giấy chứng nhận đăng ký quyền tác giả đối với nhãn hiệu).', 3, None),
        )),
        ('4.1', 5, (
            ('Thị trường trong địa bàn cấp xã', 1, None),
            ('Thị trường ngoài địa bàn cấp xã, có dưới 5 đại diện/đại lý phân phối', 2, 3),
            ('Thị trường ngoài địa bàn cấp xã, có ≥ 5 đại diện/đại lý phân phối', 3, 4),
            ('Thị trường quốc tế (có hợp đồng và tài liệu minh chứng thực hiện hợp đồng) hoặc phân phối tại các kênh thương mại hiện đại: siêu thị, thương mại điện tử,... (có hợp đồng và tài liệu minh chứng thực hiện hợp đồng, đường dẫn gian hàng điện tử)', 5, 5),
        )),
        ('4.2', 3, (
            ('Không có người chịu trách nhiệm quản lý phân phối', 0, None),
            ('Có người chịu trách nhiệm quản lý phân phối', 1, None),
            ('Có bộ phận/phòng quản lý phân phối', 2, None),
            ('Có bộ phận/phòng quản lý phân phối, có ứng dụng công nghệ thông tin trong quản lý', 3, None),
        )),
        ('4.3', 5, (
            ('Không có hoạt động quảng bá sản phẩm', 0, None),
            ('Có 03 hoạt động quảng bá sản phẩm trở xuống', 1, None),
            ('Có nhiều hơn 03 hoạt động quảng bá sản phẩm, có website của cơ sở (hoặc quảng bá trên mạng xã hội) và có tham gia hoạt động xúc tiến thương mại, hội chợ, triển lãm trong tỉnh', 2, None),
            ('Có nhiều hơn 03 hoạt động quảng bá sản phẩm, có website của cơ sở (hoặc quảng bá trên mạng xã hội) và có tham gia hoạt động xúc tiến thương mại, hội chợ, triển lãm ngoài tỉnh', 3, None),
            ('Có nhiều hơn 03 hoạt động quảng bá sản phẩm và có website của cơ sở (hoặc quảng bá trên mạng xã hội hoạt động thường xuyên) và có tham gia hoạt động xúc tiến thương mại, hội chợ, triển lãm ngoài tỉnh và quốc tế', 5, None),
        )),
        ('5.1', 5, (
            ('Không có câu chuyện sản phẩm', 0, None),
            ('Có câu chuyện sản phẩm', 1, None),
            ('Có câu chuyện sản phẩm được tư liệu hóa và thể hiện trên tờ rơi', 2, None),
            ('Có câu chuyện sản phẩm được tư liệu hóa, thể hiện trên tờ rơi và website (dưới dạng hình ảnh, clip,...)', 3, None),
            ('Có câu chuyện sản phẩm được tư liệu hóa, thể hiện trên tờ rơi, website (dưới dạng hình ảnh, clip,...) và đưa vào nội dung truy xuất nguồn gốc điện tử', 5, 4),
        )),
        ('5.2', 2, (
            ('Đơn giản', 0, None),
            ('Ngắn gọn, xúc tích', 1, None),
            ('Ngắn gọn, xúc tích và có văn phong kể chuyện', 2, None),
        )),
        ('5.3', 5, (
            ('Giống với câu chuyện sản phẩm của chủ thể khác, hoặc sản phẩm khác của cùng chủ thể', 0, None),
            ('Có câu chuyện riêng, gắn với nguồn gốc xuất xứ sản phẩm', 1, 3),
            ('Nội dung câu chuyện mang sắc thái truyền thống, văn hóa địa phương và giá trị đặc trưng của sản phẩm', 3, None),
            ('Nội dung câu chuyện mang sắc thái truyền thống, văn hóa địa phương, giá trị đặc trưng của sản phẩm, có tính truyền cảm và thuyết phục', 5, None),
        )),
        ('6.1', 3, (
            ('Có tạp chất', 0, None),
            ('Có rất ít tạp chất, chấp nhận được', 1, None),
            ('Sạch, không phát hiện tạp chất', 3, 4),
        )),
        ('6.2', 3, (
            ('Không đồng đều', 0, None),
            ('Không đồng đều, chấp nhận được', 1, None),
            ('Tương đối đồng đều', 2, None),
            ('Đồng đều', 3, None),
        )),
        ('6.3', 3, (
            ('Chấp nhận được', 0, None),
            ('Tương đối phù hợp với đặc tính sản phẩm', 1, None),
            ('Phù hợp với đặc tính sản phẩm', 2, None),
            ('Rất phù hợp với đặc tính sản phẩm', 3, None),
        )),
        ('6.4', 3, (
            ('Có mùi lạ (như khét,...)', 0, None),
            ('Có mùi chấp nhận được', 1, None),
            ('Mùi phù hợp đặc trưng của sản phẩm', 2, 4),
            ('Mùi phù hợp đặc trưng của sản phẩm, hấp dẫn', 3, 5),
        )),
        ('6.5', 3, (
            ('Vị khác thường', 0, None),
            ('Chấp nhận được', 1, None),
            ('Phù hợp với đặc trưng của sản phẩm', 2, 4),
            ('Phù hợp với đặc trưng của sản phẩm, hấp dẫn', 3, 5),
        )),
        ('7', 5, (
            ('Trung bình', 0, None),
            ('Tương đối độc đáo', 1, None),
            ('Độc đáo, mang tính đặc trưng', 3, 4),
            ('Rất độc đáo và có tính đặc trưng', 5, 5),
        )),
        ('8', 5, (
            ('Có công bố chất lượng sản phẩm', 2, 3),
            ('Có công bố chất lượng sản phẩm theo quy định (trường hợp sản phẩm có quy chuẩn kỹ thuật quốc gia thì bắt buộc áp dụng) và áp dụng các tiêu chuẩn quốc gia', 4, None),
            ('Có công bố chất lượng sản phẩm theo quy định và áp dụng các tiêu chuẩn quốc tế', 5, None),
        )),
        ('9', 5, (
            ('Cơ sở chế biến, đóng gói có giấy chứng nhận đủ điều kiện an toàn thực phẩm theo quy định', 1, 3),
            ('Cơ sở chế biến, đóng gói có chứng nhận quản lý chất lượng theo tiêu chuẩn quốc gia (ISO, HACCP,...)', 3, 4),
            ('Cơ sở chế biến, đóng gói có chứng nhận quản lý chất lượng theo tiêu chuẩn quốc tế, đủ điều kiện an toàn thực phẩm cho xuất khẩu và các thủ tục pháp lý khác theo yêu cầu của thị trường đích (ISO, HACCP, BRC, Halal, FDA...)', 5, None),
        )),
        ('10', 2, (
            ('Có hướng dẫn sử dụng sản phẩm đơn giản', 1, None),
            ('Có hướng dẫn sử dụng chi tiết, cụ thể để đảm bảo chất lượng sản phẩm', 2, None),
        )),
        ('11', 3, (
            ('Có thể xuất khẩu đến thị trường khu vực Đông Nam Á', 1, None),
            ('Có thể xuất khẩu các thị trường ngoài khu vực Đông Nam Á', 2, None),
            ('Có thể xuất khẩu đến các thị trường có tiêu chuẩn cao (Mỹ, Nhật, EU...)', 3, None),
        )),
    ),
    7: (
        ('1.1', 3, (
            ('Có sử dụng nguyên liệu có nguồn gốc trong tỉnh, nhưng có tỷ lệ dưới 50%', 1, 3),
            ('Sử dụng nguyên liệu có nguồn gốc trong tỉnh từ 50% đến dưới 75%', 2, None),
            ('Sử dụng nguyên liệu có nguồn gốc trong tỉnh từ 75% đến 100%', 3, None),
        )),
        ('1.2', 2, (
            ('Không được cấp giấy chứng nhận chất lượng', 0, None),
            ('Được cấp giấy chứng nhận chất lượng theo tiêu chuẩn quốc gia (VietGAP, hữu cơ,...)', 1, None),
            ('Được cấp giấy chứng nhận chất lượng theo tiêu chuẩn quốc tế (GlobalGAP, hữu cơ - Organic,...)', 2, None),
        )),
        ('1.3', 3, (
            ('Chế biến đơn giản', 1, None),
            ('Chế biến', 2, None),
            ('Chế biến sâu từ vùng nguyên liệu địa phương (tạo ra sản phẩm chất lượng cao theo nhu cầu của thị trường)', 3, None),
        )),
        ('1.4', 3, (
            ('Có năng lực, quy mô sản xuất mức độ nhỏ', 1, None),
            ('Có năng lực, quy mô sản xuất trung bình', 2, None),
            ('Có năng lực, quy mô sản xuất lớn', 3, None),
        )),
        ('1.5', 3, (
            ('Không có liên kết hoặc có liên kết nhưng không rõ ràng', 0, None),
            ('Có hợp đồng liên kết từ 50% đến dưới 75% sản lượng tiêu thụ', 1, None),
            ('Có hợp đồng liên kết trên 75% sản lượng tiêu thụ', 2, 4),
            ('Có hợp đồng liên kết trên 75% sản lượng tiêu thụ và tổ chức thực hiện hợp đồng ổn định từ 12 tháng trở lên tính đến thời điểm đăng ký đánh giá, phân hạng OCOP', 3, 5),
        )),
        ('1.6', 3, (
            ('Có hồ sơ, thủ tục về môi trường theo quy định của pháp luật và các quy định khác về bảo vệ môi trường', 1, 4),
            ('Có hồ sơ, thủ tục về môi trường theo quy định của pháp luật về bảo vệ môi trường và hồ sơ minh chứng về công trình thu gom và xử lý chất thải theo quy định', 2, None),
            ('Có hồ sơ, thủ tục về môi trường theo quy định của pháp luật về bảo vệ môi trường; hồ sơ minh chứng về công trình thu gom và xử lý chất thải theo quy định và hồ sơ minh chứng về sử dụng bao gói thân thiện với môi trường', 3, None),
        )),
        ('1.7', 1, (
            ('Không sử dụng công nghệ theo hướng bền vững trong sản xuất', 0, None),
            ('Có áp dụng công nghệ theo hướng bền vững môi trường (công nghệ tiết kiệm nguyên liệu, nhiên liệu; hoạt động xử lý/tái chế chất thải; tận thu tái sử dụng, tái chế phụ phẩm nông nghiệp,...)', 1, None),
        )),
        ('2.1', 3, (
            ('Sản phẩm được sản xuất phổ biến ở nhiều tỉnh, thành phố', 0, None),
            ('Sản phẩm được sản xuất phổ biến ở nhiều tỉnh, thành phố nhưng có chất lượng nổi trội, khác biệt do điều kiện về nguyên liệu, kỹ thuật truyền thống', 1, None),
            ('Sản phẩm được sản xuất ở nhiều nơi trên địa bàn, là sản phẩm đặc trưng của tỉnh, có chất lượng nổi trội/sản phẩm mới được chế biến từ nguyên liệu đặc trưng của địa phương', 2, None),
            ('Sản phẩm là đặc sản, truyền thống, chỉ sản xuất trên địa bàn của xã, có chất lượng đặc sắc, thương mại gắn với chỉ dẫn nguồn gốc địa lý hoặc sản phẩm mới được chế biến từ nguyên liệu đặc trưng của địa phương, được thương mại ổn định ít nhất 36 tháng', 3, 4),
        )),
        ('2.2', 3, (
            ('Đóng gói theo hình thức thông thường, không có bao bì', 0, None),
            ('Đóng gói theo hình thức thông thường, bao bì đơn giản', 1, None),
            ('Đóng gói sáng tạo, bao bì đẹp', 2, 3),
            ('Đóng gói sáng tạo, tiện lợi, bao bì đẹp, sang trọng', 3, None),
        )),
        ('2.3', 3, (
            ('Có nhãn, ghi nhãn hàng hóa đầy đủ, theo đúng quy định', 1, 3),
            ('Ghi nhãn hàng hóa đầy đủ, đúng quy định và thể hiện được thông điệp câu chuyện sản phẩm (hình ảnh hoặc lời giới thiệu)', 2, None),
            ('Ghi nhãn hàng hóa đầy đủ, đúng quy định, đẹp và thể hiện được thông điệp câu chuyện sản phẩm (hình ảnh hoặc lời giới thiệu) và có mã truy xuất nguồn gốc điện tử', 3, 4),
        )),
        ('2.4', 1, (
        )),
        ('3.1', 3, (
            ('Hộ sản xuất/hộ gia đình có đăng ký kinh doanh; hoặc trang trại; hoặc tổ hợp tác (có giấy đăng ký kinh doanh theo quy định)', 1, None),
            ('Công ty TNHH; hoặc doanh nghiệp tư nhân; hoặc công ty cổ phần có vốn góp của cộng đồng người địa phương <51%', 1, None),
            ('HTX tổ chức, hoạt động theo đúng quy định của pháp luật; hoặc công ty cổ phần có vốn góp của cộng đồng người địa phương ≥ 51%', 3, None),
        )),
        ('3.2', 1, (
            ('Đại diện pháp luật của chủ thể không phải nữ, không phải là đồng bào dân tộc thiểu số, không phải là người khuyết tật', 0, None),
            ('Đại diện pháp luật của chủ thể là nữ; hoặc là đồng bào dân tộc thiểu số; hoặc là người khuyết tật', 1, None),
        )),
        ('3.3', 3, (
            ('Có sử dụng từ 25% đến dưới 50% lao động là người trên địa bàn cấp xã', 1, None),
            ('Có sử dụng từ 50% đến 75% lao động là người trên địa bàn cấp xã', 2, None),
            ('Có sử dụng ≥ 75% lao động là người trên địa bàn cấp xã', 3, None),
        )),
        ('3.4', 2, (
            ('Hợp tác xã xếp loại trung bình hoặc năm trước liền kề năm đánh giá có lợi nhuận cao hơn so với năm trước liền kề; các loại hình khác: Năm trước liền kề năm đánh giá có lợi nhuận cao hơn so với năm trước liền kề.', 1, None),
            ('Hợp tác xã xếp loại khá trở lên hoặc có 02 năm liên tiếp tăng trưởng dương về lợi nhuận tính từ năm trước liền kề năm đánh giá; các loại hình khác: Có 02 năm liên tiếp tăng trưởng dương về lợi nhuận tính từ năm trước liền kề năm đánh giá', 2, 4),
        )),
        ('3.5', 3, (
            ('Đơn đăng ký nhãn hiệu đã được cơ quan có thẩm quyền chấp nhận hoặc công bố (đã qua vòng thẩm định hình thức)', 1, 3),
            ('Các nhãn hiệu sử dụng trên bao bì, nhãn của sản phẩm được cấp Giấy chứng nhận đăng ký nhãn hiệu và sản phẩm có sử dụng dấu hiệu chỉ dẫn nguồn gốc địa lý gắn với cộng đồng địa phương (trường hợp sản phẩm đã được nhà nước bảo hộ chỉ dẫn địa lý, nhãn hiệu tập thể, nhãn hiệu chứng nhận thì phải có văn bản ghi nhận quyền sử dụng)', 2, 4),
            ('Các nhãn hiệu sử dụng trên bao bì, nhãn của sản phẩm được cấp Giấy chứng nhận đăng ký nhãn hiệu và sản phẩm có sử dụng dấu hiệu chỉ dẫn nguồn gốc địa lý gắn với cộng đồng địa phương (trường hợp sản phẩm đã được nhà nước bảo hộ chỉ dẫn địa lý, nhãn hiệu tập thể, nhãn hiệu chứng nhận thì phải có văn bản ghi nhận quyền sử dụng) và có Bằng độc quyền kiểu dáng công nghiệp, hoặc Bằng sáng chế, hoặc Bằng độc quyền giải pháp hữu ích, hoặc Giấy chứng nhận đăng ký quyền tác giả (trừ Giấy chứng nhận đăng ký quyền tác giả đối với nhãn hiệu).', 3, None),
        )),
        ('4.1', 5, (
            ('Thị trường trong địa bàn cấp xã', 1, None),
            ('Thị trường ngoài địa bàn cấp xã, có dưới 5 đại diện/đại lý phân phối', 2, 3),
            ('Thị trường ngoài địa bàn cấp xã, có ≥ 5 đại diện/đại lý phân phối', 3, 4),
            ('Thị trường quốc tế (có hợp đồng và tài liệu minh chứng thực hiện hợp đồng) hoặc phân phối tại các kênh thương mại hiện đại: siêu thị, thương mại điện tử,... (có hợp đồng và tài liệu minh chứng thực hiện hợp đồng, đường dẫn gian hàng điện tử)', 5, 5),
        )),
        ('4.2', 3, (
            ('Không có người chịu trách nhiệm quản lý phân phối', 0, None),
            ('Có người chịu trách nhiệm quản lý phân phối', 1, None),
            ('Có bộ phận/phòng quản lý phân phối', 2, None),
            ('Có bộ phận/phòng quản lý phân phối, có ứng dụng công nghệ thông tin trong quản lý', 3, None),
        )),
        ('4.3', 5, (
            ('Không có hoạt động quảng bá sản phẩm', 0, None),
            ('Có 03 hoạt động quảng bá sản phẩm trở xuống', 1, None),
            ('Có nhiều hơn 03 hoạt động quảng bá sản phẩm, có website của cơ sở (hoặc quảng bá trên mạng xã hội) và có tham gia hoạt động xúc tiến thương mại, hội chợ, triển lãm trong tỉnh', 2, None),
            ('Có nhiều hơn 03 hoạt động quảng bá sản phẩm, có website của cơ sở (hoặc quảng bá trên mạng xã hội) và có tham gia hoạt động xúc tiến thương mại, hội chợ, triển lãm ngoài tỉnh', 3, None),
            ('Có nhiều hơn 03 hoạt động quảng bá sản phẩm và có website của cơ sở (hoặc quảng bá trên mạng xã hội, hoạt động thường xuyên) và có tham gia hoạt động xúc tiến thương mại, hội chợ, triển lãm ngoài tỉnh và quốc tế', 5, None),
        )),
        ('5.1', 5, (
            ('Không có câu chuyện sản phẩm', 0, None),
            ('Có câu chuyện sản phẩm', 1, None),
            ('Có câu chuyện sản phẩm được tư liệu hóa và thể hiện trên tờ rơi', 2, None),
            ('Có câu chuyện sản phẩm được tư liệu hóa, thể hiện trên tờ rơi và website (dưới dạng hình ảnh, clip,...)', 3, None),
            ('Có câu chuyện sản phẩm được tư liệu hóa, thể hiện trên tờ rơi, website (dưới dạng hình ảnh, clip,...) và đưa vào nội dung truy xuất nguồn gốc điện tử', 5, 4),
        )),
        ('5.2', 2, (
            ('Đơn giản', 0, None),
            ('Ngắn gọn, xúc tích', 1, None),
            ('Ngắn gọn, xúc tích và có văn phong kể chuyện', 2, None),
        )),
        ('5.3', 5, (
            ('Giống với câu chuyện sản phẩm của chủ thể khác, hoặc sản phẩm khác của cùng chủ thể', 0, None),
            ('Có câu chuyện riêng, gắn với nguồn gốc xuất xứ sản phẩm', 1, 3),
            ('Nội dung câu chuyện mang sắc thái truyền thống, văn hóa địa phương và giá trị đặc trưng của sản phẩm', 3, None),
            ('Nội dung câu chuyện mang sắc thái truyền thống, văn hóa địa phương, giá trị đặc trưng của sản phẩm, có tính truyền cảm và thuyết phục', 5, None),
        )),
        ('6.1', 2, (
            ('Có tạp chất', 0, None),
            ('Có rất ít tạp chất, chấp nhận được', 1, None),
            ('Sạch, không phát hiện tạp chất', 2, 4),
        )),
        ('6.2', 2, (
            ('Kích thước/hình dạng, thể chất không đồng đều', 0, None),
            ('Kích thước/hình dạng, thể chất khá đồng đều (> 60%)', 1, None),
            ('Kích thước/hình dạng, thể chất đồng đều (> 90%)', 2, None),
        )),
        ('6.3', 3, (
            ('Chấp nhận được', 0, None),
            ('Tương đối phù hợp với đặc tính sản phẩm', 1, None),
            ('Phù hợp với đặc tính sản phẩm', 2, 4),
            ('Rất phù hợp với đặc tính sản phẩm', 3, 5),
        )),
        ('6.4', 3, (
            ('Không có mùi đặc trưng, là mùi của thành phần tạo nên (mùi của hương liệu)', 1, None),
            ('Tự nhiên của thành phần nguyên liệu', 2, 4),
            ('Tự nhiên của thành phần nguyên liệu, phù hợp, hấp dẫn', 3, 5),
        )),
        ('6.5', 5, (
            ('Vị khác thường', 0, None),
            ('Chấp nhận được', 1, None),
            ('Phù hợp với đặc trưng của sản phẩm', 3, 4),
            ('Phù hợp với đặc trưng của sản phẩm, hấp dẫn', 5, 5),
        )),
        ('7', 5, (
            ('Trung bình', 0, None),
            ('Tương đối độc đáo', 1, None),
            ('Độc đáo, mang tính đặc trưng', 3, 4),
            ('Rất độc đáo và có tính đặc trưng', 5, 5),
        )),
        ('8', 5, (
            ('Có công bố chất lượng sản phẩm', 2, 3),
            ('Có công bố chất lượng sản phẩm theo quy định (trường hợp sản phẩm có quy chuẩn kỹ thuật quốc gia thì bắt buộc áp dụng) và áp dụng các tiêu chuẩn quốc gia', 4, None),
            ('Có công bố chất lượng sản phẩm theo quy định và áp dụng các tiêu chuẩn quốc tế', 5, None),
        )),
        ('9', 5, (
            ('Cơ sở chế biến, đóng gói có giấy chứng nhận đủ điều kiện an toàn thực phẩm theo quy định', 1, 3),
            ('Cơ sở chế biến, đóng gói có chứng nhận quản lý chất lượng theo tiêu chuẩn quốc gia (ISO, HACCP,...)', 3, 4),
            ('Cơ sở chế biến, đóng gói có chứng nhận quản lý chất lượng theo tiêu chuẩn quốc tế, đủ điều kiện an toàn thực phẩm cho xuất khẩu và các thủ tục pháp lý khác theo yêu cầu của thị trường đích (ISO, HACCP, BRC, Halal, FDA...)', 5, None),
        )),
        ('10', 2, (
            ('Có hướng dẫn sử dụng sản phẩm đơn giản', 1, None),
            ('Có hướng dẫn sử dụng chi tiết, cụ thể để đảm bảo chất lượng sản phẩm', 2, None),
        )),
        ('11', 3, (
            ('Có thể xuất khẩu đến thị trường khu vực Đông Nam Á', 1, None),
            ('Có thể xuất khẩu các thị trường ngoài khu vực Đông Nam Á', 2, None),
            ('Có thể xuất khẩu đến các thị trường có tiêu chuẩn cao (Mỹ, Nhật, EU...)', 3, None),
        )),
    ),
}
