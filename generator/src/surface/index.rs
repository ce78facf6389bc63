//! A [`Surface`] read back as operations and types, each with its own items.

use super::{Surface, split_key};
use std::collections::{BTreeMap, BTreeSet};

/// One operation: `operation r.m: GET /path -> Output (stream)` and its items.
#[derive(Debug, Default)]
pub(super) struct Op<'a> {
    pub resource: &'a str,
    pub name: &'a str,
    pub http: &'a str,
    pub path: &'a str,
    pub output: &'a str,
    pub stream: bool,
    pub id: Option<&'a str>,
    pub arguments: BTreeMap<&'a str, &'a str>,
    pub setters: BTreeMap<&'a str, &'a str>,
    /// The typed error bodies, by status key.
    pub errors: BTreeMap<&'a str, &'a str>,
}

impl Op<'_> {
    /// What identifies the operation on the wire whatever its Rust name: the method and the
    /// path with its parameter names left out (`GET /zones/{}/jobs`).
    pub fn endpoint(&self) -> (String, String) {
        (self.http.to_string(), template(self.path))
    }

    /// The names of the path's parameters, in order.
    pub fn path_params(&self) -> Vec<&str> {
        self.path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(name, _)| name))
            .collect()
    }
}

/// `/zones/{zone_id}/jobs` → `/zones/{}/jobs`.
fn template(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                out.push(c);
            }
            '}' => {
                inside = false;
                out.push(c);
            }
            _ if inside => {}
            _ => out.push(c),
        }
    }
    out
}

/// One type: `type T: struct` (or `enum`, `union`, `= Alias`) and its members, keyed by
/// (kind, name).
#[derive(Debug, Default)]
pub(super) struct Type<'a> {
    pub signature: &'a str,
    pub members: BTreeMap<(&'a str, &'a str), &'a str>,
}

impl<'a> Type<'a> {
    /// The aliased type text of `type T: = X`.
    pub fn alias(&self) -> Option<&'a str> {
        self.signature.strip_prefix("= ")
    }

    /// `struct, 3 fields`, `enum, 2 variants`, `= Vec<Pet>`.
    pub fn summary(&self) -> String {
        if self.alias().is_some() || self.signature == "identifier" {
            return self.signature.to_string();
        }
        let count = self.members.len();
        let noun = match self.signature {
            "struct" => "field",
            "enum" => "variant",
            _ => "alternative",
        };
        let plural = if count == 1 { "" } else { "s" };
        format!("{}, {count} {noun}{plural}", self.signature)
    }
}

#[derive(Debug, Default)]
pub(super) struct Index<'a> {
    /// By `resource.method`.
    pub ops: BTreeMap<&'a str, Op<'a>>,
    /// By type name.
    pub types: BTreeMap<&'a str, Type<'a>>,
}

impl<'a> Index<'a> {
    pub fn new(surface: &'a Surface) -> Self {
        let mut index = Index::default();
        for (key, signature) in &surface.0 {
            let (kind, path) = split_key(key);
            if kind == "operation" {
                let (resource, name) = path.split_once('.').unwrap_or(("", path));
                let (http, rest) = signature.split_once(' ').unwrap_or(("", signature));
                let (op_path, output) = rest.split_once(" -> ").unwrap_or((rest, "()"));
                let (output, stream) = match output.strip_suffix(" (stream)") {
                    Some(output) => (output, true),
                    None => (output, false),
                };
                let op = index.ops.entry(path).or_default();
                (op.resource, op.name, op.http, op.path) = (resource, name, http, op_path);
                (op.output, op.stream) = (output, stream);
            } else if kind == "type" {
                index.types.entry(path).or_default().signature = signature;
            }
        }
        for (key, signature) in &surface.0 {
            let (kind, path) = split_key(key);
            match kind {
                "operation-id" => {
                    if let Some(op) = index.ops.get_mut(path) {
                        op.id = Some(signature);
                    }
                }
                "argument" | "setter" | "error" => {
                    let Some((owner, name)) = path.rsplit_once('.') else {
                        continue;
                    };
                    if let Some(op) = index.ops.get_mut(owner) {
                        let items = match kind {
                            "argument" => &mut op.arguments,
                            "setter" => &mut op.setters,
                            _ => &mut op.errors,
                        };
                        items.insert(name, signature);
                    }
                }
                "field" | "variant" | "alternative" => {
                    let split = if kind == "field" {
                        path.split_once('.')
                    } else {
                        path.split_once("::")
                    };
                    let Some((owner, name)) = split else {
                        continue;
                    };
                    if let Some(ty) = index.types.get_mut(owner) {
                        ty.members.insert((kind, name), signature);
                    }
                }
                _ => {}
            }
        }
        index
    }

