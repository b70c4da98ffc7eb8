"""JUnit XML of a report: one test case per rule, failures with their curl commands, for CI."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from schedulingkit.conformance.report import FAILED, SKIPPED, Report


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
    for result in report.results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"conformance.{result.rule.area}",
            name=f"{result.rule.id} {result.rule.title}",
            time=f"{result.duration:.3f}",
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
