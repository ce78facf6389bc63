//! The generated crate stands on its own: a fresh cargo project whose only dependencies
//! are the crate (by path) and Tokio builds every Rust example of the workspace README's
//! "Using the generated client" section and of `generated/README.md`.
//!
//! The project lives under `target/fresh-project/` (so cleaning the workspace removes it)
//! with a target directory of its own there, reused between runs, and a copy of the
//! workspace's `Cargo.lock`, so it builds the same versions the workspace does.

use apigen_tests::workspace_root;
use std::path::Path;
use std::process::Command;

/// The Rust code blocks of `markdown` (fences marked `rust`, `no_run` or nothing, as
/// rustdoc reads them; `ignore` and `compile_fail` blocks left out), with rustdoc's
/// hidden-line markers (`# `) taken off, each with the line its fence opens on.
fn rust_blocks(markdown: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, bool, String)> = None;
    for (number, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            match current.take() {
                Some((start, true, code)) => blocks.push((start, code)),
                Some((_, false, _)) => {}
                None => {
                    let words: Vec<&str> = info.split(',').map(str::trim).collect();
                    let rust = words
                        .iter()
                        .all(|w| matches!(*w, "" | "rust" | "no_run" | "should_panic"))
                        || (words.contains(&"rust")
                            && !words
                                .iter()
                                .any(|w| matches!(*w, "ignore" | "compile_fail")));
                    current = Some((number + 1, rust, String::new()));
                }
            }
            continue;
        }
        if let Some((_, true, code)) = &mut current {
            let visible = if trimmed == "#" {
                ""
            } else if let Some(rest) = trimmed.strip_prefix("# ") {
                rest
            } else {
                line
            };
            code.push_str(visible);
            code.push('\n');
        }
    }
    blocks
}

/// The part of `markdown` under the level-two heading `title`, up to the next one.
fn section<'a>(markdown: &'a str, title: &str) -> &'a str {
    let heading = format!("\n## {title}\n");
    let start = markdown
        .find(&heading)
        .unwrap_or_else(|| panic!("README.md has no `## {title}` section"));
    let rest = &markdown[start + heading.len()..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    &rest[..end]
}

#[test]
fn readme_examples_build_in_a_fresh_project() {
    let root = workspace_root();
    let base = root.join("target/fresh-project");
    let project = base.join("project");
    let _ = std::fs::remove_dir_all(project.join("src"));
    std::fs::create_dir_all(project.join("src")).expect("target/ is writable");

    let workspace_readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let generated_readme =
        std::fs::read_to_string(root.join("generated/README.md")).expect("generated/README.md");
    let mut sources = Vec::new();
    let using = rust_blocks(section(&workspace_readme, "Using the generated client"));
    assert!(
        using.len() >= 5,
        "README.md's \"Using the generated client\" has {} Rust blocks; expected its examples",
        using.len()
    );
    sources.extend(
        using
            .into_iter()
            .map(|(line, code)| ("README.md", line, code)),
    );
    let generated = rust_blocks(&generated_readme);
    assert!(
        generated.len() >= 4,
        "generated/README.md has {} Rust blocks; expected its examples",
        generated.len()
    );
    sources.extend(
        generated
            .into_iter()
            .map(|(line, code)| ("generated/README.md", line, code)),
    );

    let mut main = String::from(
        "//! Every Rust example of the READMEs, each in a module of its own.\n\
         #![allow(dead_code, unused_imports, unused_variables)]\n\n",
    );
    for (i, (file, line, code)) in sources.iter().enumerate() {
        let module = format!("example_{i}");
        main.push_str(&format!("/// {file}, line {line}.\nmod {module};\n"));
        std::fs::write(project.join(format!("src/{module}.rs")), code).expect("writable");
    }
    main.push_str("\nfn main() {}\n");
    std::fs::write(project.join("src/main.rs"), main).expect("writable");

    let generated_dir = root.join("generated");
    let manifest = format!(
        "[package]\nname = \"fresh-project\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\n# The README shows the optional blocking client and mock too.\n\
         cloudflare-client-certificates = {{ path = {:?}, features = [\"blocking\", \"mock\"] }}\n\
         tokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }}\n\n\
         # Not a member of the workspace it sits in.\n[workspace]\n",
        generated_dir.display().to_string()
    );
    std::fs::write(project.join("Cargo.toml"), manifest).expect("writable");
    std::fs::copy(root.join("Cargo.lock"), project.join("Cargo.lock"))
        .expect("the workspace has a Cargo.lock");

    let output = cargo_build(&project, &base.join("target"));
    assert!(
        output.status.success(),
        "the README examples do not build in a fresh project ({}) that depends only on the \
         generated crate and tokio:\n{}",
        project.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn cargo_build(project: &Path, target: &Path) -> std::process::Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    Command::new(cargo)
        .args(["build", "--quiet"])
        .env("CARGO_TARGET_DIR", target)
        .current_dir(project)
        .output()
        .expect("cargo runs")
}

#[test]
fn code_blocks_are_found_as_rustdoc_reads_them() {
    let markdown = "# T\n\n```rust,no_run\nuse a;\n# fn hidden() {}\n#\n#[attr]\n```\n\n\
                    ```rust,ignore\nnot compiled\n```\n\n```toml\n[x]\n```\n\n```\nplain\n```\n\n\
                    ```text\nprose\n```\n";
    let blocks = rust_blocks(markdown);
    assert_eq!(
        blocks,
        [
            (3, "use a;\nfn hidden() {}\n\n#[attr]\n".to_string()),
            (18, "plain\n".to_string()),
        ]
    );
    let doc = "intro\n## A\none\n### sub\ntwo\n## B\nthree\n";
    assert_eq!(section(doc, "A"), "one\n### sub\ntwo");
}
