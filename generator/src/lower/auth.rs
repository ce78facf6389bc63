//! Security schemes → the ways a client can authenticate.

use super::Lowerer;
use crate::diag::{Diagnostic, child};
use crate::ir::{CredentialKind, CredentialPart, CredentialSet};
use crate::load::refs::ComponentKind;
use crate::naming::{NameSet, snake};
use openapiv3::{APIKeyLocation, ReferenceOr, SecurityScheme};

impl Lowerer<'_> {
    pub(super) fn credentials(&mut self) -> Vec<CredentialSet> {
        // (constructor name, scheme names, doc, JSON pointer of a spec-derived requirement)
        type Wanted = (Option<String>, Vec<String>, Option<String>, String);
        let wanted: Vec<Wanted> = if self.config.auth.credentials.is_empty() {
            self.api
                .security
                .iter()
                .flatten()
                .enumerate()
                .filter(|(_, requirement)| !requirement.is_empty())
                .map(|(i, requirement)| {
                    (
                        None,
                        requirement.keys().cloned().collect(),
                        None,
                        format!("#/security/{i}"),
                    )
                })
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
        let mut names = NameSet::with_reserved(&["bearer", "header", "and_header"]);
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
                    _ => {
                        self.diags.push(
                            Diagnostic::error(
                                pointer.clone(),
                                format!("security scheme `{scheme_name}` is not defined"),
                            )
                            .with_hint("define it under `components/securitySchemes`"),
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
                    SecurityScheme::OAuth2 { description, .. }
                    | SecurityScheme::OpenIDConnect { description, .. } => {
                        (CredentialKind::Bearer, description)
                    }
                    SecurityScheme::APIKey {
                        location: APIKeyLocation::Header,
                        name,
                        description,
                        ..
                    } => (CredentialKind::Header(name.clone()), description),
                    _ => {
                        self.diags.push(
                            Diagnostic::warning(
                                scheme_pointer,
                                format!("security scheme `{scheme_name}` is not supported (only bearer tokens and API keys in headers); credentials using it are left out"),
                            )
                            .with_hint("send the credential yourself with `RequestOptions::header`"),
                        );
                        continue 'sets;
                    }
                };
                parts.push(CredentialPart {
                    arg: snake(scheme_name),
                    kind,
                    env: self.config.auth.env.get(scheme_name).cloned(),
                    doc: description.clone(),
                });
            }
            if parts.is_empty() {
                continue;
            }
            let wanted_name = name.unwrap_or_else(|| snake(&schemes.join("_and_")));
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
        for (i, requirement) in requirements.iter().enumerate() {
            let at = child(&child(pointer, "security"), &i.to_string());
            for name in requirement.keys() {
                let scheme = self
                    .api
                    .components
                    .as_ref()
                    .and_then(|c| c.security_schemes.get(name));
                match scheme {
                    None | Some(ReferenceOr::Reference { .. }) => self.diags.push(
                        Diagnostic::error(child(&at, name), format!("security requirement names `{name}`, which is not a defined security scheme"))
                            .with_hint("define it under `components/securitySchemes` or fix the name"),
                    ),
                    Some(ReferenceOr::Item(scheme)) if !sendable(scheme) => self.diags.push(
                        Diagnostic::warning(&at, format!("this operation accepts security scheme `{name}`, which the client cannot send (only bearer tokens and API keys in headers)"))
                            .with_hint("send the credential yourself with `RequestOptions::header`, or use another accepted scheme"),
                    ),
                    Some(ReferenceOr::Item(_)) => {}
                }
            }
            out.push(requirement.keys().cloned().collect());
        }
        Some(out)
    }
}

fn sendable(scheme: &SecurityScheme) -> bool {
    match scheme {
        SecurityScheme::HTTP { scheme, .. } => scheme.eq_ignore_ascii_case("bearer"),
        SecurityScheme::OAuth2 { .. } | SecurityScheme::OpenIDConnect { .. } => true,
        SecurityScheme::APIKey { location, .. } => matches!(location, APIKeyLocation::Header),
    }
}
