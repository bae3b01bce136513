"""Judges what an instrumented crate rendered, with prometheus_client's parsers.

Usage: judge.py DIR, where DIR holds metrics.txt (text 0.0.4) and metrics.om (OpenMetrics).
Both parsers must read their file whole, and no two samples of a file may share a name and
a label set (labels in any order, empty values left out as Prometheus leaves them out).
prometheus_client's OpenMetrics parser folds a label set repeated on the next line into
one sample, so each file's sample lines are also compared as written, name and label text.
Prints a JSON object: for each file, how many samples it held and the repeated identities.
"""

import json
import pathlib
import sys

from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as parse_openmetrics,
)
from prometheus_client.parser import text_string_to_metric_families as parse_text


def judge(families):
    seen = set()
    repeated = []
    samples = 0
    for family in families:
        for sample in family.samples:
            labels = tuple(sorted((k, v) for k, v in sample.labels.items() if v != ""))
            identity = (sample.name, labels)
            samples += 1
            if identity in seen:
                repeated.append(f"{sample.name}{dict(labels)}")
            seen.add(identity)
    return {"samples": samples, "repeated": repeated}


def series_text(line):
    """The name and label text of a sample line: up to the first space outside quotes."""
    quoted = escaped = False
    for i, c in enumerate(line):
        if escaped:
            escaped = False
        elif c == "\\":
            escaped = quoted
        elif c == '"':
            quoted = not quoted
        elif c == " " and not quoted:
            return line[:i]
    return line


def repeated_lines(text):
    seen = set()
    repeated = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        identity = series_text(line)
        if identity in seen:
            repeated.append(identity)
        seen.add(identity)
    return repeated


def main():
    out = pathlib.Path(sys.argv[1])
    text = (out / "metrics.txt").read_text()
    openmetrics = (out / "metrics.om").read_text()
    verdict = {
        "text": judge(parse_text(text)),
        "openmetrics": judge(parse_openmetrics(openmetrics)),
    }
    verdict["text"]["repeated"] += repeated_lines(text)
    verdict["openmetrics"]["repeated"] += repeated_lines(openmetrics)
    print(json.dumps(verdict))


if __name__ == "__main__":
    main()
