"""Reads a captured remote-write request body with code tallymark did not write.

Usage: remote_write_judge.py PB_DIR VERSION BODY

PB_DIR holds write_v2_pb2.py and remote_pb2.py, compiled by grpcio-tools' protoc.
VERSION is "2" (io.prometheus.write.v2.Request) or "1" (prometheus.WriteRequest). BODY
is a file holding the request body as sent: snappy's block format, which
python-snappy's `uncompress` reads.

Prints one JSON object:
- "symbols": the 2.0 symbol table as sent (absent for 1.0);
- "series": per time series, "labels" as [name, value] pairs in the order sent (2.0
  references resolved through the symbols), "samples" as [value, timestamp] pairs, and
  for 2.0 "type" (the enum's name), "help", "unit" (resolved) and "created";
- "metadata": for 1.0, per family, "type", "family", "help" and "unit".

Exits non-zero, saying why, on anything the schema does not allow or leaves unread: an
unknown field (the other version's body decoded as this one), an odd number of label
references, a reference past the end of the symbols.
"""

import json
import sys

import snappy
from google.protobuf import unknown_fields


def refuse(why):
    sys.stderr.write(f"remote_write_judge: {why}\n")
    sys.exit(2)


def check_known(message, where):
    if len(unknown_fields.UnknownFieldSet(message)) != 0:
        refuse(f"unknown fields in {where}")


def samples(series, where):
    out = []
    for sample in series.samples:
        check_known(sample, where)
        out.append([sample.value, sample.timestamp])
    return out


def version_2(body, pb):
    request = pb.Request.FromString(body)
    check_known(request, "the Request")
    symbols = list(request.symbols)

    def symbol(ref, where):
        if ref >= len(symbols):
            refuse(f"{where} refers to symbol {ref} of {len(symbols)}")
        return symbols[ref]

    series_out = []
    for at, series in enumerate(request.timeseries):
        where = f"time series {at}"
        check_known(series, where)
        refs = list(series.labels_refs)
        if len(refs) % 2 != 0:
            refuse(f"{where} has {len(refs)} label references, not pairs")
        labels = [
            [symbol(refs[i], where), symbol(refs[i + 1], where)]
            for i in range(0, len(refs), 2)
        ]
        metadata = series.metadata
        check_known(metadata, where + "'s metadata")
        series_out.append(
            {
                "labels": labels,
                "samples": samples(series, where),
                "type": pb.Metadata.MetricType.Name(metadata.type),
                "help": symbol(metadata.help_ref, where),
                "unit": symbol(metadata.unit_ref, where),
                "created": series.created_timestamp,
            }
        )
    return {"symbols": symbols, "series": series_out}


def version_1(body, pb):
    request = pb.WriteRequest.FromString(body)
    check_known(request, "the WriteRequest")
    series_out = []
    for at, series in enumerate(request.timeseries):
        where = f"time series {at}"
        check_known(series, where)
        labels = []
        for label in series.labels:
            check_known(label, where)
            labels.append([label.name, label.value])
        series_out.append({"labels": labels, "samples": samples(series, where)})
    metadata = []
    for family in request.metadata:
        check_known(family, "metadata")
        metadata.append(
            {
                "type": pb.MetricMetadata.MetricType.Name(family.type),
                "family": family.metric_family_name,
                "help": family.help,
                "unit": family.unit,
            }
        )
    return {"series": series_out, "metadata": metadata}


def main():
    pb_dir, version, body_path = sys.argv[1:4]
    sys.path.insert(0, pb_dir)
    with open(body_path, "rb") as f:
        body = snappy.uncompress(f.read())
    if version == "2":
        import write_v2_pb2

        out = version_2(body, write_v2_pb2)
    elif version == "1":
        import remote_pb2

        out = version_1(body, remote_pb2)
    else:
        refuse(f"unknown version {version!r}")
    print(json.dumps(out, ensure_ascii=False))


main()
