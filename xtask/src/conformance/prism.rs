//! The Prism mock server (`@stoplight/prism-cli`, installed in `tests/prism`) serving one
//! spec on a free port of `127.0.0.1`, with request validation on (Prism's default).
//!
//! In static mode Prism answers from the spec's examples; in dynamic mode (`-d`) it
//! generates responses from the schemas, seeded (`--seed`) so that runs repeat. Prism runs
//! in a process group of its own, killed whole when the [`Prism`] is dropped.

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How many of Prism's last output lines are kept (and quoted when it fails).
const KEPT_LINES: usize = 400;
/// How many of them a failure message quotes.
const QUOTED_LINES: usize = 25;
/// Ports tried when Prism finds its port taken at start.
const PORT_TRIES: usize = 3;

/// Where Prism's responses come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Server {
    /// The spec's examples.
    Static,
    /// Generated from the schemas (`-d`).
    Dynamic,
}

impl Server {
    pub const ALL: [Server; 2] = [Server::Static, Server::Dynamic];

    pub fn name(self) -> &'static str {
        match self {
            Server::Static => "static",
            Server::Dynamic => "dynamic",
        }
    }
}

/// How to start Prism.
#[derive(Debug, Clone)]
pub struct Launch {
    pub binary: PathBuf,
    /// How long Prism may take to listen.
    pub startup_limit: Duration,
    /// The `--seed` of dynamic mode.
    pub seed: String,
}

impl Launch {
    /// The Prism that `npm ci --prefix tests/prism` installs.
    pub fn binary_in(root: &Path) -> PathBuf {
        root.join("tests/prism/node_modules/.bin/prism")
    }
}

/// The last lines a child printed, shared with the threads that read its pipes, and
/// whether Prism has said it listens.
#[derive(Clone, Default)]
struct Output(
    Arc<Mutex<std::collections::VecDeque<String>>>,
    Arc<std::sync::atomic::AtomicBool>,
);

/// What Prism prints once it listens (`Prism is listening on http://127.0.0.1:PORT`).
const LISTENING: &str = "Prism is listening on";

