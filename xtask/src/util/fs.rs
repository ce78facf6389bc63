//! File-system steps with messages that name the path.

use std::path::Path;

/// Remove a directory tree; a missing one is fine.
pub fn remove_dir_if_present(dir: &Path) -> Result<(), String> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("error: cannot remove {}: {e}", dir.display())),
    }
}

/// Create a directory and its parents.
pub fn create_dir(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("error: cannot create {}: {e}", dir.display()))
}

/// Write `text` to `path`, creating its parent directories.
pub fn write_file(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        create_dir(parent)?;
    }
    std::fs::write(path, text).map_err(|e| format!("error: cannot write {}: {e}", path.display()))
}

/// Copy the tree `from` into `to`, creating `to`.
pub fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    create_dir(to)?;
    let entries = std::fs::read_dir(from)
        .map_err(|e| format!("error: cannot list {}: {e}", from.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let dest = to.join(entry.file_name());
        if path.is_dir() {
            copy_tree(&path, &dest)?;
        } else {
            std::fs::copy(&path, &dest)
                .map_err(|e| format!("error: cannot copy {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// Set the modification time of `path` to now.
pub fn touch(path: &Path) -> Result<(), String> {
    let file = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| format!("error: cannot open {}: {e}", path.display()))?;
    file.set_modified(std::time::SystemTime::now())
        .map_err(|e| format!("error: cannot touch {}: {e}", path.display()))
}

/// Number of files, lines and bytes under `dir` (nothing when it cannot be read).
pub fn tree_size(dir: &Path) -> (usize, usize, u64) {
    let mut files = 0;
    let mut lines = 0;
    let mut bytes = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(data) = std::fs::read(&path) {
                files += 1;
                bytes += data.len() as u64;
                lines += data.iter().filter(|&&b| b == b'\n').count();
            }
        }
    }
    (files, lines, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh scratch directory, removed first if a run left it behind.
    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-fs-{name}-{}", std::process::id()));
        remove_dir_if_present(&dir).expect("removable");
        dir
    }

    #[test]
    fn writes_copies_and_sizes_a_tree() {
        let dir = scratch("tree");
        write_file(&dir.join("a/b/one.txt"), "1\n2\n").expect("writes");
        write_file(&dir.join("a/two.txt"), "x").expect("writes");
        assert_eq!(tree_size(&dir), (2, 2, 5));
        copy_tree(&dir.join("a"), &dir.join("copy")).expect("copies");
        assert_eq!(
            std::fs::read_to_string(dir.join("copy/b/one.txt")).ok(),
            Some("1\n2\n".into())
        );
        touch(&dir.join("a/two.txt")).expect("touches");
        assert!(touch(&dir.join("missing")).is_err());
        remove_dir_if_present(&dir).expect("removes");
        remove_dir_if_present(&dir).expect("a missing directory is fine");
        assert_eq!(tree_size(&dir), (0, 0, 0));
    }
}
