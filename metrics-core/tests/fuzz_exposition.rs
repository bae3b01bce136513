//! Property-based fuzzing of the encoders against parsers tallymark did not write.
//!
//! Random registries (`fuzz/spec.rs`) hold every metric type, labelled families with label
//! values of any Unicode, exemplars (some past the 128-code-point limit), names valid and
//! not, and the values that break number formatting: NaN, the infinities, subnormals,
//! `±f64::MAX`, `-0.0`, `u64::MAX`. Each is encoded in all three formats.
//!
//! - Always: encoding never panics, every format is produced, and prost decodes the
//!   protobuf to exactly what the library's accessors report (256 cases, shrunk on
//!   failure).
//! - With `TALLYMARK_E2E=1`: 10,000 registries, each drawn from its own seed, read by
//!   prometheus_client's 0.0.4 and OpenMetrics parsers and by Python's protobuf runtime
//!   with client_model's metrics.proto, all in one Python process, every value compared
//!   exactly; and the 0.0.4 expositions, concatenated, checked by `promtool check metrics`.
//!
//! A failure names the registry: `spec::draw(i, ..)` draws registry `i` again alone.

mod fuzz;

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufWriter, Write as _};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use tallymark_core::{Format, Registry};

use fuzz::build::{build, unix_now, Truth};
use fuzz::expect::{self, TextFormat};
use fuzz::spec::{self, Flavor, SEED};
use fuzz::{fixed, judges};

/// Registries the in-process property checks on every `cargo test`.
const IN_PROCESS_CASES: u32 = 256;
/// Registries the outside judges read under `TALLYMARK_E2E=1`, in each format.
const E2E_REGISTRIES: u64 = 10_000;
/// Families per registry, at most.
const MAX_FAMILIES: usize = 6;
/// 0.0.4 expositions per `promtool check metrics` run.
const PROMTOOL_BATCH: usize = 1_000;
/// Failures listed in full before the rest are only counted.
const FAILURES_SHOWN: usize = 12;

/// The in-process run keeps `"` in exemplar label values; the judged run leaves it out,
/// because prometheus_client 0.26's OpenMetrics parser refuses an exemplar with a `"` in a
/// label value (its exemplar state machine flips in-quotes at every `"`, escaped or not;
/// `c_total 1 # {a="x\"y"} 1 1.5` is valid OpenMetrics it reads as "Invalid line").
const IN_PROCESS: Flavor = Flavor {
    quotes_in_exemplars: true,
};
const JUDGED: Flavor = Flavor {
    quotes_in_exemplars: false,
};

