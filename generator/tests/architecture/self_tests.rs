//! The checker on small made-up files, so that a clean run means something.

use super::*;

fn check(file_module: &[&str], text: &str) -> Vec<String> {
    let modules: BTreeSet<String> = [
        "config", "diag", "emit", "ir", "load", "lower", "naming", "pipeline", "surface", "write",
    ]
    .map(String::from)
    .into();
    let module: Vec<String> = file_module.iter().map(|m| m.to_string()).collect();
    check_file("f.rs", text, &module, &modules, &rules())
        .into_iter()
        .map(|v| format!("{}: {}", v.line, v.what))
        .collect()
}

#[test]
fn a_forbidden_import_is_named_with_its_line_and_arrow() {
    let found = check(
        &["emit", "model"],
        "use crate::ir::Api;\n\nuse crate::lower::Lowerer;\n",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("3: emit → lower (`crate::lower`): emit may use only"),
        "{found:?}"
    );
}

#[test]
fn groups_super_paths_and_inline_paths_are_read() {
    let found = check(
        &["surface"],
        "use crate::{ir::Api, emit::{self, SURFACE_FILE}};\nfn f() { super::write::diff(); }\n",
    );
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].starts_with("1: surface → emit"), "{found:?}");
    assert!(
        found[1].starts_with("2: surface → write (`super::write`)"),
        "{found:?}"
    );
    let found = check(
        &["lower", "bodies"],
        "use super::Lowerer;\nuse super::super::emit;\n",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("2: lower → emit"), "{found:?}");
}

#[test]
fn the_driver_openapiv3_and_the_disk_are_checked() {
    let found = check(
        &["ir"],
        "fn f(a: &openapiv3::OpenAPI) { crate::generate(); std::fs::read(\"x\"); }\n",
    );
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found.iter().any(|f| f.contains("ir → (root)")), "{found:?}");
    assert!(
        found.iter().any(|f| f.contains("ir → openapiv3")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|f| f.contains("ir → std::fs")),
        "{found:?}"
    );
    let found = check(
        &[],
        "pub use load::{lint, refs};\npub use pipeline::Quiet;\n",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("1: the crate root re-exports from `load`"),
        "{found:?}"
    );
}

#[test]
fn comments_strings_generated_code_and_tests_are_not_read() {
    let text = r##"
//! Uses `crate::lower` and openapiv3 in prose only.
/* crate::write::diff() */
fn f() -> String {
    let _ = quote!(crate::runtime::private::Body);
    let _ = quote! { crate::Client::new() };
    let _ = 'x';
    let _: &'static str = "crate::lower::lower";
    r#"crate::write"#.to_string()
}
#[cfg(test)]
mod tests {
    use crate::lower;
}
"##;
    assert_eq!(check(&["emit"], text), Vec::<String>::new());
}

#[test]
fn inline_modules_resolve_super_to_their_parent() {
    let text = "mod render {\n    use super::{Diagnostic, Severity};\n}\nuse crate::ir;\n";
    let found = check(&["diag"], text);
    assert_eq!(
        found,
        ["4: diag → ir (`crate::ir`): diag may use no other module"]
    );
}
