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
    for entry in std::fs::read_dir(workspace_root().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(
                text.starts_with("#:schema ./pocnet-scenario.schema.json"),
                "{} lacks the #:schema line",
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
