//! Servers: the spec-wide list (offered by name, variables typed, the first one with its
//! defaults as the default base URL) and the servers of a path item or an operation,
//! which override the spec-wide ones for that operation.

use super::Lowerer;
use crate::diag::{Diagnostic, child};
use crate::ir::{Server, ServerVariable};
use crate::naming::{NameSet, camel, snake};

/// What a relative server URL (`/v1`) is taken relative to: the client cannot know
/// where the document was served from, and this is also the base URL of a spec that
/// declares no server.
pub(crate) const RELATIVE_ORIGIN: &str = "http://localhost";

impl<'a> Lowerer<'a> {
    /// The spec-wide servers that can be used, in order, each with its own type name.
    pub(super) fn servers(&mut self) -> Vec<Server> {
        let mut names = NameSet::with_reserved(&["Server"]);
        let mut out = Vec::new();
        for (i, server) in self.api.servers.iter().enumerate() {
            let pointer = child("#/servers", &i.to_string());
            if let Some(server) = self.server(server, &pointer, i, &mut names) {
                out.push(server);
            }
        }
        out
    }

    /// The URL an operation is sent to when it (or its path item) declares servers:
    /// the first usable one, variables at their defaults. Returns the URL and a
    /// sentence for the operation's docs.
    pub(super) fn operation_server(
        &mut self,
        op: &openapiv3::Operation,
        path_servers: &[openapiv3::Server],
        pointer: &str,
    ) -> Option<(String, String)> {
        let path_pointer = pointer.rsplit_once('/').map_or(pointer, |(p, _)| p);
        let (list, at) = if !op.servers.is_empty() {
            (op.servers.as_slice(), child(pointer, "servers"))
        } else if !path_servers.is_empty() {
            (path_servers, child(path_pointer, "servers"))
        } else {
            return None;
        };
        let mut names = NameSet::new();
        let usable: Vec<Server> = list
            .iter()
            .enumerate()
            .filter_map(|(i, s)| self.server(s, &child(&at, &i.to_string()), i, &mut names))
            .collect();
        let first = usable.first()?;
        let mut doc = format!(
            "Sent to this operation's own server, {}{}, unless a base URL is set with \
             `ClientBuilder::base_url` (or the base URL environment variable), which takes \
             every request.",
            first.default_url,
            first
                .description
                .as_deref()
                .map(|d| format!(" ({})", d.trim_end_matches('.')))
                .unwrap_or_default()
        );
        if usable.len() > 1 {
            let others: Vec<String> = usable[1..].iter().map(|s| s.default_url.clone()).collect();
            doc.push_str(&format!(
                " The API also lists {} for it.",
                others.join(", ")
            ));
        }
        Some((first.default_url.clone(), doc))
    }

