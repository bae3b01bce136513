"""Reads many registries' expositions with parsers tallymark did not write.

Usage: judge.py JOBS OUT PB_DIR

JOBS holds one JSON object per line: {"id", "text", "om", "pb"}, the 0.0.4 text, the
OpenMetrics text and the delimited protobuf (as hex) of one registry. PB_DIR holds
metrics_pb2.py, compiled from client_model's metrics.proto by grpcio-tools' protoc.

OUT gets one JSON object per job line: {"id", "text", "om", "pb"}, each either
{"error": "..."} or what the parser read:
- text, om: {"families": [{"name", "type", "help", "unit", "samples": [{"name", "labels",
  "value", "timestamp", "exemplar"}]}], "lines": sample lines in the exposition};
  prometheus_client.parser reads the 0.0.4 text, prometheus_client.openmetrics.parser
  the OpenMetrics text.
- pb: {"families": [...]}: each MetricFamily read with the protobuf runtime, every field
  that is set (null when not), native buckets turned from spans and deltas into absolute
  (index, count) pairs.

Numbers are strings that keep NaN, infinities and every bit: "i:<int>" for integers (the
text parsers keep integer values as Python ints), "f:<repr(float)>" for floats. Labels are
[name, value] lists in the order read. OpenMetrics timestamps are "t:<sec>.<nsec>".
"""

import json
import sys

from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as parse_openmetrics,
)
from prometheus_client.parser import text_string_to_metric_families as parse_text
from prometheus_client.samples import Timestamp


def num(v):
    if isinstance(v, bool):
        raise TypeError(f"a bool where a number belongs: {v!r}")
    if isinstance(v, int):
        return f"i:{v}"
    return "f:" + repr(float(v))


def stamp(ts):
    if ts is None:
        return None
    if isinstance(ts, Timestamp):
        return f"t:{ts}"
    return num(ts)


def text_families(families):
    out = []
    for family in families:
        samples = []
        for s in family.samples:
            exemplar = None
            if s.exemplar is not None:
                exemplar = {
                    "labels": [[k, v] for k, v in s.exemplar.labels.items()],
                    "value": num(s.exemplar.value),
                    "timestamp": stamp(s.exemplar.timestamp),
                }
            if s.native_histogram is not None:
                raise ValueError(f"a native histogram sample in text: {s!r}")
            samples.append(
                {
                    "name": s.name,
                    "labels": [[k, v] for k, v in s.labels.items()],
                    "value": num(s.value),
                    "timestamp": stamp(s.timestamp),
                    "exemplar": exemplar,
                }
            )
        out.append(
            {
                "name": family.name,
                "type": family.type,
                "help": family.documentation,
                "unit": family.unit,
                "samples": samples,
            }
        )
    return out


def sample_lines(text):
    return sum(1 for line in text.split("\n") if line and not line.startswith("#"))


def judge_text(parse, text):
    try:
        return {"families": text_families(parse(text)), "lines": sample_lines(text)}
    except Exception as e:  # every refusal is a verdict
        return {"error": f"{type(e).__name__}: {e}"}


def varint(data, pos):
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ValueError("varint runs past the end")
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift >= 64:
            raise ValueError("varint longer than 64 bits")


def opt(msg, field, conv=lambda v: v):
    return conv(getattr(msg, field)) if msg.HasField(field) else None


def labels_of(pairs):
    return [[opt(p, "name"), opt(p, "value")] for p in pairs]


def pb_exemplar(msg, holder):
    if not holder.HasField("exemplar"):
        return None
    e = holder.exemplar
    ts = None
    if e.HasField("timestamp"):
        ts = [e.timestamp.seconds, e.timestamp.nanos]
    return {"labels": labels_of(e.label), "value": opt(e, "value", num), "timestamp": ts}


