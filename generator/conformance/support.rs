//! The hand-written part of every conformance driver, copied verbatim by apigen beside
//! the generated `main.rs` (which holds one function per operation of the API).
//!
//! Run as `driver --base-url URL --mode required|full --args args.json`. Operation `N`
//! is called once, through a client whose base URL is `URL/__apigen/MODE/N` (the
//! harness's recording proxy strips that prefix), with the arguments `args.json` holds
//! for it in that mode. One JSON line per operation goes to stdout.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::time::Duration;

/// How long one call may take before the driver gives up on it.
const CALL_LIMIT: Duration = Duration::from_secs(60);

/// One operation's call: the base URL and the arguments in, what happened out.
pub type Call = fn(String, Args) -> Pin<Box<dyn Future<Output = Outcome>>>;

/// The sample arguments of one operation in one mode, by Rust parameter name (`$body`
/// for the request body).
pub struct Args(Map<String, Value>);

/// An argument the typed API did not take: the driver could not build the call.
pub struct Refused(pub String);

impl Args {
    /// A required argument, read into its Rust type.
    pub fn req<T: DeserializeOwned>(&self, name: &str) -> Result<T, Refused> {
        match self.0.get(name) {
            Some(value) => read(name, value),
            None => Err(Refused(format!("no sample for the required argument `{name}`"))),
        }
    }

    /// An optional argument, when this mode sets it.
    pub fn opt<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, Refused> {
        self.0.get(name).map(|value| read(name, value)).transpose()
    }

    /// One field of the sample body, when it has that field.
    pub fn field<T: DeserializeOwned>(&self, wire: &str) -> Result<Option<T>, Refused> {
        match self.0.get("$body") {
            Some(Value::Object(fields)) => fields
                .get(wire)
                .map(|value| read(&format!("body field {wire}"), value))
                .transpose(),
            _ => Ok(None),
        }
    }

    /// A raw body: a string sample as its UTF-8 bytes, any other value as JSON text.
    pub fn bytes(&self, name: &str) -> Result<Option<Vec<u8>>, Refused> {
        Ok(self.0.get(name).map(|value| match value {
            Value::String(text) => text.clone().into_bytes(),
            other => other.to_string().into_bytes(),
        }))
    }
}

fn read<T: DeserializeOwned>(name: &str, value: &Value) -> Result<T, Refused> {
    serde_json::from_value(value.clone()).map_err(|e| {
        Refused(format!(
            "the sample for `{name}` does not fit its Rust type: {e} (sample: {})",
            excerpt(&value.to_string())
        ))
    })
}

/// What one call did.
#[derive(Default)]
pub struct Outcome {
    pub built: bool,
    pub refused: Option<String>,
    pub status: Option<u16>,
    pub decoded: bool,
    pub decode_error: Option<String>,
    pub error: Option<String>,
}

impl From<Refused> for Outcome {
    fn from(refused: Refused) -> Self {
        Outcome {
            refused: Some(refused.0),
            ..Outcome::default()
        }
    }
}

/// The start of a long text, on one line.
pub fn excerpt(text: &str) -> String {
    let one_line = text.replace(['\n', '\r'], " ");
    if one_line.chars().count() > 300 {
        let head: String = one_line.chars().take(300).collect();
        format!("{head}…")
    } else {
        one_line
    }
}

struct Options {
    base_url: String,
    mode: String,
    args: String,
}

fn options() -> Result<Options, String> {
    let mut base_url = None;
    let mut mode = None;
    let mut args = None;
    let mut given = std::env::args().skip(1);
    while let Some(flag) = given.next() {
        let value = given.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--base-url" => base_url = Some(value),
            "--mode" => mode = Some(value),
            "--args" => args = Some(value),
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(Options {
        base_url: base_url.ok_or("--base-url URL is required")?,
        mode: mode.ok_or("--mode required|full is required")?,
        args: args.ok_or("--args FILE is required")?,
    })
}

/// Calls every operation in order and prints one JSON line for each.
pub fn run(calls: &[(&str, Call)]) -> ExitCode {
    let options = match options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let text = match std::fs::read_to_string(&options.args) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", options.args);
            return ExitCode::from(2);
        }
    };
    let samples: Value = match serde_json::from_str(&text) {
        Ok(samples) => samples,
        Err(e) => {
            eprintln!("error: {} is not JSON: {e}", options.args);
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    let base = options.base_url.trim_end_matches('/');
    for (index, (operation, call)) in calls.iter().enumerate() {
        let args = samples["operations"][index][options.mode.as_str()]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let url = format!("{base}/__apigen/{}/{index}", options.mode);
        let outcome = runtime.block_on(async {
            match tokio::time::timeout(CALL_LIMIT, call(url, Args(args))).await {
                Ok(outcome) => outcome,
                Err(_) => Outcome {
                    built: true,
                    error: Some(format!("no answer within {}s", CALL_LIMIT.as_secs())),
                    ..Outcome::default()
                },
            }
        });
        let line = json!({
            "index": index,
            "operation": operation,
            "mode": options.mode,
            "built": outcome.built,
            "refused": outcome.refused,
            "status": outcome.status,
            "decoded": outcome.decoded,
            "decode_error": outcome.decode_error,
            "error": outcome.error,
        });
        println!("{line}");
    }
    ExitCode::SUCCESS
}