    /// One server: checked, its variables typed, its URL made absolute. `None` (with a
    /// warning) when its URL cannot be completed.
    fn server(
        &mut self,
        server: &openapiv3::Server,
        pointer: &str,
        index: usize,
        names: &mut NameSet,
    ) -> Option<Server> {
        let declared = server.variables.clone().unwrap_or_default();
        let used = placeholders(&server.url);
        if let Some(missing) = used.iter().find(|name| !declared.contains_key(**name)) {
            self.diags.push(
                Diagnostic::warning(
                    child(pointer, "url"),
                    format!(
                        "server URL `{}` uses `{{{missing}}}`, but the server declares no variable `{missing}`; the server is left out, as its URL cannot be completed",
                        server.url
                    ),
                )
                .with_hint(format!("add `variables: {{{missing}: {{default: ...}}}}` to the server")),
            );
            return None;
        }
        let name = names.claim(&server_name(server, index), false);
        let mut fields = NameSet::new();
        let mut variables = Vec::new();
        for (var_name, var) in &declared {
            let var_pointer = child(&child(pointer, "variables"), var_name);
            if !used.contains(&var_name.as_str()) {
                self.diags.push(Diagnostic::warning(
                    var_pointer.clone(),
                    format!("server variable `{var_name}` is not used in the URL `{}`; it has no effect", server.url),
                ));
                continue;
            }
            let mut default = var.default.clone();
            if let Some(first) = var.enumeration.first()
                && !var.enumeration.contains(&default)
            {
                self.diags.push(
                    Diagnostic::warning(
                        child(&var_pointer, "default"),
                        format!("the default `{default}` of server variable `{var_name}` is not one of its `enum` values; `{first}` is used"),
                    )
                    .with_hint("make `default` one of the `enum` values"),
                );
                default = first.clone();
            }
            let mut variants = NameSet::new();
            let values = var
                .enumeration
                .iter()
                .map(|v| (variants.claim(&camel(v), false), v.clone()))
                .collect();
            variables.push(ServerVariable {
                field: fields.claim(&snake(var_name), true),
                enum_type: (!var.enumeration.is_empty())
                    .then(|| names.claim(&format!("{name}{}", camel(var_name)), false)),
                name: var_name.clone(),
                description: var.description.clone(),
                default,
                values,
            });
        }
        let mut url = server.url.trim().to_string();
        if !url.contains("://") {
            let joined = format!(
                "{RELATIVE_ORIGIN}{}{}",
                if url.starts_with('/') { "" } else { "/" },
                url
            );
            self.diags.push(
                Diagnostic::warning(
                    child(pointer, "url"),
                    format!("server URL `{url}` is relative (to where the document is served, which the client cannot know); it is read as `{joined}`"),
                )
                .with_hint("give the server an absolute URL, set `client.default_base_url` in codegen.toml, or call `ClientBuilder::base_url`"),
            );
            url = joined;
        }
        let default_url = substitute(&url, &variables);
        if !default_url.starts_with("http://") && !default_url.starts_with("https://") {
            self.diags.push(Diagnostic::warning(
                child(pointer, "url"),
                format!(
                    "server URL `{default_url}` is not an http or https URL; the server is left out"
                ),
            ));
            return None;
        }
        Some(Server {
            type_name: name,
            url,
            default_url: default_url.trim_end_matches('/').to_string(),
            description: server.description.clone(),
            variables,
        })
    }
}

/// The `{name}` placeholders of a server URL, in order.
fn placeholders(url: &str) -> Vec<&str> {
    url.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name))
        .collect()
}

/// `url` with each variable at its default.
fn substitute(url: &str, variables: &[ServerVariable]) -> String {
    let mut out = url.to_string();
    for v in variables {
        out = out.replace(&format!("{{{}}}", v.name), &v.default);
    }
    out
}

/// A type name for a server: its description when short (`Production`, `EU sandbox`),
/// else `Server1`, `Server2`... by position.
fn server_name(server: &openapiv3::Server, index: usize) -> String {
    let fallback = || format!("Server{}", index + 1);
    let Some(description) = server.description.as_deref() else {
        return fallback();
    };
    let description = description.trim().trim_end_matches('.');
    let short = description.split_whitespace().count() <= 4
        && description
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '_'));
    let name = camel(description);
    if short && !name.is_empty() && name != "Server" {
        name
    } else {
        fallback()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_placeholders() {
        let server = |d: Option<&str>| openapiv3::Server {
            url: "https://{a}.x/{b}".into(),
            description: d.map(str::to_string),
            ..Default::default()
        };
        assert_eq!(placeholders("https://{a}.x/{b}"), ["a", "b"]);
        assert_eq!(server_name(&server(Some("EU sandbox.")), 0), "EuSandbox");
        assert_eq!(
            server_name(&server(Some("The main production API, for everyone")), 1),
            "Server2"
        );
        assert_eq!(server_name(&server(None), 2), "Server3");
        assert_eq!(server_name(&server(Some("Server")), 0), "Server1");
    }
}
