//! Security schemes → the ways a client can authenticate.

use super::Lowerer;
use crate::diag::{Diagnostic, child};
use crate::ir::{CredentialKind, CredentialPart, CredentialSet, Resource};
use crate::load::refs::ComponentKind;
use crate::naming::{NameSet, snake};
use openapiv3::{APIKeyLocation, ReferenceOr, SecurityScheme};

/// What `Credentials` (generator/runtime/credentials.rs) defines itself: no generated
/// constructor may take these names.
const RUNTIME_CONSTRUCTORS: &[&str] = &[
    "bearer",
    "and_bearer",
    "basic",
    "and_basic",
    "header",
    "and_header",
    "query",
    "and_query",
    "cookie",
    "and_cookie",
    "is_empty",
    "header_names",
    "default",
    "clone",
];

impl Lowerer<'_> {
    pub(super) fn credentials(&mut self) -> Vec<CredentialSet> {
        // (constructor name, scheme names, doc, JSON pointer of a spec-derived requirement)
        type Wanted = (Option<String>, Vec<String>, Option<String>, String);
        let wanted: Vec<Wanted> = if self.config.auth.credentials.is_empty() {
            // The API's requirements, then those only some operations accept (each once),
            // so that every operation can be given credentials it takes.
            let mut requirements: Vec<(Vec<String>, String)> = Vec::new();
            let global = self.api.security.iter().flatten().enumerate();
            for (i, requirement) in global {
                requirements.push((
                    requirement.keys().cloned().collect(),
                    format!("#/security/{i}"),
                ));
            }
            for (path, item) in &self.api.paths.paths {
                let ReferenceOr::Item(item) = item else {
                    continue;
                };
                for (method, op) in item.iter() {
                    let at = child(&child(&child("#/paths", path), method), "security");
                    for (i, requirement) in op.security.iter().flatten().enumerate() {
                        requirements.push((
                            requirement.keys().cloned().collect(),
                            child(&at, &i.to_string()),
                        ));
                    }
                }
            }
            let mut seen: Vec<Vec<String>> = Vec::new();
            requirements
                .into_iter()
                .filter(|(schemes, _)| !schemes.is_empty())
                .filter(|(schemes, _)| {
                    let mut sorted = schemes.clone();
                    sorted.sort();
                    let new = !seen.contains(&sorted);
                    seen.push(sorted);
                    new
                })
                .map(|(schemes, pointer)| (None, schemes, None, pointer))
                .collect()
        } else {
            self.config
                .auth
                .credentials
                .iter()
                .map(|c| {
                    (
                        Some(c.name.clone()),
                        c.schemes.clone(),
                        c.doc.clone(),
                        String::new(),
                    )
                })
                .collect()
        };
        let mut names = NameSet::with_reserved(RUNTIME_CONSTRUCTORS);
        let mut sets = Vec::new();
        'sets: for (name, schemes, doc, pointer) in wanted {
            let mut parts = Vec::new();
            for scheme_name in &schemes {
                let scheme_pointer = ComponentKind::SecuritySchemes.pointer(scheme_name);
                let scheme = self
                    .api
                    .components
                    .as_ref()
                    .and_then(|c| c.security_schemes.get(scheme_name));
                let scheme = match scheme {
                    Some(ReferenceOr::Item(s)) => s,
                    _ if pointer.is_empty() => {
                        // Named by codegen.toml: the same config may serve a spec that lacks
                        // the scheme, so leave this way of authenticating out.
                        self.diags.push(
                            Diagnostic::warning(
                                scheme_pointer,
                                format!("codegen.toml [[auth.credentials]] `{}` uses security scheme `{scheme_name}`, which the spec does not define; it is left out", name.as_deref().unwrap_or_default()),
                            )
                            .with_hint("define the scheme under `components/securitySchemes` or remove it from codegen.toml"),
                        );
                        continue 'sets;
                    }
                    // An operation's own requirement: `operation_security` reports it.
                    _ if pointer.starts_with("#/paths") => continue 'sets,
                    _ => {
                        self.diags.push(
                            Diagnostic::warning(
                                pointer.clone(),
                                format!("security requirement names `{scheme_name}`, which is not a defined security scheme; credentials using it are left out"),
                            )
                            .with_hint("define it under `components/securitySchemes` or fix the name"),
                        );
                        continue 'sets;
                    }
                };
                let (kind, description) = match scheme {
                    SecurityScheme::HTTP {
                        scheme,
                        description,
                        ..
                    } if scheme.eq_ignore_ascii_case("bearer") => {
                        (CredentialKind::Bearer, description)
                    }
                    SecurityScheme::HTTP {
                        scheme,
                        description,
                        ..
                    } if scheme.eq_ignore_ascii_case("basic") => {
                        (CredentialKind::Basic, description)
                    }
                    SecurityScheme::OAuth2 { description, .. }
                    | SecurityScheme::OpenIDConnect { description, .. } => {
                        (CredentialKind::Bearer, description)
                    }
                    SecurityScheme::APIKey {
                        location,
                        name,
                        description,
                        ..
                    } => (
                        match location {
                            APIKeyLocation::Header => CredentialKind::Header(name.clone()),
                            APIKeyLocation::Query => CredentialKind::Query(name.clone()),
                            APIKeyLocation::Cookie => CredentialKind::Cookie(name.clone()),
                        },
                        description,
                    ),
                    // Only some operations accept it: `operation_security` warns there.
                    _ if pointer.starts_with("#/paths") => continue 'sets,
                    _ => {
                        self.diags.push(
                            Diagnostic::warning(
                                scheme_pointer,
                                format!("security scheme `{scheme_name}` is not supported (only bearer tokens, HTTP basic authentication and API keys); credentials using it are left out"),
                            )
                            .with_hint("send the credential yourself with `RequestOptions::header`"),
                        );
                        continue 'sets;
                    }
                };
                parts.push(CredentialPart {
                    arg: snake(scheme_name),
                    scheme: scheme_name.clone(),
                    kind,
                    env: self.config.auth.env.get(scheme_name).cloned(),
                    doc: description.clone(),
                });
            }
            if parts.is_empty() {
                continue;
            }
            let wanted_name = name.unwrap_or_else(|| {
                // A scheme named like a runtime constructor (`basic`) gets a suffix that
                // says what it is rather than a number.
                let name = snake(&schemes.join("_and_"));
                if RUNTIME_CONSTRUCTORS.contains(&name.as_str()) {
                    format!("{name}_auth")
                } else {
                    name
                }
            });
            sets.push(CredentialSet {
                name: names.claim(&wanted_name, true),
                doc,
                parts,
            });
        }
        sets
    }

    /// An operation's own security requirements, checked against the defined schemes.
    pub(super) fn operation_security(
        &mut self,
        op: &openapiv3::Operation,
        pointer: &str,
    ) -> Option<Vec<Vec<String>>> {
        let requirements = op.security.as_ref()?;
        let mut out = Vec::new();
        let mut unknown = 0;
        for (i, requirement) in requirements.iter().enumerate() {
            let at = child(&child(pointer, "security"), &i.to_string());
            let mut names = Vec::new();
            for name in requirement.keys() {
                let scheme = self
                    .api
                    .components
                    .as_ref()
                    .and_then(|c| c.security_schemes.get(name));
                if matches!(scheme, Some(ReferenceOr::Item(_))) {
                    names.push(name.clone());
                }
                match scheme {
                    // A name that is no scheme (a typo, a scheme of another document) is
                    // read as absent from the requirement: the other schemes still apply.
                    None | Some(ReferenceOr::Reference { .. }) => {
                        unknown += 1;
                        self.diags.push(
                            Diagnostic::warning(child(&at, name), format!("security requirement names `{name}`, which is not a defined security scheme; the requirement is read without it"))
                                .with_hint("define it under `components/securitySchemes` or fix the name"),
                        )
                    }
                    Some(ReferenceOr::Item(scheme)) if !sendable(scheme) => self.diags.push(
                        Diagnostic::warning(&at, format!("this operation accepts security scheme `{name}`, which the client cannot send (only bearer tokens, HTTP basic authentication and API keys)"))
                            .with_hint("send the credential yourself with `RequestOptions::header`, or use another accepted scheme"),
                    ),
                    Some(ReferenceOr::Item(_)) => {}
                }
            }
            // A requirement left empty by unknown names is not an anonymous call.
            if !names.is_empty() || requirement.is_empty() {
                out.push(names);
            }
        }
        // Nothing left but unknown names: the spec-wide requirements apply.
        if out.is_empty() && unknown > 0 {
            return None;
        }
        Some(out)
    }
}

