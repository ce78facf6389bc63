//! Stage 4: put the rendered files on disk, or compare them with what is there.
//!
//! The output directory may hold files apigen did not write: `Cargo.lock`, `target/`, a
//! user's own notes or sources. apigen records every file it writes in [`MANIFEST`] inside
//! the directory and only ever overwrites or removes files listed there; it trusts nothing
//! else (not the `@generated` headers). A directory that is not empty and has no manifest
//! is refused, and so is a generated file that exists on disk without being listed, unless
//! [`WriteOptions::force`] is set. Even then, files apigen did not write are never removed.
//!
//! Writing changes as little as it can and fails as early as it can: every new or changed
//! file is first staged as a temporary sibling; if staging fails, the temporaries (and any
//! directory created for them) are removed and the directory is exactly as it was. Once
//! everything is staged, an intent manifest listing the old and the new files is written,
//! the staged files are renamed into place, files that are no longer generated are removed,
//! and the final manifest is written (via a temporary file and a rename, like the intent).
//! A crash part-way therefore never leaves a file apigen wrote unlisted. Unchanged files
//! are not touched, and a run that changes nothing writes nothing, not even the manifest.

mod manifest;
mod plan;
#[cfg(test)]
mod tests;

use manifest::{check_relative, manifest_text};
use plan::plan;
use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The file, inside the output directory, that lists what apigen wrote there.
pub const MANIFEST: &str = ".apigen-manifest";

/// How many file names an error message lists before it only counts the rest.
const SHOWN: usize = 5;

/// How one file differs between the rendered crate and the directory. Paths are
/// `/`-separated and relative to the output directory; [`MANIFEST`] appears like any file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Added(String),
    Modified(String),
    Removed(String),
}

impl Change {
    pub fn path(&self) -> &str {
        match self {
            Change::Added(p) | Change::Modified(p) | Change::Removed(p) => p,
        }
    }

    /// The change as a check reports it: what writing would do.
    pub fn planned(&self) -> ChangeText<'_> {
        ChangeText {
            change: self,
            applied: false,
        }
    }

    /// The change as a write reports it: what was done.
    pub fn applied(&self) -> ChangeText<'_> {
        ChangeText {
            change: self,
            applied: true,
        }
    }
}

/// A [`Change`] worded for a check ([`Change::planned`]) or a write ([`Change::applied`]).
#[derive(Debug, Clone, Copy)]
pub struct ChangeText<'a> {
    change: &'a Change,
    applied: bool,
}

impl fmt::Display for ChangeText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.change, self.applied) {
            (Change::Added(p), false) => write!(f, "missing (would be created): {p}"),
            (Change::Modified(p), false) => {
                write!(f, "stale (content differs, would be updated): {p}")
            }
            (Change::Removed(p), false) => write!(f, "no longer generated (would be removed): {p}"),
            (Change::Added(p), true) => write!(f, "created: {p}"),
            (Change::Modified(p), true) => write!(f, "updated: {p}"),
            (Change::Removed(p), true) => write!(f, "removed (no longer generated): {p}"),
        }
    }
}

/// Settings for [`write_tree_with`].
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// Write into a non-empty directory that has no manifest, and overwrite files that
    /// exist where generated files go although the manifest does not list them; they are
    /// listed from then on. Files apigen did not write are still never removed.
    pub force: bool,
}

/// Why a directory was not written (or, for [`diff`], not compared).
#[derive(Debug)]
pub enum WriteError {
    /// The directory is not empty and has no manifest: it is not apigen's output.
    NotOurs {
        dir: PathBuf,
        /// The first few files in it (sorted, `/`-separated, relative).
        foreign: Vec<String>,
        /// How many files it holds in all.
        count: usize,
    },
    /// Files exist where generated files go, and the manifest does not list them.
    Conflict { dir: PathBuf, files: Vec<String> },
    /// An entry of the manifest is not a plain relative path inside the directory.
    BadManifest {
        manifest: PathBuf,
        /// 1-based.
        line: usize,
        reason: String,
    },
    /// Reading or writing `path` failed. `partial` tells whether the directory had already
    /// been changed when it happened (if not, it is exactly as it was).
    Io {
        path: PathBuf,
        source: io::Error,
        partial: bool,
    },
}

