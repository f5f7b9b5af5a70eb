//! The JSON Schema for TOML editors matches the format: the checked-in copy
//! is what `pocnet schema` prints, and every key the shipped scenarios use is
//! in it (so the editor never flags a valid file).

use crate::support::{pocnet, text, workspace_root};
use serde_json::Value;

#[test]
fn the_checked_in_schema_is_what_pocnet_schema_prints() {
    let output = pocnet(&["schema"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let checked_in = std::fs::read_to_string(workspace_root().join("scenarios/pocnet-scenario.schema.json")).unwrap();
    assert_eq!(text(&output.stdout), checked_in, "refresh with: pocnet schema > scenarios/pocnet-scenario.schema.json");
    let schema: Value = serde_json::from_str(&checked_in).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
}

/// The object schemas a value may match: itself, or its `oneOf` branches.
fn objects(schema: &Value) -> Vec<&Value> {
    match schema.get("oneOf").and_then(Value::as_array) {
        Some(branches) => branches.iter().flat_map(objects).collect(),
        None => vec![schema],
    }
}

fn check(value: &toml::Value, schema: &Value, path: &str, missing: &mut Vec<String>) {
    match value {
        toml::Value::Table(table) => {
            let candidates = objects(schema);
            for (key, inner) in table {
                let child = candidates.iter().find_map(|s| {
                    s.get("properties")
                        .and_then(|p| p.get(key))
                        .or_else(|| s.get("additionalProperties").filter(|a| a.is_object()))
                });
                match child {
                    Some(child) => check(inner, child, &format!("{path}.{key}"), missing),
                    None => missing.push(format!("{path}.{key}")),
                }
            }
        }
        toml::Value::Array(items) => {
            for item in items {
                for s in objects(schema) {
                    if let Some(items_schema) = s.get("items") {
                        check(item, items_schema, &format!("{path}[]"), missing);
                    }
                }
            }
        }
        _ => {}
    }
}

#[test]
fn every_key_the_scenario_library_uses_is_in_the_schema() {
    let schema: Value = serde_json::from_str(&pocnet_coordinator::schema::scenario_schema_text()).unwrap();
    let mut missing = Vec::new();
    let library = std::fs::read_dir(workspace_root().join("scenarios")).unwrap();
    let catalogue = std::fs::read_dir(workspace_root().join("scenarios/catalogue")).unwrap();
    for entry in library.chain(catalogue) {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).unwrap();
            // The schema comes from .taplo.toml: a `#:schema` line relative
            // to the file would break in any copy saved elsewhere.
            assert!(
                !text.starts_with("#:schema"),
                "{} names its schema by a path that breaks when copied",
                path.display()
            );
            let value: toml::Value = toml::from_str(&text).unwrap();
            check(&value, &schema, &path.file_name().unwrap().to_string_lossy(), &mut missing);
        }
    }
    assert!(missing.is_empty(), "keys missing from the schema: {missing:?}");
    // The check itself can fail: a key the schema lacks is found.
    let mut found = Vec::new();
    check(&toml::from_str("[scenario]\nnonsense = 1\n").unwrap(), &schema, "probe", &mut found);
    assert_eq!(found, ["probe.scenario.nonsense"]);
}

/// Taplo's CLI (what Even Better TOML runs on) finds the schema through the
/// repository's `.taplo.toml` for a scenario saved anywhere in it, and flags
/// the five mistakes an author makes most. Runs when `taplo` is on the PATH,
/// or when `POCNET_TAPLO_TESTS=1` asks for it (as `.ci/run` does after
/// `npm install @taplo/cli`); otherwise says why it skipped.
#[test]
fn taplo_flags_the_five_common_mistakes_with_the_schema_found_by_its_config() {
    // (npm's taplo prints its version and exits 1: presence is its answer.)
    let found = std::process::Command::new("taplo")
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).starts_with("taplo"));
    let required = std::env::var("POCNET_TAPLO_TESTS").is_ok_and(|v| v == "1");
    assert!(found || !required, "POCNET_TAPLO_TESTS=1 but `taplo` is not on the PATH (npm install @taplo/cli)");
    if !found {
        eprintln!("skipped: Taplo's CLI not found (npm install @taplo/cli; POCNET_TAPLO_TESTS=1 makes this a failure)");
        return;
    }
    let root = workspace_root();
    // Inside the repository but away from scenarios/, where no `#:schema` line could help.
    let dir = tempfile::Builder::new().prefix("taplo-probe-").tempdir_in(root.join("coordinator/tests")).unwrap();
    let taplo = |file: &std::path::Path| {
        let output = std::process::Command::new("taplo")
            .args(["check", "--no-auto-config", "--config", ".taplo.toml"])
            .arg(file.strip_prefix(&root).unwrap())
            .current_dir(&root)
            .output()
            .unwrap();
        (
            output.status.success(),
            format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr)),
        )
    };
    let valid = dir.path().join("valid.toml");
    std::fs::copy(root.join("scenarios/quickstart.toml"), &valid).unwrap();
    let (ok, said) = taplo(&valid);
    assert!(ok, "the library's quickstart passes where it is copied: {said}");

    let quickstart = std::fs::read_to_string(root.join("scenarios/quickstart.toml")).unwrap();
    let mistakes = [
        (
            "acknowledgement = { median = \"15m\"",
            "acknowledgment = { median = \"15m\"",
            "'acknowledgment' was unexpected",
        ),
        ("[countries.US]", "[countries.us]", "\"us\" does not match \"^[A-Z]{2}$\""),
        (
            "communication = \"2026-03-03T10:15:00+01:00\"",
            "communication = \"2026-03-03 10:15\"",
            "\"2026-03-03 10:15\" does not match",
        ),
        ("retention = \"90d\"", "retention = \"90\"", "\"90\" is not valid"),
        ("retention = \"1y\"", "retention = \"1M\"", "\"1M\" is not valid"),
    ];
    for (from, to, flagged) in mistakes {
        assert!(quickstart.contains(from), "quickstart has `{from}`");
        let file = dir.path().join("mistake.toml");
        std::fs::write(&file, quickstart.replacen(from, to, 1)).unwrap();
        let (ok, said) = taplo(&file);
        assert!(!ok && said.contains(flagged), "Taplo flags `{to}`:\n{said}");
        // pocnet check agrees.
        let check = crate::support::pocnet(&["check", file.to_str().unwrap()]);
        assert!(!check.status.success(), "pocnet check refuses `{to}` too");
    }
}
