//! The attributes on real crates that nobody here wrote, annotated wholesale as a new user
//! would: mini-redis (async fns, `#[tracing::instrument]`, `From` impls, `&mut self` methods
//! returning borrows) and either (generic trait impls, `AsRef<..>` and `From<..>` several
//! times over, a `no_std` crate).
//!
//! For each crate and each mode (`impl` blocks and free fns; every method alone), the test
//! fetches the published source with cargo, puts `#[counted]` and `#[timed]` on every
//! function with `tests/wholesale/rewriter`, builds it, runs its own tests and an exercise
//! of ours that renders every format, and then requires:
//! - no two series with one identity, as `prometheus_client`'s text and OpenMetrics parsers
//!   read them (`tests/wholesale/judge.py`);
//! - `promtool check metrics` accepting the text, and a Pushgateway accepting a push of the
//!   text and of the protobuf body;
//! - a series for every function the build compiles, the calls of the exercise counted
//!   exactly, and every merge of call sites reported in `catalog_warnings()`: none when
//!   the `impl` blocks are annotated, some when methods are annotated alone.
//!
//! It builds two crates and their dependencies, so it runs only with `TALLYMARK_E2E=1`.

mod support;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use support::{e2e_only, require_binary, require_python_module, Pushgateway};

const TEXT_0_0_4: &str = "text/plain; version=0.0.4; charset=utf-8";
const PROTOBUF: &str =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    /// `impl` blocks and free fns.
    Blocks,
    /// Every fn and method alone.
    Methods,
}

impl Mode {
    fn arg(self) -> &'static str {
        match self {
            Mode::Blocks => "blocks",
            Mode::Methods => "methods",
        }
    }
}

/// A published crate to annotate.
struct Subject {
    name: &'static str,
    version: &'static str,
    /// Lines the exercise's calls must render, by mode.
    expected: fn(Mode) -> Vec<String>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Everything this test builds, kept between runs so that dependencies build once.
fn work() -> PathBuf {
    root().join("target").join("wholesale")
}

fn say(line: &str) {
    // Shown for passing tests too, unlike `println!` under the harness.
    let _ = writeln!(std::io::stderr(), "wholesale: {line}");
}

fn run(what: &str, command: &mut Command) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    if !output.status.success() {
        let tail = |bytes: &[u8]| {
            let text = String::from_utf8_lossy(bytes);
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(60)..].join("\n")
        };
        panic!(
            "{what} failed with {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            output.status,
            tail(&output.stdout),
            tail(&output.stderr)
        );
    }
    output
}

fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    // The outer `cargo test` sets these for its own build; the crates built here are their
    // own projects.
    for var in ["CARGO_TARGET_DIR", "RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS"] {
        command.env_remove(var);
    }
    command
}

