//! Reading the small text files sessctl takes settings from (the secret key file, the
//! database URL file, password and option files) without ever blocking or reading
//! without end.
//!
//! A file is opened without blocking (a FIFO nobody writes to would block `open`
//! forever), checked to be a regular file before it is read (a device like `/dev/zero`
//! never ends), and read up to a limit that is checked again while reading (the file may
//! grow meanwhile).

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// A file's text and its permission bits.
pub struct Text {
    pub text: String,
    /// `st_mode & 0o7777`.
    pub mode: u32,
}

/// Why a file could not be read as a small text.
#[derive(Debug)]
pub enum Problem {
    /// Opening or reading failed (missing, permission denied, …).
    Io(std::io::Error),
    /// A directory, device, FIFO or socket.
    NotRegular,
    /// Larger than the limit: the size when known before reading.
    TooLarge(Option<u64>),
    NotUtf8,
}

/// Reads `path`: a regular file of at most `max` bytes, in UTF-8.
pub fn read(path: &Path, max: u64) -> Result<Text, Problem> {
    let fd = rustix::fs::open(
        path,
        rustix::fs::OFlags::RDONLY
            | rustix::fs::OFlags::NONBLOCK
            | rustix::fs::OFlags::NOCTTY
            | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .map_err(|e| Problem::Io(std::io::Error::from(e)))?;
    let file = std::fs::File::from(fd);
    let meta = file.metadata().map_err(Problem::Io)?;
    if !meta.is_file() {
        return Err(Problem::NotRegular);
    }
    if meta.len() > max {
        return Err(Problem::TooLarge(Some(meta.len())));
    }
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(Problem::Io)?;
    if bytes.len() as u64 > max {
        return Err(Problem::TooLarge(None));
    }
    let text = String::from_utf8(bytes).map_err(|_| Problem::NotUtf8)?;
    Ok(Text {
        text,
        mode: meta.permissions().mode() & 0o7777,
    })
}
