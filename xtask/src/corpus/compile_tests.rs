//! Unit tests of `compile.rs`: reading cargo's messages and manifests.

use super::*;

#[test]
fn limits_default_features() {
    let manifest = "[features]\ndefault = [\"a\", \"b\", \"c\"]\na = []\n";
    let (limited, total) = limit_default_features(manifest, 2).unwrap();
    assert_eq!(total, 3);
    assert_eq!(limited, "[features]\ndefault = [\"a\", \"b\"]\na = []\n");
    assert!(limit_default_features("[package]\n", 2).is_none());
}

#[test]
fn finds_the_crate_of_a_message() {
    assert_eq!(
        crate_in("corpus-12/src/lib.rs:3:5: error[E0412]: cannot find type"),
        Some("corpus-12".into())
    );
    assert_eq!(
        crate_in("error: could not compile `corpus-7` (lib) due to 2 previous errors"),
        Some("corpus-7".into())
    );
    assert_eq!(
        crate_in("failed to parse manifest at `/x/sample/corpus-3/Cargo.toml`"),
        Some("corpus-3".into())
    );
    assert_eq!(crate_in("src/corpus-x.rs: error"), None);
}

#[test]
fn diagnostic_text_drops_the_place() {
    assert_eq!(
        diagnostic_text("corpus-1/src/lib.rs:3:5: error[E0412]: nope"),
        Some("error[E0412]: nope")
    );
    assert_eq!(diagnostic_text("   Compiling x"), None);
}
