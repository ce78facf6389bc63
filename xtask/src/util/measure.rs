//! Child processes run to their end under a time limit and an address-space limit, with
//! their wall time, peak resident set size and (capped) output.

use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a child may run, how much address space it may take, how much of its output
/// is kept.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub timeout: Duration,
    /// `RLIMIT_AS` of the child; `None` for no limit.
    pub memory_bytes: Option<u64>,
    pub stdout_cap: usize,
    pub stderr_cap: usize,
}

impl Limits {
    /// Output kept unless changed with [`Limits::capture`].
    pub const DEFAULT_CAP: usize = 1 << 20;

    pub fn new(timeout: Duration, memory_bytes: Option<u64>) -> Self {
        Limits {
            timeout,
            memory_bytes,
            stdout_cap: Self::DEFAULT_CAP,
            stderr_cap: Self::DEFAULT_CAP,
        }
    }

    /// Keep at most this much of the child's stdout and stderr.
    pub fn capture(mut self, stdout_cap: usize, stderr_cap: usize) -> Self {
        self.stdout_cap = stdout_cap;
        self.stderr_cap = stderr_cap;
        self
    }

    /// The address-space limit in MiB (0 when there is none).
    pub fn memory_mib(&self) -> u64 {
        self.memory_bytes.unwrap_or(0) / (1024 * 1024)
    }
}

/// How a child ended and what it cost.
#[derive(Debug)]
pub struct Measured {
    pub status: ExitStatus,
    pub timed_out: bool,
    pub wall: Duration,
    /// Peak resident set size of the child or of any of its descendants (`ru_maxrss`).
    pub max_rss_kib: u64,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Measured {
    pub fn success(&self) -> bool {
        self.status.success() && !self.timed_out
    }

    /// The exit code, when the child exited.
    pub fn exit(&self) -> Option<i32> {
        self.status.code()
    }

    /// The signal that ended the child, when one did.
    pub fn signal(&self) -> Option<i32> {
        self.status.signal()
    }

    pub fn wall_ms(&self) -> f64 {
        self.wall.as_secs_f64() * 1000.0
    }

    pub fn max_rss_mib(&self) -> f64 {
        self.max_rss_kib as f64 / 1024.0
    }
}

/// Run `command` to its end under `limits`, in a process group of its own (killed whole
/// when the time limit passes), and measure it. Stdin is closed; stdout and stderr are
/// captured.
pub fn measure(command: &mut Command, limits: &Limits) -> Result<Measured, String> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    if let Some(bytes) = limits.memory_bytes {
        limit_address_space(command, bytes);
    }
    let program = command.get_program().to_string_lossy().into_owned();
    let started = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| format!("error: cannot start {program}: {e}"))?;
    let pid = child.id() as libc::pid_t;
    let (stdout_cap, stderr_cap) = (limits.stdout_cap, limits.stderr_cap);
    let stdout = child
        .stdout
        .take()
        .map(|p| std::thread::spawn(move || drain(p, stdout_cap)));
    let stderr = child
        .stderr
        .take()
        .map(|p| std::thread::spawn(move || drain(p, stderr_cap)));

    // The watchdog kills the group when the time limit passes. The child is left a zombie
    // (WNOWAIT) until the watchdog has stopped, so its pid cannot be reused meanwhile.
    let (done, stop) = mpsc::channel::<()>();
    let timeout = limits.timeout;
    let watchdog = std::thread::spawn(move || match stop.recv_timeout(timeout) {
        Err(mpsc::RecvTimeoutError::Timeout) => {
            // SAFETY: kill has no memory-safety preconditions; the group is our child's.
            unsafe { libc::kill(-pid, libc::SIGKILL) };
            true
        }
        _ => false,
    });
    loop {
        // SAFETY: an all-zero siginfo_t is a valid value of this plain C struct.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: `pid` is our unreaped child and `info` a live, writable local.
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if r == 0 {
            break;
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("error: cannot wait for {program}: {error}"));
        }
    }
    let wall = started.elapsed();
    let _ = done.send(());
    let fired = watchdog.join().unwrap_or(false);
    // Whatever the child left behind in its group goes too.
    // SAFETY: as above; the group leader is still a zombie, so the group id is ours.
    unsafe { libc::kill(-pid, libc::SIGKILL) };

    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our child, not yet reaped; both pointers are live locals.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("error: cannot reap {program}: {error}"));
        }
    }
    let join = |h: Option<std::thread::JoinHandle<Vec<u8>>>| {
        h.and_then(|h| h.join().ok()).unwrap_or_default()
    };
    Ok(Measured {
        status: ExitStatus::from_raw(status),
        timed_out: fired && wall >= timeout,
        wall,
        max_rss_kib: usage.ru_maxrss.max(0) as u64,
        stdout: join(stdout),
        stderr: join(stderr),
    })
}