fn sendable(scheme: &SecurityScheme) -> bool {
    match scheme {
        SecurityScheme::HTTP { scheme, .. } => {
            scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("basic")
        }
        SecurityScheme::OAuth2 { .. } | SecurityScheme::OpenIDConnect { .. } => true,
        SecurityScheme::APIKey { .. } => true,
    }
}

/// Whether every operation requires credentials: the client has a way to send them, there
/// is an operation, and no operation's requirements (its own, or the spec-wide ones)
/// are empty or include the empty requirement `{}` (an anonymous call).
pub(super) fn requires_credentials(
    api: &openapiv3::OpenAPI,
    resources: &[Resource],
    credentials: &[CredentialSet],
) -> bool {
    let global: Option<Vec<Vec<String>>> = api.security.as_ref().map(|requirements| {
        requirements
            .iter()
            .map(|r| r.keys().cloned().collect())
            .collect()
    });
    let mut operations = resources.iter().flat_map(|r| &r.operations).peekable();
    !credentials.is_empty()
        && operations.peek().is_some()
        && operations.all(|op| {
            op.security
                .as_ref()
                .or(global.as_ref())
                .is_some_and(|alternatives| {
                    !alternatives.is_empty() && alternatives.iter().all(|a| !a.is_empty())
                })
        })
}
