"""Invoice arithmetic (Decimal, half-up per line per tax) and the invoice status graph."""

from __future__ import annotations

from decimal import Decimal

import pytest
from schedulingkit.impl.domain.invoicing import (
    STATUSES,
    TRANSITIONS,
    InvoiceTotals,
    Movement,
    StatusChange,
    TaxRule,
    can_transition,
    invoice_totals,
    line_totals,
    plan_status_change,
    round_minor,
    tax_amount,
)
from schedulingkit.openapi.contract import load_contract

TAXES = [
    # amount, rate, inclusive, expected tax
    pytest.param(1000, "20.00", False, 200, id="exclusive-20pct"),
    pytest.param(1000, "20.00", True, 167, id="inclusive-20pct-of-1000-is-166.67-rounds-up"),
    pytest.param(1200, "20.00", True, 200, id="inclusive-20pct-exact"),
    pytest.param(1004, "12.50", False, 126, id="exclusive-exact-half-125.5-rounds-up"),
    pytest.param(1012, "12.50", False, 127, id="exclusive-exact-half-126.5-rounds-up"),
    pytest.param(100, "7.50", False, 8, id="exclusive-7.5-rounds-up"),
    pytest.param(5, "10.00", False, 1, id="exclusive-0.5-rounds-up"),
    pytest.param(4, "10.00", False, 0, id="exclusive-0.4-rounds-down"),
    pytest.param(21, "100.00", True, 11, id="inclusive-exact-half-10.5-rounds-up"),
    pytest.param(1000, "0.00", False, 0, id="zero-rate-exclusive"),
    pytest.param(1000, "0", True, 0, id="zero-rate-inclusive"),
    pytest.param(999, "100.00", False, 999, id="exclusive-100pct"),
    pytest.param(999, "100.00", True, 500, id="inclusive-100pct-499.5-rounds-up"),
    pytest.param(1055, "5.50", True, 55, id="inclusive-5.5pct"),
    pytest.param(1, "19.00", True, 0, id="inclusive-on-one-unit"),
    pytest.param(0, "20.00", False, 0, id="zero-amount"),
    pytest.param(10**15, "20.00", False, 2 * 10**14, id="large-amount-exact"),
    pytest.param(
        99_999_999_999, "33.33", True, 24_998_124_953, id="large-amount-inclusive-no-float-drift"
    ),
    pytest.param(333, "0.01", False, 0, id="tiny-rate-0.0333"),
    pytest.param(5000, "0.01", False, 1, id="tiny-rate-0.5-rounds-up"),
]


@pytest.mark.parametrize(("amount", "rate", "inclusive", "expected"), TAXES)
def test_tax_amount(amount: int, rate: str, inclusive: bool, expected: int) -> None:
    assert tax_amount(amount, Decimal(rate), inclusive) == expected


def test_large_inclusive_case_matches_exact_rational_arithmetic() -> None:
    # 99_999_999_999 - 99_999_999_999 / 1.3333 computed with integers only.
    numerator = 99_999_999_999 * 3333  # amount * rate / (100 + rate), rate = 33.33
    denominator = 13333
    quotient, remainder = divmod(numerator, denominator)
    expected = quotient + (1 if 2 * remainder >= denominator else 0)
    assert tax_amount(99_999_999_999, Decimal("33.33"), True) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.5", 1), ("1.5", 2), ("2.5", 3), ("2.4999", 2), ("-0.5", -1), ("0", 0)],
)
def test_round_minor_is_half_up_not_bankers(value: str, expected: int) -> None:
    assert round_minor(Decimal(value)) == expected


VAT = TaxRule(name="VAT", rate=Decimal("20.00"), inclusive=False, tax_id=1)
VAT_INCL = TaxRule(name="VAT incl.", rate=Decimal("20.00"), inclusive=True, tax_id=2)
CITY = TaxRule(name="City tax", rate=Decimal("5.50"), inclusive=False, tax_id=3)
ZERO = TaxRule(name="Zero", rate=Decimal("0"), inclusive=False, tax_id=4)

LINES = [
    # quantity, unit_amount, taxes, expected amount, expected per-tax amounts
    pytest.param(1, 1000, (), 1000, (), id="no-tax"),
    pytest.param(3, 333, (VAT,), 999, (200,), id="qty-3-exclusive-199.8"),
    pytest.param(1, 1000, (VAT, CITY), 1000, (200, 55), id="two-exclusive-taxes-independent"),
    pytest.param(1, 1000, (VAT_INCL, CITY), 1000, (167, 55), id="inclusive-and-exclusive"),
    pytest.param(1, 1000, (ZERO,), 1000, (0,), id="zero-rate-snapshot-kept"),
    pytest.param(2, 6500, (VAT,), 13000, (2600,), id="document-example"),
    pytest.param(10_000, 100_000_000_000, (VAT,), 10**15, (2 * 10**14,), id="schema-maximums"),
    pytest.param(1_000_000, 99_999, (VAT,), 99_999_000_000, (19_999_800_000,), id="large-quantity"),
    pytest.param(1, 0, (VAT,), 0, (0,), id="free-line"),
]


