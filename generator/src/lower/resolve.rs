//! `$ref`s to components, resolved one way for every kind: schemas, parameters, request
//! bodies, responses, headers and path items.
//!
//! A reference `#/components/<section>/<key>` is answered by the component map of its
//! section; any other local reference (into `#/paths/...`, into a schema's `properties`,
//! written with `%`-escapes) by what load read for it on the raw document ([`ExtraRefs`]).
//! An entry may itself be a `$ref`: chains are followed, and a cycle is an error.

use super::Lowerer;
use crate::diag::{Diagnostic, child};
use crate::load::refs::{ComponentKind, ExtraRefs};
use indexmap::IndexMap;
use openapiv3::{
    Components, Header, Parameter, PathItem, ReferenceOr, RequestBody, Response, Schema,
};
use std::collections::BTreeMap;

/// Longest chain of `$ref`s followed before giving up.
const MAX_LINKS: usize = 32;

/// A kind of thing a `$ref` can name, and where its entries are found.
pub(super) trait Component: Sized + 'static {
    const KIND: ComponentKind;
    /// One of them, as messages call it.
    const WHAT: &'static str;
    /// Several of them.
    const PLURAL: &'static str;

    /// The component map of this kind, if `components` has one.
    fn in_components(components: &Components) -> Option<&IndexMap<String, ReferenceOr<Self>>>;

    /// Entries load read on the raw document for references no component map answers.
    fn in_extra(extra: &ExtraRefs) -> Option<&BTreeMap<String, ReferenceOr<Self>>>;

    /// The error for a reference of this kind that leads nowhere (`pointer` is the place
    /// that holds the `$ref`).
    fn unresolved(reference: &str, pointer: &str) -> Diagnostic {
        Diagnostic::error(
            child(pointer, "$ref"),
            format!("{} `$ref` `{reference}` does not resolve", Self::WHAT),
        )
        .with_hint(format!(
            "point it at an entry of `components/{}`",
            Self::KIND.section()
        ))
    }

    fn cycle_hint() -> String {
        format!("make one {} in the cycle a real definition", Self::WHAT)
    }

    /// One link of a chain: the entry `reference` names, with its key (the component's
    /// name, or the reference itself for an entry read on the raw document). Reports why
    /// there is none.
    fn step<'a>(
        lowerer: &mut Lowerer<'a>,
        reference: &'a str,
        pointer: &str,
    ) -> Option<(&'a str, &'a ReferenceOr<Self>)> {
        let found = lowerer.target::<Self>(reference);
        if found.is_none() {
            let mut report = Self::unresolved(reference, pointer);
            if let Some(reading) = lowerer.dangling {
                report.severity = crate::diag::Severity::Warning;
                report.message = format!("{}; {reading}", report.message);
            }
            lowerer.diags.push(report);
        }
        found
    }
}

impl<'a> Lowerer<'a> {
    /// Follow `$ref`s from `item` to the definition, which is returned with the key of the
    /// last entry passed through (`None` for an inline item). `None` after reporting when
    /// a reference leads nowhere or the chain goes round.
    pub(super) fn resolve<T: Component>(
        &mut self,
        item: &'a ReferenceOr<T>,
        pointer: &str,
    ) -> Option<(&'a T, Option<&'a str>)> {
        let mut current = item;
        let mut name = None;
        let mut chain: Vec<&str> = Vec::new();
        for _ in 0..MAX_LINKS {
            match current {
                ReferenceOr::Item(item) => return Some((item, name)),
                ReferenceOr::Reference { reference } => {
                    let (key, entry) = T::step(self, reference, pointer)?;
                    let cycle = chain.contains(&key);
                    chain.push(key);
                    if cycle {
                        self.diags.push(
                            Diagnostic::error(
                                pointer,
                                format!(
                                    "`$ref` cycle through {}: each of these {} only refers to the next, so none defines anything",
                                    chain.join(" -> "),
                                    T::PLURAL
                                ),
                            )
                            .with_hint(T::cycle_hint()),
                        );
                        return None;
                    }
                    name = Some(key);
                    current = entry;
                }
            }
        }
        self.diags.push(
            Diagnostic::error(
                pointer,
                format!("`$ref` chain longer than {MAX_LINKS} links (a cycle of references?)"),
            )
            .with_hint(format!(
                "make one {} in the chain a real definition",
                T::WHAT
            )),
        );
        None
    }