impl Output {
    fn collect(&self, from: impl Read + Send + 'static) {
        let lines = self.0.clone();
        let listening = self.1.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(from).lines().map_while(Result::ok) {
                if line.contains(LISTENING) {
                    listening.store(true, std::sync::atomic::Ordering::SeqCst);
                }
                let mut lines = lines.lock().unwrap_or_else(|p| p.into_inner());
                if lines.len() == KEPT_LINES {
                    lines.pop_front();
                }
                lines.push_back(line);
            }
        });
    }

    fn last(&self, n: usize) -> String {
        let lines = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let skip = lines.len().saturating_sub(n);
        lines
            .iter()
            .skip(skip)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A running Prism; killed (its whole process group) when dropped.
pub struct Prism {
    pub addr: SocketAddr,
    child: Child,
    output: Output,
}

impl Drop for Prism {
    fn drop(&mut self) {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: kill has no memory-safety preconditions; the group is our child's own
        // (started with process_group(0)) and the child is not reaped yet.
        unsafe { libc::kill(-pid, libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

/// A port nothing listens on now and that no other Prism of this run was given: the
/// specs judged at once must never share one (a Prism that lost the race would exit,
/// and its requests would reach the other spec's Prism).
fn free_port() -> Result<u16, String> {
    static GIVEN: Mutex<std::collections::BTreeSet<u16>> =
        Mutex::new(std::collections::BTreeSet::new());
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .map_err(|e| format!("no free port on 127.0.0.1: {e}"))?;
        if GIVEN.lock().unwrap_or_else(|p| p.into_inner()).insert(port) {
            return Ok(port);
        }
    }
}

impl Prism {
    /// Start Prism for `spec` and wait until it accepts connections. The error is the
    /// reason Prism cannot judge the spec, with the last lines it printed.
    pub fn start(launch: &Launch, spec: &Path, server: Server) -> Result<Prism, String> {
        if !launch.binary.exists() {
            return Err(format!(
                "Prism is not installed ({} is missing; run `npm ci --prefix tests/prism`)",
                launch.binary.display()
            ));
        }
        let mut last_error = String::new();
        for _ in 0..PORT_TRIES {
            match Self::start_on(launch, spec, server, free_port()?) {
                Ok(prism) => return Ok(prism),
                Err((error, port_taken)) => {
                    last_error = error;
                    if !port_taken {
                        break;
                    }
                }
            }
        }
        Err(last_error)
    }

    /// Start on `port`; the error says whether the port was taken (worth another try).
    fn start_on(
        launch: &Launch,
        spec: &Path,
        server: Server,
        port: u16,
    ) -> Result<Prism, (String, bool)> {
        let mut command = Command::new(&launch.binary);
        command
            .arg("mock")
            .arg(spec)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()]);
        if server == Server::Dynamic {
            command.args(["--dynamic", "--seed", &launch.seed]);
        }
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        let mut child = command.spawn().map_err(|e| {
            (
                format!("cannot start {}: {e}", launch.binary.display()),
                false,
            )
        })?;
        let output = Output::default();
        if let Some(stdout) = child.stdout.take() {
            output.collect(stdout);
        }
        if let Some(stderr) = child.stderr.take() {
            output.collect(stderr);
        }
        let mut prism = Prism {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            child,
            output,
        };
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = prism.child.try_wait() {
                // Let the readers take the last lines.
                std::thread::sleep(Duration::from_millis(200));
                let text = prism.output.last(QUOTED_LINES);
                let taken = text.contains("EADDRINUSE");
                return Err((
                    format!(
                        "Prism ({}) exited at start ({status}):\n{text}",
                        server.name()
                    ),
                    taken,
                ));
            }
            // Its own word first: something else could be listening on the port.
            if prism.output.1.load(std::sync::atomic::Ordering::SeqCst)
                && TcpStream::connect_timeout(&prism.addr, Duration::from_millis(200)).is_ok()
            {
                return Ok(prism);
            }
            if started.elapsed() > launch.startup_limit {
                let text = prism.output.last(QUOTED_LINES);
                return Err((
                    format!(
                        "Prism ({}) did not listen on {} within {} s:\n{text}",
                        server.name(),
                        prism.addr,
                        launch.startup_limit.as_secs_f64()
                    ),
                    false,
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The last `n` lines Prism printed.
    pub fn output(&self, n: usize) -> String {
        self.output.last(n)
    }

    /// Whether Prism is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn launch() -> Launch {
        Launch {
            binary: Launch::binary_in(&crate::workspace_root()),
            startup_limit: Duration::from_secs(60),
            seed: "apigen".into(),
        }
    }

    #[test]
    fn a_missing_prism_is_a_reason_not_a_panic() {
        let mut launch = launch();
        launch.binary = PathBuf::from("/nonexistent/prism");
        let error = Prism::start(&launch, Path::new("spec.yaml"), Server::Static)
            .err()
            .expect("no Prism there");
        assert!(error.contains("not installed"), "{error}");
    }

    #[test]
    fn prism_that_exits_at_start_says_why() {
        let launch = launch();
        if !launch.binary.exists() {
            eprintln!("skipped: Prism is not installed");
            return;
        }
        let dir = std::env::temp_dir().join(format!("xtask-prism-{}", std::process::id()));
        let spec = dir.join("broken.yaml");
        crate::util::fs::write_file(&spec, "openapi: 3.0.0\ninfo: [not, an, object\n")
            .expect("writes");
        let error = Prism::start(&launch, &spec, Server::Static)
            .err()
            .expect("Prism refuses a broken document");
        assert!(error.contains("exited at start"), "{error}");
        crate::util::fs::remove_dir_if_present(&dir).expect("removes");
    }

    #[test]
    fn serves_the_spec_and_dies_with_its_guard() {
        let launch = launch();
        if !launch.binary.exists() {
            eprintln!("skipped: Prism is not installed");
            return;
        }
        let spec = crate::workspace_root().join("spec/openapi.yaml");
        let mut prism = Prism::start(&launch, &spec, Server::Dynamic).expect("Prism starts");
        assert!(prism.running());
        let addr = prism.addr;
        drop(prism);
        assert!(TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err());
    }
}