impl WriteError {
    /// Whether the directory was changed before the error: only a failure while moving
    /// staged files into place, removing files or writing the final manifest does that,
    /// and the manifest then still lists every file apigen wrote.
    pub fn changed_directory(&self) -> bool {
        matches!(self, WriteError::Io { partial: true, .. })
    }

    fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        WriteError::Io {
            path: path.into(),
            source,
            partial: false,
        }
    }
}

fn list(names: &[String], count: usize) -> String {
    let mut text = names
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    let shown = names.len().min(SHOWN);
    if count > shown {
        text.push_str(&format!(" and {} more", count - shown));
    }
    text
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::NotOurs {
                dir,
                foreign,
                count,
            } => write!(
                f,
                "{} holds {count} file(s) apigen did not write (it has no {MANIFEST}): {}; \
                 choose an empty or new directory, or pass --force to write the generated \
                 files beside them; files apigen did not write are never removed",
                dir.display(),
                list(foreign, *count)
            ),
            WriteError::Conflict { dir, files } => write!(
                f,
                "{}: {} file(s) exist where apigen would write generated files, and {MANIFEST} \
                 does not list them (apigen did not write them): {}; move them away, or pass \
                 --force to overwrite them (they are then listed in {MANIFEST})",
                dir.display(),
                files.len(),
                list(files, files.len())
            ),
            WriteError::BadManifest {
                manifest,
                line,
                reason,
            } => write!(
                f,
                "{}, line {line}: {reason}; apigen removes only files listed there, so it \
                 stops: correct or delete that line",
                manifest.display()
            ),
            WriteError::Io {
                path,
                source,
                partial,
            } => {
                write!(f, "{}: {source}", path.display())?;
                if *partial {
                    write!(
                        f,
                        "; the directory was partly updated ({MANIFEST} lists every file \
                         apigen wrote there): run again to finish"
                    )?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WriteError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A step of [`write_tree_with_hook`], announced to the hook before it is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'a> {
    /// Writing the temporary copy of a new or changed file.
    Stage(&'a str),
    /// Writing the manifest that lists both the old and the new files.
    IntentManifest,
    /// Renaming a staged file into place.
    Place(&'a str),
    /// Removing a file that is no longer generated.
    Remove(&'a str),
    /// Writing the manifest that lists the new files.
    FinalManifest,
}

fn normalize(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// Compare rendered files with `dir` (line endings normalised): only generated files and
/// the manifest count. Files the manifest lists that are no longer generated are
/// [`Change::Removed`]; files apigen did not write never count. A directory that is not
/// apigen's output (not empty, no manifest) or that holds unlisted files where generated
/// files go is an error, as it would be for [`write_tree`].
pub fn diff(dir: &Path, files: &BTreeMap<String, String>) -> Result<Vec<Change>, WriteError> {
    plan(dir, files, false).map(|p| p.changes)
}

/// The text of `relative` (a path inside `dir`) as an earlier run left it, if it is there
/// and readable: what new output is judged against, such as the API surface.
pub fn read_existing(dir: &Path, relative: &str) -> Option<String> {
    check_relative(relative).ok()?;
    fs::read_to_string(dir.join(relative)).ok()
}

/// Write `files` into `dir` with the default [`WriteOptions`]; returns what changed.
pub fn write_tree(dir: &Path, files: &BTreeMap<String, String>) -> Result<Vec<Change>, WriteError> {
    write_tree_with(dir, files, &WriteOptions::default())
}

/// Write `files` into `dir`; returns what changed (the same list [`diff`] gives).
pub fn write_tree_with(
    dir: &Path,
    files: &BTreeMap<String, String>,
    options: &WriteOptions,
) -> Result<Vec<Change>, WriteError> {
    write_tree_with_hook(dir, files, options, &mut |_| Ok(()))
}

/// [`write_tree_with`], calling `hook` before each step (tests use it to inject failures).
pub fn write_tree_with_hook(
    dir: &Path,
    files: &BTreeMap<String, String>,
    options: &WriteOptions,
    hook: &mut dyn FnMut(Step<'_>) -> io::Result<()>,
) -> Result<Vec<Change>, WriteError> {
    let plan = plan(dir, files, options.force)?;
    if plan.changes.is_empty() {
        return Ok(plan.changes);
    }
    let manifest = dir.join(MANIFEST);

    // 1. Stage. Until the intent manifest is in place, a failure undoes everything.
    let mut created = Vec::new();
    let mut staged: Vec<(&str, PathBuf)> = Vec::new();
    let undo = |staged: &[(&str, PathBuf)], created: &[PathBuf]| {
        for (_, temp) in staged {
            let _ = fs::remove_file(temp);
        }
        for made in created.iter().rev() {
            let _ = fs::remove_dir(made);
        }
    };
    if let Err(e) = create_dirs(dir, &mut created) {
        undo(&staged, &created);
        return Err(WriteError::io(dir, e));
    }
    for path in &plan.writes {
        let target = dir.join(path);
        let result = (|| {
            hook(Step::Stage(path))?;
            if let Some(parent) = target.parent() {
                create_dirs(parent, &mut created)?;
            }
            stage(&target, &files[path])
        })();
        match result {
            Ok(temp) => staged.push((path, temp)),
            Err(e) => {
                undo(&staged, &created);
                return Err(WriteError::io(target, e));
            }
        }
    }
    let unlisted = files
        .keys()
        .any(|p| !plan.old.as_ref().is_some_and(|o| o.contains(p)));
    let mut on_disk = plan.old_text.as_deref().map(normalize);
    if unlisted {
        let union = files.keys().chain(plan.old.iter().flatten());
        let intent = manifest_text(union);
        let result = (|| {
            hook(Step::IntentManifest)?;
            write_atomic(&manifest, &intent)
        })();
        if let Err(e) = result {
            undo(&staged, &created);
            return Err(WriteError::io(&manifest, e));
        }
        on_disk = Some(intent);
    }

    // 2. Place, remove, record. A failure from here on leaves the directory partly
    // updated, but every file apigen wrote is listed in the manifest on disk.
    let partial = |path: &Path, source: io::Error| WriteError::Io {
        path: path.to_path_buf(),
        source,
        partial: true,
    };
    for (i, (path, temp)) in staged.iter().enumerate() {
        let target = dir.join(path);
        if let Err(e) = hook(Step::Place(path)).and_then(|()| fs::rename(temp, &target)) {
            for (_, rest) in &staged[i..] {
                let _ = fs::remove_file(rest);
            }
            return Err(partial(&target, e));
        }
    }
    for path in &plan.removals {
        let target = dir.join(path);
        match hook(Step::Remove(path)).and_then(|()| fs::remove_file(&target)) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(partial(&target, e)),
        }
        // Directories left empty by this removal go too; the walk stops at the first one
        // that still holds something (removing a non-empty directory fails).
        let mut parent = target.parent();
        while let Some(p) = parent {
            if p == dir || !p.starts_with(dir) || fs::remove_dir(p).is_err() {
                break;
            }
            parent = p.parent();
        }
    }
    if on_disk.as_deref() != Some(plan.new_text.as_str()) {
        hook(Step::FinalManifest)
            .and_then(|()| write_atomic(&manifest, &plan.new_text))
            .map_err(|e| partial(&manifest, e))?;
    }
    Ok(plan.changes)
}

/// Create `path` and the missing directories above it, recording the ones created.
fn create_dirs(path: &Path, created: &mut Vec<PathBuf>) -> io::Result<()> {
    let mut missing = Vec::new();
    let mut current = Some(path);
    while let Some(p) = current {
        if p.as_os_str().is_empty() || p.is_dir() {
            break;
        }
        missing.push(p.to_path_buf());
        current = p.parent();
    }
    for p in missing.into_iter().rev() {
        match fs::create_dir(&p) {
            Ok(()) => created.push(p),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && p.is_dir() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Write `text` to a new temporary sibling of `target` and return its path.
fn stage(target: &Path, text: &str) -> io::Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let parent = target.parent().unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp = parent.join(format!(".{name}.apigen-tmp-{}-{n}", std::process::id()));
        let mut file = match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
        {
            Ok(file) => file,
            // Left over from an earlier run that had the same process id: never reuse it.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        };
        return match file.write_all(text.as_bytes()) {
            Ok(()) => Ok(temp),
            Err(e) => {
                drop(file);
                let _ = fs::remove_file(&temp);
                Err(e)
            }
        };
    }
}

/// Replace `target` with `text` in one rename.
fn write_atomic(target: &Path, text: &str) -> io::Result<()> {
    let temp = stage(target, text)?;
    fs::rename(&temp, target).inspect_err(|_| {
        let _ = fs::remove_file(&temp);
    })
}
