//! Working out what a write would do, without changing anything: whether the directory is
//! apigen's output, which generated files are new or changed, which files the old manifest
//! lists that are no longer generated, and the manifest to leave behind.

use super::manifest::{check_relative, manifest_text, parse_manifest, read_manifest};
use super::{Change, MANIFEST, SHOWN, WriteError, normalize};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::Path;

/// The first [`SHOWN`] files under `dir` (sorted, symbolic links not followed) and how
/// many there are in all.
fn foreign_files(dir: &Path) -> Result<(Vec<String>, usize), WriteError> {
    fn walk(
        dir: &Path,
        prefix: &str,
        first: &mut Vec<String>,
        count: &mut usize,
    ) -> Result<(), WriteError> {
        let mut entries = Vec::new();
        for entry in fs::read_dir(dir).map_err(|e| WriteError::io(dir, e))? {
            let entry = entry.map_err(|e| WriteError::io(dir, e))?;
            let is_dir = entry
                .file_type()
                .map_err(|e| WriteError::io(entry.path(), e))?
                .is_dir();
            entries.push((entry.file_name().to_string_lossy().into_owned(), is_dir));
        }
        entries.sort();
        for (name, is_dir) in entries {
            let rel = format!("{prefix}{name}");
            if is_dir {
                walk(&dir.join(&name), &format!("{rel}/"), first, count)?;
            } else {
                *count += 1;
                if first.len() < SHOWN {
                    first.push(rel);
                }
            }
        }
        Ok(())
    }
    let mut first = Vec::new();
    let mut count = 0;
    walk(dir, "", &mut first, &mut count)?;
    Ok((first, count))
}

/// Every directory on the way to `rel` inside `dir` is a real directory (not a symbolic
/// link, not a file) or does not exist yet.
fn check_parents(dir: &Path, rel: &str) -> io::Result<()> {
    let mut current = dir.to_path_buf();
    let parts: Vec<&str> = rel.split('/').collect();
    for part in &parts[..parts.len() - 1] {
        current.push(part);
        match fs::symlink_metadata(&current) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
            Ok(m) if m.file_type().is_symlink() => {
                return Err(io::Error::other(format!(
                    "{} is a symbolic link; apigen writes only inside the output directory \
                     and does not follow links",
                    current.display()
                )));
            }
            Ok(m) if !m.is_dir() => {
                return Err(io::Error::other(format!(
                    "{} is a file where apigen needs a directory; move it away",
                    current.display()
                )));
            }
            Ok(_) => {}
        }
    }
    Ok(())
}

/// What writing would do, worked out without changing anything.
pub(super) struct Plan {
    /// What [`diff`](super::diff) reports: generated files in path order, removals, then
    /// the manifest.
    pub(super) changes: Vec<Change>,
    /// Generated files to (re)write.
    pub(super) writes: Vec<String>,
    /// Files the old manifest lists that are no longer generated (regular files only).
    pub(super) removals: Vec<String>,
    /// The entries of the manifest on disk, if there is one.
    pub(super) old: Option<BTreeSet<String>>,
    /// The text of the manifest on disk, if there is one.
    pub(super) old_text: Option<String>,
    /// The manifest to leave behind.
    pub(super) new_text: String,
}

pub(super) fn plan(
    dir: &Path,
    files: &BTreeMap<String, String>,
    force: bool,
) -> Result<Plan, WriteError> {
    for path in files.keys() {
        check_relative(path).map_err(|reason| {
            WriteError::io(
                dir.join(path),
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("not a file apigen can write: {reason}"),
                ),
            )
        })?;
    }
    let exists = match fs::metadata(dir) {
        Ok(m) if m.is_dir() => true,
        Ok(_) => {
            return Err(WriteError::io(
                dir,
                io::Error::new(io::ErrorKind::NotADirectory, "not a directory"),
            ));
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(e) => return Err(WriteError::io(dir, e)),
    };
    let manifest = dir.join(MANIFEST);
    let old_text = if exists {
        read_manifest(&manifest)?
    } else {
        None
    };
    let old = match &old_text {
        Some(text) => Some(parse_manifest(&manifest, text)?),
        None => None,
    };
    if exists && old.is_none() && !force {
        let (foreign, count) = foreign_files(dir)?;
        if count > 0 {
            return Err(WriteError::NotOurs {
                dir: dir.to_path_buf(),
                foreign,
                count,
            });
        }
    }
    let listed = |path: &str| old.as_ref().is_some_and(|o| o.contains(path));

    let mut changes = Vec::new();
    let mut writes = Vec::new();
    let mut conflicts = Vec::new();
    for (path, text) in files {
        let target = dir.join(path);
        check_parents(dir, path).map_err(|e| WriteError::io(&target, e))?;
        let meta = match fs::symlink_metadata(&target) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                changes.push(Change::Added(path.clone()));
                writes.push(path.clone());
                continue;
            }
            Err(e) => return Err(WriteError::io(&target, e)),
        };
        if meta.is_dir() {
            return Err(WriteError::io(
                &target,
                io::Error::other(
                    "a directory is where apigen writes a file, and apigen never removes \
                     directories; move it away",
                ),
            ));
        }
        if !listed(path) {
            conflicts.push(path.clone());
        }
        let same = meta.is_file() && {
            let on_disk = fs::read(&target).map_err(|e| WriteError::io(&target, e))?;
            normalize(&String::from_utf8_lossy(&on_disk)) == normalize(text)
        };
        if !same {
            changes.push(Change::Modified(path.clone()));
            writes.push(path.clone());
        }
    }
    if !conflicts.is_empty() && !force {
        return Err(WriteError::Conflict {
            dir: dir.to_path_buf(),
            files: conflicts,
        });
    }

    let mut removals = Vec::new();
    for path in old.iter().flatten() {
        if files.contains_key(path) || check_parents(dir, path).is_err() {
            continue;
        }
        // Only regular files: a link or a directory put there since is left alone (and
        // no longer listed).
        if fs::symlink_metadata(dir.join(path)).is_ok_and(|m| m.is_file()) {
            changes.push(Change::Removed(path.clone()));
            removals.push(path.clone());
        }
    }

    let new_text = manifest_text(files.keys());
    match &old_text {
        None => changes.push(Change::Added(MANIFEST.into())),
        Some(text) if normalize(text) != new_text => {
            changes.push(Change::Modified(MANIFEST.into()))
        }
        Some(_) => {}
    }
    Ok(Plan {
        changes,
        writes,
        removals,
        old,
        old_text,
        new_text,
    })
}
