//! The change report, three ways.
//!
//! - [`Style::Review`], the default: a summary to read in ten seconds (counts by kind,
//!   breaking or not, the version the crate moves to), then one group per resource: each
//!   operation with its own argument, setter and response changes under it, then the
//!   models only that resource reaches (through arguments, setters and responses). Models
//!   several resources reach, and models no operation's signature names (a request body
//!   given through setters, say), have a group each. An added or removed operation or model is one line; so is a
//!   resource that is wholly new or wholly gone. Lines are at most [`WIDTH`] columns: long
//!   ones wrap, and a single word too long for a line (a long path or type name) is
//!   shortened in the middle. The `codegen.toml` entries that keep renamed operations'
//!   old names come last, verbatim so that they can be pasted: a table header whose
//!   operationId alone is longer than the width is the one line left longer.
//! - [`Style::Full`]: the summary, then every item that differs, key by key.
//! - [`Style::Json`]: the report for tools, one JSON object:
//!
//! ```text
//! {
//!   "format": 1,                  // bumped if a field changes meaning or goes away
//!   "first_generation": false,    // no previous api-surface.txt: the lists are empty
//!   "version": "0.3.1",           // the crate's version
//!   "next_version": "0.4.0",      // null when nothing changed or on a first generation
//!   "breaking": true,
//!   "before": {"operations": 4, "resources": 1, "models": 3},
//!   "after": {"operations": 4, "resources": 1, "models": 3},
//!   "counts": {"operations": COUNTS, "models": COUNTS},
//!   "operations": [{
//!     "change": "renamed",        // "removed" | "renamed" | "changed" | "added"
//!     "resource": "pets", "name": "fetch_pet",
//!     "old_resource": "pets", "old_name": "get_pet",      // null unless renamed
//!     "method": "GET", "path": "/pets/{id}", "output": "Pet",
//!     "operation_id": "fetchPet", // null when the surface does not record it
//!     "breaking": true,
//!     "items": [ITEM, ...],       // empty for an added or removed operation
//!     "keep_old_name": "[operations.fetchPet]\nmethod = \"get_pet\"\n"  // or null
//!   }],
//!   "models": [{
//!     "change": "changed", "name": "Pet", "old_name": null,
//!     "shape": "struct, 3 fields", "breaking": true,
//!     "used_by": ["pets"],        // resources whose operations reach it
//!     "items": [ITEM, ...]
//!   }]
//! }
//! COUNTS = {"removed": 1, "renamed": 1, "changed": 2, "added": 1, "breaking": 3}
//! ITEM = {"change": "changed", "kind": "setter", "name": "limit", "old_name": null,
//!         "old": "i64", "new": "String", "breaking": true}
//! ```
//!
//! An item's `kind` is `argument`, `setter`, `error` (a typed error body, by status), `response`, `stream` or `endpoint` in an
//! operation, and `field`, `variant`, `alternative` or `type` in a model. Keys are always
//! present (`null` when they do not apply) and lists are sorted, so the output is stable.

mod json;
#[cfg(test)]
mod tests;
mod wrap;

use super::compare::{ChangeKind, Comparison, ItemChange, ModelChange, OperationChange};
use std::collections::BTreeMap;
use wrap::{GLUE, Lines};

/// The widest line of the review report, in characters.
pub const WIDTH: usize = 100;

/// How many users of a shared model its line names.
const USERS_NAMED: usize = 3;

/// Which form of the report to render.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Style {
    /// Summary, then changes grouped by resource, folded and wrapped.
    #[default]
    Review,
    /// Summary, then every item that differs.
    Full,
    /// One JSON object, for tools.
    Json,
}

impl Comparison {
    /// The report for a crate at `version`.
    pub fn render(&self, version: &str, style: Style) -> String {
        match style {
            Style::Review => {
                let mut out = Lines {
                    text: self.summary(version),
                    ..Lines::default()
                };
                self.review_body(&mut out);
                out.text
            }
            Style::Full => {
                let mut out = Lines {
                    text: self.summary(version),
                    abbreviate: false,
                    marks: false,
                };
                self.full_body(&mut out);
                out.text
            }
            Style::Json => self.to_json(version),
        }
    }

