//! The peers apigen is measured against, installed once into `target/peers/`.

use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Clone, Copy)]
pub struct Peer {
    pub name: &'static str,
    pub krate: &'static str,
    pub version: &'static str,
    pub bin: &'static str,
}

pub const PROGENITOR: Peer = Peer {
    name: "progenitor",
    krate: "cargo-progenitor",
    version: "0.15.1",
    bin: "cargo-progenitor",
};
pub const OPENAPI_TO_RUST: Peer = Peer {
    name: "openapi-to-rust",
    krate: "openapi-to-rust",
    version: "0.23.0",
    bin: "openapi-to-rust",
};
const PEERS: [Peer; 2] = [PROGENITOR, OPENAPI_TO_RUST];

impl Peer {
    fn binary(&self, root: &Path) -> PathBuf {
        root.join("target/peers/bin").join(self.bin)
    }

    /// The command that generates a crate from `spec` into `out` (progenitor: a crate
    /// with its builder interface, formatted with rustfmt as the tool does; openapi-to-rust:
    /// its direct mode, modules plus `REQUIRED_DEPS.toml`).
    pub fn command(&self, root: &Path, spec: &Path, out: &Path, work: &Path) -> Command {
        let mut command = Command::new(self.binary(root));
        command.env("RUST_BACKTRACE", "0");
        if self.name == PROGENITOR.name {
            command
                .arg("progenitor")
                .arg("--input")
                .arg(spec)
                .arg("--output")
                .arg(out)
                .args(["--name", "peer-client", "--version", "0.1.0"])
                .args(["--interface", "builder"]);
        } else {
            command
                .arg("generate")
                .arg(spec)
                .arg("--output-dir")
                .arg(out)
                .arg("--quiet");
        }
        command.current_dir(work);
        command
    }
}

/// Install the peers that are missing; returns those that can run and those that cannot,
/// with the reason.
pub fn install(root: &Path) -> (Vec<Peer>, Vec<(Peer, String)>) {
    let cargo = crate::util::cargo();
    let mut runnable = Vec::new();
    let mut unavailable = Vec::new();
    for peer in PEERS {
        if !peer.binary(root).is_file() {
            eprintln!(
                "xtask bench: installing {} {} into target/peers (once)",
                peer.krate, peer.version
            );
            let status = Command::new(&cargo)
                .args(["install", "--locked", "--root"])
                .arg(root.join("target/peers"))
                .arg(peer.krate)
                .args(["--version", peer.version])
                .current_dir(root)
                .status();
            let failed = match status {
                Ok(s) if s.success() && peer.binary(root).is_file() => None,
                Ok(s) => Some(format!("cargo install {} failed ({s})", peer.krate)),
                Err(e) => Some(format!("cannot run {cargo}: {e}")),
            };
            if let Some(reason) = failed {
                super::progress(&format!("{} unavailable: {reason}", peer.name));
                unavailable.push((peer, reason));
                continue;
            }
        }
        runnable.push(peer);
    }
    (runnable, unavailable)
}