    pub fn resources(&self) -> BTreeSet<&'a str> {
        self.ops.values().map(|op| op.resource).collect()
    }

    /// The names of this surface's types that a type text mentions (`Vec<Option<Pet>>` →
    /// `Pet`).
    pub fn names_in<'s>(&self, text: &'s str) -> impl Iterator<Item = &'s str> {
        words(text).filter(|w| self.types.contains_key(w))
    }

    /// For each type, the resources whose operations reach it through their arguments,
    /// setters and responses, directly or through other types.
    pub fn users(&self) -> BTreeMap<&'a str, BTreeSet<&'a str>> {
        let mut users: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        let mut by_resource: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for op in self.ops.values() {
            let texts = op.arguments.values().chain(op.setters.values());
            let texts = texts.chain(op.errors.values());
            let roots = by_resource.entry(op.resource).or_default();
            for text in texts.chain(std::iter::once(&op.output)) {
                roots.extend(self.names_in(text).filter_map(|n| self.key_of(n)));
            }
        }
        for (resource, roots) in by_resource {
            let mut seen: BTreeSet<&str> = BTreeSet::new();
            let mut todo = roots;
            while let Some(name) = todo.pop() {
                if !seen.insert(name) {
                    continue;
                }
                users.entry(name).or_default().insert(resource);
                let Some(ty) = self.types.get(name) else {
                    continue;
                };
                let texts = ty.alias().into_iter().chain(
                    ty.members
                        .iter()
                        .filter(|((kind, _), _)| *kind != "variant")
                        .map(|(_, text)| *text),
                );
                for text in texts {
                    todo.extend(self.names_in(text).filter_map(|n| self.key_of(n)));
                }
            }
        }
        users
    }

    /// The map's own copy of a type name (so results borrow the surface, not a text).
    fn key_of(&self, name: &str) -> Option<&'a str> {
        self.types.get_key_value(name).map(|(k, _)| *k)
    }
}

/// The words of a type text: runs of identifier characters and `::`
/// (`Option<serde_json::Value>` → `Option`, `serde_json::Value`).
pub(super) fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .filter(|w| !w.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoint_leaves_out_parameter_names() {
        let op = Op {
            http: "GET",
            path: "/zones/{zone_identifier}/jobs/{id}",
            ..Op::default()
        };
        assert_eq!(op.endpoint(), ("GET".into(), "/zones/{}/jobs/{}".into()));
        assert_eq!(op.path_params(), ["zone_identifier", "id"]);
    }

    #[test]
    fn users_are_found_through_fields_and_aliases() {
        let surface = Surface::parse(
            "operation pets.list: GET /pets -> Pets\noperation owners.get: GET /o -> Owner\n\
             type Pets: = Vec<Pet>\ntype Pet: struct\nfield Pet.owner: Option<Owner>\n\
             type Owner: struct\ntype Lonely: struct\n",
        );
        let index = Index::new(&surface);
        let users = index.users();
        let names = |t: &str| users.get(t).map(|s| s.iter().copied().collect::<Vec<_>>());
        assert_eq!(names("Pet"), Some(vec!["pets"]));
        assert_eq!(names("Owner"), Some(vec!["owners", "pets"]));
        assert_eq!(names("Lonely"), None);
    }
}
