use super::*;

fn schema_of(doc: &Value, name: &str) -> Value {
    doc.pointer(&format!("/components/schemas/{name}"))
        .cloned()
        .unwrap_or(Value::Null)
}

fn normalised(schemas: Value) -> (Value, Vec<Diagnostic>) {
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1", "summary": "Short.", "license": {"name": "MIT", "identifier": "MIT"}},
        "components": {"schemas": schemas}
    });
    let warnings = normalise(&mut doc);
    (doc, warnings)
}

#[test]
fn type_lists_and_null() {
    let (doc, warnings) = normalised(json!({
        "A": {"type": ["string", "null"], "maxLength": 3},
        "B": {"type": "null"},
        "C": {"type": ["string", "integer"], "maxLength": 3, "minimum": 1},
        "D": {"oneOf": [{"$ref": "#/components/schemas/A"}, {"type": "null"}]},
        "E": {"type": ["integer", "number"]},
    }));
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        schema_of(&doc, "A"),
        json!({"type": "string", "nullable": true, "maxLength": 3})
    );
    assert_eq!(schema_of(&doc, "B"), json!({"nullable": true}));
    assert_eq!(
        schema_of(&doc, "C"),
        json!({"anyOf": [{"type": "string", "maxLength": 3}, {"type": "integer", "minimum": 1}]})
    );
    assert_eq!(
        schema_of(&doc, "D"),
        json!({"oneOf": [{"$ref": "#/components/schemas/A"}], "nullable": true})
    );
    assert_eq!(schema_of(&doc, "E"), json!({"type": "number"}));
}

#[test]
fn keywords_of_31_become_their_30_form() {
    let (doc, warnings) = normalised(json!({
        "A": {"const": "fixed", "examples": ["fixed", "other"]},
        "B": {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10, "maximum": 5},
        "C": {"type": "string", "contentEncoding": "base64"},
        "D": {"type": "string", "contentMediaType": "image/png"},
        "E": {"type": "string", "contentMediaType": "application/json"},
        "F": {"type": "object", "unevaluatedProperties": false},
        "G": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "string"}]},
        "H": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]},
        "I": {"$ref": "#/components/schemas/A", "description": "The A."},
        "J": {"$ref": "#/components/schemas/F", "required": ["x"]},
        "K": {"type": "object", "dependentRequired": {"a": ["b"]}, "$comment": "c"},
        "L": {"type": "object", "properties": {"x": true, "y": false}},
    }));
    assert_eq!(
        schema_of(&doc, "A"),
        json!({"enum": ["fixed"], "example": "fixed"})
    );
    assert_eq!(
        schema_of(&doc, "B"),
        json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true, "maximum": 5})
    );
    assert_eq!(
        schema_of(&doc, "C"),
        json!({"type": "string", "format": "byte"})
    );
    assert_eq!(
        schema_of(&doc, "D"),
        json!({"type": "string", "format": "binary"})
    );
    assert_eq!(schema_of(&doc, "E"), json!({"type": "string"}));
    assert_eq!(
        schema_of(&doc, "F"),
        json!({"type": "object", "additionalProperties": false})
    );
    assert_eq!(
        schema_of(&doc, "G"),
        json!({"type": "array", "items": {"type": "string"}, "maxItems": 2})
    );
    assert_eq!(
        schema_of(&doc, "H"),
        json!({"type": "array", "items": {}, "maxItems": 2})
    );
    assert_eq!(
        schema_of(&doc, "I"),
        json!({"allOf": [{"$ref": "#/components/schemas/A"}], "description": "The A."})
    );
    assert_eq!(
        schema_of(&doc, "J"),
        json!({"allOf": [{"$ref": "#/components/schemas/F"}, {"required": ["x"]}]})
    );
    assert_eq!(schema_of(&doc, "K"), json!({"type": "object"}));
    assert_eq!(
        schema_of(&doc, "L"),
        json!({"type": "object", "properties": {"x": {}, "y": {"not": {}}}})
    );
    let pointers: Vec<&str> = warnings.iter().map(|w| w.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "#/components/schemas/H/prefixItems",
            "#/components/schemas/K/dependentRequired"
        ]
    );
    assert_eq!(doc.pointer("/info/description"), Some(&json!("Short.")));
    assert_eq!(
        doc.pointer("/info/license/url"),
        Some(&json!("https://spdx.org/licenses/MIT.html"))
    );
}

#[test]
fn data_is_never_rewritten() {
    let (doc, _) = normalised(json!({
        "A": {"type": "object", "example": {"type": ["a", "null"], "const": 1}, "default": {"const": 2}},
    }));
    assert_eq!(
        schema_of(&doc, "A"),
        json!({"type": "object", "example": {"type": ["a", "null"], "const": 1}, "default": {"const": 2}})
    );
}

