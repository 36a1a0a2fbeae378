//! `jeton card backup FILE` and `jeton card restore FILE`: a virtual card and the device key
//! of its folder, which the card file cannot be opened without, in one archive.
//!
//! The archive: `JETON-CARD-BACKUP 1\n`, the serial (4 bytes, big-endian), then the device
//! key and the card file, each as a 4-byte big-endian length and its bytes, then the SHA-256
//! of everything before it, so that a truncated or damaged copy is refused whole. Its
//! content is already encrypted (the card's keys under its vault); the file is private to
//! its owner all the same.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use openssl::hash::{hash, MessageDigest};
use openssl::memcmp;

use super::Ctx;
use crate::cli::Confirmation;
use crate::error::CliError;
use crate::i18n::Msg;

const MAGIC: &[u8] = b"JETON-CARD-BACKUP 1\n";
const DEVICE_KEY: &str = "device.key";
const DIGEST_LEN: usize = 32;

pub fn backup(ctx: &mut Ctx, serial: Option<u32>, file: &Path) -> Result<(), CliError> {
    let serial = ctx.home.choose(serial)?;
    let cards = ctx.home.cards_dir();
    // The card file is replaced atomically by its writers: one read sees one whole state.
    let card = read(&cards.join(format!("{serial}.card")))?;
    let device = read(&cards.join(DEVICE_KEY))?;
    let mut archive = MAGIC.to_vec();
    archive.extend_from_slice(&serial.to_be_bytes());
    for part in [&device, &card] {
        let len = u32::try_from(part.len()).map_err(|_| CliError::NotABackup(file.to_owned()))?;
        archive.extend_from_slice(&len.to_be_bytes());
        archive.extend_from_slice(part);
    }
    let digest = hash(MessageDigest::sha256(), &archive)?;
    archive.extend_from_slice(&digest);
    write_new(file, &archive)?;
    ctx.say(Msg::BackupWritten {
        serial,
        file: &file.display().to_string(),
    })
}

pub fn restore(ctx: &mut Ctx, file: &Path, confirmation: Confirmation) -> Result<(), CliError> {
    let bytes = read(file)?;
    let (serial, device, card) =
        parse(&bytes).ok_or_else(|| CliError::NotABackup(file.to_owned()))?;
    let cards = ctx.home.ensure_cards_dir()?;
    let dir = cards.root().to_owned();
    let device_path = dir.join(DEVICE_KEY);
    let others: Vec<u32> = ctx
        .home
        .serials()?
        .into_iter()
        .filter(|&s| s != serial)
        .collect();
    let write_device = match fs::read(&device_path) {
        Ok(existing) => existing.len() != device.len() || !memcmp::eq(&existing, device),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => true,
        Err(error) => {
            return Err(CliError::Io {
                path: device_path,
                error,
            })
        }
    };
    // The folder's other cards are sealed under its device key: one folder, one key.
    if write_device && device_path.exists() && !others.is_empty() {
        return Err(CliError::DeviceKeyConflict(dir));
    }
    let card_path = cards.path_of(serial);
    if card_path.exists() {
        ctx.confirm(confirmation, Msg::RestoreReplaces(serial))?;
    }
    if write_device {
        replace(&device_path, device)?;
    }
    replace(&card_path, card)?;
    ctx.say(Msg::Restored(serial))
}

fn parse(bytes: &[u8]) -> Option<(u32, &[u8], &[u8])> {
    let (body, digest) = bytes.split_at_checked(bytes.len().checked_sub(DIGEST_LEN)?)?;
    let expected = hash(MessageDigest::sha256(), body).ok()?;
    if !memcmp::eq(&expected, digest) {
        return None;
    }
    let rest = body.strip_prefix(MAGIC)?;
    let (serial, rest) = rest.split_first_chunk::<4>()?;
    let (device, rest) = part(rest)?;
    let (card, rest) = part(rest)?;
    rest.is_empty()
        .then_some((u32::from_be_bytes(*serial), device, card))
}

fn part(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let (len, rest) = bytes.split_first_chunk::<4>()?;
    rest.split_at_checked(usize::try_from(u32::from_be_bytes(*len)).ok()?)
}

fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    fs::read(path).map_err(|error| CliError::Io {
        path: path.to_owned(),
        error,
    })
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> CliError + '_ {
    move |error| CliError::Io {
        path: path.to_owned(),
        error,
    }
}

/// A private temporary file beside `path`, written and flushed to disk.
fn temporary(path: &Path, data: &[u8]) -> Result<PathBuf, CliError> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temp)
        .map_err(io(&temp))?;
    let written = file.write_all(data).and_then(|()| file.sync_all());
    if let Err(error) = written {
        let _ = fs::remove_file(&temp);
        return Err(io(&temp)(error));
    }
    Ok(temp)
}

fn sync_parent(path: &Path) -> Result<(), CliError> {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    File::open(parent)
        .and_then(|dir| dir.sync_all())
        .map_err(io(parent))
}

/// Writes `path` whole or not at all, and never over an existing file: the temporary file
/// is linked to its name, which fails if the name is taken.
fn write_new(path: &Path, data: &[u8]) -> Result<(), CliError> {
    let temp = temporary(path, data)?;
    let linked = fs::hard_link(&temp, path);
    let _ = fs::remove_file(&temp);
    match linked {
        Ok(()) => sync_parent(path),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(CliError::BackupExists(path.to_owned()))
        }
        Err(error) => Err(io(path)(error)),
    }
}

/// Replaces `path` whole or not at all (write, fsync, rename, fsync the folder).
fn replace(path: &Path, data: &[u8]) -> Result<(), CliError> {
    let temp = temporary(path, data)?;
    if let Err(error) = fs::rename(&temp, path) {
        let _ = fs::remove_file(&temp);
        return Err(io(path)(error));
    }
    sync_parent(path)
}
