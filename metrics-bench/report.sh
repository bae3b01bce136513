#!/usr/bin/env bash
# Writes REPORT.md from the medians Criterion left in target/criterion: one row per
# operation, one column per library (ns), tallymark's ratio to the best peer, and the
# machine it ran on. Needs only python3.
#
#   ./report.sh            # after `cargo bench` (or `cargo bench -- --quick`)
#   ./report.sh -          # print the table instead of writing REPORT.md
set -euo pipefail

cd "$(dirname "$0")"
criterion="${CARGO_TARGET_DIR:-target}/criterion"
out="REPORT.md"
[ "${1:-}" = "-" ] && out="/dev/stdout"

if [ ! -d "$criterion" ]; then
    echo "no $criterion: run \`cargo bench\` in $(pwd) first" >&2
    exit 1
fi

cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n1)"
cores="$(nproc 2>/dev/null || echo '?')"
rustc_version="$(rustc --version 2>/dev/null || echo 'rustc: unknown')"

CRITERION="$criterion" CPU="${cpu:-unknown}" CORES="$cores" RUSTC="$rustc_version" \
    python3 - >"$out.tmp" <<'PY'
import json, os

root = os.environ["CRITERION"]
groups = [
    "counter_inc", "counter_inc_enum_labels", "counter_inc_str_labels", "gauge_set",
    "histogram_observe", "timed_call", "timed_call_instant", "contended_counter_inc",
    "contended_histogram_observe", "encode_counters_100k", "encode_mixed", "new_series",
]
peers = ["prometheus", "prometheus_client", "metrics", "measured", "fastmetrics"]
baselines = ["baseline_atomic", "baseline_store", "baseline_instant"]
columns = ["tallymark"] + peers + baselines


def median_ns(group, function):
    path = os.path.join(root, group, function, "new", "estimates.json")
    try:
        with open(path) as f:
            return json.load(f)["median"]["point_estimate"]
    except (OSError, KeyError, ValueError):
        return None


def show(ns):
    if ns is None:
        return "–"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns:.2f}" if ns < 10 else f"{ns:.1f}"


print("# tallymark against its peers")
print()
print("Median time per operation in ns (whole renders and whole 100k-insert runs in ms),")
print("from Criterion's `estimates.json`. Ratio: tallymark ÷ the fastest peer (below 1 is")
print("faster); baselines are not peers.")
print()
print("| operation | " + " | ".join(f"`{c}`" for c in columns) + " | ratio | best peer |")
print("|" + " --- |" * (len(columns) + 3))
extras = []
for group in groups:
    row = {c: median_ns(group, c) for c in columns}
    if all(v is None for v in row.values()):
        continue
    timed = {p: row[p] for p in peers if row[p] is not None}
    best = min(timed, key=timed.get) if timed else None
    ratio = "–"
    if best and row["tallymark"] is not None:
        ratio = f"{row['tallymark'] / timed[best]:.2f}"
    cells = " | ".join(show(row[c]) for c in columns)
    print(f"| `{group}` | {cells} | **{ratio}** | {best or '–'} |")
    known = set(columns)
    group_dir = os.path.join(root, group)
    for function in sorted(os.listdir(group_dir)) if os.path.isdir(group_dir) else []:
        if function not in known and function != "report":
            extras.append((group, function, median_ns(group, function)))

if extras:
    print()
    print("Other functions measured in the same run:")
    print()
    for group, function, ns in extras:
        print(f"- `{group}/{function}`: {show(ns)}")

timed_macro = [
    "tallymark", "tallymark_declared", "tallymark_declared_literal_labels",
    "tallymark_counted_timed", "autometrics", "metered", "baseline_instant", "baseline_call",
]
for group, clock in (("timed_macro", "the TSC, tallymark's default"),
                     ("timed_macro_instant", "`Instant`, built with `--no-default-features`")):
    rows = [(f, median_ns(group, f)) for f in timed_macro]
    if all(ns is None for _, ns in rows):
        continue
    instant = median_ns(group, "baseline_instant")
    print()
    print(f"### `{group}`")
    print()
    print("An empty `#[inline(never)]` function under each attribute macro, then timed by")
    print("hand (`baseline_instant`) and called bare (`baseline_call`). Median ns per call;")
    print(f"ratio to `baseline_instant`. tallymark's timers read {clock}.")
    print()
    print("| function | median ns | ÷ `baseline_instant` |")
    print("| --- | --- | --- |")
    for function, ns in rows:
        ratio = f"{ns / instant:.2f}" if ns is not None and instant else "–"
        print(f"| `{function}` | {show(ns)} | {ratio} |")

churn_round = 10_000
churn = ["tallymark", "prometheus", "prometheus_client", "metrics", "measured"]
rows = [(library, median_ns("label_churn", library)) for library in churn]
if any(ns is not None for _, ns in rows):
    print()
    print("### `label_churn`")
    print()
    print(f"One iteration: {churn_round:,} label sets never seen inserted into a family (timed),")
    print("then forgotten through the library's own API (not timed). `fastmetrics` has no")
    print("way to forget a label set and is not measured.")
    print()
    print(f"| library | median per round of {churn_round:,} | ns per insert |")
    print("| --- | --- | --- |")
    for library, ns in rows:
        per_insert = f"{ns / churn_round:.1f}" if ns is not None else "–"
        print(f"| `{library}` | {show(ns)} | {per_insert} |")

print()
print(f"Machine: {os.environ['CPU']}, {os.environ['CORES']} cores; {os.environ['RUSTC']}.")

allocations = os.path.join(os.path.dirname(root.rstrip("/")), "allocations.md")
if os.path.exists(allocations):
    print()
    print("## Allocations")
    print()
    print("From `cargo bench --bench allocations` (a counting global allocator): bytes a")
    print("series keeps allocated after 100,000 label sets were inserted into an empty")
    print("family, and what one scrape allocates once the registry and buffer are warm.")
    print()
    with open(allocations) as f:
        print(f.read().rstrip())

label_churn = os.path.join(os.path.dirname(root.rstrip("/")), "label_churn.md")
if os.path.exists(label_churn):
    print()
    print("### `label_churn` memory")
    print()
    print("From the same target: 10 rounds of 100,000 label sets never seen, into one family")
    print("allowed 100,000 at once; after each round, the library's way of forgetting them.")
    print("Bytes the family holds (kB), what the first forget gave back, what it renders at")
    print("the end, and the lookups folded into an overflow series.")
    print()
    with open(label_churn) as f:
        print(f.read().rstrip())
PY
if [ "$out" != "/dev/stdout" ]; then
    # Keep the hand-written notes below the table, if REPORT.md has any.
    if [ -f "$out" ] && grep -q '^<!-- notes -->' "$out"; then
        sed -n '/^<!-- notes -->/,$p' "$out" >>"$out.tmp"
    fi
    mv "$out.tmp" "$out"
    echo "wrote $(pwd)/$out"
else
    cat "$out.tmp"
    rm -f "$out.tmp"
fi
