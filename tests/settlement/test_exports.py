"""The finance workbook and the PDF statement, opened back and checked."""

import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from repairnet.exports import CNY_FORMAT
from settlement import exports
from settlement.models import Statement
from settlement.services import adjustment_add, settlement_month_build

pytestmark = pytest.mark.django_db


def _evaluate(ws, formula: str):
    """Evaluate the simple formulas the workbook uses (=A1+B1-C1, =SUM(A2:A9)) from the cell values."""
    body = formula.lstrip("=")
    match = re.fullmatch(r"SUM\(([A-Z]+)(\d+):([A-Z]+)(\d+)\)", body)
    if match:
        col, r1, _c, r2 = match.groups()
        return sum(_value(ws, f"{col}{r}") for r in range(int(r1), int(r2) + 1))
    total = Decimal(0)
    for sign, ref in re.findall(r"([+-]?)([A-Z]+\d+)", body):
        value = _value(ws, ref)
        total += -value if sign == "-" else value
    return total


def _value(ws, ref: str) -> Decimal:
    value = ws[ref].value
    if isinstance(value, str) and value.startswith("="):
        return _evaluate(ws, value)
    return Decimal(str(value or 0))


def test_workbook_opens_back_with_sheets_formulas_and_formats(month, simple_month, finance, tmp_path):
    a, b = simple_month
    settlement_month_build(month=month)
    st = Statement.objects.get(station=a, month=month)
    adjustment_add(statement_id=st.pk, amount=Decimal("-12.34"), description="上月多付更正", actor=finance)
    calls = []
    path = exports.workbook_build(month=month, path=tmp_path / "m.xlsx", progress=lambda d, t: calls.append((d, t)))

    wb = load_workbook(path)
    assert wb.sheetnames == ["汇总", "工单明细", "调整项", "未计费工单"]
    ws = wb["汇总"]
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]][:5] == ["站点编码", "站点名称", "省份", "状态", "有效工单数"]
    assert ws.column_dimensions["B"].width == 30
    rows = {ws[f"A{r}"].value: r for r in range(2, ws.max_row + 1)}
    assert set(rows) == {a.code, b.code, "合计"}
    ra = rows[a.code]
    assert ws[f"J{ra}"].value == f"=F{ra}+G{ra}+H{ra}-I{ra}"
    assert ws[f"J{ra}"].number_format == CNY_FORMAT
    assert ws[f"F{ra}"].number_format == CNY_FORMAT
    assert _evaluate(ws, ws[f"J{ra}"].value) == Decimal("17.66")
    total_row = rows["合计"]
    assert ws[f"J{total_row}"].value.startswith("=SUM(J2:J")
    assert _evaluate(ws, ws[f"J{total_row}"].value) == Decimal("30.00") + Decimal("17.66")
    lines = wb["工单明细"]
    assert lines.max_row == 3
    assert lines["L2"].number_format == CNY_FORMAT
    phone = lines["G2"].value
    assert "****" in phone and len(phone) == 11
    assert calls and calls[-1][0] == calls[-1][1]


def test_pdf_statement_has_chinese_station_name_and_net(month, simple_month, tmp_path):
    a, _b = simple_month
    settlement_month_build(month=month)
    st = Statement.objects.select_related("station").get(station=a, month=month)
    path = exports.statement_pdf_build(statement=st, path=tmp_path / "s.pdf")
    text = "".join(page.extract_text() for page in PdfReader(path).pages)
    assert "郑州中原维修站" in text
    assert "¥30.00" in text
    assert st.lines.get().ticket_number in text  # the number fits its column (not wrapped)
