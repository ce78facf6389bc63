//! `codegen.toml`: what OpenAPI cannot say (crate name, envelope, resource and method names).
//!
//! Every setting is optional; defaults are derived from the spec. A setting that takes one
//! of a few words is an enum here, so a wrong word is refused while the file is read, at
//! its line and column, with the words it accepts.

use crate::diag::{Diagnostic, closest};
use indexmap::IndexMap;
use serde::Deserialize;
use serde::de::{Deserializer, Error as _};

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
    /// How responses are wrapped (`none` unless given).
    #[serde(default)]
    pub envelope: EnvelopeStyle,
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
    /// Which component schemas become types. Defaults to `reachable` when an envelope is
    /// configured, `all` otherwise.
    pub include: Option<ModelsInclude>,
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

/// `client.envelope`: how the API wraps its responses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EnvelopeStyle {
    /// `none`: a response body is the payload itself.
    #[default]
    None,
    /// `cloudflare-v4`: `{success, errors, messages, result, result_info}`.
    CloudflareV4,
}

/// `models.include`: which component schemas become types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelsInclude {
    /// `all` of them.
    All,
    /// `reachable`: those the operations use, directly or through other types.
    Reachable,
}

/// A setting whose value is one of a few words.
pub trait Choice: Copy + 'static {
    /// Each word codegen.toml accepts, with the value it stands for.
    const WORDS: &'static [(&'static str, Self)];
}

impl Choice for EnvelopeStyle {
    const WORDS: &'static [(&'static str, Self)] = &[
        ("none", EnvelopeStyle::None),
        ("cloudflare-v4", EnvelopeStyle::CloudflareV4),
    ];
}

impl Choice for ModelsInclude {
    const WORDS: &'static [(&'static str, Self)] = &[
        ("all", ModelsInclude::All),
        ("reachable", ModelsInclude::Reachable),
    ];
}

impl<'de> Deserialize<'de> for EnvelopeStyle {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        choice(deserializer)
    }
}

impl<'de> Deserialize<'de> for ModelsInclude {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        choice(deserializer)
    }
}

/// Serde errors carry only text: a hint found while deserializing rides after this
/// separator, and [`Config::parse`] splits it off.
const HINT: &str = "\n= hint: ";

/// The hint for an error that brings none of its own.
const GENERIC_HINT: &str = "see `apigen::config::Config` for the settings and their values";

/// The value of `T` a word names; any other word is an error that lists the accepted ones.
fn choice<'de, D: Deserializer<'de>, T: Choice>(deserializer: D) -> Result<T, D::Error> {
    let word = String::deserialize(deserializer)?;
    if let Some((_, value)) = T::WORDS.iter().find(|(w, _)| *w == word) {
        return Ok(*value);
    }
    let words: Vec<&str> = T::WORDS.iter().map(|(w, _)| *w).collect();
    let listed: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
    let accepted = match listed.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    };
    let hint = match closest(&word, words.iter().copied()) {
        Some(near) => format!("did you mean `{near}`?"),
        None => format!("write {accepted}"),
    };
    Err(D::Error::custom(format!(
        "unknown value `{word}`; expected {accepted}{HINT}{hint}"
    )))
}

impl Config {
    /// Read codegen.toml. A file that does not parse, or a setting with a wrong name or
    /// value, is an error at its line and column (the caller fills in the file name).
    pub fn parse(text: &str) -> Result<Config, Box<Diagnostic>> {
        let deserializer = toml::Deserializer::parse(text).map_err(|e| located(text, "", &e))?;
        serde_path_to_error::deserialize(deserializer)
            .map_err(|e| located(text, &e.path().to_string(), e.inner()))
    }
}

/// A diagnostic for a TOML error, placed in `text`; `path` is the setting (`client.envelope`).
fn located(text: &str, path: &str, error: &toml::de::Error) -> Box<Diagnostic> {
    let (message, hint) = error
        .message()
        .split_once(HINT)
        .unwrap_or((error.message(), GENERIC_HINT));
    let setting = match path {
        "" | "." => String::new(),
        path => format!("`{path}`: "),
    };
    let mut diagnostic =
        Diagnostic::error("", format!("codegen.toml: {setting}{message}")).with_hint(hint);
    if let Some(span) = error.span() {
        let before = &text[..span.start.min(text.len())];
        diagnostic.line = Some(before.matches('\n').count() + 1);
        diagnostic.column = Some(before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1);
    }
    Box::new(diagnostic)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> Box<Diagnostic> {
        Config::parse(text).expect_err("the config is refused")
    }

    #[test]
    fn every_word_of_a_choice_reads_back() {
        for (word, value) in EnvelopeStyle::WORDS {
            let config = Config::parse(&format!("[client]\nenvelope = '{word}'\n")).unwrap();
            assert_eq!(config.client.envelope, *value);
        }
        for (word, value) in ModelsInclude::WORDS {
            let config = Config::parse(&format!("[models]\ninclude = '{word}'\n")).unwrap();
            assert_eq!(config.models.include, Some(*value));
        }
        let defaults = Config::parse("").unwrap();
        assert_eq!(defaults.client.envelope, EnvelopeStyle::None);
        assert_eq!(defaults.models.include, None);
    }

    #[test]
    fn a_wrong_word_is_located_with_the_accepted_ones() {
        let d = error("[package]\nname = 'x'\n\n[client]\nenvelope = \"cloudflare\"\n");
        assert_eq!(
            d.message,
            "codegen.toml: `client.envelope`: unknown value `cloudflare`; expected `none` or `cloudflare-v4`"
        );
        assert_eq!(d.hint.as_deref(), Some("did you mean `cloudflare-v4`?"));
        assert_eq!((d.line, d.column), (Some(5), Some(12)));
        let d = error("[models]\ninclude = 'everything'\n");
        assert_eq!(d.hint.as_deref(), Some("write `all` or `reachable`"));
        assert_eq!((d.line, d.column), (Some(2), Some(11)));
    }

    #[test]
    fn a_value_of_the_wrong_type_is_located() {
        let d = error("[models]\ninclude = 3\n");
        assert!(
            d.message.starts_with("codegen.toml: `models.include`: "),
            "{}",
            d.message
        );
        assert_eq!(d.hint.as_deref(), Some(GENERIC_HINT));
        assert_eq!(d.line, Some(2));
    }

    #[test]
    fn an_unknown_setting_and_bad_syntax_are_located() {
        let d = error("[client]\nenvelop = 'none'\n");
        assert!(
            d.message.contains("unknown field `envelop`"),
            "{}",
            d.message
        );
        assert_eq!(d.line, Some(2));
        let d = error("[client\n");
        assert!(d.message.starts_with("codegen.toml: "), "{}", d.message);
        assert_eq!(d.line, Some(1));
    }
}
