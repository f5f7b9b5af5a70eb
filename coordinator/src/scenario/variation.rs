//! Variants of a scenario for `pocnet compare --vary PATH=V1,V2,...`: the
//! file's TOML with one value replaced, validated like any scenario.

/// Short names for the paths analysts vary most.
fn resolve(path: &str) -> Vec<String> {
    match path {
        "strategy" | "goals" | "seed" => vec!["scenario".to_owned(), path.to_owned()],
        _ => path.split('.').map(str::to_owned).collect(),
    }
}

/// Splits `hub,relay` or `"24/7",{ office_hours = "09:00-17:00" }` at the
/// commas that are not inside quotes, braces or brackets.
pub fn split_values(text: &str) -> Vec<String> {
    let (mut values, mut current, mut depth, mut quoted) = (Vec::new(), String::new(), 0i32, false);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '{' | '[' if !quoted => depth += 1,
            '}' | ']' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                values.push(current.trim().to_owned());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    values.push(current.trim().to_owned());
    values.into_iter().filter(|v| !v.is_empty()).collect()
}

/// A value as written on the command line: TOML if it parses as TOML
/// (`"1h"`, `42`, `{ median = "1h", p90 = "4h" }`), a bare string otherwise (`relay`, `24/7`).
fn parse_value(text: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("value = {text}"))
        .ok()
        .and_then(|mut table| table.remove("value"))
        .unwrap_or_else(|| toml::Value::String(text.to_owned()))
}

/// The scenario text with `path` set to `value`.
pub fn apply(text: &str, path: &str, value: &str) -> Result<String, String> {
    let mut root: toml::Table =
        toml::from_str(text).map_err(|e| format!("the scenario is not valid TOML: {}", e.message()))?;
    let keys = resolve(path);
    let (last, parents) = keys.split_last().ok_or_else(|| "an empty path".to_owned())?;
    let mut table = &mut root;
    for (depth, key) in parents.iter().enumerate() {
        let here = keys[..=depth].join(".");
        if !table.contains_key(key) {
            let known: Vec<&str> = table.keys().map(String::as_str).collect();
            return Err(format!("the scenario has no `{here}` (there: {})", known.join(", ")));
        }
        table = match table.get_mut(key) {
            Some(toml::Value::Table(inner)) => inner,
            _ => return Err(format!("`{here}` is not a table, so `{path}` cannot be set")),
        };
    }
    table.insert(last.clone(), parse_value(value));
    toml::to_string(&root).map_err(|e| format!("cannot write the variant: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_split_at_top_level_commas_only() {
        assert_eq!(split_values("hub,relay"), ["hub", "relay"]);
        assert_eq!(
            split_values(r#""24/7", { office_hours = "09:00-17:00", days = "Mon-Fri" }"#),
            [r#""24/7""#, r#"{ office_hours = "09:00-17:00", days = "Mon-Fri" }"#]
        );
    }

    #[test]
    fn apply_sets_nested_values_and_names_missing_tables() {
        let text = "[scenario]\nname = \"x\"\n[countries.BR]\nstaffing = { office_hours = \"09:00-17:00\" }\n";
        let varied = apply(text, "countries.BR.staffing", "24/7").unwrap();
        assert!(varied.contains("staffing = \"24/7\""), "{varied}");
        let varied = apply(text, "strategy", "relay").unwrap();
        assert!(varied.contains("strategy = \"relay\""), "{varied}");
        let error = apply(text, "countries.XX.staffing", "24/7").unwrap_err();
        assert!(error.contains("no `countries.XX`") && error.contains("BR"), "{error}");
    }
}