/// Peak resident set size of this process so far, in KiB.
pub fn self_max_rss_kib() -> u64 {
    // SAFETY: an all-zero rusage is a valid value; getrusage only writes into it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a live, writable local.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0;
    }
    usage.ru_maxrss.max(0) as u64
}

/// Read a child's pipe to its end, keeping at most `cap` bytes (the rest is read and
/// dropped so the child never blocks on a full pipe).
pub fn drain(mut pipe: impl Read, cap: usize) -> Vec<u8> {
    let mut kept = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match pipe.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => {
                let room = cap.saturating_sub(kept.len());
                kept.extend_from_slice(&buffer[..n.min(room)]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    kept
}

/// Limit the address space of the child `command` will start to `bytes` (`RLIMIT_AS`), so
/// that a run out of memory fails with an allocation error instead of taking the machine.
pub fn limit_address_space(command: &mut Command, bytes: u64) {
    // SAFETY: the closure runs in the forked child before exec and only calls
    // setrlimit, which is async-signal-safe; it neither allocates nor takes locks.
    unsafe {
        command.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: bytes as libc::rlim_t,
                rlim_max: bytes as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(timeout: Duration) -> Limits {
        Limits::new(timeout, None)
    }

    #[test]
    fn measures_a_child() {
        let measured = measure(
            Command::new("sh").args(["-c", "echo hi; exit 3"]),
            &limits(Duration::from_secs(30)),
        )
        .expect("sh runs");
        assert_eq!(measured.exit(), Some(3));
        assert_eq!(measured.signal(), None);
        assert!(!measured.success());
        assert_eq!(String::from_utf8_lossy(&measured.stdout), "hi\n");
        assert!(measured.max_rss_kib > 0);
    }

    #[test]
    fn kills_a_child_past_its_time_limit() {
        let measured = measure(
            Command::new("sleep").arg("30"),
            &limits(Duration::from_millis(200)),
        )
        .expect("sleep runs");
        assert!(measured.timed_out);
        assert!(!measured.success());
        assert_eq!(measured.signal(), Some(libc::SIGKILL));
        assert!(measured.wall < Duration::from_secs(10));
    }

    #[test]
    fn keeps_only_the_capped_output() {
        let capped = limits(Duration::from_secs(30)).capture(4, 2);
        let measured = measure(
            Command::new("sh").args(["-c", "echo 0123456789; echo abcdef >&2"]),
            &capped,
        )
        .expect("sh runs");
        assert!(measured.success());
        assert_eq!(measured.stdout, b"0123");
        assert_eq!(measured.stderr, b"ab");
    }

    #[test]
    fn limits_the_address_space() {
        let small = Limits::new(Duration::from_secs(30), Some(64 << 20));
        assert_eq!(small.memory_mib(), 64);
        // The limit reaches the child: `ulimit -v` reports it in KiB.
        let measured =
            measure(Command::new("sh").args(["-c", "ulimit -v"]), &small).expect("sh runs");
        assert_eq!(String::from_utf8_lossy(&measured.stdout).trim(), "65536");
    }

    #[test]
    fn drains_past_the_cap() {
        let data = vec![7u8; 100_000];
        assert_eq!(drain(&data[..], 10), vec![7u8; 10]);
        assert_eq!(drain(&data[..], 1 << 20).len(), 100_000);
    }

    #[test]
    fn own_peak_memory_is_known() {
        assert!(self_max_rss_kib() > 0);
    }
}
