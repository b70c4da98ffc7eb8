"""The requirement catalogue and what cites it: every rule and every fault names requirements
that exist, every requirement is verified by a rule or says why not, and no shipped text points
outside the product."""

from __future__ import annotations

from pathlib import Path

import pytest
from schedulingkit.conformance.catalogue import (
    Rule,
    catalogue,
    rules_verifying,
    unknown_requirement_ids,
)
from schedulingkit.conformance.output import requirements_markdown
from schedulingkit.openapi.contract import load_contract
from schedulingkit.openapi.pointer import lookup
from schedulingkit.openapi.requirements import (
    UNTESTABLE,
    VERIFIED,
    CatalogueError,
    load_catalogue,
    parse_catalogue,
)

from tests.faults.catalogue import FAULTS

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ("openapi", "conformance", "schedulingkit", "impl", "README.md")


def test_every_rule_verifies_known_requirements():
    assert unknown_requirement_ids() == {}
    for rule in catalogue():
        assert rule.requirements, f"{rule.id} verifies no requirement"


def test_a_rule_citing_an_unknown_id_is_reported():
    ghost = Rule("GHOST-001", "cites nothing real", ("REQ-NOPE-01",), "minor", frozenset(), print)
    silent = Rule("GHOST-002", "cites nothing", (), "minor", frozenset(), print)
    assert unknown_requirement_ids([ghost, silent]) == {
        "GHOST-001": ["REQ-NOPE-01"],
        "GHOST-002": ["(none cited)"],
    }


def test_every_fault_names_the_requirement_it_breaks_and_its_rule_verifies_it():
    requirements = load_catalogue()
    rules = {rule.id: rule for rule in catalogue()}
    for fault in FAULTS:
        assert fault.requirement in requirements, f"{fault.name}: unknown {fault.requirement}"
        assert fault.requirement in rules[fault.rule].verifies_requirements, (
            f"{fault.name} breaks {fault.requirement}, but {fault.rule} (meant to catch it) "
            "does not verify it"
        )


def test_every_requirement_is_verified_or_says_why_not():
    """The coverage rule of the catalogue: each requirement is verified by a rule, or marked
    untestable from outside with the reason (and then verified by no rule); nothing else."""
    by_requirement = rules_verifying()
    unverified = {rid for rid, rules in by_requirement.items() if not rules}
    for requirement in load_catalogue().requirements:
        if requirement.kind == VERIFIED:
            assert requirement.id not in unverified, f"no rule verifies {requirement.id}"
        else:
            assert requirement.id in unverified, (
                f"{requirement.id} is marked {requirement.kind} but "
                f"{by_requirement[requirement.id]} verify it"
            )
            reason = requirement.untestable
            assert reason and len(reason.split()) >= 6, f"{requirement.id}: give the reason"
    kinds = {r.kind for r in load_catalogue().requirements}
    assert kinds == {VERIFIED, UNTESTABLE}


def test_the_coverage_table_lists_every_requirement_with_its_rules_or_reason():
    table = requirements_markdown()
    for requirement in load_catalogue().requirements:
        row = next(line for line in table.splitlines() if f"| {requirement.id} |" in line)
        if requirement.kind == UNTESTABLE:
            assert "untestable from outside" in row
        else:
            assert all(rule in row for rule in rules_verifying()[requirement.id])
    assert "**no rule**" not in table


def test_requirement_pointers_resolve_in_the_document():
    document = load_contract().raw
    for requirement in load_catalogue().requirements:
        for ref in requirement.refs:
            assert ref.startswith("#"), f"{requirement.id}: {ref} is not a local reference"
            lookup(document, ref[1:])  # KeyError names a pointer that leads nowhere


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("requirements: [{id: AUTH-1, statement: x}]\nareas: {AUTH: A}", "not an id"),
        ("requirements: [{id: REQ-AUTH-01}]\nareas: {AUTH: A}", "no statement"),
        ("requirements: [{id: REQ-XYZ-01, statement: s}]\nareas: {AUTH: A}", "not declared"),
        (
            "requirements: [{id: REQ-AUTH-01, statement: a}, {id: REQ-AUTH-01, statement: b}]\n"
            "areas: {AUTH: A}",
            "declared twice",
        ),
        (
            "requirements: [{id: REQ-AUTH-01, statement: a, pending: not yet}]\nareas: {AUTH: A}",
            "unknown key",
        ),
        (
            "requirements: [{id: REQ-AUTH-01, statement: a, untestible: typo}]\nareas: {AUTH: A}",
            "unknown key",
        ),
    ],
)
def test_a_malformed_catalogue_is_refused(text: str, message: str):
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(text)


def test_no_shipped_text_points_at_the_decision_memo_outside_the_product():
    offenders = []
    for name in SHIPPED:
        root = ROOT / name
        files = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
        for path in files:
            if path.suffix in (".py", ".md", ".yaml", ".j2", ".html") and "CONTRACT.md" in (
                path.read_text(encoding="utf-8", errors="replace")
            ):
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders


def test_the_readme_carries_the_current_coverage_table():
    readme = (ROOT / "conformance" / "README.md").read_text()
    copied = readme.split("<!-- requirements:start -->\n", 1)[1].split(
        "\n<!-- requirements:end -->"
    )[0]
    assert copied == requirements_markdown(), "run schedulingkit conformance --requirements"


def test_the_readme_counts_requirements_per_area():
    """The summary above the copied table: per area, how many requirements, how many a rule
    verifies, how many are untestable from outside; and the sentence that totals them."""
    readme = (ROOT / "conformance" / "README.md").read_text()
    section = readme.split("## Requirement coverage\n", 1)[1].split("<!-- requirements:start")[0]
    by_requirement = rules_verifying()
    want: dict[str, list[int]] = {}
    for requirement in load_catalogue().requirements:
        row = want.setdefault(f"{requirement.area_title} (`REQ-{requirement.area}`)", [0, 0, 0])
        row[0] += 1
        row[1 if by_requirement.get(requirement.id) else 2] += 1
    want["all"] = [sum(counts) for counts in zip(*want.values(), strict=True)]
    got = {
        cells[0]: [int(n) for n in cells[1:]]
        for line in section.splitlines()
        if line.startswith("| ") and not line.startswith(("| area", "| ---"))
        for cells in [[c.strip() for c in line.strip("|").split("|")]]
    }
    assert got == want
    total, verified, untestable = want["all"]
    assert (
        f"{total} requirements: {verified} verified by the suite's rules, {untestable} "
        "untestable from outside" in " ".join(section.split())
    )