#[test]
fn defs_move_into_components_and_references_follow() {
    let (doc, warnings) = normalised(json!({
        "Pet": {
            "type": "object",
            "properties": {
                "tag": {"$ref": "#/components/schemas/Pet/$defs/Tag"},
                "owner": {"$ref": "#/$defs/Owner"}
            },
            "$defs": {
                "Tag": {"type": "string"},
                "Owner": {"type": "object", "properties": {"pet": {"$ref": "#/components/schemas/Pet"}}}
            }
        },
        "Tag": {"type": "integer"},
    }));
    let pointers: Vec<&str> = warnings.iter().map(|w| w.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        ["#/components/schemas/Pet/properties/owner/$ref"],
        "the relative reference is read with a warning"
    );
    assert_eq!(schema_of(&doc, "PetTag"), json!({"type": "string"}));
    assert_eq!(schema_of(&doc, "Tag"), json!({"type": "integer"}));
    assert_eq!(
        doc.pointer("/components/schemas/Pet/properties/tag/$ref"),
        Some(&json!("#/components/schemas/PetTag"))
    );
    assert_eq!(
        doc.pointer("/components/schemas/Pet/properties/owner/$ref"),
        Some(&json!("#/components/schemas/Owner"))
    );
    assert!(doc.pointer("/components/schemas/Pet/$defs").is_none());
}

#[test]
fn document_level_sections() {
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "webhooks": {"newPet": {"post": {"responses": {"200": {"description": "ok"}}}}},
        "security": [{"mtls": []}, {"key": []}],
        "components": {"securitySchemes": {
            "mtls": {"type": "mutualTLS"},
            "key": {"type": "apiKey", "in": "header", "name": "k"}
        }}
    });
    let warnings = normalise(&mut doc);
    let pointers: Vec<&str> = warnings.iter().map(|w| w.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "#/webhooks",
            "#/jsonSchemaDialect",
            "#/components/securitySchemes/mtls"
        ]
    );
    assert!(doc.get("webhooks").is_none());
    assert_eq!(doc.get("paths"), Some(&json!({})));
    assert_eq!(doc.get("security"), Some(&json!([{}, {"key": []}])));
    assert!(doc.pointer("/components/securitySchemes/mtls").is_none());
}

#[test]
fn schemas_are_found_in_every_position() {
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/a": {
            "parameters": [{"name": "p", "in": "query", "schema": {"type": ["string", "null"]}}],
            "post": {
                "requestBody": {"content": {"application/json": {"schema": {"const": 1}}}},
                "responses": {"200": {
                    "description": "ok",
                    "headers": {"h": {"schema": {"type": ["integer", "null"]}}},
                    "content": {"application/json": {"schema": {"type": "array", "items": {"const": "x"}}}}
                }}
            }
        }}
    });
    normalise(&mut doc);
    let at = |p: &str| doc.pointer(p).cloned().unwrap_or(Value::Null);
    assert_eq!(at("/paths/~1a/parameters/0/schema/nullable"), json!(true));
    assert_eq!(
        at("/paths/~1a/post/requestBody/content/application~1json/schema"),
        json!({"enum": [1]})
    );
    assert_eq!(
        at("/paths/~1a/post/responses/200/headers/h/schema"),
        json!({"type": "integer", "nullable": true})
    );
    assert_eq!(
        at("/paths/~1a/post/responses/200/content/application~1json/schema/items"),
        json!({"enum": ["x"]})
    );
}

#[test]
fn references_into_keywords_beside_a_ref_follow_them() {
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/a/{id}": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/B",
            "properties": {"logo": {"type": "string"}}
        }}}}}}}},
        "components": {"schemas": {
            "B": {"type": "object"},
            "C": {"$ref": "#/paths/~1a~1%7Bid%7D/get/responses/200/content/application~1json/schema/properties/logo"}
        }}
    });
    normalise(&mut doc);
    assert_eq!(
        doc.pointer("/components/schemas/C/$ref"),
        Some(&json!(
            "#/paths/~1a~1{id}/get/responses/200/content/application~1json/schema/allOf/1/properties/logo"
        ))
    );
}

#[test]
fn a_property_named_like_a_data_keyword_is_still_structure() {
    let (doc, _) = normalised(json!({
        "A": {
            "type": "object",
            "properties": {"default": {"$ref": "#/components/schemas/A/$defs/D"}},
            "$defs": {"D": {"type": "string"}}
        }
    }));
    assert_eq!(
        doc.pointer("/components/schemas/A/properties/default/$ref"),
        Some(&json!("#/components/schemas/D"))
    );
}

#[test]
fn text_beside_a_reference_object_replaces_the_targets() {
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/a/{id}": {"get": {
            "parameters": [{"$ref": "#/components/parameters/Id", "description": "The a's id."}],
            "responses": {"200": {"$ref": "#/components/responses/Ok", "summary": "The a."}}
        }}},
        "components": {
            "parameters": {"Id": {"name": "id", "in": "path", "required": true, "description": "An id.", "schema": {"type": "string"}}},
            "responses": {"Ok": {"description": "OK."}}
        }
    });
    let warnings = normalise(&mut doc);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        doc.pointer("/paths/~1a~1{id}/get/parameters/0"),
        Some(
            &json!({"name": "id", "in": "path", "required": true, "description": "The a's id.", "schema": {"type": "string"}})
        )
    );
    assert_eq!(
        doc.pointer("/paths/~1a~1{id}/get/responses/200"),
        Some(&json!({"description": "OK."})),
        "a summary does not replace a description the target has"
    );
}