    /// [`Lowerer::resolve`], where a reference that leads nowhere has a reading: it is
    /// reported as a warning that gives `reading`, and `Err(true)` says so. `Err(false)`:
    /// the item cannot be read at all (a cycle, say), reported as an error.
    pub(super) fn resolve_or_read<T: Component>(
        &mut self,
        item: &'a ReferenceOr<T>,
        pointer: &str,
        reading: &'static str,
    ) -> Result<(&'a T, Option<&'a str>), bool> {
        let before = self.diags.len();
        let outer = self.dangling.replace(reading);
        let found = self.resolve(item, pointer);
        self.dangling = outer;
        found.ok_or_else(|| {
            self.diags[before..]
                .iter()
                .all(|d| d.severity == crate::diag::Severity::Warning)
        })
    }

    /// The entry a `$ref` names, with its key, without following it further or reporting.
    pub(super) fn target<T: Component>(
        &self,
        reference: &'a str,
    ) -> Option<(&'a str, &'a ReferenceOr<T>)> {
        let extra = T::in_extra(self.extra).and_then(|m| m.get_key_value(reference));
        extra
            .map(|(key, entry)| (key.as_str(), entry))
            .or_else(|| self.component(reference))
    }

    /// The entry a `#/components/<section>/<key>` reference names in the component map
    /// of its kind.
    pub(super) fn component<T: Component>(
        &self,
        reference: &'a str,
    ) -> Option<(&'a str, &'a ReferenceOr<T>)> {
        let (kind, key) = ComponentKind::split(reference)?;
        if kind != T::KIND {
            return None;
        }
        let map = T::in_components(self.api.components.as_ref()?)?;
        map.get_key_value(key)
            .map(|(key, entry)| (key.as_str(), entry))
    }
}

impl Component for Schema {
    const KIND: ComponentKind = ComponentKind::Schemas;
    const WHAT: &'static str = "schema";
    const PLURAL: &'static str = "schemas";

    fn in_components(components: &Components) -> Option<&IndexMap<String, ReferenceOr<Self>>> {
        Some(&components.schemas)
    }

    fn in_extra(extra: &ExtraRefs) -> Option<&BTreeMap<String, ReferenceOr<Self>>> {
        Some(&extra.schemas)
    }

    fn cycle_hint() -> String {
        "make one schema in the cycle a real definition (e.g. an object whose property refers back)"
            .to_string()
    }

    /// Schemas say more about a reference that leads nowhere (see `component_key`), and
    /// name entries read on the raw document.
    fn step<'a>(
        lowerer: &mut Lowerer<'a>,
        reference: &'a str,
        pointer: &str,
    ) -> Option<(&'a str, &'a ReferenceOr<Self>)> {
        let key = lowerer.component_key(reference, pointer)?;
        Some((key, lowerer.schema_entry(key)?))
    }
}

impl Component for Parameter {
    const KIND: ComponentKind = ComponentKind::Parameters;
    const WHAT: &'static str = "parameter";
    const PLURAL: &'static str = "parameters";

    fn in_components(components: &Components) -> Option<&IndexMap<String, ReferenceOr<Self>>> {
        Some(&components.parameters)
    }

    fn in_extra(extra: &ExtraRefs) -> Option<&BTreeMap<String, ReferenceOr<Self>>> {
        Some(&extra.parameters)
    }
}

impl Component for RequestBody {
    const KIND: ComponentKind = ComponentKind::RequestBodies;
    const WHAT: &'static str = "request body";
    const PLURAL: &'static str = "request bodies";

    fn in_components(components: &Components) -> Option<&IndexMap<String, ReferenceOr<Self>>> {
        Some(&components.request_bodies)
    }

