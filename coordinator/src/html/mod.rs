//! A self-contained HTML report: inline CSS and SVG, no script, no network,
//! so it opens anywhere and prints as it shows. `charts` draws the SVG
//! figures, `timeline` a trace hop by hop on a calendar; `pages` lays them
//! out with the tables into the replication and comparison pages.

mod charts;
mod pages;
mod timeline;

pub use pages::{comparison_page, replication_page, sensitivity_page, uncertainty_page};

/// Text made safe to put inside HTML.
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A proportion as pages and charts show it: its interval of `kind` (or
/// the one it has), tagged with what it covers.
fn percent(p: &crate::statistics::Proportion, kind: crate::intervals::IntervalKind) -> String {
    match (p.share, p.interval(kind)) {
        (Some(s), Some(i)) => {
            format!("{:.1}% [{:.1}, {:.1}] {}", 100.0 * s, 100.0 * i.low, 100.0 * i.high, i.kind.tag())
        }
        (Some(s), None) => format!("{:.1}%", 100.0 * s),
        _ => "n/a".to_owned(),
    }
}