    /// The first lines of the report: what changed, in counts, and the version it implies.
    pub fn summary(&self, version: &str) -> String {
        let mut out = Lines {
            marks: false,
            ..Lines::default()
        };
        if self.first_generation {
            let a = &self.after;
            out.line(
                false,
                0,
                &format!(
                    "API changes: first generation (no earlier API): {} in {}, {}",
                    count(a.operations, "operation"),
                    count(a.resources, "resource"),
                    count(a.models, "model"),
                ),
            );
            return out.text;
        }
        let Some(next) = self.next_version(version) else {
            let text = if self.items.is_empty() {
                "API changes: none".to_string()
            } else {
                format!(
                    "API changes: none that users see ({} not counted, such as aliases now \
                     naming an identical type; --full lists them)",
                    count(self.items.len(), "item difference")
                )
            };
            out.line(false, 0, &text);
            return out.text;
        };
        let kind = if self.breaking() {
            "breaking"
        } else {
            "compatible"
        };
        out.line(
            false,
            0,
            &format!("API changes: {kind}; version {version} -> {next}"),
        );
        let ops: Vec<(ChangeKind, bool)> = self
            .operations
            .iter()
            .map(|o| (o.change, o.breaking))
            .collect();
        let models: Vec<(ChangeKind, bool)> =
            self.models.iter().map(|m| (m.change, m.breaking)).collect();
        let (b, a) = (&self.before, &self.after);
        out.line(
            false,
            2,
            &format!(
                "operations: {}; {} -> {} in all",
                counts(&ops),
                b.operations,
                a.operations
            ),
        );
        out.line(
            false,
            2,
            &format!(
                "models: {}; {} -> {} in all",
                counts(&models),
                b.models,
                a.models
            ),
        );
        out.line(
            false,
            2,
            &format!(
                "`!` marks what breaks code written against {version}; --full lists every \
                 item, --json is for tools"
            ),
        );
        out.text
    }

    fn review_body(&self, out: &mut Lines) {
        if self.first_generation || self.is_empty() {
            return;
        }
        let mut groups: BTreeMap<&str, Group<'_>> = BTreeMap::new();
        for op in &self.operations {
            groups.entry(&op.resource).or_default().operations.push(op);
        }
        let mut shared = Vec::new();
        let mut unused = Vec::new();
        for model in &self.models {
            match &model.used_by[..] {
                [] => unused.push(model),
                [only] => groups.entry(only).or_default().models.push(model),
                _ => shared.push(model),
            }
        }
        let mut folded_last = false;
        for (resource, group) in &groups {
            // A resource wholly new or wholly gone is one line (a renamed operation moved
            // into it or out of it is still shown).
            let all = |kind: ChangeKind| group.operations.iter().all(|o| o.change == kind);
            let whole = if self.new_resources.contains(*resource) && all(ChangeKind::Added) {
                Some(("new", false))
            } else if self.removed_resources.contains(*resource) && all(ChangeKind::Removed) {
                Some(("removed", true))
            } else {
                None
            };
            if let Some((what, breaking)) = whole {
                if !folded_last {
                    out.blank();
                }
                let models = group.models.len();
                let models = if models > 0 {
                    format!(", {}", count(models, "model"))
                } else {
                    String::new()
                };
                out.line(
                    breaking,
                    0,
                    &format!(
                        "resource {resource} ({what}): {}{models}",
                        count(group.operations.len(), "operation")
                    ),
                );
                folded_last = true;
                continue;
            }
            folded_last = false;
            out.blank();
            out.line(false, 0, &format!("resource {resource}"));
            for op in &group.operations {
                operation_lines(out, op);
            }
            if !group.models.is_empty() {
                out.line(false, 2, "models");
                for model in &group.models {
                    model_lines(out, model, false);
                }
            }
        }
        for (title, models, users) in [
            ("models used by several resources", &shared, true),
            ("models in no operation's signature", &unused, false),
        ] {
            if models.is_empty() {
                continue;
            }
            out.blank();
            out.line(false, 0, title);
            for model in models {
                model_lines(out, model, users);
            }
        }
        let entries: Vec<String> = self
            .operations
            .iter()
            .filter_map(OperationChange::keep_old_name)
            .collect();
        if !entries.is_empty() {
            out.blank();
            out.line(
                false,
                0,
                "To keep the old names, add to codegen.toml (merge with any entry already there):",
            );
            for entry in entries {
                // Verbatim, to be pasted: a TOML key cannot be split over lines.
                for line in entry.lines() {
                    out.text.push_str(&format!("    {line}\n"));
                }
            }
        }
    }

