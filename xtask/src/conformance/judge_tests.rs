//! Verdicts from made-up runs: what the driver said and what the proxy recorded.

use super::*;

fn line(index: usize, built: bool, decoded: bool) -> DriverLine {
    DriverLine {
        index,
        built,
        refused: (!built).then(|| "`zone_id`: must not be empty".into()),
        status: built.then_some(200),
        decoded,
        decode_error: (!decoded).then(|| "$.result[0].id: invalid type".into()),
        error: None,
    }
}

fn exchange(index: usize, status: u16, violations: Option<&str>, body: &str) -> Exchange {
    Exchange {
        mode: Some("full".into()),
        index: Some(index),
        method: "GET".into(),
        target: "/zones/1".into(),
        status: Some(status),
        violations: violations.map(str::to_string),
        response_body: body.as_bytes().to_vec(),
        ..Exchange::default()
    }
}

fn run(lines: Vec<DriverLine>, exchanges: Vec<Exchange>) -> Run {
    let mut by_index: BTreeMap<usize, Vec<Exchange>> = BTreeMap::new();
    for e in exchanges {
        by_index.entry(e.index.unwrap_or(0)).or_default().push(e);
    }
    Run {
        server: Server::Static,
        mode: Mode::Full,
        failure: None,
        driver_trouble: None,
        lines: lines.into_iter().map(|l| (l.index, l)).collect(),
        exchanges: by_index,
        unprefixed: Vec::new(),
    }
}

#[test]
fn a_clean_call_conforms() {
    let r = run(
        vec![line(0, true, true)],
        vec![exchange(0, 200, None, "{}")],
    );
    let v = verdict(&r, 0);
    assert!(v.built && v.accepted && v.decoded, "{v:?}");
    assert!(v.reasons.is_empty());
    assert_eq!(r.name(), "static/full");
}

#[test]
fn request_violations_count_and_response_violations_are_notes() {
    let header = r#"[{"location":["request","query","page"],"severity":"Error","code":"type","message":"must be integer"},
                     {"location":["response","body","id"],"severity":"Warning","message":"must be string"}]"#
        .replace('\n', "");
    let r = run(
        vec![line(0, true, true)],
        vec![exchange(0, 200, Some(&header), "{}")],
    );
    let v = verdict(&r, 0);
    assert!(v.built && !v.accepted && v.decoded);
    assert_eq!(
        v.reasons,
        [(
            "accepted",
            "request.query.page: must be integer".to_string()
        )]
    );
    assert_eq!(
        v.response_notes,
        ["response.body.id: must be string (warning)"]
    );

    let only_response = r#"[{"location":["response","body"],"message":"wrong"}]"#;
    let r = run(
        vec![line(0, true, true)],
        vec![exchange(0, 200, Some(only_response), "{}")],
    );
    assert!(
        verdict(&r, 0).accepted,
        "Prism's own response is not the client's fault"
    );

    let r = run(
        vec![line(0, true, true)],
        vec![exchange(0, 200, Some("Too many violations! [{\"loc"), "{}")],
    );
    let v = verdict(&r, 0);
    assert!(!v.accepted);
    assert!(v.reasons[0].1.starts_with("Too many violations!"));

    // A list Prism cut short is read as far as its entries are whole.
    let cut = r#"Too many violations! [{"location":["response","body","a"],"message":"one"},{"location":["response","body","b"],"message":"two"},{"location":["resp"#;
    let r = run(
        vec![line(0, true, true)],
        vec![exchange(0, 200, Some(cut), "{}")],
    );
    let v = verdict(&r, 0);
    assert!(v.accepted, "{v:?}");
    assert_eq!(
        v.response_notes,
        ["response.body.a: one", "response.body.b: two"]
    );
    let cut = r#"Too many violations! [{"location":["request","query","q"],"message":"bad"},{"location":["resp"#;
    let r = run(
        vec![line(0, true, true)],
        vec![exchange(0, 200, Some(cut), "{}")],
    );
    let v = verdict(&r, 0);
    assert!(!v.accepted);
    assert_eq!(v.reasons[0].1, "request.query.q: bad");
}

#[test]
fn prisms_own_failures_are_not_the_clients() {
    let crash = r#"{"type":"https://stoplight.io/prism/errors#UNKNOWN","title":"TypeError: x","status":500,"detail":"TypeError: Cannot read properties of undefined\n    at shouldClean (main.cjs:1339:19)"}"#;
    let r = run(
        vec![line(0, true, true)],
        vec![exchange(0, 500, None, crash)],
    );
    let v = verdict(&r, 0);
    assert!(v.built && v.accepted && v.decoded, "{v:?}");
    assert_eq!(
        v.reasons,
        [(
            "run",
            "Prism cannot judge: Prism 500 UNKNOWN: TypeError: x (TypeError: Cannot read properties of undefined)"
                .to_string()
        )]
    );
}

