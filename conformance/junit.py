"""JUnit XML of a report: one test case per rule, failures with their curl commands, for CI."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from schedulingkit.conformance.report import FAILED, SKIPPED, Report


def _properties(report: Report) -> list[tuple[str, str]]:
    """What the run was: tool and contract versions, start, options, requests sent."""
    found = [("base_url", report.base_url), ("run_id", report.run_id)]
    if report.info is not None:
        info = report.info
        found += [
            ("tool_version", info.tool_version),
            ("contract_version", info.contract_version),
            ("contract_sha256", info.contract_digest),
            ("requirements_sha256", info.requirements_digest),
            ("started_at", info.started_at),
        ]
        found += [(f"option.{k}", json.dumps(v)) for k, v in info.options.items()]
    found += [
        ("duration_seconds", f"{report.duration:.1f}"),
        ("requests", str(report.request_count)),
    ]
    return found


def junit_xml(report: Report) -> str:
    """The report as a JUnit `<testsuites>` document."""
    summary = report.summary
    suites = ET.Element("testsuites", name="schedulingkit-conformance")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"conformance {report.base_url}",
        tests=str(len(report.results)),
        failures=str(summary[FAILED]),
        skipped=str(summary[SKIPPED]),
        errors="0",
        time=f"{report.duration:.3f}",
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in _properties(report):
        ET.SubElement(properties, "property", name=name, value=value)
    for result in report.results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"conformance.{result.rule.area}",
            name=f"{result.rule.id} {result.rule.title}",
            time=f"{result.duration:.3f}",
        )
        case_properties = ET.SubElement(case, "properties")
        ET.SubElement(case_properties, "property", name="requests", value=str(result.requests))
        for requirement in result.rule.requirements:
            ET.SubElement(
                case_properties, "property", name=requirement.id, value=requirement.statement
            )
        if result.status == SKIPPED:
            ET.SubElement(case, "skipped", message=result.reason or "skipped")
        elif result.status == FAILED:
            lines = []
            for failure in result.failures:
                lines.append(f"{failure.operation}: {failure.detail}")
                if failure.curl:
                    lines.append(f"  {failure.curl}")
            if result.omitted:
                lines.append(f"... and {result.omitted} more")
            failed = ET.SubElement(
                case, "failure", message=f"{len(result.failures) + result.omitted} failure(s)"
            )
            failed.text = "\n".join(lines)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)
