//! The HTML reports render in headless Chromium (Debian's `chromium`,
//! installed by .ci/run) with every chart present.
//!
//! These tests run when Chromium is found, or when `POCNET_BROWSER_TESTS=1`
//! asks for them (as .ci/run does, after installing it), in which case a
//! missing browser fails them. Otherwise they print why they skipped and pass:
//! `cargo test` needs nothing but a Rust toolchain.

use crate::support::{pocnet, text};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The browser to test with, or `None` (after saying why) when these tests
/// are neither asked for nor possible here.
pub fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("POCNET_CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    let required = std::env::var("POCNET_BROWSER_TESTS").is_ok_and(|v| v == "1");
    if path.exists() {
        return Some(path);
    }
    assert!(
        !required,
        "POCNET_BROWSER_TESTS=1 but headless Chromium is not at {} (apt-get install chromium, or set POCNET_CHROMIUM)",
        path.display()
    );
    eprintln!(
        "skipped: headless Chromium not found at {} (install Debian's chromium or set POCNET_CHROMIUM; \
         POCNET_BROWSER_TESTS=1 makes its absence a failure)",
        path.display()
    );
    None
}

/// Runs Chromium on a local file with the flags this machine needs, and returns stdout.
fn headless(browser: &Path, page: &Path, profile: &Path, extra: &[String]) -> String {
    let output = Command::new("timeout")
        .arg("120")
        .arg(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1200,2600",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium starts");
    assert!(output.status.success(), "chromium failed: {}", text(&output.stderr));
    text(&output.stdout)
}

