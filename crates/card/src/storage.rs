//! One file per card, replaced atomically under an exclusive lock.
//!
//! Every change is written to `SERIAL.card.tmp`, fsynced, renamed over `SERIAL.card`, and
//! the folder is fsynced: a crash at any instant leaves the old or the new state, never a
//! torn one. Several processes may use one card: each command runs under an exclusive
//! `flock` of `SERIAL.lock`, and re-reads the state when the file changed since it last
//! looked (a rename always gives a new inode).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::state::CardState;
use crate::vault::DeviceKey;
use crate::CardError;

const DEVICE_KEY_FILE: &str = "device.key";
const DEVICE_KEY_MAGIC: &[u8; 8] = b"JETONDEV";

/// What identifies one version of the file on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileStamp {
    dev: u64,
    ino: u64,
    len: u64,
    mtime_ns: i128,
}

fn stamp_of(metadata: &fs::Metadata) -> FileStamp {
    FileStamp {
        dev: metadata.dev(),
        ino: metadata.ino(),
        len: metadata.len(),
        mtime_ns: i128::from(metadata.mtime()) * 1_000_000_000 + i128::from(metadata.mtime_nsec()),
    }
}

fn io_error(path: &Path, error: io::Error) -> CardError {
    CardError::Io {
        path: path.to_path_buf(),
        source: error,
    }
}

/// The state file of one card and its lock.
#[derive(Debug)]
pub(crate) struct CardFile {
    path: PathBuf,
    lock: Arc<File>,
    /// The version of the file this process last read or wrote, kept open: once another
    /// process renames a new version over it, its link count drops to zero. That makes
    /// "has it changed?" one `fstat` on an open descriptor, with no path lookup.
    seen: Option<(File, FileStamp)>,
}

/// Holds the card's lock until dropped.
pub(crate) struct LockGuard(Arc<File>);

impl Drop for LockGuard {
    fn drop(&mut self) {
        // Closing the process releases a flock too; an unlock error leaves nothing to undo.
        let _ = self.0.unlock();
    }
}

impl CardFile {
    pub fn open(path: PathBuf) -> Result<CardFile, CardError> {
        let lock_path = path.with_extension("lock");
        let lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&lock_path)
            .map_err(|e| io_error(&lock_path, e))?;
        Ok(CardFile {
            path,
            lock: Arc::new(lock),
            seen: None,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn lock(&self) -> Result<LockGuard, CardError> {
        self.lock.lock().map_err(|e| io_error(&self.path, e))?;
        Ok(LockGuard(Arc::clone(&self.lock)))
    }

    /// The state as now on disk, or `None` if it is the one this process last read or wrote.
    pub fn read_if_changed(&mut self, device: &DeviceKey) -> Result<Option<CardState>, CardError> {
        if let Some((file, stamp)) = &self.seen {
            let metadata = file.metadata().map_err(|e| io_error(&self.path, e))?;
            if metadata.nlink() > 0 && stamp_of(&metadata) == *stamp {
                return Ok(None);
            }
        }
        let mut file = match File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(CardError::NotFound(self.path.clone()))
            }
            Err(e) => return Err(io_error(&self.path, e)),
        };
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| io_error(&self.path, e))?;
        let metadata = file.metadata().map_err(|e| io_error(&self.path, e))?;
        let state = CardState::decode(&bytes, device).map_err(|e| CardError::State {
            path: self.path.clone(),
            source: e,
        })?;
        self.seen = Some((file, stamp_of(&metadata)));
        Ok(Some(state))
    }

    /// Forgets what was read, so the next look reads the file again.
    pub fn forget(&mut self) {
        self.seen = None;
    }

    /// Atomically replaces the file with `state`, authenticated under `device`; a state
    /// read from a format 1 or 2 file has its wraps enveloped first (`CardState::migrate`).
    pub fn write(&mut self, state: &mut CardState, device: &DeviceKey) -> Result<(), CardError> {
        self.seen = None;
        if state.needs_migration() {
            state.migrate(device).map_err(|_| CardError::Crypto)?;
        }
        let bytes = state.encode(device).map_err(|_| CardError::Crypto)?;
        write_atomically(&self.path, &bytes, false)?;
        let file = File::open(&self.path).map_err(|e| io_error(&self.path, e))?;
        let metadata = file.metadata().map_err(|e| io_error(&self.path, e))?;
        self.seen = Some((file, stamp_of(&metadata)));
        Ok(())
    }
}

/// Write, fsync, rename (or link, when the file must not exist yet), fsync the folder.
pub(crate) fn write_atomically(
    path: &Path,
    bytes: &[u8],
    must_be_new: bool,
) -> Result<(), CardError> {
    let tmp = path.with_extension(if must_be_new {
        format!("new.{}.tmp", std::process::id())
    } else {
        "card.tmp".to_string()
    });
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        if must_be_new {
            // link() fails if the target exists: no other process's card is overwritten.
            let linked = fs::hard_link(&tmp, path);
            fs::remove_file(&tmp)?;
            linked?;
        } else {
            fs::rename(&tmp, path)?;
        }
        File::open(path.parent().unwrap_or(Path::new(".")))?.sync_all()
    })();
    result.map_err(|e| {
        if must_be_new && e.kind() == io::ErrorKind::AlreadyExists {
            CardError::AlreadyExists(path.to_path_buf())
        } else {
            io_error(path, e)
        }
    })
}

pub(crate) fn create_folder(root: &Path) -> Result<(), CardError> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(root)
        .map_err(|e| io_error(root, e))
}

/// Reads the folder's device key, creating it first if `create` and it does not exist.
pub(crate) fn device_key(root: &Path, create: bool) -> Result<DeviceKey, CardError> {
    let path = root.join(DEVICE_KEY_FILE);
    match fs::read(&path) {
        Ok(bytes) => parse_device_key(&bytes).ok_or(CardError::DeviceKeyCorrupt(path)),
        Err(e) if e.kind() == io::ErrorKind::NotFound && create => {
            let key = DeviceKey::generate().map_err(|_| CardError::Crypto)?;
            let mut bytes = DEVICE_KEY_MAGIC.to_vec();
            bytes.extend_from_slice(key.as_bytes());
            match write_atomically(&path, &bytes, true) {
                Ok(()) => Ok(key),
                // Another process made it first: use theirs.
                Err(CardError::AlreadyExists(_)) => device_key(root, false),
                Err(e) => Err(e),
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(CardError::DeviceKeyMissing(path)),
        Err(e) => Err(io_error(&path, e)),
    }
}

fn parse_device_key(bytes: &[u8]) -> Option<DeviceKey> {
    let key = bytes.strip_prefix(DEVICE_KEY_MAGIC)?;
    Some(DeviceKey::from_bytes(key.try_into().ok()?))
}