    fn full_body(&self, out: &mut Lines) {
        if self.first_generation || self.items.is_empty() {
            return;
        }
        out.blank();
        for what in ["removed", "changed", "added"] {
            for c in self.items.iter().filter(|c| c.what == what) {
                let mark = if c.breaking { "BREAKING" } else { "ok" };
                out.line(
                    false,
                    2,
                    &format!("{what:<7} [{mark:<8}] {}: {}", c.item, c.detail),
                );
            }
        }
    }
}

#[derive(Default)]
struct Group<'c> {
    operations: Vec<&'c OperationChange>,
    models: Vec<&'c ModelChange>,
}

/// `1 operation`, `3 models`.
fn count(n: usize, noun: &str) -> String {
    let plural = if n == 1 { "" } else { "s" };
    format!("{n} {noun}{plural}")
}

/// `1 removed, 2 changed (1 breaking), 3 added`: every kind present, in order; `no change`.
fn counts(changes: &[(ChangeKind, bool)]) -> String {
    let mut parts = Vec::new();
    for kind in ChangeKind::ALL {
        let n = changes.iter().filter(|c| c.0 == kind).count();
        if n == 0 {
            continue;
        }
        let breaking = changes.iter().filter(|c| c.0 == kind && c.1).count();
        // Removed and renamed items always break; added ones never do, but for arguments.
        let note = match kind {
            ChangeKind::Changed if breaking > 0 => format!(" ({breaking} breaking)"),
            _ => String::new(),
        };
        parts.push(format!("{n} {}{note}", kind.word()));
    }
    if parts.is_empty() {
        "no change".to_string()
    } else {
        parts.join(", ")
    }
}

fn operation_lines(out: &mut Lines, op: &OperationChange) {
    let endpoint = format!("{}{GLUE}{}", op.method, op.path);
    let text = match op.change {
        ChangeKind::Added | ChangeKind::Removed => {
            format!(
                "{} {}: {endpoint} -> {}",
                op.change.mark(),
                op.name,
                op.output
            )
        }
        ChangeKind::Changed => format!("~ {}: {endpoint}", op.name),
        ChangeKind::Renamed => {
            let old = match (&op.old_resource, &op.old_name) {
                (Some(r), Some(n)) if *r != op.resource => format!("{r}.{n}"),
                (_, Some(n)) => n.clone(),
                _ => String::new(),
            };
            format!("> {old} -> {}: {endpoint}", op.name)
        }
    };
    out.line(op.breaking, 2, &text);
    for item in &op.items {
        out.line(item.breaking, 6, &item_text(item));
    }
}

fn model_lines(out: &mut Lines, model: &ModelChange, users: bool) {
    let name = match &model.old_name {
        Some(old) => format!("{old} -> {}", model.name),
        None => model.name.clone(),
    };
    // `= Target` wraps as one.
    let shape = model.shape.replacen("= ", &format!("={GLUE}"), 1);
    let mut text = format!("{} {name}: {shape}", model.change.mark());
    if users {
        let named: Vec<&str> = model
            .used_by
            .iter()
            .take(USERS_NAMED)
            .map(String::as_str)
            .collect();
        let more = model.used_by.len() - named.len();
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        text.push_str(&format!(" (used by {}{more})", named.join(", ")));
    }
    out.line(model.breaking, 2, &text);
    for item in &model.items {
        out.line(item.breaking, 6, &item_text(item));
    }
}

fn item_text(item: &ItemChange) -> String {
    let mark = item.change.mark();
    let old = item.old.as_deref().unwrap_or_default();
    let new = item.new.as_deref().unwrap_or_default();
    let label = if item.name.is_empty() {
        item.kind.to_string()
    } else {
        format!("{} {}", item.kind, item.name)
    };
    match (item.change, item.kind) {
        (_, "stream") => format!("{mark} stream()"),
        (ChangeKind::Added, _) => format!("{mark} {label}: {new}"),
        (ChangeKind::Removed, _) => format!("{mark} {label}: {old}"),
        (ChangeKind::Changed, _) => format!("{mark} {label}: {old} -> {new}"),
        (ChangeKind::Renamed, _) => {
            let from = item.old_name.as_deref().unwrap_or_default();
            let types = if old == new {
                new.to_string()
            } else {
                format!("{old} -> {new}")
            };
            format!("{mark} {} {from} -> {}: {types}", item.kind, item.name)
        }
    }
}