    fn in_extra(extra: &ExtraRefs) -> Option<&BTreeMap<String, ReferenceOr<Self>>> {
        Some(&extra.request_bodies)
    }
}

impl Component for Response {
    const KIND: ComponentKind = ComponentKind::Responses;
    const WHAT: &'static str = "response";
    const PLURAL: &'static str = "responses";

    fn in_components(components: &Components) -> Option<&IndexMap<String, ReferenceOr<Self>>> {
        Some(&components.responses)
    }

    fn in_extra(extra: &ExtraRefs) -> Option<&BTreeMap<String, ReferenceOr<Self>>> {
        Some(&extra.responses)
    }
}

impl Component for Header {
    const KIND: ComponentKind = ComponentKind::Headers;
    const WHAT: &'static str = "header";
    const PLURAL: &'static str = "headers";

    fn in_components(components: &Components) -> Option<&IndexMap<String, ReferenceOr<Self>>> {
        Some(&components.headers)
    }

    fn in_extra(_: &ExtraRefs) -> Option<&BTreeMap<String, ReferenceOr<Self>>> {
        None
    }
}

/// OpenAPI 3.0 has no `components/pathItems`: a path item `$ref` points anywhere in the
/// document, and load reads its target.
impl Component for PathItem {
    const KIND: ComponentKind = ComponentKind::PathItems;
    const WHAT: &'static str = "path item";
    const PLURAL: &'static str = "path items";

    fn in_components(_: &Components) -> Option<&IndexMap<String, ReferenceOr<Self>>> {
        None
    }

    fn in_extra(extra: &ExtraRefs) -> Option<&BTreeMap<String, ReferenceOr<Self>>> {
        Some(&extra.path_items)
    }

    fn unresolved(reference: &str, pointer: &str) -> Diagnostic {
        Diagnostic::error(
            child(pointer, "$ref"),
            format!(
                "path item reference `{reference}` does not resolve to a path item of this document"
            ),
        )
        .with_hint("point the `$ref` at a path item in this file, or inline it")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    const SPEC: &str = r##"{
      "openapi": "3.0.3",
      "info": {"title": "t", "version": "1"},
      "paths": {
        "/a/{id}": {"get": {
          "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
          "responses": {"200": {"description": "ok"}}
        }},
        "/b": {"$ref": "#/x-shared/b"}
      },
      "x-shared": {"b": {"get": {"responses": {"200": {"description": "b"}}}}},
      "components": {
        "schemas": {"A": {"type": "string"}, "B": {"$ref": "#/components/schemas/A"}},
        "parameters": {
          "Id": {"name": "id", "in": "query", "schema": {"type": "string"}},
          "Alias": {"$ref": "#/components/parameters/Id"},
          "Loop1": {"$ref": "#/components/parameters/Loop2"},
          "Loop2": {"$ref": "#/components/parameters/Loop1"},
          "Path": {"$ref": "#/paths/~1a~1%7Bid%7D/get/parameters/0"}
        },
        "requestBodies": {"Body": {"content": {"text/plain": {}}}},
        "responses": {"Ok": {"description": "fine"}},
        "headers": {"Rate": {"description": "left", "schema": {"type": "integer"}}}
      }
    }"##;

    /// Run `f` on a lowerer of [`SPEC`].
    fn with_lowerer(f: impl FnOnce(&mut Lowerer<'_>)) {
        let loaded = crate::load::load("spec.json", SPEC).expect("the spec loads");
        let config = Config::default();
        let mut lowerer = Lowerer::new(&loaded.api, &loaded.extra, &config);
        f(&mut lowerer);
    }

    /// A `$ref` that lives as long as the lowerer needs (a test's few bytes are leaked).
    fn reference<T>(reference: &str) -> &'static ReferenceOr<T> {
        Box::leak(Box::new(ReferenceOr::Reference {
            reference: reference.to_string(),
        }))
    }

