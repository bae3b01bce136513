"""Reads a captured OTLP/HTTP metrics request body with code tallymark did not write: the
`opentelemetry-proto` package's own generated classes.

Usage: otlp_judge.py BODY [gzip]

BODY is a file holding the request body as sent; with "gzip", it is gunzipped first.

Prints one JSON object:
- "resource": the resource's attributes as [key, value] pairs, in the order sent;
- "scopes": per ScopeMetrics, "name", "version" and "metrics": per metric, "name",
  "description", "unit", "type" (the `data` oneof's field name), for sums
  "temporality" (the enum's name) and "is_monotonic", for histograms "temporality",
  and "points": per data point, "attributes", "start" and "time" (nanoseconds) and
  the values of its type.

Floats that JSON cannot carry (NaN, infinities) are printed as strings.

Exits non-zero, saying why, on a body that does not parse, on any field the schema does
not know (a field number tallymark got wrong), and on an attribute value that is not a
string, which tallymark never sends.
"""

import gzip
import json
import math
import sys

from google.protobuf import unknown_fields
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.metrics.v1 import metrics_pb2


def refuse(why):
    sys.stderr.write(f"otlp_judge: {why}\n")
    sys.exit(2)


def check_known(message, where):
    """Refuses unknown fields in `message` and in every message it holds."""
    if len(unknown_fields.UnknownFieldSet(message)) != 0:
        refuse(f"unknown fields in {where}")
    for field, value in message.ListFields():
        if field.type != field.TYPE_MESSAGE:
            continue
        if field.is_repeated:
            for at, item in enumerate(value):
                check_known(item, f"{where}.{field.name}[{at}]")
        else:
            check_known(value, f"{where}.{field.name}")


def number(x):
    return x if math.isfinite(x) else str(x)


def attributes(pairs, where):
    out = []
    for pair in pairs:
        kind = pair.value.WhichOneof("value")
        if kind != "string_value":
            refuse(f"{where}: attribute {pair.key!r} holds {kind}, not a string")
        out.append([pair.key, pair.value.string_value])
    return out


def point(p, kind, where):
    out = {
        "attributes": attributes(p.attributes, where),
        "start": p.start_time_unix_nano,
        "time": p.time_unix_nano,
    }
    if kind in ("sum", "gauge"):
        which = p.WhichOneof("value")
        if which is None:
            refuse(f"{where} has no value")
        out[which] = number(getattr(p, which))
    elif kind == "histogram":
        out["count"] = p.count
        out["sum"] = number(p.sum) if p.HasField("sum") else None
        out["bucket_counts"] = list(p.bucket_counts)
        out["explicit_bounds"] = [number(b) for b in p.explicit_bounds]
    elif kind == "exponential_histogram":
        out["count"] = p.count
        out["sum"] = number(p.sum) if p.HasField("sum") else None
        out["scale"] = p.scale
        out["zero_count"] = p.zero_count
        out["zero_threshold"] = number(p.zero_threshold)
        for side in ("positive", "negative"):
            buckets = getattr(p, side)
            out[side] = {
                "offset": buckets.offset,
                "bucket_counts": list(buckets.bucket_counts),
            }
    elif kind == "summary":
        out["count"] = p.count
        out["sum"] = number(p.sum)
        out["quantiles"] = [
            [number(q.quantile), number(q.value)] for q in p.quantile_values
        ]
    return out


def metric(m, where):
    kind = m.WhichOneof("data")
    if kind is None:
        refuse(f"{where} has no data")
    data = getattr(m, kind)
    out = {
        "name": m.name,
        "description": m.description,
        "unit": m.unit,
        "type": kind,
    }
    if kind in ("sum", "histogram", "exponential_histogram"):
        out["temporality"] = metrics_pb2.AggregationTemporality.Name(
            data.aggregation_temporality
        )
    if kind == "sum":
        out["is_monotonic"] = data.is_monotonic
    out["points"] = [
        point(p, kind, f"{where}.points[{at}]") for at, p in enumerate(data.data_points)
    ]
    return out


def main():
    body_path = sys.argv[1]
    with open(body_path, "rb") as f:
        body = f.read()
    if sys.argv[2:] == ["gzip"]:
        body = gzip.decompress(body)
    try:
        request = metrics_service_pb2.ExportMetricsServiceRequest.FromString(body)
    except Exception as e:  # the runtime's DecodeError, whichever backend raised it
        refuse(f"not an ExportMetricsServiceRequest: {e}")
    check_known(request, "the request")
    if len(request.resource_metrics) != 1:
        refuse(f"{len(request.resource_metrics)} ResourceMetrics, not one")
    resource_metrics = request.resource_metrics[0]
    out = {
        "resource": attributes(resource_metrics.resource.attributes, "the resource"),
        "scopes": [
            {
                "name": s.scope.name,
                "version": s.scope.version,
                "metrics": [
                    metric(m, f"scope {i} metric {j}") for j, m in enumerate(s.metrics)
                ],
            }
            for i, s in enumerate(resource_metrics.scope_metrics)
        ],
    }
    print(json.dumps(out, ensure_ascii=False))


main()