fn assert_renders(browser: &Path, page: &Path, ids: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let dom = headless(browser, page, &dir.path().join("profile-dom"), &["--dump-dom".to_owned()]);
    assert!(dom.contains("</body>"), "the page parsed to the end:\n{dom:.400}");
    for id in ids {
        assert!(dom.contains(&format!("<svg id=\"{id}\"")), "chart {id} missing from the rendered DOM");
    }
    let png = dir.path().join("page.png");
    headless(browser, page, &dir.path().join("profile-png"), &[format!("--screenshot={}", png.display())]);
    let bytes = std::fs::read(&png).expect("a screenshot was written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert!(bytes.len() > 20_000, "a page with charts is not a blank screenshot ({} bytes)", bytes.len());
}

#[test]
fn replication_and_comparison_reports_render_in_headless_chromium() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let study = dir.path().join("study.html");
    let output =
        pocnet(&["run", "scenarios/quickstart.toml", "--replications", "300", "--html", study.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_renders(
        &browser,
        &study,
        &[
            "goal-compliance",
            "cdf-acknowledgement",
            "cdf-disclosure",
            "cdf-end-to-end",
            "timeline-representative",
            "timeline-worst",
            "country-compliance",
            "requester-compliance",
            "ack-heatmap",
        ],
    );

    let comparison = dir.path().join("comparison.html");
    let output = pocnet(&[
        "compare",
        "scenarios/weekend-trail.toml",
        "--vary",
        "strategy=hub,relay",
        "--replications",
        "50",
        "--html",
        comparison.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_renders(&browser, &comparison, &["compare-survival", "compare-subscriber", "compare-acknowledgement"]);

    let sensitivity = dir.path().join("sensitivity.html");
    let output = pocnet(&[
        "sensitivity",
        "scenarios/weekend-trail.toml",
        "--replications",
        "30",
        "--html",
        sensitivity.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_renders(&browser, &sensitivity, &["tornado-0", "tornado-1", "tornado-2"]);
}

/// Where the screenshots of the report pages are saved for a person to look at.
fn screenshot_dir() -> PathBuf {
    let dir = crate::support::workspace_root().join("target/tmp/report-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Saves a full-height screenshot of `page` and says where.
fn screenshot(page: &Path, name: &str, height: u32) {
    let Some(browser) = chromium() else { return };
    let profile = tempfile::tempdir().unwrap();
    let png = screenshot_dir().join(name);
    headless(
        &browser,
        page,
        profile.path(),
        &[format!("--screenshot={}", png.display()), format!("--window-size=1200,{height}")],
    );
    assert!(std::fs::metadata(&png).is_ok_and(|m| m.len() > 20_000), "{} was written", png.display());
    eprintln!("screenshot: {}", png.display());
}

/// Weekend trail's lesson, drawn: the verdict and the summary open the page,
/// and the failing trace shows the requesting desk waiting out the weekend
/// while the German carrier deletes its logs.
#[test]
fn the_weekend_trail_page_tells_its_story_at_a_glance() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("weekend-trail.html");
    let output =
        pocnet(&["run", "scenarios/weekend-trail.toml", "--replications", "400", "--html", page.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let html = std::fs::read_to_string(&page).unwrap();
    let at = |needle: &str| html.find(needle).unwrap_or_else(|| panic!("`{needle}` is on the page"));
    // The verdict, then the summary, before any chart.
    assert!(at("id=\"verdict\"") < at("id=\"summary\"") && at("id=\"summary\"") < at("<svg"));
    let verdict = &html[at("id=\"verdict\"")..at("id=\"summary\"")];
    assert!(
        verdict.contains("0.0%") && verdict.contains("hop 2 in DE") && verdict.contains("logs expired"),
        "{verdict}"
    );
    assert!(verdict.contains("GR"), "it names the desk the time goes to: {verdict}");
    assert!(
        html.contains("<tr class=\"missed\"><th>origin found and its data held</th>"),
        "coloured against the goals"
    );
    for column in ["count", "mean", "p50", "p90", "p95", "p99", "p99.9", "max"] {
        assert!(html.contains(&format!("<th>{column}</th>")), "latency column {column}");
    }
    // The failing trace on a calendar.
    let timeline = &html[at("id=\"timeline-failing\"")..];
    let timeline = &timeline[..timeline.find("</figure>").unwrap()];
    assert!(timeline.contains("GR desk (requesting)"), "the requesting desk has its row");
    assert!(
        timeline.contains("class=\"weekend\"") && timeline.contains("class=\"night\""),
        "nights and weekends shaded"
    );
    assert!(timeline.contains("class=\"deletion\""), "the log deletion is drawn");
    assert!(timeline.contains("class=\"died\""), "the hop where it died is marked");
    assert!(timeline.contains("Sat 7 Mar") && timeline.contains("Mon 16 Mar"), "dated in local time");
    assert!(timeline.contains("time, in GR local time"), "the axis says whose time");
    assert!(timeline.contains("the carrier deletes its logs") && timeline.contains("weekend"), "a legend");
    assert!(timeline.contains("The trace stopped at hop 2 (DE, dsl-de)"), "the story in a sentence");
    // Every chart has its axis titled, the heat map its colour scale, and the page a print style.
    assert!(html.matches("latency (log scale)").count() >= 5);
    assert!(html.contains("class=\"scale\"") && html.contains("local hour of arrival"));
    assert!(html.contains("@media print"));
    // The production tail runs to years: the ticks follow it past 90 days.
    let production = &html[at("id=\"cdf-production\"")..];
    let production = &production[..production.find("</svg>").unwrap()];
    assert!(production.contains(">1y<"), "ticks cover the whole curve");
    screenshot(&page, "weekend-trail.png", 2600);
    // And it prints: the print style sheet gives a PDF a person can hand out.
    if let Some(browser) = chromium() {
        let profile = tempfile::tempdir().unwrap();
        let pdf = screenshot_dir().join("weekend-trail.pdf");
        headless(
            &browser,
            &page,
            profile.path(),
            &[format!("--print-to-pdf={}", pdf.display()), "--no-pdf-header-footer".to_owned()],
        );
        let bytes = std::fs::read(&pdf).expect("a PDF was printed");
        assert!(bytes.starts_with(b"%PDF") && bytes.len() > 20_000, "{} bytes", bytes.len());
        eprintln!("printed: {}", pdf.display());
    }
}

/// On network-today the killers lead: where traces die and the desks that
/// fall short come sorted by impact, not by name.
#[test]
fn the_network_today_page_sorts_by_impact() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("network-today.html");
    let output =
        pocnet(&["run", "scenarios/network-today.toml", "--replications", "10", "--html", page.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let html = std::fs::read_to_string(&page).unwrap();
    let deaths = &html[html.find("id=\"deaths\"").expect("the deaths table")..];
    let deaths = &deaths[..deaths.find("</table>").unwrap()];
    let shares: Vec<f64> = deaths
        .split("<tr><td>")
        .skip(1)
        .map(|row| {
            let cell = row.rsplit("<td>").next().unwrap().trim_end_matches("</td></tr>\n").trim_end_matches('%');
            cell.trim_start_matches("under ").parse().unwrap()
        })
        .collect();
    assert!(shares.len() >= 3, "{deaths}");
    assert!(shares.windows(2).all(|w| w[0] >= w[1]), "commonest first: {shares:?}");
    assert!(shares.iter().all(|s| *s > 0.0), "no 0.0% rows: {shares:?}");
    let bars = &html[html.find("id=\"country-compliance\"").expect("compliance by country")..];
    let bars = &bars[..bars.find("</svg>").unwrap()];
    let values: Vec<f64> =
        bars.split("<title>").skip(1).map(|t| t.split('%').next().unwrap().parse().unwrap()).collect();
    assert!(values.windows(2).all(|w| w[0] <= w[1]), "lowest compliance first: {values:?}");
    screenshot(&page, "network-today.png", 2600);
}

/// One run tells its trace hop by hop, with counts, not intervals over one case.
#[test]
fn a_one_run_page_tells_the_trace_not_intervals_over_one_case() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("one-run.html");
    let output =
        pocnet(&["run", "scenarios/weekend-trail.toml", "--transport", "inproc", "--html", page.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("1 replication,") && !html.contains("1 replications"), "singular");
    assert!(!html.contains("[0.0, "), "no interval over one case");
    assert!(html.contains("0 of 1 trace reached the origin"), "the verdict counts");
    assert!(html.contains("id=\"timeline-failing\""), "the trace hop by hop");
    screenshot(&page, "one-run.png", 1600);
}