    #[test]
    fn every_kind_resolves_through_its_component_map() {
        with_lowerer(|l| {
            let p = reference::<Parameter>("#/components/parameters/Id");
            let (param, key) = l.resolve(p, "#/p").expect("parameter");
            assert_eq!(
                (param.parameter_data_ref().name.as_str(), key),
                ("id", Some("Id"))
            );
            let b = reference::<RequestBody>("#/components/requestBodies/Body");
            assert!(l.resolve(b, "#/b").is_some());
            let r = reference::<Response>("#/components/responses/Ok");
            assert_eq!(l.resolve(r, "#/r").expect("response").0.description, "fine");
            let h = reference::<Header>("#/components/headers/Rate");
            let header = l.resolve(h, "#/h").expect("header").0;
            assert_eq!(header.description.as_deref(), Some("left"));
            let s = reference::<Schema>("#/components/schemas/B");
            assert_eq!(l.resolve(s, "#/s").expect("schema").1, Some("A"));
            assert!(l.diags.is_empty(), "{:?}", l.diags);
        });
    }

    #[test]
    fn chains_and_references_outside_the_maps_are_followed() {
        with_lowerer(|l| {
            let alias = reference::<Parameter>("#/components/parameters/Alias");
            assert_eq!(l.resolve(alias, "#/p").expect("alias").1, Some("Id"));
            let path = reference::<Parameter>("#/components/parameters/Path");
            let (param, key) = l.resolve(path, "#/p").expect("into paths");
            assert_eq!(param.parameter_data_ref().name, "id");
            assert_eq!(key, Some("#/paths/~1a~1%7Bid%7D/get/parameters/0"));
            let item = reference::<PathItem>("#/x-shared/b");
            assert!(
                l.resolve(item, "#/paths/~1b")
                    .expect("path item")
                    .0
                    .get
                    .is_some()
            );
            assert!(l.diags.is_empty(), "{:?}", l.diags);
        });
    }

    #[test]
    fn a_reference_to_another_kind_or_nowhere_is_reported() {
        with_lowerer(|l| {
            let wrong = reference::<Parameter>("#/components/responses/Ok");
            assert!(l.resolve(wrong, "#/p").is_none());
            let missing = reference::<RequestBody>("#/components/requestBodies/Nope");
            assert!(l.resolve(missing, "#/b").is_none());
            let item = reference::<PathItem>("#/x-shared/c");
            assert!(l.resolve(item, "#/paths/~1c").is_none());
            let messages: Vec<(&str, &str)> = l
                .diags
                .iter()
                .map(|d| (d.pointer.as_str(), d.message.as_str()))
                .collect();
            assert_eq!(
                messages,
                [
                    (
                        "#/p/$ref",
                        "parameter `$ref` `#/components/responses/Ok` does not resolve"
                    ),
                    (
                        "#/b/$ref",
                        "request body `$ref` `#/components/requestBodies/Nope` does not resolve"
                    ),
                    (
                        "#/paths/~1c/$ref",
                        "path item reference `#/x-shared/c` does not resolve to a path item of this document"
                    ),
                ]
            );
            assert_eq!(
                l.diags[1].hint.as_deref(),
                Some("point it at an entry of `components/requestBodies`")
            );
        });
    }

    #[test]
    fn a_cycle_is_reported_once_with_its_links() {
        with_lowerer(|l| {
            let start = reference::<Parameter>("#/components/parameters/Loop1");
            assert!(l.resolve(start, "#/p").is_none());
            assert_eq!(l.diags.len(), 1, "{:?}", l.diags);
            assert_eq!(
                l.diags[0].message,
                "`$ref` cycle through Loop1 -> Loop2 -> Loop1: each of these parameters only refers to the next, so none defines anything"
            );
        });
    }

    #[test]
    fn target_does_not_report() {
        with_lowerer(|l| {
            assert!(l.target::<Schema>("#/components/schemas/A").is_some());
            assert!(l.target::<Schema>("#/components/parameters/Id").is_none());
            assert!(l.target::<Header>("#/components/headers/Nope").is_none());
            assert!(l.diags.is_empty());
        });
    }
}
