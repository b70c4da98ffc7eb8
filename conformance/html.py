"""A self-contained HTML report (no external assets) a vendor can send to a customer."""

from __future__ import annotations

from datetime import UTC, datetime

import jinja2
from schedulingkit.conformance.catalogue import AREAS
from schedulingkit.conformance.report import Report


def html_report(report: Report) -> str:
    """The report rendered with `templates/report.html.j2`."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("schedulingkit.conformance", "templates"),
        autoescape=True,
    )
    template = environment.get_template("report.html.j2")
    return template.render(
        report=report,
        info=report.info,
        summary=report.summary,
        areas=AREAS,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
