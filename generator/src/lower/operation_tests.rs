/// Every method the runtime's `request_builder!` macro gives a builder is reserved, so
/// that no parameter or body setter can take its name.
#[test]
fn reserved_builder_names_cover_the_runtime_macro() {
    let macros = include_str!("../../runtime/macros.rs");
    let start = macros
        .find("macro_rules! request_builder")
        .expect("the runtime defines request_builder!");
    let body = &macros[start..];
    let end = body.find("\n}\n").expect("the macro ends");
    let mut found = Vec::new();
    for line in body[..end].lines() {
        let line = line.trim_start();
        let Some(rest) = line
            .strip_prefix("pub fn ")
            .or_else(|| line.strip_prefix("fn "))
        else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        // `pub fn $name(..)`: the setters the invocation lists, not a fixed name.
        if !name.is_empty() {
            found.push(name);
        }
    }
    assert!(found.len() >= 10, "too few methods found: {found:?}");
    for name in &found {
        assert!(
            super::BUILDER_RESERVED.contains(&name.as_str()),
            "`{name}` is a method of every request builder but not in BUILDER_RESERVED"
        );
    }
}

/// Every method of the runtime's `Client` is a name no resource accessor may take.
#[test]
fn resource_names_cover_the_clients_methods() {
    // The runtime files with an `impl Client` block (a new one must be added here).
    let sources = [
        include_str!("../../runtime/client.rs"),
        include_str!("../../runtime/blocking.rs"),
        include_str!("../../runtime/prepare.rs"),
        include_str!("../../runtime/raw_request.rs"),
        include_str!("../../runtime/transport.rs"),
    ];
    let mut found = Vec::new();
    for text in sources {
        let mut inside = false;
        for line in text.lines() {
            if line.starts_with("impl Client {") {
                inside = true;
            } else if inside && line.starts_with('}') {
                inside = false;
            } else if inside {
                let rest = line
                    .trim_start_matches("    ")
                    .trim_start_matches("pub(crate) ")
                    .trim_start_matches("pub ")
                    .trim_start_matches("async ");
                if line.starts_with("    ")
                    && !line.starts_with("     ")
                    && let Some(name) = rest.strip_prefix("fn ")
                {
                    let name: String = name
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    found.push(name);
                }
            }
        }
    }
    assert!(found.len() >= 20, "too few methods found: {found:?}");
    for name in &found {
        assert!(
            RESOURCE_NAMES_TAKEN.contains(&name.as_str()),
            "`Client::{name}` is a method of the runtime but not in RESOURCE_NAMES_TAKEN"
        );
    }
}

use super::*;

#[test]
fn path_method_names() {
    assert_eq!(
        path_method_name(HttpMethod::Get, "/users/{id}/keys"),
        "get_users_by_id_keys"
    );
    assert_eq!(path_method_name(HttpMethod::Delete, "/"), "delete");
    assert_eq!(
        path_method_name(HttpMethod::Post, "/v1/a.b:run"),
        "post_v1_a_b_run"
    );
}

#[test]
fn the_document_and_the_ir_agree_on_the_operation_fields() {
    let keys = HttpMethod::ALL.map(HttpMethod::key);
    assert_eq!(keys, crate::load::OPERATION_FIELDS);
}

#[test]
fn stable_hash_is_fixed() {
    assert_eq!(stable_hash(""), 0xcbf2_9ce4_8422_2325);
    assert_ne!(stable_hash("GET /a"), stable_hash("GET /b"));
}

/// Samples of composed schemas satisfy the whole schema: an `allOf` part's `required`
/// reaches the properties another part defines, `type: object` beside a `oneOf` samples
/// an alternative, and a `oneOf` sample fits exactly one alternative.
#[test]
fn samples_satisfy_composed_schemas() {
    let spec = include_str!("../../../tests/fixtures/samples_composed.yaml");
    let loaded = crate::load::load("samples_composed.yaml", spec).expect("fixture loads");
    let (api, _) = crate::lower::lower(
        &loaded.api,
        &loaded.extra,
        &crate::config::Config::default(),
        "samples_composed.yaml",
        vec![],
        crate::lower::Options { samples: true },
    )
    .expect("fixture lowers");
    let op = |id: &str| {
        api.resources
            .iter()
            .flat_map(|r| &r.operations)
            .find(|op| op.operation_id == id)
            .expect("operation is there")
    };
    let body = |id: &str| {
        let samples = op(id).body.as_ref().and_then(|b| b.samples.as_ref());
        samples.expect("body has samples").required.clone()
    };
    assert_eq!(
        body("createMonitor"),
        serde_json::json!({"expected_codes": "2xx", "interval": 5})
    );
    assert_eq!(
        body("createGroup"),
        serde_json::json!({
            "include": [{"email": {"email": "dev@example.com"}}],
            "name": "Developers"
        })
    );
    assert_eq!(
        body("updateInterconnects"),
        serde_json::json!({"id": "sample"})
    );
    assert_eq!(
        body("updateSeats"),
        serde_json::json!([{"gateway_seat": true, "seat_uid": "3ef4f6a4e5b64c4c8ac3e5d5b2a39c1a"}])
    );
    assert_eq!(
        body("createRule"),
        serde_json::json!({"configuration": {"target": "ip", "value": "198.51.100.4"}, "mode": "block"})
    );
    let app_id = op("getApp").params.iter().find(|p| p.wire_name == "app_id");
    assert_eq!(
        app_id.and_then(|p| p.sample.clone()),
        Some(serde_json::json!("f174e90a-fafe-4643-bbbc-4a0ed4fc8415"))
    );
}
