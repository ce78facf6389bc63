//! Comparisons of small surfaces: renames of operations and models, what changed inside
//! them, and what is no change.

use super::*;

fn compare_texts(before: &str, after: &str) -> Comparison {
    compare(Some(&Surface::parse(before)), &Surface::parse(after))
}

#[test]
fn a_new_name_at_the_same_endpoint_is_a_rename_with_its_config_entry() {
    let c = compare_texts(
        "operation logs.get_zones_zone_identifier_jobs: GET /zones/{zone_identifier}/jobs -> ()\n\
         argument logs.get_zones_zone_identifier_jobs.zone_identifier: String\n",
        "operation logs.get_zones_zone_id_jobs: GET /zones/{zone_id}/jobs -> ()\n\
         operation-id logs.get_zones_zone_id_jobs: get-zones-zone_id-jobs\n\
         argument logs.get_zones_zone_id_jobs.zone_id: String\n",
    );
    assert_eq!(c.operations.len(), 1, "{c:?}");
    let op = &c.operations[0];
    assert_eq!(op.change, ChangeKind::Renamed);
    assert!(op.breaking);
    assert_eq!(
        op.old_name.as_deref(),
        Some("get_zones_zone_identifier_jobs")
    );
    // The path parameter kept its place: the positional argument is only renamed.
    assert_eq!(op.items.len(), 1);
    assert_eq!(op.items[0].change, ChangeKind::Renamed);
    assert!(!op.items[0].breaking);
    assert_eq!(
        op.keep_old_name().as_deref(),
        Some("[operations.get-zones-zone_id-jobs]\nmethod = \"get_zones_zone_identifier_jobs\"\n")
    );
}

#[test]
fn an_alias_retarget_to_an_identical_twin_is_no_change() {
    let c = compare_texts(
        "type A: = B\ntype B: struct\nfield B.x: String\ntype C: = B\n",
        "type A: = C\ntype B: = C\ntype C: struct\nfield C.x: String\n",
    );
    assert!(c.is_empty(), "{c:?}");
    assert!(
        !c.items.is_empty(),
        "the exhaustive list still shows the retargets"
    );
}

#[test]
fn a_changed_model_says_what_changed() {
    let c = compare_texts(
        "type P: struct\nfield P.a: String\nfield P.b: i64\ntype K: enum\nvariant K::X: \"x\"\n",
        "type P: struct\nfield P.a: Option<String>\nfield P.c: bool\ntype K: enum\n\
         variant K::X: \"x\"\nvariant K::Y: \"y\"\n",
    );
    let p = c.models.iter().find(|m| m.name == "P").expect("P changed");
    let seen: Vec<(ChangeKind, &str, bool)> = p
        .items
        .iter()
        .map(|i| (i.change, i.name.as_str(), i.breaking))
        .collect();
    assert_eq!(
        seen,
        [
            (ChangeKind::Changed, "a", true),
            (ChangeKind::Removed, "b", true),
            (ChangeKind::Added, "c", true)
        ]
    );
    let k = c.models.iter().find(|m| m.name == "K").expect("K changed");
    assert!(
        !k.breaking,
        "a new variant of a non-exhaustive enum breaks nobody"
    );
}

#[test]
fn a_model_of_the_same_shape_under_a_new_name_is_a_rename() {
    let c = compare_texts(
        "type ListPetsResponse: struct\nfield ListPetsResponse.items: Vec<String>\n\
         type Other: struct\nfield Other.n: i64\n",
        "type FetchPetsResponse: struct\nfield FetchPetsResponse.items: Vec<String>\n\
         type Unrelated: struct\nfield Unrelated.n: bool\n",
    );
    let seen: Vec<(ChangeKind, &str, Option<&str>)> = c
        .models
        .iter()
        .map(|m| (m.change, m.name.as_str(), m.old_name.as_deref()))
        .collect();
    assert_eq!(
        seen,
        [
            (
                ChangeKind::Renamed,
                "FetchPetsResponse",
                Some("ListPetsResponse")
            ),
            (ChangeKind::Removed, "Other", None),
            (ChangeKind::Added, "Unrelated", None)
        ]
    );
}

#[test]
fn toml_keys_are_quoted_only_when_needed() {
    assert_eq!(toml_key("list-pets_2"), "list-pets_2");
    assert_eq!(toml_key("get /pets"), "\"get /pets\"");
    assert_eq!(toml_string("a\"b\\"), "\"a\\\"b\\\\\"");
}
