//! Where evidence files live. Files are content-addressed by their SHA-256, so the same file
//! uploaded twice is stored once, and a file's name on disk can never be chosen by a user. This
//! is a local directory; a deployment with several app servers points it at shared storage
//! (a network file system, or an object store behind this same interface).

use crate::{Result, StoreError};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

impl FileStore {
    pub fn local(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub(crate) fn path_of(&self, sha256: &str) -> Result<PathBuf> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StoreError::NotFound);
        }
        Ok(self.root.join(&sha256[..2]).join(sha256))
    }

    /// Stores the bytes under their digest. Returns true when the file was new (so a caller
    /// whose database write then fails can remove it again).
    pub async fn put(&self, sha256: &str, bytes: &[u8]) -> Result<bool> {
        let path = self.path_of(sha256)?;
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(false);
        }
        let dir = path.parent().ok_or(StoreError::NotFound)?;
        tokio::fs::create_dir_all(dir).await.map_err(io)?;
        // write beside, then rename: a reader never sees half a file
        let tmp = dir.join(format!(".{sha256}.{}", uuid::Uuid::now_v7().simple()));
        tokio::fs::write(&tmp, bytes).await.map_err(io)?;
        tokio::fs::rename(&tmp, &path).await.map_err(io)?;
        Ok(true)
    }

    pub async fn get(&self, sha256: &str) -> Result<Vec<u8>> {
        let path = self.path_of(sha256)?;
        match tokio::fs::read(&path).await {
            Ok(b) => Ok(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(StoreError::NotFound),
            Err(e) => Err(io(e)),
        }
    }

    pub async fn remove(&self, sha256: &str) -> Result<()> {
        let path = self.path_of(sha256)?;
        match tokio::fs::remove_file(&path).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(e)),
            _ => Ok(()),
        }
    }
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Files(e.to_string())
}