#[test]
fn prisms_problem_documents_are_not_acceptance() {
    let problem = r#"{"type":"https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY","title":"Invalid request","status":422,"detail":"Your request is not valid and no HTTP validation response was found in the spec, so Prism is generating this error for you.","validation":[{"location":["request","body"],"severity":"Error","code":"required","message":"must have required property 'name'"}]}"#;
    let r = run(
        vec![line(0, true, true)],
        vec![exchange(0, 422, None, problem)],
    );
    let v = verdict(&r, 0);
    assert!(!v.accepted);
    let reason = &v.reasons[0].1;
    assert!(
        reason.starts_with("Prism 422 UNPROCESSABLE_ENTITY: Invalid request"),
        "{reason}"
    );
    assert!(
        reason.ends_with(": request.body: must have required property 'name'"),
        "{reason}"
    );
    // A 422 of the spec's own (not Prism's problem type) is an answer like any other.
    let own = r#"{"type":"https://example.com/invalid","status":422}"#;
    let r = run(vec![line(0, true, true)], vec![exchange(0, 422, None, own)]);
    assert!(verdict(&r, 0).accepted);
}

#[test]
fn each_failing_property_has_its_reason() {
    let r = run(
        vec![
            line(0, false, false),
            line(1, true, false),
            line(2, true, true),
        ],
        vec![exchange(1, 200, None, "{}")],
    );
    let refused = verdict(&r, 0);
    assert!(!refused.built && !refused.accepted && !refused.decoded);
    assert_eq!(
        refused.reasons,
        [(
            "built",
            "the client refused the arguments: `zone_id`: must not be empty".to_string()
        )]
    );
    let undecoded = verdict(&r, 1);
    assert!(undecoded.built && undecoded.accepted && !undecoded.decoded);
    assert_eq!(
        undecoded.reasons,
        [(
            "decoded",
            "status 200: $.result[0].id: invalid type".to_string()
        )]
    );
    let unseen = verdict(&r, 2);
    assert!(unseen.built && !unseen.accepted && unseen.decoded);
    assert!(unseen.reasons[0].1.starts_with("the proxy saw no request"));
    let unreached = verdict(&r, 3);
    assert!(!unreached.built);
    assert_eq!(unreached.reasons[0].1, "the driver did not reach it");
}

#[test]
fn a_run_that_could_not_be_made_fails_everything() {
    let mut r = run(Vec::new(), Vec::new());
    r.failure = Some("Prism cannot judge: Prism (static) exited at start".into());
    let v = verdict(&r, 0);
    assert!(!v.built && !v.accepted && !v.decoded);
    assert_eq!(v.reasons[0].0, "run");
    assert!(v.reasons[0].1.starts_with("Prism cannot judge"));
}

#[test]
fn the_driver_limit_grows_with_the_operations() {
    assert_eq!(
        driver_limit(Duration::from_secs(60), 10),
        Duration::from_secs(80)
    );
}

#[test]
fn a_response_prism_itself_broke_does_not_judge_decoding() {
    let own = r#"[{"location":["response","body","result"],"severity":"Error","code":"type","message":"must be object"}]"#;
    let r = run(
        vec![line(0, true, false)],
        vec![exchange(0, 200, Some(own), "{}")],
    );
    let v = verdict(&r, 0);
    assert!(v.accepted && v.decode_unjudged.is_some(), "{v:?}");
    assert!(v.reasons.is_empty(), "{v:?}");
    // A response Prism found valid that does not decode is the client's failure.
    let r = run(
        vec![line(0, true, false)],
        vec![exchange(0, 200, None, "{}")],
    );
    let v = verdict(&r, 0);
    assert!(v.decode_unjudged.is_none() && !v.decoded, "{v:?}");
    assert_eq!(v.reasons[0].0, "decoded");
}

#[test]
fn a_response_with_no_schema_is_judged_by_the_static_runs() {
    let no_schema = r#"{"type":"https://stoplight.io/prism/errors#UNKNOWN","title":"Tried to force a dynamic response for: application/json but schema is not defined.","status":500,"detail":""}"#;
    let r = run(
        vec![line(0, true, false)],
        vec![exchange(0, 500, None, no_schema)],
    );
    let v = verdict(&r, 0);
    assert!(v.built && v.accepted, "{v:?}");
    let why = v.decode_unjudged.as_deref().unwrap_or("");
    assert!(
        why.contains("no schema") && why.contains("Tried to force"),
        "{v:?}"
    );
    assert!(v.reasons.is_empty(), "{v:?}");
    // A request Prism refused is still refused.
    let r = run(
        vec![line(0, true, false)],
        vec![exchange(
            0,
            500,
            Some("request.body: must be object"),
            no_schema,
        )],
    );
    assert!(!verdict(&r, 0).accepted);
}
