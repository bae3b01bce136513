//! The page for people in a real browser: headless Chromium loads `/metrics` from the
//! standalone server and shows every family, with a script tag in a label value as text
//! that never runs; and, driven by playwright-core, the filter box hides the families
//! whose name and HELP lack what is typed.

mod support;

use std::process::Command;

use support::page::{page_registry, FAMILIES, HOSTILE_LABEL};
use support::{browser_tests_dir, require_binary, require_node_package, TempDir};
use tallymark::{serve_registry, ServerHandle};

const CHROMIUM_INSTALL: &str = "install the Debian package chromium";

fn serve() -> ServerHandle {
    serve_registry("127.0.0.1:0", page_registry()).expect("serve")
}

/// `text` as the DOM serializer writes a text node: `&`, `<` and `>` escaped, quotes not.
fn as_dom_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[test]
fn chromium_shows_every_family_and_a_script_label_as_text() {
    let Some(chromium) = require_binary(&["chromium"], CHROMIUM_INSTALL) else {
        return;
    };
    let server = serve();
    let profile = TempDir::new("chromium-profile");
    let url = format!("http://{}/metrics", server.local_addr());
    let output = Command::new(&chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(&url)
        .output()
        .expect("run chromium");
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let dom = String::from_utf8(output.stdout).expect("a UTF-8 DOM");
    // Kept beside the screenshot, for a person to read when an assertion fails.
    let artefacts = browser_tests_dir();
    std::fs::create_dir_all(&artefacts).expect("the artefact directory");
    std::fs::write(artefacts.join("metrics-page.dom.html"), &dom).expect("save the DOM");
    for (name, help) in FAMILIES {
        assert!(dom.contains(&format!("<h2>{name}</h2>")), "{name} in {dom}");
        let help = format!("<p class=\"help\">{}</p>", as_dom_text(help));
        assert!(dom.contains(&help), "{help} in {dom}");
    }
    // The label value is a cell's text; had it run, the title would be `pwned`.
    let cell = format!(
        "<td class=\"labels\"><code>path=\"{}\"</code></td>",
        as_dom_text(HOSTILE_LABEL)
    );
    assert!(dom.contains(&cell), "{cell} in {dom}");
    assert!(dom.contains("<title>Metrics</title>"), "{dom}");
    assert!(!dom.contains("pwned</title>"), "{dom}");
    // The page's own script did run: it shows the filter box, hidden without it.
    assert!(
        dom.contains("<input id=\"filter\" type=\"search\""),
        "{dom}"
    );
    assert!(
        !dom.contains("aria-label=\"Filter families by name or help\" hidden"),
        "{dom}"
    );
    // The histogram's bucket chart is drawn: one bar per bucket.
    assert_eq!(dom.matches("<rect ").count(), 4, "{dom}");
    server.stop();
}

#[test]
fn the_filter_box_hides_families_that_do_not_match() {
    let Some(chromium) = require_binary(&["chromium"], CHROMIUM_INSTALL) else {
        return;
    };
    let Some(node) = require_binary(&["node"], "install the Debian package nodejs") else {
        return;
    };
    let install = "run .ci/run, or `npm install --prefix target/browser-tests playwright-core`";
    let Some(playwright) = require_node_package("playwright-core", install) else {
        return;
    };
    let server = serve();
    let screenshot = browser_tests_dir().join("metrics-page.png");
    let _ = std::fs::remove_file(&screenshot);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser/filter.js");
    let queries = ["queue", "SERVED", "quotes", "no such family"];
    let output = Command::new(node)
        .arg(script)
        .env("PLAYWRIGHT_CORE", &playwright)
        .env("CHROMIUM", &chromium)
        .env(
            "PAGE_URL",
            format!("http://{}/metrics", server.local_addr()),
        )
        .env("QUERIES", serde_json::to_string(&queries).unwrap())
        .env("SCREENSHOT", &screenshot)
        .output()
        .expect("run node");
    assert!(
        output.status.success(),
        "the filter script failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: serde_json::Value = serde_json::from_slice(&output.stdout).expect("its JSON");
    let visible = |query: &str| -> Vec<&str> {
        seen[query]
            .as_array()
            .unwrap_or_else(|| panic!("no answer for {query:?}: {seen}"))
            .iter()
            .map(|name| name.as_str().expect("a family name"))
            .collect()
    };
    let all: Vec<&str> = FAMILIES.iter().map(|(name, _)| *name).collect();
    let mut sorted_all = all.clone();
    sorted_all.sort_unstable();
    let mut before = visible("");
    before.sort_unstable();
    assert_eq!(before, sorted_all);
    // By name (`queue_*`) and by HELP ("Time spent queued."), ignoring case.
    assert_eq!(visible("queue"), ["queue_depth", "queue_wait_seconds"]);
    assert_eq!(visible("SERVED"), ["http_requests_total"]);
    assert_eq!(visible("quotes"), ["hostile_total"]);
    assert!(visible("no such family").is_empty());
    assert_eq!(seen["title"], "Metrics");
    let png = std::fs::read(&screenshot).expect("the screenshot");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG screenshot");
    server.stop();
}
