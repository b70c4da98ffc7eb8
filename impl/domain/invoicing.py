"""Invoice arithmetic and invoice status rules, exact to the minor unit.

Money is integer minor units; every intermediate value is a `Decimal`, and each tax of each
line is rounded half-up to an integer once (never floats, never rounding of sums), so an
invoice computed here, by a client, or by another deployment agrees to the unit.

- line amount = quantity x unit_amount (rounded half-up when the quantity is fractional);
- exclusive tax = amount x rate / 100 (added on top of the amount);
- inclusive tax = amount - amount / (1 + rate / 100) (already part of the amount);
- several taxes on one line are each computed on the line amount and summed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)


def round_minor(value: Decimal) -> int:
    """Round a Decimal amount of minor units half-up (away from zero) to an integer."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class TaxRule:
    """A tax as it is applied: the values the invoice line keeps as its snapshot."""

    name: str
    rate: Decimal
    inclusive: bool
    tax_id: int | None = None


@dataclass(frozen=True)
class AppliedTax:
    """A tax snapshot on one line, with the amount it contributed to that line."""

    tax_id: int | None
    name: str
    rate: Decimal
    inclusive: bool
    amount: int


@dataclass(frozen=True)
class LineTotals:
    """The computed values of one invoice line."""

    amount: int
    taxes: tuple[AppliedTax, ...]

    @property
    def tax_amount(self) -> int:
        return sum(tax.amount for tax in self.taxes)

    @property
    def exclusive_tax_amount(self) -> int:
        return sum(tax.amount for tax in self.taxes if not tax.inclusive)


@dataclass(frozen=True)
class InvoiceTotals:
    """The computed money fields of an invoice."""

    subtotal: int
    tax_total: int
    discount: int
    total: int
    amount_paid: int
    amount_due: int


def tax_amount(amount: int, rate: Decimal, inclusive: bool) -> int:
    """The tax one rule contributes to a line amount, rounded half-up to a minor unit."""
    amount_d = Decimal(amount)
    rate_d = Decimal(rate)
    if inclusive:
        exact = amount_d - amount_d / (1 + rate_d / HUNDRED)
    else:
        exact = amount_d * rate_d / HUNDRED
    return round_minor(exact)


def line_totals(quantity: Decimal | int, unit_amount: int, taxes: Iterable[TaxRule]) -> LineTotals:
    """Amount and per-tax snapshot of one line."""
    amount = round_minor(Decimal(quantity) * Decimal(unit_amount))
    applied = tuple(
        AppliedTax(
            tax_id=rule.tax_id,
            name=rule.name,
            rate=Decimal(rule.rate),
            inclusive=rule.inclusive,
            amount=tax_amount(amount, rule.rate, rule.inclusive),
        )
        for rule in taxes
    )
    return LineTotals(amount=amount, taxes=applied)


def invoice_totals(lines: Sequence[LineTotals], discount: int, amount_paid: int) -> InvoiceTotals:
    """The invoice's money fields from its computed lines.

    subtotal is the sum of the line amounts (inclusive taxes are inside them); tax_total is
    the sum of every tax of every line; total adds only the exclusive taxes to the subtotal
    and takes the discount off; amount_due is what is left to pay.
    """
    subtotal = sum(line.amount for line in lines)
    tax_total = sum(line.tax_amount for line in lines)
    exclusive = sum(line.exclusive_tax_amount for line in lines)
    total = subtotal + exclusive - discount
    return InvoiceTotals(
        subtotal=subtotal,
        tax_total=tax_total,
        discount=discount,
        total=total,
        amount_paid=amount_paid,
        amount_due=total - amount_paid,
    )


# Allowed status changes of an invoice: status -> the statuses it may move to.
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"sent", "cancelled"}),
    "sent": frozenset({"paid", "partially_paid", "overdue", "cancelled"}),
    "partially_paid": frozenset({"paid", "overdue"}),
    "overdue": frozenset({"paid", "partially_paid", "cancelled"}),
    "paid": frozenset({"refunded"}),
    "cancelled": frozenset(),
    "refunded": frozenset(),
}

STATUSES: tuple[str, ...] = tuple(TRANSITIONS)


def can_transition(current: str, target: str) -> bool:
    """Whether an invoice may move from `current` to `target` (staying put is not a move)."""
    return target in TRANSITIONS.get(current, frozenset())
