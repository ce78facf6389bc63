//! Stage 4: put the rendered files on disk, or compare them with what is there.
//!
//! Writing is all-or-nothing: the new tree is assembled in a staging directory beside the
//! output (unchanged files are hard-linked, so their modification times stay), then
//! swapped in with two renames. If anything fails before the swap, the output directory
//! is untouched; files that are no longer generated disappear with the old tree.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// How one file differs between the rendered crate and the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Added(String),
    Modified(String),
    Removed(String),
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Added(p) => write!(f, "missing (would be created): {p}"),
            Change::Modified(p) => write!(f, "stale (content differs): {p}"),
            Change::Removed(p) => write!(f, "no longer generated (would be removed): {p}"),
        }
    }
}

fn normalize(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// Every file under `dir`, as `/`-separated relative paths.
fn existing_files(dir: &Path) -> io::Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    if !dir.exists() {
        return Ok(out);
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in fs::read_dir(&current)? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(dir) {
                let rel: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.insert(rel.join("/"));
            }
        }
    }
    Ok(out)
}

/// Compare rendered files with `dir` (line endings normalised).
pub fn diff(dir: &Path, files: &BTreeMap<String, String>) -> io::Result<Vec<Change>> {
    let existing = existing_files(dir)?;
    let mut changes = Vec::new();
    for (path, text) in files {
        if !existing.contains(path) {
            changes.push(Change::Added(path.clone()));
            continue;
        }
        let on_disk = fs::read(dir.join(path))?;
        if normalize(&String::from_utf8_lossy(&on_disk)) != normalize(text) {
            changes.push(Change::Modified(path.clone()));
        }
    }
    for path in existing {
        if !files.contains_key(&path) {
            changes.push(Change::Removed(path));
        }
    }
    Ok(changes)
}

/// Write `files` into `dir` atomically; returns what changed.
pub fn write_tree(dir: &Path, files: &BTreeMap<String, String>) -> io::Result<Vec<Change>> {
    write_tree_with_hook(dir, files, &mut |_| Ok(()))
}

/// [`write_tree`], calling `before_write` before each staged file is written (tests use it
/// to inject failures).
pub fn write_tree_with_hook(
    dir: &Path,
    files: &BTreeMap<String, String>,
    before_write: &mut dyn FnMut(&str) -> io::Result<()>,
) -> io::Result<Vec<Change>> {
    let changes = diff(dir, files)?;
    if changes.is_empty() {
        return Ok(changes);
    }
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let staging = parent.join(format!(".{name}.staging-{}", std::process::id()));
    let backup = parent.join(format!(".{name}.previous-{}", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    let result = stage(dir, &staging, files, &changes, before_write);
    if let Err(e) = result {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    swap(dir, &staging, &backup)?;
    Ok(changes)
}

fn stage(
    dir: &Path,
    staging: &Path,
    files: &BTreeMap<String, String>,
    changes: &[Change],
    before_write: &mut dyn FnMut(&str) -> io::Result<()>,
) -> io::Result<()> {
    let changed: BTreeSet<&str> = changes
        .iter()
        .filter_map(|c| match c {
            Change::Added(p) | Change::Modified(p) => Some(p.as_str()),
            Change::Removed(_) => None,
        })
        .collect();
    fs::create_dir_all(staging)?;
    for (path, text) in files {
        let target: PathBuf = staging.join(path);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)?;
        }
        before_write(path)?;
        if !changed.contains(path.as_str()) && fs::hard_link(dir.join(path), &target).is_ok() {
            continue;
        }
        fs::write(&target, text)?;
    }
    Ok(())
}

fn swap(dir: &Path, staging: &Path, backup: &Path) -> io::Result<()> {
    let had_old = dir.exists();
    if had_old {
        let _ = fs::remove_dir_all(backup);
        fs::rename(dir, backup)?;
    }
    if let Err(e) = fs::rename(staging, dir) {
        if had_old {
            let _ = fs::rename(backup, dir);
        }
        let _ = fs::remove_dir_all(staging);
        return Err(e);
    }
    if had_old {
        fs::remove_dir_all(backup)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
        existing_files(dir)
            .unwrap()
            .into_iter()
            .map(|p| {
                let bytes = fs::read(dir.join(&p)).unwrap();
                (p, bytes)
            })
            .collect()
    }

    #[test]
    fn writes_changes_and_removes_stale_files() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let first = files(&[("a.rs", "a"), ("src/b.rs", "b"), ("old.rs", "x")]);
        assert_eq!(write_tree(&out, &first).unwrap().len(), 3);
        let second = files(&[("a.rs", "a"), ("src/b.rs", "b2")]);
        let changes = write_tree(&out, &second).unwrap();
        assert_eq!(
            changes,
            vec![
                Change::Modified("src/b.rs".into()),
                Change::Removed("old.rs".into())
            ]
        );
        assert_eq!(fs::read_to_string(out.join("src/b.rs")).unwrap(), "b2");
        assert!(!out.join("old.rs").exists());
        assert!(write_tree(&out, &second).unwrap().is_empty());
        assert!(diff(&out, &second).unwrap().is_empty());
    }

    #[test]
    fn unchanged_files_keep_their_inode() {
        use std::os::unix::fs::MetadataExt;
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        write_tree(&out, &files(&[("a.rs", "a"), ("b.rs", "b")])).unwrap();
        let before = fs::metadata(out.join("a.rs")).unwrap().ino();
        write_tree(&out, &files(&[("a.rs", "a"), ("b.rs", "changed")])).unwrap();
        assert_eq!(fs::metadata(out.join("a.rs")).unwrap().ino(), before);
    }

    #[test]
    fn failure_while_writing_leaves_the_tree_untouched() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        write_tree(&out, &files(&[("a.rs", "a"), ("b.rs", "b")])).unwrap();
        let before = snapshot(&out);
        let mut count = 0;
        let err = write_tree_with_hook(
            &out,
            &files(&[("a.rs", "new a"), ("b.rs", "new b"), ("c.rs", "c")]),
            &mut |_| {
                count += 1;
                if count == 2 {
                    Err(io::Error::other("disk full (injected)"))
                } else {
                    Ok(())
                }
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("injected"));
        assert_eq!(snapshot(&out), before);
        let leftovers: Vec<_> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("out")]);
    }
}