def absolute(spans, deltas):
    if sum(s.length for s in spans) != len(deltas):
        raise ValueError(f"{len(deltas)} deltas for spans of {sum(s.length for s in spans)}")
    out, index, count, it = [], 0, 0, iter(deltas)
    for span in spans:
        index += span.offset
        for _ in range(span.length):
            count += next(it)
            out.append([index, count])
            index += 1
    return out


def pb_created(m):
    for kind in ("counter", "summary", "histogram"):
        if m.HasField(kind) and getattr(m, kind).HasField("created_timestamp"):
            ts = getattr(m, kind).created_timestamp
            return [ts.seconds, ts.nanos]
    return None


def pb_metric(m):
    out = {
        "labels": labels_of(m.label),
        "timestamp_ms": opt(m, "timestamp_ms", num),
        "created": pb_created(m),
    }
    if m.HasField("counter"):
        c = m.counter
        out["counter"] = {"value": opt(c, "value", num), "exemplar": pb_exemplar(c, c)}
    if m.HasField("gauge"):
        out["gauge"] = {"value": opt(m.gauge, "value", num)}
    if m.HasField("untyped"):
        out["untyped"] = {"value": opt(m.untyped, "value", num)}
    if m.HasField("summary"):
        s = m.summary
        out["summary"] = {
            "sample_count": opt(s, "sample_count", num),
            "sample_sum": opt(s, "sample_sum", num),
            "quantiles": [[opt(q, "quantile", num), opt(q, "value", num)] for q in s.quantile],
        }
    if m.HasField("histogram"):
        h = m.histogram
        out["histogram"] = {
            "sample_count": opt(h, "sample_count", num),
            "sample_count_float": opt(h, "sample_count_float", num),
            "sample_sum": opt(h, "sample_sum", num),
            "schema": opt(h, "schema", num),
            "zero_threshold": opt(h, "zero_threshold", num),
            "zero_count": opt(h, "zero_count", num),
            "zero_count_float": opt(h, "zero_count_float", num),
            "buckets": [
                {
                    "upper_bound": opt(b, "upper_bound", num),
                    "cumulative_count": opt(b, "cumulative_count", num),
                    "cumulative_count_float": opt(b, "cumulative_count_float", num),
                    "exemplar": pb_exemplar(b, b),
                }
                for b in h.bucket
            ],
            "positive": [[i, num(c)] for i, c in absolute(h.positive_span, h.positive_delta)],
            "negative": [[i, num(c)] for i, c in absolute(h.negative_span, h.negative_delta)],
            "positive_count": [num(c) for c in h.positive_count],
            "negative_count": [num(c) for c in h.negative_count],
        }
    return out


def judge_pb(metrics_pb2, data):
    try:
        families, pos = [], 0
        while pos < len(data):
            size, pos = varint(data, pos)
            if pos + size > len(data):
                raise ValueError(f"a message of {size} bytes at {pos} runs past the end")
            family = metrics_pb2.MetricFamily()
            family.ParseFromString(data[pos : pos + size])
            pos += size
            families.append(
                {
                    "name": opt(family, "name"),
                    "help": opt(family, "help"),
                    "type": opt(family, "type", num),
                    "metrics": [pb_metric(m) for m in family.metric],
                }
            )
        return {"families": families}
    except Exception as e:  # every refusal is a verdict
        return {"error": f"{type(e).__name__}: {e}"}


def main():
    jobs, out_path, pb_dir = sys.argv[1:4]
    sys.path.insert(0, pb_dir)
    import metrics_pb2

    with open(jobs, encoding="utf-8") as lines, open(out_path, "w", encoding="utf-8") as out:
        for line in lines:
            job = json.loads(line)
            verdict = {
                "id": job["id"],
                "text": judge_text(parse_text, job["text"]),
                "om": judge_text(parse_openmetrics, job["om"]),
                "pb": judge_pb(metrics_pb2, bytes.fromhex(job["pb"])),
            }
            out.write(json.dumps(verdict) + "\n")


if __name__ == "__main__":
    main()