@pytest.mark.parametrize(("quantity", "unit", "taxes", "amount", "tax_amounts"), LINES)
def test_line_totals(
    quantity: int,
    unit: int,
    taxes: tuple[TaxRule, ...],
    amount: int,
    tax_amounts: tuple[int, ...],
) -> None:
    line = line_totals(quantity, unit, taxes)
    assert line.amount == amount
    assert tuple(t.amount for t in line.taxes) == tax_amounts
    assert line.tax_amount == sum(tax_amounts)
    # the snapshot keeps what was applied, so later edits of a tax cannot change it
    assert [(t.tax_id, t.name, t.rate, t.inclusive) for t in line.taxes] == [
        (rule.tax_id, rule.name, rule.rate, rule.inclusive) for rule in taxes
    ]


def test_taxes_are_rounded_per_line_not_on_the_sum() -> None:
    # each line: 1 x 5 at 10% = 0.5 -> 1; rounding the sum would give 3 x 0.5 = 1.5 -> 2
    lines = [line_totals(1, 5, (TaxRule("T", Decimal("10"), False),)) for _ in range(3)]
    totals = invoice_totals(lines, discount=0, amount_paid=0)
    assert totals.tax_total == 3
    assert totals.total == 18
    assert totals.amount_due == 18


INVOICES = [
    # lines, discount, paid, status -> (subtotal, tax_total, discount, total, paid, due)
    pytest.param(
        [(1, 1000, (VAT,))], 0, 0, "draft", (1000, 200, 0, 1200, 0, 1200), id="exclusive-on-top"
    ),
    pytest.param(
        [(1, 6000, (VAT_INCL,))],
        0,
        0,
        "draft",
        (5000, 1000, 0, 6000, 0, 6000),
        id="inclusive-taken-out-of-the-subtotal",
    ),
    pytest.param(
        [(2, 6500, (VAT,))],
        600,
        5000,
        "partially_paid",
        (13000, 2600, 600, 15000, 5000, 10000),
        id="document-example",
    ),
    pytest.param(
        [(2, 1000, (VAT_INCL, CITY)), (3, 333, (VAT,)), (1, 50, ())],
        100,
        500,
        "partially_paid",
        # amounts 2000 + 999 + 50; taxes (333 incl. + 110) + 200; subtotal 3049 - 333
        (2716, 643, 100, 3259, 500, 2759),
        id="mixed-lines-discount-and-payment",
    ),
    pytest.param(
        [(1, 1000, (VAT,))], 0, 1200, "paid", (1000, 200, 0, 1200, 1200, 0), id="fully-paid"
    ),
    pytest.param(
        [(1, 1000, (VAT,))],
        1200,
        0,
        "draft",
        (1000, 200, 1200, 0, 0, 0),
        id="discount-of-everything",
    ),
    pytest.param(
        [(1, 1000, (VAT,))], 0, 0, "cancelled", (1000, 200, 0, 1200, 0, 0), id="cancelled-owes-0"
    ),
    pytest.param(
        [(1, 1000, (VAT,))], 0, 0, "refunded", (1000, 200, 0, 1200, 0, 0), id="refunded-owes-0"
    ),
]


@pytest.mark.parametrize(("lines", "discount", "paid", "status", "expected"), INVOICES)
def test_invoice_totals(
    lines: list[tuple[int, int, tuple[TaxRule, ...]]],
    discount: int,
    paid: int,
    status: str,
    expected: tuple[int, ...],
) -> None:
    computed = [line_totals(quantity, unit, taxes) for quantity, unit, taxes in lines]
    totals = invoice_totals(computed, discount=discount, amount_paid=paid, status=status)
    assert totals == InvoiceTotals(*expected)


ALLOWED = {
    ("draft", "sent"),
    ("draft", "cancelled"),
    ("sent", "paid"),
    ("sent", "partially_paid"),
    ("sent", "overdue"),
    ("sent", "cancelled"),
    ("overdue", "paid"),
    ("overdue", "partially_paid"),
    ("overdue", "cancelled"),
    ("partially_paid", "paid"),
    ("partially_paid", "partially_paid"),
    ("partially_paid", "overdue"),
    ("partially_paid", "refunded"),
    ("paid", "refunded"),
}


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("target", STATUSES)
def test_status_graph(current: str, target: str) -> None:
    assert can_transition(current, target) is ((current, target) in ALLOWED)


def test_graph_knows_every_status() -> None:
    assert set(STATUSES) == {
        "draft",
        "sent",
        "paid",
        "partially_paid",
        "overdue",
        "cancelled",
        "refunded",
    }
    assert all(targets <= set(STATUSES) for targets in TRANSITIONS.values())
    assert not TRANSITIONS["cancelled"]
    assert not TRANSITIONS["refunded"]
    assert not can_transition("unknown", "sent")