/// A registry that once failed.
enum Fixed {
    /// Registry `i` of the judged run, `spec::draw(i, JUDGED, MAX_FAMILIES)`.
    Seed(u64),
    /// A hand-written registry.
    Plan(&'static str, fn() -> spec::RegistrySpec),
}

/// Registries that once failed, checked in process on every `cargo test` and judged again
/// in the outside-judge run.
const FIXED_CASES: &[Fixed] = &[
    // Collected counters at -Inf and NaN, once written as `_total` samples to OpenMetrics,
    // which prometheus_client refused whole; now dropped and counted.
    Fixed::Seed(14),
    Fixed::Seed(520),
    Fixed::Plan(
        "an unlabelled histogram's exemplar slots",
        fixed::exemplar_slots_of_an_unlabelled_histogram,
    ),
    Fixed::Plan(
        "collected counters below zero and NaN, dropped and counted",
        fixed::collected_counters_below_zero_and_nan,
    ),
];

/// The fixed cases to run, each with the id it is judged under.
fn fixed_cases() -> Vec<(String, spec::RegistrySpec)> {
    let mut cases = Vec::new();
    for (n, case) in FIXED_CASES.iter().enumerate() {
        let id = E2E_REGISTRIES + n as u64;
        match case {
            Fixed::Seed(i) => {
                let mut plan = spec::draw(*i, JUDGED, MAX_FAMILIES);
                plan.id = id;
                cases.push((format!("judged registry {i}"), plan));
            }
            Fixed::Plan(name, plan) => {
                let mut plan = plan();
                plan.id = id;
                cases.push(((*name).to_owned(), plan));
            }
        }
    }
    cases
}

fn encode(registry: &Registry, format: Format) -> Vec<u8> {
    let mut out = Vec::new();
    registry.encode_as(format, &mut out);
    out
}

/// What the in-process run checks of one registry: the text formats are UTF-8 with a
/// `# TYPE` line per family and OpenMetrics ends in one `# EOF`; prost reads the protobuf
/// (the third scrape, which the collector's drop counts reflect) as exactly the
/// accessors' values.
fn check_in_process(plan: &spec::RegistrySpec) -> Result<(), String> {
    let built = build(plan)?;
    let text = String::from_utf8(encode(&built.registry, Format::Text))
        .map_err(|e| format!("0.0.4 text is not UTF-8: {e}"))?;
    let om = String::from_utf8(encode(&built.registry, Format::OpenMetrics))
        .map_err(|e| format!("OpenMetrics text is not UTF-8: {e}"))?;
    let eof_lines = om.split('\n').filter(|line| *line == "# EOF").count();
    let ends_in_eof = om == "# EOF\n" || om.ends_with("\n# EOF\n");
    if !ends_in_eof || eof_lines != 1 {
        return Err(format!(
            "OpenMetrics does not end in one `# EOF` line:\n{om}"
        ));
    }
    for truth in &built.truths {
        let name = fuzz::model::escape(&truth.name, fuzz::model::Scheme::Underscores, true);
        let line = format!("# TYPE {name} {}\n", truth.kind.as_str());
        if !text.contains(&line) {
            return Err(format!("0.0.4 text has no `{}`:\n{text}", line.trim_end()));
        }
    }
    #[cfg(feature = "protobuf")]
    {
        let body = encode(&built.registry, Format::Protobuf);
        let created = (built.started, unix_now() + 1e-3);
        let got = judges::prost_families(&body)?;
        let want = expect::pb_families(&built.truths, &built.drops, 3, created);
        expect::compare_pb(&want, &got).map_err(|e| format!("protobuf, read by prost: {e}"))?;
    }
    Ok(())
}

#[test]
fn random_registries_encode_in_every_format_and_prost_reads_the_accessors_values() {
    #[cfg(not(feature = "protobuf"))]
    let _ = writeln!(
        std::io::stderr(),
        "note: tallymark-core built without `protobuf`; prost's checks are left out \
         (`cargo test --workspace` enables it)"
    );
    let config = Config {
        cases: IN_PROCESS_CASES,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &SEED));
    let result = runner.run(&spec::registry(0, IN_PROCESS, MAX_FAMILIES), |plan| {
        check_in_process(&plan).map_err(TestCaseError::fail)
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}

#[test]
fn registries_that_once_failed_pass_in_process() {
    for (name, plan) in fixed_cases() {
        if let Err(e) = check_in_process(&plan) {
            panic!("fixed case {name}: {e}\n{plan:#?}");
        }
    }
}

/// What one registry of the judged run must read as.
struct Case {
    text: Vec<expect::WantFamily>,
    om: Vec<expect::WantFamily>,
    pb: Vec<expect::PbFamily>,
}

/// The 0.0.4 text of registry `i`, its self-metrics renamed `r{i}_tallymark_…` so that many
/// registries can share one exposition without repeating a family.
fn promtool_chunk(i: u64, text: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(text);
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        let renamed = ["# HELP ", "# TYPE ", ""].iter().find_map(|keyword| {
            line.strip_prefix(keyword)
                .and_then(|rest| rest.strip_prefix("tallymark_"))
                .map(|rest| format!("{keyword}r{i}_tallymark_{rest}"))
        });
        out.push_str(renamed.as_deref().unwrap_or(line));
    }
    out.into_bytes()
}

fn e2e_required() -> bool {
    std::env::var_os("TALLYMARK_E2E").is_some_and(|v| v == "1")
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// `promtool check metrics` over every registry's 0.0.4 text, a batch at a time. Lint
/// problems about names (exit 3, each line a `PROMLINT_PROBLEMS` entry about one of our
/// families) are what random names earn; anything else it prints, or another exit code,
/// is a failure. A parse error names a line, so the registry is found, and the rest of
/// its batch is checked again without it. Returns the failures, and how many runs there
/// were and how many lint problems they printed.
fn promtool_failures(
    promtool: &std::path::Path,
    chunks: &[(u64, Vec<u8>)],
) -> (Vec<String>, usize, usize) {
    let mut failures = Vec::new();
    let (mut runs, mut lint) = (0, 0);
    for batch in chunks.chunks(PROMTOOL_BATCH) {
        let mut from = 0;
        while from < batch.len() && failures.len() < FAILURES_SHOWN {
            let rest = &batch[from..];
            let body: Vec<u8> = rest.iter().flat_map(|(_, c)| c.iter().copied()).collect();
            let (code, said) = judges::promtool(promtool, &body);
            runs += 1;
            lint += said.lines().filter(|l| judges::is_lint_problem(l)).count();
            let stray: Vec<&str> = said
                .lines()
                .filter(|l| !l.is_empty() && !judges::is_lint_problem(l))
                .collect();
            if matches!(code, Some(0 | 3)) && stray.is_empty() {
                break;
            }
            // The registry holding the line promtool names, else the first of the batch.
            let mut at = 0;
            if let Some(line) = judges::error_line(&said) {
                let mut first_line = 1;
                for (k, (_, chunk)) in rest.iter().enumerate() {
                    let lines = chunk.iter().filter(|b| **b == b'\n').count();
                    if line < first_line + lines {
                        at = k;
                        break;
                    }
                    first_line += lines;
                }
            }
            let (id, chunk) = &rest[at];
            failures.push(format!(
                "registry {id}: promtool check metrics exited {code:?}: {}\n--- its 0.0.4 text, \
                 as checked ---\n{}",
                stray.join("\n"),
                String::from_utf8_lossy(chunk)
            ));
            from += at + 1;
        }
    }
    (failures, runs, lint)
}

/// One registry of the judged run, ready for the judges.
struct Prepared {
    case: Case,
    /// Its line of jobs.jsonl.
    job: String,
    /// Its 0.0.4 text for promtool.
    chunk: Vec<u8>,
}

/// Builds and encodes a registry, and works out what the judges must read.
fn prepare(plan: &spec::RegistrySpec) -> Result<Prepared, String> {
    let i = plan.id;
    let built = build(plan)?;
    let text = encode(&built.registry, Format::Text);
    let om = encode(&built.registry, Format::OpenMetrics);
    #[cfg(feature = "protobuf")]
    let pb = encode(&built.registry, Format::Protobuf);
    #[cfg(not(feature = "protobuf"))]
    let pb = Vec::new();
    let created = (built.started, unix_now() + 1e-3);
    let truths: &[Truth] = &built.truths;
    // Collectors run at every scrape, and what they drop is counted over the registry's
    // life: the text scrape was the first, OpenMetrics the second, protobuf the third.
    let drops = &built.drops;
    let case = Case {
        text: expect::text_families(truths, drops, 1, TextFormat::Text, created),
        om: expect::text_families(truths, drops, 2, TextFormat::OpenMetrics, created),
        pb: expect::pb_families(truths, drops, 3, created),
    };
    let job = serde_json::json!({
        "id": i,
        "text": String::from_utf8(text.clone()).map_err(|e| format!("0.0.4 text: {e}"))?,
        "om": String::from_utf8(om).map_err(|e| format!("OpenMetrics text: {e}"))?,
        "pb": hex(&pb),
    });
    Ok(Prepared {
        case,
        job: format!("{job}\n"),
        chunk: promtool_chunk(i, &text),
    })
}

/// The plan of registry `i` of the judged run, a fixed case's past the drawn ones.
fn plan_of(i: u64, fixed: &[(String, spec::RegistrySpec)]) -> Option<spec::RegistrySpec> {
    if i < E2E_REGISTRIES {
        return Some(spec::draw(i, JUDGED, MAX_FAMILIES));
    }
    fixed
        .iter()
        .find(|(_, p)| p.id == i)
        .map(|(_, p)| p.clone())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn outside_parsers_read_every_value_of_ten_thousand_random_registries_exactly() {
    if !e2e_required() {
        let _ = writeln!(
            std::io::stderr(),
            "skipping: the outside-judge fuzz run (prometheus_client, protobuf, promtool) runs \
             only with TALLYMARK_E2E=1"
        );
        return;
    }
    let python = on_path("python3").expect("python3 not found, and TALLYMARK_E2E=1 requires it");
    let imports = Command::new(&python)
        .args([
            "-c",
            "import prometheus_client, google.protobuf, grpc_tools",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        imports,
        "python modules prometheus_client, protobuf and grpcio-tools are required with \
         TALLYMARK_E2E=1; `python3 -m pip install prometheus_client protobuf grpcio-tools`"
    );
    let promtool = on_path("promtool").expect(
        "promtool not found, and TALLYMARK_E2E=1 requires it; install the Debian package prometheus",
    );
    let clock = Instant::now();
    let dir = judges::TempDir::new("fuzz-exposition");
    let jobs_path = dir.0.join("jobs.jsonl");
    let mut jobs = BufWriter::new(std::fs::File::create(&jobs_path).expect("create jobs.jsonl"));
    let mut failures: Vec<String> = Vec::new();
    let mut cases: BTreeMap<u64, Case> = BTreeMap::new();
    let mut chunks = Vec::new();
    let (mut families, mut samples, mut written) = (0, 0, 0);
    // Drawing from ChaCha dominates, so both cores draw; registry `i` is the same whichever
    // worker draws it.
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(4)) as u64;
    let prepared: Vec<Vec<(u64, Result<Prepared, String>)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                scope.spawn(move || {
                    let drawer = spec::Drawer::new(JUDGED, MAX_FAMILIES);
                    (w..E2E_REGISTRIES)
                        .step_by(workers as usize)
                        .map(|i| (i, prepare(&drawer.draw(i))))
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a worker"))
            .collect()
    });
    let mut prepared: Vec<(u64, Result<Prepared, String>)> =
        prepared.into_iter().flatten().collect();
    prepared.sort_by_key(|(i, _)| *i);
    let fixed = fixed_cases();
    prepared.extend(fixed.iter().map(|(_, plan)| (plan.id, prepare(plan))));
    for (i, p) in prepared {
        match p {
            Ok(p) => {
                families += p.case.text.len();
                samples += expect::sample_count(&p.case.text);
                jobs.write_all(p.job.as_bytes()).expect("write jobs.jsonl");
                written += 1;
                chunks.push((i, p.chunk));
                cases.insert(i, p.case);
            }
            Err(e) => {
                failures.push(format!("registry {i}: {e}"));
            }
        }
    }
    jobs.flush().expect("write jobs.jsonl");
    drop(jobs);
    let generated = clock.elapsed();

    // Python reads while promtool checks: the machine has two cores.
    let judge_dir = dir.0.clone();
    let judge = std::thread::spawn(move || judges::run_judge_py(&python, &judge_dir, &jobs_path));
    let (promtool_said, promtool_runs, lint) = promtool_failures(&promtool, &chunks);
    failures.extend(promtool_said);
    let promtool_done = clock.elapsed();
    let verdicts = judge
        .join()
        .expect("the judge thread")
        .unwrap_or_else(|e| panic!("{e}"));
    let judged = clock.elapsed();

    let file = std::fs::File::open(&verdicts).expect("open the verdicts");
    let mut read = 0;
    for line in std::io::BufReader::new(file).lines() {
        let line = line.expect("read the verdicts");
        let verdict: serde_json::Value = serde_json::from_str(&line).expect("a JSON verdict");
        let i = verdict["id"].as_u64().expect("an id");
        read += 1;
        let Some(case) = cases.get(&i) else {
            continue;
        };
        let text = judges::text_verdict(&verdict["text"]).and_then(|(got, lines)| {
            expect::compare_text(&case.text, &got)?;
            match lines == expect::sample_count(&case.text) {
                true => Ok(()),
                false => Err(format!(
                    "{lines} sample lines for {} samples",
                    expect::sample_count(&case.text)
                )),
            }
        });
        let om = judges::text_verdict(&verdict["om"]).and_then(|(got, lines)| {
            expect::compare_text(&case.om, &got)?;
            match lines == expect::sample_count(&case.om) {
                true => Ok(()),
                false => Err(format!(
                    "{lines} sample lines for {} samples read: one was folded into another",
                    expect::sample_count(&case.om)
                )),
            }
        });
        let pb = if cfg!(feature = "protobuf") {
            judges::pb_verdict(&verdict["pb"]).and_then(|got| expect::compare_pb(&case.pb, &got))
        } else {
            Ok(())
        };
        for (format, result) in [
            ("0.0.4 text, prometheus_client.parser", text),
            ("OpenMetrics, prometheus_client.openmetrics.parser", om),
            ("protobuf, python protobuf runtime", pb),
        ] {
            if let Err(e) = result {
                failures.push(format!("registry {i}, {format}: {e}"));
            }
        }
    }
    assert_eq!(read, written, "judge.py answered for every registry");
    let _ = writeln!(
        std::io::stderr(),
        "fuzz_exposition: {E2E_REGISTRIES} registries ({families} families, {samples} 0.0.4 \
         samples) in each of 3 formats; generated and encoded in {:.1?}; {promtool_runs} \
         promtool runs ({lint} lint problems about names) done at {:.1?}; python done at \
         {:.1?}; compared at {:.1?}",
        generated,
        promtool_done,
        judged,
        clock.elapsed()
    );
    if !failures.is_empty() {
        let shown: Vec<String> = failures
            .iter()
            .take(FAILURES_SHOWN)
            .map(|f| {
                let i: Option<u64> = f
                    .strip_prefix("registry ")
                    .and_then(|r| r.split([':', ',']).next())
                    .and_then(|n| n.parse().ok());
                let plan = i.map(|i| format!("{:#?}", plan_of(i, &fixed)));
                format!("{f}\n--- plan ---\n{}", plan.unwrap_or_default())
            })
            .collect();
        panic!(
            "{} failures; the first {}:\n\n{}",
            failures.len(),
            shown.len(),
            shown.join("\n\n")
        );
    }
}
