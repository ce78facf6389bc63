//! [`Style::Json`](super::Style::Json): the report as one JSON object for tools, in the
//! shape the [`render`](super) module's docs give.

use crate::surface::compare::{ChangeKind, Comparison, ModelChange, OperationChange, Totals};
use serde::Serialize;

impl Comparison {
    /// The report as one JSON object (the shape is in the [`render`](super) module's docs).
    pub fn to_json(&self, version: &str) -> String {
        let counts = |changes: Vec<(ChangeKind, bool)>| Counts {
            removed: changes
                .iter()
                .filter(|c| c.0 == ChangeKind::Removed)
                .count(),
            renamed: changes
                .iter()
                .filter(|c| c.0 == ChangeKind::Renamed)
                .count(),
            changed: changes
                .iter()
                .filter(|c| c.0 == ChangeKind::Changed)
                .count(),
            added: changes.iter().filter(|c| c.0 == ChangeKind::Added).count(),
            breaking: changes.iter().filter(|c| c.1).count(),
        };
        let report = Json {
            format: 1,
            first_generation: self.first_generation,
            version,
            next_version: self.next_version(version),
            breaking: self.breaking(),
            before: self.before,
            after: self.after,
            counts: JsonCounts {
                operations: counts(
                    self.operations
                        .iter()
                        .map(|o| (o.change, o.breaking))
                        .collect(),
                ),
                models: counts(self.models.iter().map(|m| (m.change, m.breaking)).collect()),
            },
            operations: self
                .operations
                .iter()
                .map(|operation| JsonOperation {
                    keep_old_name: operation.keep_old_name(),
                    operation,
                })
                .collect(),
            models: &self.models,
        };
        let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
        text.push('\n');
        text
    }
}

#[derive(Serialize)]
struct Json<'c> {
    format: u32,
    first_generation: bool,
    version: &'c str,
    next_version: Option<String>,
    breaking: bool,
    before: Totals,
    after: Totals,
    counts: JsonCounts,
    operations: Vec<JsonOperation<'c>>,
    models: &'c [ModelChange],
}

#[derive(Serialize)]
struct JsonCounts {
    operations: Counts,
    models: Counts,
}

#[derive(Serialize)]
struct Counts {
    removed: usize,
    renamed: usize,
    changed: usize,
    added: usize,
    breaking: usize,
}

#[derive(Serialize)]
struct JsonOperation<'c> {
    #[serde(flatten)]
    operation: &'c OperationChange,
    keep_old_name: Option<String>,
}
