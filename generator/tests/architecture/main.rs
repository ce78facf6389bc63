//! The stage boundaries of `generator/src`, checked on the source text.
//!
//! The pipeline runs one way: load → lower → IR → emit → write. Only load and lower know
//! OpenAPI's types; only load and write touch the disk; no stage names a later one or the
//! driver that calls it. Each module of `generator/src` has a row below, and the table is
//! the rule: a module may name (by `use crate::…` or any `crate::…` or `super::…` path) only
//! the modules its row lists, and may mention `openapiv3` or `std::fs` only where its row
//! says so. The crate root and `pipeline` drive the stages: they may name every module,
//! nothing names them, and the root re-exports nothing of a stage (a re-export would let a
//! stage reach another through `crate::` and hide the arrow).
//!
//! | module      | may use                        | openapiv3 | std::fs |
//! |-------------|--------------------------------|-----------|---------|
//! | diag        |                                | no        | no      |
//! | naming      |                                | no        | no      |
//! | config      | diag                           | no        | no      |
//! | load        | diag, config                   | yes       | yes     |
//! | lower       | diag, naming, config, load, ir | yes       | no      |
//! | ir          |                                | no        | no      |
//! | surface     | naming, ir                     | no        | no      |
//! | emit        | diag, naming, ir, surface      | no        | no      |
//! | conformance | diag, naming, ir, emit         | no        | no      |
//! | write       | diag                           | no        | yes     |
//! | (root)      | every module                   | no        | no      |
//! | pipeline    | every module                   | no        | no      |
//!
//! What is read: code only. Comments, string literals, the bodies of `quote!` (code of
//! the generated crate, whose `crate::` is another crate) and `#[cfg(test)]` items (tests
//! may drive earlier stages to build their input) are left out.

mod scan;
mod self_tests;

use scan::{
    blank_comments_and_literals, blank_foreign_code, group_end, heads, is_ident, line_of,
    past_colons, path_start, skip_space, word_at,
};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The name the table gives the crate root.
const ROOT: &str = "(root)";

/// One row of the table.
#[derive(Debug)]
struct Rule {
    may_use: Option<BTreeSet<String>>,
    openapiv3: bool,
    fs: bool,
}

impl Rule {
    fn allows(&self, module: &str) -> bool {
        self.may_use.as_ref().is_none_or(|m| m.contains(module))
    }

    /// What the module may use, as a sentence ending.
    fn listed(&self) -> String {
        match &self.may_use {
            None => "every module".to_string(),
            Some(m) if m.is_empty() => "no other module".to_string(),
            Some(m) => format!("only {}", m.iter().cloned().collect::<Vec<_>>().join(", ")),
        }
    }
}

/// The table of this file's docs, by module.
fn rules() -> BTreeMap<String, Rule> {
    let mut rules = BTreeMap::new();
    for line in include_str!("main.rs").lines() {
        let Some(row) = line.strip_prefix("//! |") else {
            continue;
        };
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let [module, may_use, openapiv3, fs, ..] = cells[..] else {
            panic!("a row of the rule table has too few cells: {line}");
        };
        if module == "module" || module.starts_with('-') {
            continue;
        }
        let may_use = (may_use != "every module").then(|| {
            may_use
                .split(',')
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .map(String::from)
                .collect()
        });
        let yes = |cell: &str| match cell {
            "yes" => true,
            "no" => false,
            other => panic!("a rule table cell must be `yes` or `no`, not `{other}`"),
        };
        let rule = Rule {
            may_use,
            openapiv3: yes(openapiv3),
            fs: yes(fs),
        };
        rules.insert(module.to_string(), rule);
    }
    assert!(rules.len() > 5, "the rule table was not found");
    rules
}

/// A forbidden arrow, where it is.
#[derive(Debug, PartialEq, Eq)]
struct Violation {
    file: String,
    line: usize,
    what: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.what)
    }
}

