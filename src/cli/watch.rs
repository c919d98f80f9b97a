//! `--watch`: run `check`, `eval` or `report` again whenever one of its
//! rule files, or a file they extend, changes.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use super::Command;

/// The rule files a command reads, with every file their `extends` reach.
pub fn watched_files(command: &Command) -> Vec<PathBuf> {
    let named: Vec<PathBuf> = match command {
        Command::Check { files, .. } => files.clone(),
        Command::Eval { file, .. } => vec![file.clone()],
        Command::Report(args) => args.files.clone(),
        _ => Vec::new(),
    };
    let mut all = Vec::new();
    for file in named {
        if let Ok(workspace) = crate::workspace::load(&file, &|p: &Path| std::fs::read_to_string(p))
        {
            all.extend(workspace.files.iter().map(|f| f.path.clone()));
        }
        all.push(file);
    }
    all.sort();
    all.dedup();
    all
}

fn stamps(paths: &[PathBuf]) -> Vec<Option<SystemTime>> {
    paths
        .iter()
        .map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .collect()
}

/// Waits until one of `paths` changes (its modification time, or whether it
/// exists); `false` when `limit` passes first.
pub fn wait_for_change(paths: &[PathBuf], poll: Duration, limit: Option<Duration>) -> bool {
    let before = stamps(paths);
    let start = Instant::now();
    loop {
        std::thread::sleep(poll);
        if stamps(paths) != before {
            // Let an editor finish writing the file.
            std::thread::sleep(poll);
            return true;
        }
        if limit.is_some_and(|l| start.elapsed() >= l) {
            return false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_a_saved_file() {
        let dir = std::env::temp_dir().join(format!("pledge-watch-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let file = dir.join("draft.pledge");
        let _ = std::fs::write(&file, "pledge \"A\" {}\n");
        let paths = vec![file.clone()];
        let writer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(1100));
            let _ = std::fs::write(&file, "pledge \"B\" {}\n");
        });
        let changed = wait_for_change(
            &paths,
            Duration::from_millis(50),
            Some(Duration::from_secs(20)),
        );
        let _ = writer.join();
        assert!(changed);
        // Nothing changes: the limit ends the wait. (A file of this test's
        // own: the system's temporary folder changes whenever another test
        // writes there.)
        let still = dir.join("still.pledge");
        let _ = std::fs::write(&still, "pledge \"C\" {}\n");
        let unchanged = !wait_for_change(
            &[still],
            Duration::from_millis(10),
            Some(Duration::from_millis(50)),
        );
        let _ = std::fs::remove_dir_all(&dir);
        assert!(unchanged);
    }
}
