use serde_json::{Value, json};

use super::super::params::Param;
use super::{header_text, path_text};

fn path(param: Param, value: Value) -> String {
    path_text(&param, &value).unwrap()
}

/// The examples of OpenAPI 3.0's style table (`color` = `blue`, `[blue, black, brown]`,
/// `{R: 100, G: 200, B: 150}`), every style and explode. An object's
/// properties are written in the order the value holds them: by name here (written so,
/// whether or not `serde_json` keeps insertion order), as generated models give them
/// when `serde_json` sorts keys.
#[test]
fn path_styles_match_the_specification_table() {
    let primitive = || json!("blue");
    let array = || json!(["blue", "black", "brown"]);
    let object = || json!({"B": 150, "G": 200, "R": 100});
    let simple = Param::path("color");
    let label = Param::path("color").label();
    let matrix = Param::path("color").matrix();
    let cases = [
        (simple, primitive(), "blue"),
        (simple.exploded(), primitive(), "blue"),
        (simple, array(), "blue,black,brown"),
        (simple.exploded(), array(), "blue,black,brown"),
        (simple, object(), "B,150,G,200,R,100"),
        (simple.exploded(), object(), "B=150,G=200,R=100"),
        (label, primitive(), ".blue"),
        (label.exploded(), primitive(), ".blue"),
        (label, array(), ".blue,black,brown"),
        (label.exploded(), array(), ".blue.black.brown"),
        (label, object(), ".B,150,G,200,R,100"),
        (label.exploded(), object(), ".B=150.G=200.R=100"),
        (matrix, primitive(), ";color=blue"),
        (matrix.exploded(), primitive(), ";color=blue"),
        (matrix, array(), ";color=blue,black,brown"),
        (
            matrix.exploded(),
            array(),
            ";color=blue;color=black;color=brown",
        ),
        (matrix, object(), ";color=B,150,G,200,R,100"),
        (matrix.exploded(), object(), ";B=150;G=200;R=100"),
    ];
    for (param, value, want) in cases {
        assert_eq!(path(param, value.clone()), want, "{param:?} {value}");
    }
}

#[test]
fn path_values_are_percent_encoded_but_separators_are_not() {
    let label = Param::path("k").label().exploded();
    assert_eq!(
        path(label, json!(["a/b", "c;d", "é"])),
        ".a%2Fb.c%3Bd.%C3%A9"
    );
    let matrix = Param::path("k").matrix().exploded();
    assert_eq!(path(matrix, json!({"a=b": "x,y"})), ";a%3Db=x%2Cy");
    assert_eq!(path(Param::path("k"), json!(["1,2", "?"])), "1%2C2,%3F");
    assert_eq!(path(Param::path("k"), json!(5)), "5");
    assert_eq!(path(Param::path("k").matrix(), json!(true)), ";k=true");
    assert_eq!(path(Param::path("k").matrix(), json!("")), ";k");
    assert_eq!(path(Param::path("k").matrix(), json!([])), ";k");
    assert_eq!(path(Param::path("k").label(), json!([])), ".");
}

#[test]
fn nested_values_are_refused() {
    for param in [
        Param::path("k"),
        Param::path("k").label(),
        Param::header("k"),
    ] {
        let err = path_text(&param, &json!([[1]])).unwrap_err();
        assert!(
            err.to_string().contains("string, number or boolean"),
            "{err}"
        );
        let err = header_text(&param, &json!({"a": {"b": 1}})).unwrap_err();
        assert!(
            err.to_string().contains("string, number or boolean"),
            "{err}"
        );
    }
}

#[test]
fn header_values_are_simple_style() {
    let header = Param::header("X-Tags");
    assert_eq!(
        header_text(&header, &json!(["a", 2, true])).unwrap(),
        "a,2,true"
    );
    assert_eq!(header_text(&header, &json!(7.5)).unwrap(), "7.5");
    assert_eq!(
        header_text(&header, &json!({"G": 2, "R": 1})).unwrap(),
        "G,2,R,1"
    );
    let exploded = header.exploded();
    assert_eq!(
        header_text(&exploded, &json!({"G": 2, "R": 1})).unwrap(),
        "G=2,R=1"
    );
    assert_eq!(header_text(&exploded, &json!([1, 2])).unwrap(), "1,2");
}