/// Check one file of module path `file_module` (`["lower", "bodies"]`; empty for the root).
fn check_file(
    shown: &str,
    text: &str,
    file_module: &[String],
    modules: &BTreeSet<String>,
    rules: &BTreeMap<String, Rule>,
) -> Vec<Violation> {
    let stage = file_module.first().map_or(ROOT, String::as_str);
    let Some(rule) = rules.get(stage) else {
        return vec![Violation {
            file: shown.to_string(),
            line: 1,
            what: format!("module `{stage}` has no row in the rule table of this test"),
        }];
    };
    let mut code = blank_comments_and_literals(text);
    blank_foreign_code(&mut code);
    let mut found = Vec::new();
    let mut report = |i: usize, what: String| {
        found.push(Violation {
            file: shown.to_string(),
            line: line_of(&code, i),
            what,
        })
    };
    // Inline modules (`mod render { … }`) open at a depth; `super` inside leaves them first.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < code.len() {
        match code[i] {
            '{' => depth += 1,
            '}' => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
            }
            _ => {}
        }
        if word_at(&code, i, "mod") {
            let name_at = skip_space(&code, i + 3);
            let name: String = code[name_at..]
                .iter()
                .take_while(|&&c| is_ident(c))
                .collect();
            if code.get(skip_space(&code, name_at + name.len())) == Some(&'{') {
                inline.push((name, depth));
            }
        }
        let mut module: Vec<String> = file_module.to_vec();
        module.extend(inline.iter().map(|(n, _)| n.clone()));
        let target = if path_start(&code, i, "crate") {
            Some((
                Vec::new(),
                heads(&code, past_colons(&code, i + 5)),
                "crate".to_string(),
            ))
        } else if path_start(&code, i, "super") && (i < 2 || code[i - 2..i] != [':', ':']) {
            let (mut at, mut base, mut written) = (i, module.clone(), Vec::new());
            while path_start(&code, at, "super") {
                base.pop();
                written.push("super");
                at = skip_space(&code, past_colons(&code, at + 5));
            }
            Some((base, heads(&code, at), written.join("::")))
        } else {
            None
        };
        if let Some((base, heads, written)) = target {
            for head in heads {
                let top = match base.first() {
                    Some(top) => top.clone(),
                    None if modules.contains(&head) => head.clone(),
                    None => ROOT.to_string(),
                };
                if top == stage || rule.allows(&top) || (head == "self" && base.is_empty()) {
                    continue;
                }
                let arrow = format!("{stage} → {top} (`{written}::{head}`)");
                if top == ROOT || top == "pipeline" {
                    report(
                        i,
                        format!(
                            "{arrow}: no stage names the crate root or the pipeline; name the \
                             stage module that defines the item"
                        ),
                    );
                } else {
                    report(i, format!("{arrow}: {stage} may use {}", rule.listed()));
                }
            }
        }
        if word_at(&code, i, "openapiv3") && !rule.openapiv3 {
            report(
                i,
                format!("{stage} → openapiv3: only load and lower know OpenAPI's types"),
            );
        }
        if !rule.fs
            && path_start(&code, i, "std")
            && heads(&code, past_colons(&code, i + 3))
                .iter()
                .any(|h| h == "fs")
        {
            report(
                i,
                format!("{stage} → std::fs: only load and write touch the disk"),
            );
        }
        if stage == ROOT && word_at(&code, i, "pub") {
            let mut at = skip_space(&code, i + 3);
            if code.get(at) == Some(&'(') {
                at = skip_space(&code, group_end(&code, at));
            }
            if word_at(&code, at, "use") {
                let mut from = skip_space(&code, at + 3);
                if path_start(&code, from, "crate") {
                    from = past_colons(&code, from + 5);
                }
                for head in heads(&code, from) {
                    if modules.contains(&head) && head != "pipeline" {
                        report(
                            i,
                            format!(
                                "the crate root re-exports from `{head}`, so a stage could reach \
                                 it through `crate::` and hide the arrow"
                            ),
                        );
                    }
                }
            }
        }
        i += 1;
    }
    found.dedup();
    found
}

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("generator/src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `lower/bodies.rs` → `["lower", "bodies"]`; `lower/mod.rs` → `["lower"]`; `lib.rs` → `[]`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

#[test]
fn stages_import_only_what_the_rule_table_allows() {
    let rules = rules();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    source_files(&src, &mut files);
    files.sort();
    let modules: BTreeSet<String> = files
        .iter()
        .filter_map(|f| module_path(f.strip_prefix(&src).ok()?).first().cloned())
        .collect();
    for module in &modules {
        assert!(
            rules.contains_key(module),
            "module `{module}` has no row in the rule table of generator/tests/architecture/main.rs"
        );
    }
    let mut violations = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).expect("under src");
        let text = std::fs::read_to_string(file).expect("a readable source file");
        let shown = format!("generator/src/{}", relative.display());
        violations.extend(check_file(
            &shown,
            &text,
            &module_path(relative),
            &modules,
            &rules,
        ));
    }
    let listed: Vec<String> = violations.iter().map(ToString::to_string).collect();
    assert!(
        violations.is_empty(),
        "forbidden arrows between stages:\n{}",
        listed.join("\n")
    );
}
