//! Every command that README.md and `pocnet <command> --help` show runs as
//! shown and succeeds. Regression: the README's `pocnet compare before.toml
//! after.toml` named files nobody had, and `compare --help` showed a `--vary`
//! with one value, which compare refuses.
//!
//! Commands run in a scratch directory holding a copy of `scenarios/`, so the
//! files they write land there. Node addresses (`127.0.0.1:700N`) are swapped
//! for free loopback ports, and nodes started in the background are stopped
//! when the script ends.

use crate::support::{pocnet, text, workspace_root};
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::Command;

/// The ```sh blocks of the README that are pocnet commands (the set-up and
/// benchmark blocks run cargo, and are what CI itself runs).
fn readme_blocks() -> Vec<String> {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in readme.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```sh") => current = Some(String::new()),
            (Some(block), "```") => {
                if !block.contains("cargo ") {
                    blocks.push(std::mem::take(block));
                }
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

/// The example lines of every subcommand's `--help`.
fn help_examples() -> Vec<String> {
    let mut examples = Vec::new();
    // `certs init` before `node`: the TLS node example uses the certificates it makes.
    for command in
        ["run", "compare", "sensitivity", "uncertainty", "check", "schema", "certs init", "node", "exercise", "merge"]
    {
        let mut args: Vec<&str> = command.split(' ').collect();
        args.push("--help");
        let output = pocnet(&args);
        assert!(output.status.success(), "{command} --help");
        let help = text(&output.stdout);
        assert!(help.contains("Example"), "`pocnet {command} --help` shows an example");
        examples.extend(help.lines().filter_map(|l| l.strip_prefix("  pocnet ")).map(|l| format!("pocnet {l}")));
    }
    examples
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// An exercise serves until stopped: it is started on a free loopback port
/// in the background, checked to have printed its links, and stopped.
fn serving_briefly(line: &str) -> String {
    let trimmed = line.trim_start();
    // Subcommands run as they are, but a replay with --speed serves the consoles.
    let subcommand = ["replay", "report", "timeline", "fork", "rehearse"]
        .iter()
        .any(|c| trimmed.starts_with(&format!("pocnet exercise {c}")))
        && !trimmed.contains("--speed");
    if !trimmed.starts_with("pocnet exercise ") || subcommand {
        return line.to_owned();
    }
    let command = trimmed.split(" #").next().unwrap_or(trimmed).trim_end();
    let command = match command.contains("--listen ") {
        true => command.replace("--listen 0.0.0.0:8080", "--listen 127.0.0.1:0"),
        false => format!("{command} --listen 127.0.0.1:0"),
    };
    format!("{command} > exercise.out &\nsleep 2\nkill $!\ngrep -q 'director: http://127.0.0.1:' exercise.out")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Runs `script` with `pocnet` meaning the binary under test, in a scratch
/// directory; node ports 7001-7003 become free ports.
fn run_script(script: &str) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&workspace_root().join("scenarios"), &dir.path().join("scenarios"));
    let mut script: String = script.lines().map(|line| format!("{}\n", serving_briefly(line))).collect();
    for port in ["7001", "7002", "7003"] {
        script = script.replace(&format!("127.0.0.1:{port}"), &format!("127.0.0.1:{}", free_port()));
    }
    // `pocnet` on the PATH is the binary under test, so that `pocnet ... &`
    // is a child of the script that the exit trap can stop.
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_pocnet"), bin.join("pocnet")).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let full = format!("set -e\n{script}");
    // A process group of its own, and output to files rather than pipes: the
    // nodes a script leaves in the background are stopped with the group
    // once it ends, and cannot keep the test waiting on a pipe.
    let (out, err) = (dir.path().join("stdout"), dir.path().join("stderr"));
    let mut child = Command::new("timeout")
        .args(["600", "sh", "-c", &full])
        .current_dir(dir.path())
        .env("PATH", path)
        .env_remove("RUST_LOG")
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .process_group(0)
        .spawn()
        .expect("sh runs");
    let status = child.wait().unwrap();
    let group = format!("-{}", child.id());
    let _ = Command::new("kill").args(["-TERM", "--", &group]).stderr(std::process::Stdio::null()).status();
    assert!(
        status.success(),
        "this example failed ({status}):\n{script}\n--- stderr\n{}",
        std::fs::read_to_string(&err).unwrap_or_default()
    );
}

#[test]
fn every_readme_command_runs() {
    let blocks = readme_blocks();
    assert!(blocks.len() >= 3, "the README's tour, nodes and analysis blocks: {blocks:?}");
    for block in blocks {
        run_script(&block);
    }
}

#[test]
fn every_help_example_runs() {
    let examples = help_examples();
    // The `run --nodes` example needs its three nodes; `node --listen` itself
    // serves until stopped, so it is started in the background and stopped.
    let mut script = String::from(
        "pocnet node --listen 127.0.0.1:7001 >/dev/null &\n\
         pocnet node --listen 127.0.0.1:7002 >/dev/null &\n\
         pocnet node --listen 127.0.0.1:7003 >/dev/null &\n",
    );
    for example in &examples {
        if example.starts_with("pocnet node ") {
            // Ports of its own, so it does not collide with the three above.
            let own = example.replace("127.0.0.1:7001", "127.0.0.1:0").replace("0.0.0.0:7001", "127.0.0.1:0");
            script.push_str(&format!(
                "{own} > node.out &\nsleep 1\nkill $!\ngrep -q 'listening on 127.0.0.1:' node.out\n"
            ));
        } else {
            script.push_str(example);
            script.push('\n');
        }
    }
    assert!(examples.len() >= 8, "{examples:?}");
    run_script(&script);
}

/// The repository is self-contained: no tracked text sends its reader to a
/// file outside it (the design notes beside the repository are not shipped).
#[test]
fn no_file_refers_outside_the_repository() {
    fn visit(dir: &Path, offenders: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name == "target" || name.starts_with('.') && name != ".ci" {
                continue;
            }
            if path.is_dir() {
                visit(&path, offenders);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                let outside = ["../", "shared/"].concat();
                if text.contains(&outside) {
                    offenders.push(path.display().to_string());
                }
            }
        }
    }
    let mut offenders = Vec::new();
    visit(&workspace_root(), &mut offenders);
    assert!(offenders.is_empty(), "these files point outside the repository: {offenders:?}");
}