/// The published source of `subject`, unpacked by cargo from crates.io.
fn fetch(subject: &Subject) -> PathBuf {
    let project = work().join(format!("fetch-{}", subject.name));
    std::fs::create_dir_all(project.join("src")).unwrap();
    let manifest = format!(
        "[package]\nname = \"fetch-{}\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n\
         [workspace]\n\n[dependencies]\n{} = \"={}\"\n",
        subject.name, subject.name, subject.version
    );
    std::fs::write(project.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(project.join("src/lib.rs"), "").unwrap();
    let output = run(
        "cargo metadata",
        cargo()
            .args(["metadata", "--format-version", "1", "--manifest-path"])
            .arg(project.join("Cargo.toml")),
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let package = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == subject.name && p["version"] == subject.version)
        .unwrap_or_else(|| panic!("cargo found no {} {}", subject.name, subject.version));
    let manifest = PathBuf::from(package["manifest_path"].as_str().unwrap());
    manifest.parent().unwrap().to_owned()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The rewriter's binary, built once.
fn rewriter() -> PathBuf {
    let target = work().join("target");
    run(
        "building the rewriter",
        cargo()
            .args(["build", "--quiet", "--manifest-path"])
            .arg(root().join("tests/wholesale/rewriter/Cargo.toml"))
            .arg("--target-dir")
            .arg(&target),
    );
    target.join("debug").join("tallymark-wholesale-rewriter")
}

/// The functions the rewriter instrumented in the library (not its binaries), as
/// (ungated, all).
fn count_functions(listing: &str) -> (usize, usize) {
    let library = listing
        .lines()
        .filter(|line| !line.contains("/src/bin/") && !line.contains("/src/main.rs"));
    library.fold((0, 0), |(ungated, all), line| {
        let gated = line.ends_with("\t1");
        (ungated + usize::from(!gated), all + 1)
    })
}

/// How many call sites the warnings of one attribute say were merged away: a series that
/// `k` functions write is `k - 1` fewer series.
fn merged_away(warnings: &str, attribute: &str) -> usize {
    let head = format!("`#[{attribute}]` functions at ");
    warnings
        .lines()
        .filter_map(|w| w.strip_prefix(&head))
        .map(|rest| {
            let locations = rest.split(" all record as ").next().unwrap_or_default();
            locations.matches(", ").count() + locations.matches(" and ").count()
        })
        .sum()
}

fn instrument(subject: &Subject, source: &Path, mode: Mode, rewriter: &Path) -> (PathBuf, String) {
    let dir = work().join(format!("{}-{}", subject.name, mode.arg()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(source, &dir);
    let mut files = Vec::new();
    rust_files(&dir.join("src"), &mut files);
    files.sort();
    let listing = run(
        "the rewriter",
        Command::new(rewriter).arg(mode.arg()).args(&files),
    );
    let listing = String::from_utf8(listing.stdout).unwrap();

    let mut manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(
        !manifest.contains("[workspace]"),
        "{} has a workspace",
        subject.name
    );
    manifest.push_str(&format!(
        "\n[workspace]\n\n[dependencies.tallymark]\npath = {:?}\ndefault-features = false\n\
         features = [\"protobuf\"]\n\n[[test]]\nname = \"tallymark_wholesale\"\n\
         path = \"tests/tallymark_wholesale.rs\"\n",
        root().display().to_string()
    ));
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    let ours = root().join("tests/wholesale");
    std::fs::create_dir_all(dir.join("tests/tallymark_wholesale")).unwrap();
    std::fs::copy(
        ours.join(subject.name).join("exercise.rs"),
        dir.join("tests/tallymark_wholesale.rs"),
    )
    .unwrap();
    std::fs::copy(
        ours.join("support.rs"),
        dir.join("tests/tallymark_wholesale/support.rs"),
    )
    .unwrap();
    // The versions its dependencies resolved to when this test was written.
    std::fs::copy(
        ours.join(subject.name).join("Cargo.lock"),
        dir.join("Cargo.lock"),
    )
    .unwrap();
    (dir, listing)
}

fn wholesale(subject: &Subject) {
    if !e2e_only(&format!("annotating {} wholesale", subject.name)) {
        return;
    }
    let install = "pip install prometheus_client; install the Debian packages prometheus and prometheus-pushgateway";
    let (Some(python), Some(promtool), Some(gateway)) = (
        require_python_module("prometheus_client", install),
        require_binary(&["promtool"], install),
        Pushgateway::start(),
    ) else {
        return;
    };
    let source = fetch(subject);
    let rewriter = rewriter();
    for mode in [Mode::Blocks, Mode::Methods] {
        let started = Instant::now();
        let (dir, listing) = instrument(subject, &source, mode, &rewriter);
        let out = dir.join("out");
        // Its own tests, then the exercise, all instrumented.
        run(
            &format!("cargo test of {} annotated by {mode:?}", subject.name),
            cargo()
                .arg("test")
                .arg("--manifest-path")
                .arg(dir.join("Cargo.toml"))
                .arg("--target-dir")
                .arg(work().join("target"))
                .env("TALLYMARK_WHOLESALE_OUT", &out),
        );
        let text = std::fs::read_to_string(out.join("metrics.txt")).unwrap();
        let warnings = std::fs::read_to_string(out.join("warnings.txt")).unwrap();
        let protobuf = std::fs::read(out.join("metrics.pb")).unwrap();

        // Both of prometheus_client's parsers read it, and see each identity once.
        let verdict = run(
            "judge.py",
            Command::new(&python)
                .arg(root().join("tests/wholesale/judge.py"))
                .arg(&out),
        );
        let verdict: serde_json::Value = serde_json::from_slice(&verdict.stdout).unwrap();
        for format in ["text", "openmetrics"] {
            assert_eq!(
                verdict[format]["repeated"],
                serde_json::json!([]),
                "{} by {mode:?}: repeated identities in {format}",
                subject.name
            );
        }

        let promtool_said = run(
            "promtool check metrics",
            Command::new(&promtool)
                .args(["check", "metrics"])
                .stdin(std::fs::File::open(out.join("metrics.txt")).unwrap()),
        );
        assert!(promtool_said.status.success());

        let job = format!(
            "wholesale_{}_{}",
            subject.name.replace('-', "_"),
            mode.arg()
        );
        for (content_type, body, suffix) in [
            (TEXT_0_0_4, text.as_bytes(), "text"),
            (PROTOBUF, &protobuf[..], "protobuf"),
        ] {
            let reply = gateway.put(&format!("{job}_{suffix}"), content_type, body);
            assert_eq!(
                reply.status,
                200,
                "the pushgateway refused {} by {mode:?} as {suffix}: {}",
                subject.name,
                String::from_utf8_lossy(&reply.body)
            );
        }

        // A series for every function that this build compiles: those under no `cfg` at
        // least, all of them at most, less the sites that warnings say merged.
        let (ungated, all) = count_functions(&listing);
        let ok_series = |family: &str| {
            text.lines()
                .filter(|l| l.starts_with(family) && l.contains("result=\"ok\""))
                .count()
        };
        for (attribute, family) in [
            ("counted", "function_calls_total{"),
            ("timed", "function_calls_duration_seconds_count{"),
        ] {
            let sites = ok_series(family) + merged_away(&warnings, attribute);
            assert!(
                (ungated..=all).contains(&sites),
                "{} by {mode:?}: {sites} `#[{attribute}]` sites in the catalog for \
                 {ungated}..={all} functions annotated",
                subject.name
            );
        }
        // On blocks, every method has a name of its own.
        if mode == Mode::Blocks {
            assert_eq!(
                warnings, "",
                "{} by blocks: merged call sites",
                subject.name
            );
        }
        for line in (subject.expected)(mode) {
            assert!(
                text.lines().any(|l| l == line),
                "{} by {mode:?}: missing `{line}`",
                subject.name
            );
        }
        say(&format!(
            "{} {} by {mode:?}: {} functions annotated ({ungated} in every build), {} \
             `function_calls_total` series, {} text samples, {} merge warnings, {:.0} s",
            subject.name,
            subject.version,
            all,
            ok_series("function_calls_total{"),
            verdict["text"]["samples"],
            warnings.lines().count(),
            started.elapsed().as_secs_f64()
        ));
    }
}

/// `function_calls_total` of one function and outcome.
fn calls(function: &str, module: &str, result: &str, n: u64) -> String {
    format!("function_calls_total{{function=\"{function}\",module=\"{module}\",result=\"{result}\"}} {n}")
}

#[test]
fn mini_redis_annotated_wholesale() {
    wholesale(&Subject {
        name: "mini-redis",
        version: "0.4.1",
        expected: |mode| {
            let (set, get) = match mode {
                Mode::Blocks => ("Client::set", "Client::get"),
                Mode::Methods => ("set", "get"),
            };
            let client = "mini_redis::client";
            vec![
                calls("connect", client, "ok", 1),
                calls(set, client, "ok", 1),
                calls(get, client, "ok", 2),
                calls(get, client, "error", 0),
            ]
        },
    });
}

#[test]
fn either_annotated_wholesale() {
    wholesale(&Subject {
        name: "either",
        version: "1.19.0",
        expected: |mode| {
            let (is_left, from) = match mode {
                Mode::Blocks => ("Either::is_left", "<Either as From<Result<R,L>>>::from"),
                Mode::Methods => ("is_left", "from"),
            };
            vec![
                calls(is_left, "either", "ok", 3),
                calls(from, "either", "ok", 1),
            ]
        },
    });
}
