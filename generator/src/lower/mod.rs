//! Stage 2: OpenAPI → IR. The only stage that knows OpenAPI.

mod auth;
mod bodies;
mod cycles;
mod dedup;
mod enums;
mod ids;
mod object;
mod operation;
mod params;
mod primitive;
mod resolve;
mod sample;
mod sample_pattern;
mod schema;
mod servers;

use crate::config::{Config, EnvelopeStyle, ModelsInclude};
use crate::diag::{Diagnostic, Severity};
use crate::ir::{Api, Envelope, Package, Profile, TypeDef};
use crate::load::refs::{ComponentKind, ExtraRefs};
use crate::naming::{NameSet, camel};
use openapiv3::OpenAPI;
use std::collections::BTreeMap;

pub(crate) struct Lowerer<'a> {
    api: &'a OpenAPI,
    extra: &'a ExtraRefs,
    config: &'a Config,
    envelope: Envelope,
    diags: Vec<Diagnostic>,
    /// Named types by Rust name (sorted, so output order never depends on discovery order).
    types: BTreeMap<String, TypeDef>,
    type_names: NameSet,
    /// Rust names of component schemas, assigned before any conversion.
    component_names: BTreeMap<&'a str, String>,
    /// What each converted (or in-progress) component lowers to.
    component_types: BTreeMap<&'a str, crate::ir::TypeRef>,
    deferred: Vec<&'a str>,
    depth: usize,
    /// While converting a component: its name and nesting depth, claimed by the first
    /// named type defined at that depth.
    component_slot: Option<(String, usize)>,
    /// Named types of inline schemas already converted, by the schema's address.
    inline_types: std::collections::HashMap<usize, crate::ir::TypeRef>,
    /// Whether to build sample values ([`crate::ir::Samples`]) for a back end that calls
    /// the operations.
    samples: bool,
    /// While lowering an error response's body: an `allOf` of the success envelope and
    /// the failure envelope (their `success` enums disjoint) is how such specs say "the
    /// envelope, failed", so the last member's reading is taken without a warning.
    in_error_body: bool,
    /// How a reference that leads nowhere is read where one is being resolved leniently
    /// (see `resolve_or_read`): its report is then a warning that says so.
    dangling: Option<&'static str>,
}

/// What a back end needs from `lower` beyond the client's own IR.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Build sample arguments and bodies (for the conformance driver).
    pub samples: bool,
}

/// The lowered API plus the warnings found on the way; or every error found.
pub fn lower(
    api: &OpenAPI,
    extra: &ExtraRefs,
    config: &Config,
    source: &str,
    extra_files: Vec<(String, String)>,
    options: Options,
) -> Result<(Api, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut lowerer = Lowerer::new(api, extra, config);
    lowerer.samples = options.samples;
    lowerer.name_components();
    let servers = lowerer.servers();
    let profile = Profile {
        default_base_url: config
            .client
            .default_base_url
            .clone()
            .or_else(|| servers.first().map(|s| s.default_url.clone()))
            .unwrap_or_else(|| servers::RELATIVE_ORIGIN.to_string()),
        servers,
        base_url_env: config.client.base_url_env.clone(),
        envelope: lowerer.envelope,
        request_id_header: config.client.request_id_header.clone(),
        credentials: lowerer.credentials(),
        requires_credentials: false,
    };
    let mut resources = lowerer.operations();
    let profile = Profile {
        requires_credentials: auth::requires_credentials(api, &resources, &profile.credentials),
        ..profile
    };
    let include_all = match config.models.include {
        Some(ModelsInclude::All) => true,
        Some(ModelsInclude::Reachable) => false,
        None => lowerer.envelope == Envelope::None,
    };
    if include_all && let Some(components) = &api.components {
        for key in components.schemas.keys() {
            lowerer.component_type(key);
        }
    }
    lowerer.drain_deferred();
    let mut types: Vec<TypeDef> = std::mem::take(&mut lowerer.types).into_values().collect();
    dedup::dedup(&mut types);
    cycles::box_cycles(&mut types);
    ids::path_ids(&mut resources, &mut types);

    if lowerer.diags.iter().any(|d| d.severity == Severity::Error) {
        return Err(lowerer.diags);
    }
    let title = api.info.title.clone();
    let package = Package {
        name: config
            .package
            .name
            .clone()
            .unwrap_or_else(|| heck::ToKebabCase::to_kebab_case(title.as_str())),
        version: config
            .package
            .version
            .clone()
            .unwrap_or_else(|| "0.1.0".to_string()),
        description: config
            .package
            .description
            .clone()
            .unwrap_or_else(|| format!("Typed async client for the {title}.")),
    };
    let api_ir = Api {
        source: source.to_string(),
        package,
        title,
        description: api.info.description.clone(),
        api_version: api.info.version.clone(),
        profile,
        resources,
        types,
        extra_files,
    };
    Ok((api_ir, lowerer.diags))
}

impl<'a> Lowerer<'a> {
    fn new(api: &'a OpenAPI, extra: &'a ExtraRefs, config: &'a Config) -> Self {
        Lowerer {
            api,
            extra,
            config,
            envelope: match config.client.envelope {
                EnvelopeStyle::None => Envelope::None,
                EnvelopeStyle::CloudflareV4 => Envelope::CloudflareV4,
            },
            diags: Vec::new(),
            types: BTreeMap::new(),
            type_names: NameSet::new(),
            component_names: BTreeMap::new(),
            component_types: BTreeMap::new(),
            deferred: Vec::new(),
            depth: 0,
            component_slot: None,
            inline_types: std::collections::HashMap::new(),
            samples: false,
            in_error_body: false,
            dangling: None,
        }
    }

    /// Give every component schema its Rust name up front, reporting collisions.
    fn name_components(&mut self) {
        let Some(components) = &self.api.components else {
            return;
        };
        for key in components.schemas.keys() {
            let wanted = camel(key);
            let name = self.type_names.claim(&wanted, false);
            let unusual = if !key.is_ascii() {
                Some("has letters outside ASCII, which Rust identifiers here cannot keep")
            } else if key.starts_with(|c: char| c.is_ascii_digit()) {
                Some("starts with a digit, which a Rust identifier cannot")
            } else {
                None
            };
            if let Some(why) = unusual {
                self.diags.push(
                    Diagnostic::warning(
                        ComponentKind::Schemas.pointer(key),
                        format!("schema name `{key}` {why}; the type is named `{name}`"),
                    )
                    .with_hint("rename the schema (ASCII letters, digits, `_`; a letter first) to choose the Rust name yourself"),
                );
            }
            if name != wanted {
                self.diags.push(
                    Diagnostic::warning(
                        ComponentKind::Schemas.pointer(key),
                        format!("schema `{key}` maps to the Rust name `{wanted}`, already taken by another schema; it is named `{name}`"),
                    )
                    .with_hint("rename one of the schemas so their Rust names differ"),
                );
            }
            self.component_names.insert(key.as_str(), name);
        }
    }
}
