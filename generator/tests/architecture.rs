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
//! | module   | may use                        | openapiv3 | std::fs |
//! |----------|--------------------------------|-----------|---------|
//! | diag     |                                | no        | no      |
//! | naming   |                                | no        | no      |
//! | config   | diag                           | no        | no      |
//! | load     | diag, config                   | yes       | yes     |
//! | lower    | diag, naming, config, load, ir | yes       | no      |
//! | ir       |                                | no        | no      |
//! | surface  | naming, ir                     | no        | no      |
//! | emit     | diag, naming, ir, surface      | no        | no      |
//! | write    | diag                           | no        | yes     |
//! | (root)   | every module                   | no        | no      |
//! | pipeline | every module                   | no        | no      |
//!
//! What is read: code only. Comments, string literals, the bodies of `quote!` (code of
//! the generated crate, whose `crate::` is another crate) and `#[cfg(test)]` items (tests
//! may drive earlier stages to build their input) are left out.

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
    for line in include_str!("architecture.rs").lines() {
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

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The code of a file with comments and literals (string, raw string, char) turned into
/// spaces, newlines kept so that positions keep their line.
fn blank_comments_and_literals(text: &str) -> Vec<char> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = chars.clone();
    let blank = |out: &mut Vec<char>, from: usize, to: usize| {
        for c in &mut out[from..to.min(chars.len())] {
            if *c != '\n' {
                *c = ' ';
            }
        }
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let prev_ident = i > 0 && is_ident(chars[i - 1]);
        if c == '/' && next == Some('/') {
            let end = (i..chars.len())
                .find(|&j| chars[j] == '\n')
                .unwrap_or(chars.len());
            blank(&mut out, i, end);
            i = end;
        } else if c == '/' && next == Some('*') {
            let (mut depth, mut j) = (1, i + 2);
            while j < chars.len() && depth > 0 {
                if chars[j] == '/' && chars.get(j + 1) == Some(&'*') {
                    depth += 1;
                    j += 1;
                } else if chars[j] == '*' && chars.get(j + 1) == Some(&'/') {
                    depth -= 1;
                    j += 1;
                }
                j += 1;
            }
            blank(&mut out, i, j);
            i = j;
        } else if !prev_ident && (c == 'r' || (c == 'b' && next == Some('r'))) {
            // A raw string `r#"…"#` (or `br"…"`); otherwise an identifier such as `r#type`.
            let start = i;
            let mut j = if c == 'b' { i + 2 } else { i + 1 };
            let hashes = (j..chars.len()).take_while(|&k| chars[k] == '#').count();
            j += hashes;
            if chars.get(j) == Some(&'"') {
                let close: Vec<char> = std::iter::once('"')
                    .chain(std::iter::repeat_n('#', hashes))
                    .collect();
                let end = (j + 1..chars.len())
                    .find(|&k| chars[k..].starts_with(&close))
                    .map_or(chars.len(), |k| k + close.len());
                blank(&mut out, start, end);
                i = end;
            } else {
                i += 1;
            }
        } else if c == '"' {
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            blank(&mut out, i, j + 1);
            i = j + 1;
        } else if c == '\'' {
            // A char literal (`'a'`, `'\n'`, `'{'`), or else a lifetime.
            if next == Some('\\') {
                let end = (i + 2..chars.len())
                    .find(|&k| chars[k] == '\'')
                    .unwrap_or(i + 1);
                blank(&mut out, i, end + 1);
                i = end + 1;
            } else if chars.get(i + 2) == Some(&'\'') {
                blank(&mut out, i, i + 3);
                i += 3;
            } else {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    out
}

/// The index just past the group that opens at `open` (`(`, `[` or `{`).
fn group_end(code: &[char], open: usize) -> usize {
    let mut depth = 0usize;
    for (j, &c) in code.iter().enumerate().skip(open) {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
    }
    code.len()
}

fn word_at(code: &[char], i: usize, word: &str) -> bool {
    let w: Vec<char> = word.chars().collect();
    code[i..].starts_with(&w)
        && (i == 0 || !is_ident(code[i - 1]) && code[i - 1] != '$')
        && code.get(i + w.len()).is_none_or(|&c| !is_ident(c))
}

fn skip_space(code: &[char], mut i: usize) -> usize {
    while code.get(i).is_some_and(|c| c.is_whitespace()) {
        i += 1;
    }
    i
}

/// Whether a path starts at `i` with `word::`.
fn path_start(code: &[char], i: usize, word: &str) -> bool {
    word_at(code, i, word) && code[skip_space(code, i + word.len())..].starts_with(&[':', ':'])
}

/// The index past the `::` that follows the word ending at `end`.
fn past_colons(code: &[char], end: usize) -> usize {
    skip_space(code, end) + 2
}

/// Blank the parts that are not this crate's code: `quote!` bodies and `#[cfg(test)]` items.
fn blank_foreign_code(code: &mut [char]) {
    let cfg_test: Vec<char> = "#[cfg(test)]".chars().collect();
    let mut i = 0;
    while i < code.len() {
        let quote = ["quote", "quote_spanned"]
            .into_iter()
            .find(|w| word_at(code, i, w) && code.get(i + w.len()) == Some(&'!'));
        let from = if let Some(w) = quote {
            let open = skip_space(code, i + w.len() + 1);
            Some((i, open))
        } else if code[i..].starts_with(&cfg_test) {
            let open = (i..code.len()).find(|&k| code[k] == '{' || code[k] == ';');
            open.map(|open| (i, open))
        } else {
            None
        };
        match from {
            Some((start, open)) if open < code.len() => {
                let end = if code[open] == ';' {
                    open + 1
                } else {
                    group_end(code, open)
                };
                for c in &mut code[start..end] {
                    if *c != '\n' {
                        *c = ' ';
                    }
                }
                i = end;
            }
            _ => i += 1,
        }
    }
}

/// The first segment of each path that starts after `code[at..]` (just past a `::`): one
/// for `a::b`, several for a group `{a, b::c}`.
fn heads(code: &[char], at: usize) -> Vec<String> {
    let i = skip_space(code, at);
    if code.get(i) == Some(&'{') {
        let end = group_end(code, i);
        let mut out = Vec::new();
        let (mut depth, mut start) = (0usize, i + 1);
        for j in i + 1..end {
            match code[j] {
                '{' => depth += 1,
                '}' if depth > 0 => depth -= 1,
                ',' | '}' if depth == 0 => {
                    let element: String = code[start..j].iter().collect();
                    let head: String = element
                        .trim()
                        .chars()
                        .take_while(|&c| is_ident(c) || c == '*')
                        .collect();
                    if !head.is_empty() {
                        out.push(head);
                    }
                    start = j + 1;
                }
                _ => {}
            }
        }
        out
    } else {
        let head: String = code[i..].iter().take_while(|&&c| is_ident(c)).collect();
        vec![head]
    }
}

fn line_of(code: &[char], i: usize) -> usize {
    code[..i].iter().filter(|&&c| c == '\n').count() + 1
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
            "module `{module}` has no row in the rule table of generator/tests/architecture.rs"
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

/// The checker on small made-up files, so that a clean run means something.
mod checker {
    use super::*;

    fn check(file_module: &[&str], text: &str) -> Vec<String> {
        let modules: BTreeSet<String> = [
            "config", "diag", "emit", "ir", "load", "lower", "naming", "pipeline", "surface",
            "write",
        ]
        .map(String::from)
        .into();
        let module: Vec<String> = file_module.iter().map(|m| m.to_string()).collect();
        check_file("f.rs", text, &module, &modules, &rules())
            .into_iter()
            .map(|v| format!("{}: {}", v.line, v.what))
            .collect()
    }

    #[test]
    fn a_forbidden_import_is_named_with_its_line_and_arrow() {
        let found = check(
            &["emit", "model"],
            "use crate::ir::Api;\n\nuse crate::lower::Lowerer;\n",
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("3: emit → lower (`crate::lower`): emit may use only"),
            "{found:?}"
        );
    }

    #[test]
    fn groups_super_paths_and_inline_paths_are_read() {
        let found = check(
            &["surface"],
            "use crate::{ir::Api, emit::{self, SURFACE_FILE}};\nfn f() { super::write::diff(); }\n",
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("1: surface → emit"), "{found:?}");
        assert!(
            found[1].starts_with("2: surface → write (`super::write`)"),
            "{found:?}"
        );
        let found = check(
            &["lower", "bodies"],
            "use super::Lowerer;\nuse super::super::emit;\n",
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("2: lower → emit"), "{found:?}");
    }

    #[test]
    fn the_driver_openapiv3_and_the_disk_are_checked() {
        let found = check(
            &["ir"],
            "fn f(a: &openapiv3::OpenAPI) { crate::generate(); std::fs::read(\"x\"); }\n",
        );
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found.iter().any(|f| f.contains("ir → (root)")), "{found:?}");
        assert!(
            found.iter().any(|f| f.contains("ir → openapiv3")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|f| f.contains("ir → std::fs")),
            "{found:?}"
        );
        let found = check(
            &[],
            "pub use load::{lint, refs};\npub use pipeline::Quiet;\n",
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("1: the crate root re-exports from `load`"),
            "{found:?}"
        );
    }

    #[test]
    fn comments_strings_generated_code_and_tests_are_not_read() {
        let text = r##"
//! Uses `crate::lower` and openapiv3 in prose only.
/* crate::write::diff() */
fn f() -> String {
    let _ = quote!(crate::runtime::private::Body);
    let _ = quote! { crate::Client::new() };
    let _ = 'x';
    let _: &'static str = "crate::lower::lower";
    r#"crate::write"#.to_string()
}
#[cfg(test)]
mod tests {
    use crate::lower;
}
"##;
        assert_eq!(check(&["emit"], text), Vec::<String>::new());
    }

    #[test]
    fn inline_modules_resolve_super_to_their_parent() {
        let text = "mod render {\n    use super::{Diagnostic, Severity};\n}\nuse crate::ir;\n";
        let found = check(&["diag"], text);
        assert_eq!(
            found,
            ["4: diag → ir (`crate::ir`): diag may use no other module"]
        );
    }
}
