"""Invoice arithmetic and invoice status rules, exact to the minor unit.

Money is integer minor units; every intermediate value is a `Decimal`, and each tax of each
line is rounded half-up to an integer once (never floats, never rounding of sums), so an
invoice computed here, by a client, or by another deployment agrees to the unit.

- line amount = quantity x unit_amount (both integers);
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
    def inclusive_tax_amount(self) -> int:
        return sum(tax.amount for tax in self.taxes if tax.inclusive)


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


def line_totals(quantity: int, unit_amount: int, taxes: Iterable[TaxRule]) -> LineTotals:
    """Amount (`quantity x unit_amount`) and per-tax snapshot of one line."""
    amount = quantity * unit_amount
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


# Statuses in which nothing is owed any more, whatever was billed.
SETTLED_WITHOUT_PAYMENT = frozenset({"cancelled", "refunded"})


def invoice_totals(
    lines: Sequence[LineTotals], discount: int, amount_paid: int, status: str = "draft"
) -> InvoiceTotals:
    """The invoice's money fields from its computed lines, as the `Invoice` schema defines them.

    subtotal is the sum of the line amounts less their inclusive taxes (so it is net of
    every tax); tax_total is every tax of every line; total = subtotal + tax_total - discount;
    amount_due = total - amount_paid, and 0 once the invoice is cancelled or refunded.
    """
    subtotal = sum(line.amount - line.inclusive_tax_amount for line in lines)
    tax_total = sum(line.tax_amount for line in lines)
    total = subtotal + tax_total - discount
    amount_due = 0 if status in SETTLED_WITHOUT_PAYMENT else total - amount_paid
    return InvoiceTotals(
        subtotal=subtotal,
        tax_total=tax_total,
        discount=discount,
        total=total,
        amount_paid=amount_paid,
        amount_due=amount_due,
    )


# Allowed status changes of an invoice (the `Invoice` schema): status -> where it may go.
# `partially_paid` -> `partially_paid` is a further partial payment.
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"sent", "cancelled"}),
    "sent": frozenset({"paid", "partially_paid", "overdue", "cancelled"}),
    "overdue": frozenset({"paid", "partially_paid", "cancelled"}),
    "partially_paid": frozenset({"paid", "partially_paid", "overdue", "refunded"}),
    "paid": frozenset({"refunded"}),
    "cancelled": frozenset(),
    "refunded": frozenset(),
}

STATUSES: tuple[str, ...] = tuple(TRANSITIONS)
PAYMENT_STATUSES = frozenset({"paid", "partially_paid"})


def can_transition(current: str, target: str) -> bool:
    """Whether an invoice may move from `current` to `target`."""
    return target in TRANSITIONS.get(current, frozenset())


@dataclass(frozen=True)
class Movement:
    """Money that a status change moves: the transaction it records."""

    type: str  # "payment" or "refund"
    amount: int
    fee: int
    provider: str
    provider_reference: str | None


@dataclass(frozen=True)
class StatusChange:
    """The outcome of asking for a status: the new status and the money it moves, if any."""

    status: str
    movement: Movement | None
    amount_paid: int  # after the change


DEFAULT_PROVIDER = "cash"


def plan_status_change(
    current: str,
    target: str | None,
    payment: dict | None,
    amount_paid: int,
    amount_due: int,
    refund_provider: str = DEFAULT_PROVIDER,
) -> tuple[StatusChange | None, dict[str, list[str]]]:
    """Check a requested status (and payment) against the rules; plan what it records.

    Returns the change (None when the status stays as it is) and the errors, keyed by body
    field. Asking for the current status is no change, except `partially_paid` again, which
    is a further partial payment. `refund_provider` is how the refund is paid back (the
    provider of the invoice's last payment).
    """
    errors: dict[str, list[str]] = {}
    moves = target is not None and (target != current or target == "partially_paid")
    if payment is not None and (not moves or target not in PAYMENT_STATUSES):
        errors["payment"] = [
            "A payment can only be given when the status becomes paid or partially_paid."
        ]
    if target is None or not moves:
        return None, errors
    if not can_transition(current, target):
        errors["status"] = [f"The status cannot change from {current} to {target}."]
    if errors:
        return None, errors
    if target in PAYMENT_STATUSES:
        payment = payment or {}
        amount = payment.get("amount")
        if target == "paid":
            if amount is None:
                amount = amount_due
            elif amount != amount_due:
                errors["payment.amount"] = [
                    f"The payment.amount field must equal the amount due ({amount_due})."
                ]
        elif amount is None:
            errors["payment.amount"] = [
                "The payment.amount field is required when the status becomes partially_paid."
            ]
        elif amount >= amount_due:
            errors["payment.amount"] = [
                f"The payment.amount field must be less than the amount due ({amount_due})."
            ]
        if errors:
            return None, errors
        movement = Movement(
            type="payment",
            amount=amount,
            fee=payment.get("fee", 0),
            provider=payment.get("provider", DEFAULT_PROVIDER),
            provider_reference=payment.get("provider_reference"),
        )
        return StatusChange(target, movement, amount_paid + amount), errors
    if target == "refunded":
        refund = Movement("refund", amount_paid, 0, refund_provider, None)
        return StatusChange(target, refund, 0), errors
    return StatusChange(target, None, amount_paid), errors