PLANS = [
    # current, target, payment, paid, due -> (status, movement, amount_paid) or error fields
    pytest.param("draft", None, None, 0, 1200, None, set(), id="no-status-no-change"),
    pytest.param("draft", "draft", None, 0, 1200, None, set(), id="same-status-no-change"),
    pytest.param("paid", "paid", None, 1200, 0, None, set(), id="paid-again-no-change"),
    pytest.param("draft", "sent", None, 0, 1200, ("sent", None, 0), set(), id="send"),
    pytest.param(
        "sent",
        "paid",
        None,
        0,
        1200,
        ("paid", Movement("payment", 1200, 0, "cash", None), 1200),
        set(),
        id="paid-defaults-to-the-amount-due-in-cash",
    ),
    pytest.param(
        "overdue",
        "paid",
        {"amount": 1200, "fee": 35, "provider": "stripe", "provider_reference": "pi_1"},
        0,
        1200,
        ("paid", Movement("payment", 1200, 35, "stripe", "pi_1"), 1200),
        set(),
        id="paid-with-payment-details",
    ),
    pytest.param(
        "sent", "paid", {"amount": 1000}, 0, 1200, None, {"payment.amount"}, id="paid-not-in-full"
    ),
    pytest.param(
        "sent",
        "partially_paid",
        {"amount": 500},
        0,
        1200,
        ("partially_paid", Movement("payment", 500, 0, "cash", None), 500),
        set(),
        id="partial-payment",
    ),
    pytest.param(
        "partially_paid",
        "partially_paid",
        {"amount": 300, "provider": "card"},
        500,
        700,
        ("partially_paid", Movement("payment", 300, 0, "card", None), 800),
        set(),
        id="further-partial-payment",
    ),
    pytest.param(
        "partially_paid",
        "paid",
        None,
        800,
        400,
        ("paid", Movement("payment", 400, 0, "cash", None), 1200),
        set(),
        id="pay-the-rest",
    ),
    pytest.param(
        "sent", "partially_paid", None, 0, 1200, None, {"payment.amount"}, id="partial-needs-amount"
    ),
    pytest.param(
        "sent",
        "partially_paid",
        {"amount": 1200},
        0,
        1200,
        None,
        {"payment.amount"},
        id="partial-must-be-less-than-due",
    ),
    pytest.param(
        "paid",
        "refunded",
        None,
        1200,
        0,
        ("refunded", Movement("refund", 1200, 0, "stripe", None), 0),
        set(),
        id="refund-of-the-amount-paid",
    ),
    pytest.param(
        "partially_paid",
        "refunded",
        None,
        500,
        700,
        ("refunded", Movement("refund", 500, 0, "stripe", None), 0),
        set(),
        id="refund-a-partial-payment",
    ),
    pytest.param("draft", "paid", None, 0, 1200, None, {"status"}, id="draft-cannot-be-paid"),
    pytest.param("cancelled", "sent", None, 0, 0, None, {"status"}, id="cancelled-is-final"),
    pytest.param("refunded", "paid", None, 0, 0, None, {"status"}, id="refunded-is-final"),
    pytest.param("sent", "refunded", None, 0, 1200, None, {"status"}, id="refund-unpaid"),
    pytest.param(
        "draft", "sent", {"amount": 1}, 0, 1200, None, {"payment"}, id="payment-with-other-status"
    ),
    pytest.param("sent", None, {"amount": 1}, 0, 1200, None, {"payment"}, id="payment-alone"),
    pytest.param(
        "draft",
        "paid",
        {"amount": 1},
        0,
        1200,
        None,
        {"status"},
        id="payment-with-a-forbidden-move",
    ),
    pytest.param(
        "cancelled",
        "draft",
        {"amount": 1},
        0,
        1200,
        None,
        {"status", "payment"},
        id="every-failing-field-listed",
    ),
]


@pytest.mark.parametrize(
    ("current", "target", "payment", "paid", "due", "expected", "error_fields"), PLANS
)
def test_plan_status_change(
    current: str,
    target: str | None,
    payment: dict | None,
    paid: int,
    due: int,
    expected: tuple | None,
    error_fields: set[str],
) -> None:
    change, errors = plan_status_change(current, target, payment, paid, due, "stripe")
    assert set(errors) == error_fields
    if expected is None:
        assert change is None
    else:
        assert change == StatusChange(*expected)


def test_the_graph_is_the_documents_x_transitions() -> None:
    """The contract's `Invoice.status` `x-transitions`, read by the shared reader."""
    table = load_contract().transitions("Invoice", "status")
    assert table is not None
    assert {current: set(targets) for current, targets in table.items()} == TRANSITIONS