/// Shell completions and the manual page come from the same clap definitions
/// as the command line, so they know every command.
#[test]
fn completions_and_the_manual_page_cover_every_command() {
    let commands =
        ["run", "compare", "sensitivity", "uncertainty", "check", "schema", "exercise", "node", "merge", "certs"];
    for shell in ["bash", "zsh", "fish"] {
        let output = pocnet(&["completions", shell]);
        assert!(output.status.success(), "{shell}: {}", text(&output.stderr));
        let script = text(&output.stdout);
        for command in commands {
            assert!(script.contains(command), "{shell} completes `{command}`");
        }
    }
    let bash = text(&pocnet(&["completions", "bash"]).stdout);
    let checked = Command::new("bash").args(["-n", "-c", &bash]).output().unwrap();
    assert!(checked.status.success(), "the bash script parses: {}", text(&checked.stderr));
    let page = text(&pocnet(&["manpage"]).stdout);
    assert!(page.starts_with(".ie") || page.starts_with(".TH"), "roff: {:.80}", page);
    for command in commands {
        assert!(page.contains(&format!("POCNET {}", command.to_uppercase())), "a section for `{command}`");
    }
    let refused = pocnet(&["completions", "tcsh"]);
    assert!(
        !refused.status.success() && text(&refused.stderr).contains("possible values"),
        "an unknown shell is named"
    );
}
