use super::{ConformanceCrates, Pipeline, Quiet};
use serde_json::{Value, json};

const SPEC: &str = r#"openapi: 3.0.3
info: {title: Samples, version: '1'}
servers: [{url: 'https://api.example.com/v1'}]
components:
  securitySchemes:
    token: {type: http, scheme: bearer}
    key: {type: apiKey, in: header, name: X-Key}
  schemas:
    Base:
      type: object
      required: [id]
      properties:
        id: {type: string, format: uuid}
    Thing:
      allOf:
        - $ref: '#/components/schemas/Base'
        - type: object
          required: [name, tags]
          properties:
            name: {type: string, minLength: 3, maxLength: 8}
            tags: {type: array, minItems: 2, items: {type: string, pattern: '^[a-z]{4}$'}}
            email: {type: string, format: email}
            created: {type: string, format: date-time, readOnly: true}
            size: {type: integer, minimum: 10, maximum: 100, multipleOf: 7}
security: [{token: []}, {key: []}]
paths:
  /things/{thing_id}:
    post:
      operationId: createThing
      parameters:
        - {name: thing_id, in: path, required: true, schema: {type: string, pattern: '^[a-f0-9]{32}$'}}
        - {name: per_page, in: query, schema: {type: integer, minimum: 5, maximum: 50}}
        - {name: mode, in: query, schema: {type: string, enum: [fast, slow]}}
        - {name: since, in: query, example: '2020-01-01', schema: {type: string, format: date}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Thing'}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
"#;

fn generated() -> std::collections::BTreeMap<String, String> {
    let backend = ConformanceCrates {
        slug: "t".to_string(),
    };
    let mut quiet = Quiet;
    let output = Pipeline::new(&mut quiet)
        .with_backend(&backend)
        .generate(crate::Input {
            spec_name: "samples.yaml",
            spec_text: SPEC,
            config: Default::default(),
            extra_files: Vec::new(),
        })
        .expect("the spec generates");
    output.files
}

#[test]
fn samples_satisfy_the_schema_in_both_modes() {
    let files = generated();
    let args: Value = serde_json::from_str(&files["driver/args.json"]).unwrap();
    let op = &args["operations"][0];
    assert_eq!(op["operation"], "createThing");
    let required = &op["required"];
    // Only required parameters, and the body with only its required properties.
    assert_eq!(required["thing_id"], json!("a".repeat(32)));
    assert!(required.get("per_page").is_none());
    let body = &required["$body"];
    assert_eq!(body["id"], "3f2c8a52-8c1e-4c39-9a4b-6d0e1f2a3b4c");
    assert_eq!(body["name"], "sample");
    assert_eq!(body["tags"], json!(["aaaa", "aaaa"]));
    assert!(body.get("email").is_none() && body.get("size").is_none());

    let full = &op["full"];
    assert_eq!(full["per_page"], 5);
    assert_eq!(full["mode"], "fast");
    assert_eq!(
        full["since"], "2020-01-01",
        "a parameter's own example wins"
    );
    let body = &full["$body"];
    assert_eq!(body["email"], "user@example.com");
    assert_eq!(
        body["size"], 14,
        "the first multiple of 7 from the minimum 10"
    );
    assert!(body.get("created").is_none(), "readOnly is never sent");
}

#[test]
fn the_driver_calls_the_typed_api_with_every_credential_part() {
    let files = generated();
    let main = &files["driver/src/main.rs"];
    assert!(main.contains(".create_thing("), "{main}");
    assert!(
        main.contains("&a.req::<::samples::models::ThingId>(\"thing_id\")?"),
        "{main}"
    );
    assert!(main.contains("b.per_page(v)"), "{main}");
    assert!(main.contains("Credentials::bearer(") && main.contains(".and_header(\"X-Key\""));
    assert!(files.contains_key("client/src/lib.rs"));
    let manifest = &files["driver/Cargo.toml"];
    assert!(
        manifest.contains("name = \"conformance-driver-t\""),
        "{manifest}"
    );
    assert!(manifest.contains("package = \"samples\""), "{manifest}");
}
