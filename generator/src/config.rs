//! `codegen.toml`: what OpenAPI cannot say (crate name, envelope, resource and method names).
//!
//! Every setting is optional; defaults are derived from the spec.

use indexmap::IndexMap;
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub package: PackageConfig,
    #[serde(default)]
    pub client: ClientConfig,
    #[serde(default)]
    pub auth: AuthConfig,
    #[serde(default)]
    pub pagination: PaginationConfig,
    #[serde(default)]
    pub models: ModelsConfig,
    /// Per-resource settings, keyed by the resource's snake-case name.
    #[serde(default)]
    pub resources: IndexMap<String, ResourceConfig>,
    /// Per-operation settings, keyed by operationId.
    #[serde(default)]
    pub operations: IndexMap<String, OperationConfig>,
    /// Files copied verbatim into the crate: crate-relative destination → path relative to
    /// the config file.
    #[serde(default)]
    pub files: IndexMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PackageConfig {
    pub name: Option<String>,
    pub version: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    /// Defaults to the first `servers` entry.
    pub default_base_url: Option<String>,
    /// Environment variable that overrides the base URL in `Client::from_env`.
    pub base_url_env: Option<String>,
    /// `none` (default) or `cloudflare-v4`.
    pub envelope: Option<String>,
    /// Response header carrying a request id worth quoting in errors (e.g. `cf-ray`).
    pub request_id_header: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Security scheme name → environment variable read by `Client::from_env`.
    #[serde(default)]
    pub env: IndexMap<String, String>,
    /// Ways to authenticate, in the order `from_env` tries them. Defaults to the spec's
    /// top-level `security` alternatives.
    #[serde(default)]
    pub credentials: Vec<CredentialConfig>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CredentialConfig {
    /// Name of the `Credentials` constructor.
    pub name: String,
    /// Security scheme names sent together.
    pub schemes: Vec<String>,
    pub doc: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PaginationConfig {
    /// Query parameter holding the page number; list operations that take it and return
    /// an array get `.stream()`.
    pub page_param: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ModelsConfig {
    /// `all` component schemas, or only those `reachable` from operations. Defaults to
    /// `reachable` when an envelope is configured, `all` otherwise.
    pub include: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ResourceConfig {
    pub doc: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OperationConfig {
    pub resource: Option<String>,
    pub method: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
}

impl Config {
    pub fn parse(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }
}
