//! The API change report on pairs of specs (`tests/fixtures/changes/<case>/{before,after}.yaml`).

use apigen::surface::{Surface, diff, report};
use apigen_tests::workspace_root;

fn surface(path: &std::path::Path) -> Surface {
    let root = workspace_root();
    let mut input = apigen::load::read_input(&root, path, None).expect("readable");
    input.config.package.name = Some("changes".into());
    let output = apigen::generate(input.as_input()).unwrap_or_else(|d| panic!("{d}"));
    Surface::of(&output.api)
}

#[test]
fn change_reports() {
    let dir = workspace_root().join("tests/fixtures/changes");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/fixtures/changes exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 2);
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for case in cases {
            let name = case
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            let before = surface(&case.join("before.yaml"));
            let after = surface(&case.join("after.yaml"));
            let changes = diff(&before, &after);
            insta::assert_snapshot!(format!("changes__{name}"), report(&changes, "0.3.1"));
            insta::assert_snapshot!(format!("changes__{name}__1x"), report(&changes, "1.4.2"));
        }
    });
}

#[test]
fn surface_round_trips_through_its_text_form() {
    let output = apigen_tests::generate_spec();
    let surface = Surface::of(&output.api);
    assert!(!surface.0.is_empty());
    assert_eq!(Surface::parse(&surface.to_text()), surface);
    assert!(diff(&surface, &surface).is_empty());
}
