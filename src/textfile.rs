//! Output for node_exporter's textfile collector, for batch hosts that already run
//! node_exporter: a registry written as text format 0.0.4 to a `*.prom` file in the
//! directory given to `--collector.textfile.directory`.
//!
//! ```no_run
//! # fn main() -> Result<(), tallymark::textfile::TextfileError> {
//! tallymark::textfile::write(
//!     "/var/lib/node_exporter/textfile/backup.prom",
//!     tallymark::registry(),
//! )?;
//! # Ok(())
//! # }
//! ```
//!
//! node_exporter reads every `*.prom` file of the directory at each scrape, and may do so
//! while a job writes. So the text goes to a temporary file in the same directory (whose
//! name does not end in `.prom`, so it is never read), and is then renamed over the
//! target, which replaces it in one step on the same file system: a scrape sees the old
//! file or the new one, never half of one.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use tallymark_core::{Format, Registry};

/// Why a textfile was not written. The target is untouched, and no temporary file is
/// left behind.
#[derive(Debug)]
pub struct TextfileError {
    path: PathBuf,
    step: &'static str,
    source: io::Error,
}

impl TextfileError {
    /// The file that was to be written.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl fmt::Display for TextfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot write the textfile `{}`: {}: {}",
            self.path.display(),
            self.step,
            self.source
        )
    }
}

impl std::error::Error for TextfileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Writes `registry` in text format 0.0.4 to `path`, atomically: through a temporary file
/// in the same directory, synced and then renamed over `path`.
///
/// node_exporter reads only files named `*.prom`; the name is the caller's choice.
///
/// ```
/// use std::sync::Arc;
/// use tallymark::{Counter, Descriptor, Registry};
///
/// const BACKUPS: Descriptor = Descriptor::new("backups_total", "Backups taken.");
/// let registry = Registry::new();
/// registry.register(Arc::new(Counter::new().described(&BACKUPS))).unwrap();
///
/// let dir = std::env::temp_dir().join(format!("textfile-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("backup.prom");
/// tallymark::textfile::write(&path, &registry).unwrap();
/// assert_eq!(
///     std::fs::read_to_string(&path).unwrap(),
///     "# HELP backups_total Backups taken.\n# TYPE backups_total counter\nbackups_total 0\n"
/// );
///
/// let missing = dir.join("no-such-dir").join("backup.prom");
/// let error = tallymark::textfile::write(&missing, &registry).unwrap_err();
/// assert!(error.to_string().starts_with(&format!(
///     "cannot write the textfile `{}`: create a temporary file beside it: ",
///     missing.display()
/// )));
/// std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn write(path: impl AsRef<Path>, registry: &Registry) -> Result<(), TextfileError> {
    let path = path.as_ref();
    let fail = |step| {
        move |source| TextfileError {
            path: path.to_owned(),
            step,
            source,
        }
    };
    let Some(file_name) = path.file_name() else {
        return Err(fail("the path names no file")(io::Error::from(
            io::ErrorKind::InvalidInput,
        )));
    };
    let mut body = Vec::new();
    registry.encode_as(Format::Text, &mut body);

    let (temporary, mut file) =
        create_temporary(path, file_name).map_err(fail("create a temporary file beside it"))?;
    let written = file
        .write_all(&body)
        .map_err(fail("write the temporary file"))
        // Synced before the rename, so that a crash cannot leave the target renamed but
        // empty.
        .and_then(|()| file.sync_all().map_err(fail("sync the temporary file")))
        .and_then(|()| {
            drop(file);
            fs::rename(&temporary, path).map_err(fail("rename the temporary file over it"))
        });
    if written.is_err() {
        // Best effort: the error that matters is the one being returned.
        let _ = fs::remove_file(&temporary);
    }
    written
}

/// A new file beside `path`, named `.<file name>.<pid>.<n>.tmp`: hidden, not `*.prom`, and
/// unique to this process and call, so that concurrent writers never share one.
fn create_temporary(path: &Path, file_name: &std::ffi::OsStr) -> io::Result<(PathBuf, File)> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let mut name = std::ffi::OsString::from(".");
    name.push(file_name);
    name.push(format!(
        ".{}.{}.tmp",
        std::process::id(),
        NEXT.fetch_add(1, Relaxed)
    ));
    let temporary = path.with_file_name(name);
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)?;
    Ok((temporary, file))
}
