//! The generated models' written-out `Deserialize` impls (structs and string enums) against
//! what serde's derive does for the same shapes: same values, same kinds of errors.

use cloudflare_client_certificates::models::{
    ClientCertificate, ClientCertificateStatus, CreateClientCertificateRequest,
};
use proptest::prelude::*;
use serde::Deserialize;
use serde_json::json;

/// The same fields as `ClientCertificate`, decoded by serde's derive.
#[derive(Debug, Deserialize)]
struct Derived {
    id: String,
    common_name: Option<String>,
    status: String,
    validity_days: Option<i64>,
    issued_on: Option<chrono::DateTime<chrono::Utc>>,
}

#[test]
fn reads_known_fields_and_skips_unknown_ones() {
    let value = json!({
        "id": "b2134436-2555-4acf-be5b-26c48136575e",
        "unknown": {"nested": [1, 2, {"deep": null}]},
        "status": "pending_revocation",
        "validity_days": 3650,
        "issued_on": "2022-11-22T17:32:30.467938Z",
        "certificate_authority": {"id": "568b6b74-7b0c-4755-8840-4e3b8c24adeb", "name": "Managed CA"},
        "common_name": null
    });
    let cert: ClientCertificate = serde_json::from_value(value.clone()).unwrap();
    let from_text: ClientCertificate = serde_json::from_str(&value.to_string()).unwrap();
    assert_eq!(cert, from_text);
    assert_eq!(cert.id, "b2134436-2555-4acf-be5b-26c48136575e");
    assert_eq!(cert.status, ClientCertificateStatus::PendingRevocation);
    assert_eq!(cert.validity_days, Some(3650));
    assert_eq!(cert.common_name, None);
    assert_eq!(
        cert.certificate_authority.and_then(|ca| ca.name).as_deref(),
        Some("Managed CA")
    );
    assert!(cert.issued_on.is_some());
    assert_eq!(cert.certificate, None);
}

#[test]
fn missing_required_fields_are_named() {
    let err = serde_json::from_str::<CreateClientCertificateRequest>(r#"{"csr": "x"}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing field `validity_days`"), "{err}");
    let ok: CreateClientCertificateRequest =
        serde_json::from_str(r#"{"validity_days": 30, "csr": "x", "extra": true}"#).unwrap();
    assert_eq!(ok.validity_days, 30);
}

#[test]
fn wrong_types_are_errors() {
    let not_object = serde_json::from_str::<ClientCertificate>("[1, 2]")
        .unwrap_err()
        .to_string();
    assert!(
        not_object.contains("an object `ClientCertificate`"),
        "{not_object}"
    );
    let wrong_field = serde_json::from_str::<ClientCertificate>(r#"{"validity_days": "ten"}"#)
        .unwrap_err()
        .to_string();
    assert!(wrong_field.contains("expected i64"), "{wrong_field}");
    let enum_number = serde_json::from_str::<ClientCertificate>(r#"{"status": 3}"#)
        .unwrap_err()
        .to_string();
    assert!(enum_number.contains("a string"), "{enum_number}");
}

#[test]
fn unknown_enum_values_are_kept() {
    let cert: ClientCertificate =
        serde_json::from_str(r#"{"id": "x", "status": "quarantined"}"#).unwrap();
    let status = cert.status;
    assert_eq!(
        status,
        ClientCertificateStatus::Unknown("quarantined".to_string())
    );
    assert_eq!(status.as_str(), "quarantined");
    assert_eq!(serde_json::to_string(&status).unwrap(), r#""quarantined""#);
    assert_eq!(
        "revoked".parse::<ClientCertificateStatus>(),
        Ok(ClientCertificateStatus::Revoked)
    );
}

#[test]
fn serialization_round_trips() {
    let cert: ClientCertificate = serde_json::from_value(json!({
        "id": "a", "status": "active", "validity_days": 1, "common_name": "c"
    }))
    .unwrap();
    let text = serde_json::to_string(&cert).unwrap();
    assert_eq!(
        serde_json::from_str::<ClientCertificate>(&text).unwrap(),
        cert
    );
    // Absent optional fields are left out, not sent as null.
    assert!(!text.contains("null"), "{text}");
}

fn json_field() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(serde_json::Value::Null),
        any::<i64>().prop_map(serde_json::Value::from),
        "[a-z_]{0,12}".prop_map(serde_json::Value::from),
        Just(json!("2024-01-02T03:04:05Z")),
        Just(json!({"x": [1, 2]})),
    ]
}

proptest! {
    /// On any object of these keys (and unknown ones), the written-out impl accepts exactly
    /// what the derive accepts, with the same values.
    #[test]
    fn agrees_with_serde_derive(
        entries in proptest::collection::vec(
            (prop_oneof![
                Just("id"), Just("common_name"), Just("status"), Just("validity_days"),
                Just("issued_on"), Just("other"),
            ], json_field()),
            0..8,
        )
    ) {
        // serde_json keeps the last of duplicate keys in a map, so build the text by hand
        // to let duplicates reach the deserializers.
        let body: Vec<String> = entries
            .iter()
            .map(|(k, v)| format!("{}:{}", serde_json::Value::from(*k), v))
            .collect();
        let text = format!("{{{}}}", body.join(","));
        let ours = serde_json::from_str::<ClientCertificate>(&text);
        let derived = serde_json::from_str::<Derived>(&text);
        // The derive refuses duplicate keys; the generated impl lets the last one win.
        let duplicates = {
            let mut keys: Vec<&str> = entries.iter().map(|(k, _)| *k).filter(|k| *k != "other").collect();
            let n = keys.len();
            keys.sort_unstable();
            keys.dedup();
            keys.len() != n
        };
        if !duplicates {
            prop_assert_eq!(ours.is_ok(), derived.is_ok(), "{}", text);
            if let (Ok(ours), Ok(derived)) = (ours, derived) {
                prop_assert_eq!(ours.id.into_string(), derived.id);
                prop_assert_eq!(ours.common_name, derived.common_name);
                prop_assert_eq!(ours.status.as_str().to_string(), derived.status);
                prop_assert_eq!(ours.validity_days, derived.validity_days);
                prop_assert_eq!(ours.issued_on, derived.issued_on);
            }
        }
    }
}
