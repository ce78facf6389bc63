//! Facts the generated README states about the runtime, read from the runtime's own
//! source (its constants, the variants of `Error`, the write-up in `runtime/mod.rs`), so
//! the README cannot drift from the code it describes.

use super::readme::one_line;
use std::fmt::Write as _;

/// The text of a runtime file.
pub(super) fn runtime_file(name: &str) -> &'static str {
    super::RUNTIME_FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("", |(_, text)| text)
}

/// A default the runtime declares as `const NAME: T = VALUE;`, in words (`60 s`, `0.5 s`,
/// `32 MiB`, `10,000`).
pub(super) fn runtime_default(file: &str, name: &str) -> Option<String> {
    let text = runtime_file(file);
    let start = text.find(&format!("const {name}: "))?;
    let line = &text[start..];
    let value = line[..line.find(';')?].split_once(" = ")?.1.trim();
    if let Some(n) = call_arg(value, "Duration::from_secs") {
        return Some(format!("{n} s"));
    }
    if let Some(ms) = call_arg(value, "Duration::from_millis") {
        let secs = ms as f64 / 1000.0;
        return Some(format!("{secs} s"));
    }
    if let Some((a, b)) = value.split_once("<<") {
        let a: u64 = a.trim().replace('_', "").parse().ok()?;
        let b: u32 = b.trim().parse().ok()?;
        let bytes = a.checked_shl(b)?;
        return Some(if bytes % (1 << 20) == 0 {
            format!("{} MiB", bytes >> 20)
        } else {
            format!("{bytes} bytes")
        });
    }
    let n: u64 = value.replace('_', "").parse().ok()?;
    Some(thousands(n))
}

pub(super) fn call_arg(value: &str, function: &str) -> Option<u64> {
    let inner = value.strip_prefix(function)?.strip_prefix('(')?;
    let inner = inner.strip_suffix(')')?;
    inner.trim().replace('_', "").parse().ok()
}

pub(super) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The variants of the runtime's `Error`, each with the first sentence of its docs.
pub(super) fn error_variants() -> Vec<(String, String)> {
    let text = runtime_file("error.rs");
    let Some(start) = text.find("pub enum Error {") else {
        return Vec::new();
    };
    let mut variants = Vec::new();
    let mut doc = String::new();
    for line in text[start..].lines().skip(1) {
        if line == "}" {
            break;
        }
        // Variants sit at one level of indentation; their fields deeper.
        let Some(item) = line.strip_prefix("    ").filter(|l| !l.starts_with(' ')) else {
            continue;
        };
        if let Some(d) = item.strip_prefix("///") {
            doc.push(' ');
            doc.push_str(d.trim());
            continue;
        }
        let name: String = item
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if !name.is_empty() {
            let doc = std::mem::take(&mut doc);
            let doc = one_line(&doc);
            let first = match doc.find(". ") {
                Some(end) => doc[..=end].to_string(),
                None => doc,
            };
            variants.push((name, first));
        } else {
            doc.clear();
        }
    }
    variants
}

/// The behaviour write-up of the runtime (the docs of `runtime/mod.rs` after their first
/// paragraph), its headings one level below the README's sections.
pub(super) fn behaviour() -> String {
    let mut out = String::new();
    let mut started = false;
    for line in runtime_file("mod.rs").lines() {
        let Some(text) = line.strip_prefix("//!") else {
            if line.trim().is_empty() || line.starts_with("//") {
                continue;
            }
            break;
        };
        let text = text.strip_prefix(' ').unwrap_or(text);
        if !started {
            // The first paragraph introduces the module, not the behaviour.
            started = text.starts_with('#');
            if !started {
                continue;
            }
        }
        if let Some(heading) = text.strip_prefix("# ") {
            let _ = writeln!(out, "#### {heading}\n");
        } else if !(text.is_empty() && out.ends_with("\n\n")) {
            out.push_str(text);
            out.push('\n');
        }
    }
    out
}
