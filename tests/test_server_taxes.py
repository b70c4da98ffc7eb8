"""Taxes: rates as exact decimal strings, stored exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest
from schedulingkit.impl.data.models.resources import Tax
from sqlalchemy import select


@pytest.mark.parametrize(
    ("sent", "answered"),
    [("20", "20.00"), ("5.5", "5.50"), ("0", "0.00"), ("100", "100.00"), ("19.99", "19.99")],
)
def test_rate_is_answered_with_two_decimals(api, sent, answered):
    created = api.create("/taxes", {"name": "VAT", "rate": sent})
    assert created["rate"] == answered
    assert (created["inclusive"], created["is_default"], created["is_active"]) == (
        False,
        False,
        True,
    )


def test_rate_is_stored_exactly(stored, api):
    created = api.create("/taxes", {"name": "Odd", "rate": "33.33", "inclusive": True})
    [(rate,)] = stored(select(Tax.rate).where(Tax.id == created["id"]))
    assert rate == Decimal("33.33")
    assert isinstance(rate, Decimal)


@pytest.mark.parametrize("rate", ["100.01", "101", "-1", "20.005", "abc", "", "1e2"])
def test_invalid_rates_are_422(api, rate):
    response = api.post("/taxes", {"name": "VAT", "rate": rate})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["rate"]


def test_rate_must_be_a_string(api):
    response = api.post("/taxes", {"name": "VAT", "rate": 20})
    assert response.status_code == 422
    assert response.json()["errors"]["rate"] == ["The rate field must be a string."]


def test_update_and_delete(api):
    created = api.create("/taxes", {"name": "VAT", "rate": "20"})
    response = api.put(f"/taxes/{created['id']}", {"rate": "21.5", "is_default": True})
    assert response.status_code == 200
    updated = response.json()["data"]
    assert (updated["rate"], updated["is_default"], updated["name"]) == ("21.50", True, "VAT")
    assert api.delete(f"/taxes/{created['id']}").status_code == 204
    assert api.get(f"/taxes/{created['id']}").status_code == 404
