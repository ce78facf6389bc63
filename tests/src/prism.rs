//! The Prism mock server (`@stoplight/prism-cli`, installed in `tests/prism`) serving
//! `spec/openapi.yaml` on a free port of `127.0.0.1`.
//!
//! Prism validates every request against the spec (security, parameters, body),
//! answering `422` with an `sl-violations` header when one breaks it, and answers
//! valid requests with the spec's examples (`Prefer: code=404` picks another
//! response).

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use crate::workspace_root;

/// How long Prism may take to accept connections.
const STARTUP_LIMIT: Duration = Duration::from_secs(30);

/// A running Prism; it is killed when this guard is dropped.
#[derive(Debug)]
pub struct Prism {
    /// Base URL, such as `http://127.0.0.1:40123`.
    pub base_url: String,
    child: Child,
    output: Arc<Mutex<String>>,
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Path of the Prism executable installed by `npm ci` in `tests/prism`.
pub fn binary() -> PathBuf {
    workspace_root().join("tests/prism/node_modules/.bin/prism")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

fn collect(from: impl Read + Send + 'static, into: Arc<Mutex<String>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(from).lines().map_while(Result::ok) {
            let mut out = into.lock().unwrap_or_else(|p| p.into_inner());
            out.push_str(&line);
            out.push('\n');
        }
    });
}

impl Prism {
    /// Starts Prism and waits until it accepts connections.
    ///
    /// # Panics
    ///
    /// When Prism is not installed (with the command that installs it), exits, or does
    /// not listen within 30 seconds.
    pub fn start() -> Prism {
        let bin = binary();
        assert!(
            bin.exists(),
            "the Prism mock server is not installed ({} is missing): run `cargo xtask test`, \
             or `npm ci --prefix tests/prism`, then run the tests again",
            bin.display()
        );
        let spec = workspace_root().join("spec/openapi.yaml");
        let port = free_port();
        let mut child = Command::new(&bin)
            .arg("mock")
            .arg(&spec)
            .args(["--port", &port.to_string(), "--host", "127.0.0.1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let output = Arc::new(Mutex::new(String::new()));
        if let Some(stdout) = child.stdout.take() {
            collect(stdout, output.clone());
        }
        if let Some(stderr) = child.stderr.take() {
            collect(stderr, output.clone());
        }
        let prism = Prism {
            base_url: format!("http://127.0.0.1:{port}"),
            child,
            output,
        };
        prism.wait_until_ready(port)
    }

    fn wait_until_ready(mut self, port: u16) -> Prism {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("Prism exited during startup ({status}):\n{}", self.output());
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return self;
            }
            if started.elapsed() > STARTUP_LIMIT {
                panic!(
                    "Prism did not accept connections on {addr} within {}s:\n{}",
                    STARTUP_LIMIT.as_secs(),
                    self.output()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// What Prism printed so far.
    pub fn output(&self) -> String {
        self.output
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// A Prism shared by the callers that hold it at the same time: started by the
    /// first, killed when the last one drops it.
    pub fn shared() -> Arc<Prism> {
        static SHARED: Mutex<Weak<Prism>> = Mutex::new(Weak::new());
        let mut slot = SHARED.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(prism) = slot.upgrade() {
            return prism;
        }
        let prism = Arc::new(Prism::start());
        *slot = Arc::downgrade(&prism);
        prism
    }
}
