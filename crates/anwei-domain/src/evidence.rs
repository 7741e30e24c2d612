//! 佐證資料: what Anwei accepts as an evidence file. Auditors open these files years later on
//! government desktops, so only formats such a desktop opens are taken, and a file must be what
//! its name says: a `.pdf` that is really an executable is refused, not stored.

use crate::FieldError;
use sha2::{Digest, Sha256};

/// Accepted extensions, the MIME type served back, and how the content must begin.
const TYPES: [(&str, &str, Magic); 13] = [
    ("pdf", "application/pdf", Magic::Prefix(b"%PDF-")),
    ("png", "image/png", Magic::Prefix(b"\x89PNG\r\n\x1a\n")),
    ("jpg", "image/jpeg", Magic::Prefix(b"\xff\xd8\xff")),
    ("jpeg", "image/jpeg", Magic::Prefix(b"\xff\xd8\xff")),
    (
        "odt",
        "application/vnd.oasis.opendocument.text",
        Magic::Prefix(b"PK\x03\x04"),
    ),
    (
        "ods",
        "application/vnd.oasis.opendocument.spreadsheet",
        Magic::Prefix(b"PK\x03\x04"),
    ),
    (
        "odp",
        "application/vnd.oasis.opendocument.presentation",
        Magic::Prefix(b"PK\x03\x04"),
    ),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Magic::Prefix(b"PK\x03\x04"),
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Magic::Prefix(b"PK\x03\x04"),
    ),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        Magic::Prefix(b"PK\x03\x04"),
    ),
    ("txt", "text/plain; charset=utf-8", Magic::Text),
    ("csv", "text/csv; charset=utf-8", Magic::Text),
    ("log", "text/plain; charset=utf-8", Magic::Text),
];

#[derive(Clone, Copy)]
enum Magic {
    Prefix(&'static [u8]),
    /// UTF-8 without NUL bytes
    Text,
}

/// The accepted extensions, for the form's hint and `accept` attribute.
pub fn accepted_extensions() -> Vec<&'static str> {
    TYPES.iter().map(|(ext, _, _)| *ext).collect()
}

/// A file name as stored and offered back for download: the last path component, without
/// control characters or quotes, at most 120 characters.
pub fn clean_file_name(raw: &str) -> Result<String, FieldError> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\'' | ';'))
        .take(120)
        .collect();
    if cleaned.is_empty() || cleaned.starts_with('.') {
        return Err(FieldError::new("file", "err-evidence-file-missing"));
    }
    Ok(cleaned)
}

/// Checks an uploaded file against the size limit and the accepted types; returns its MIME type.
pub fn check_file(name: &str, bytes: &[u8], max_bytes: usize) -> Result<&'static str, FieldError> {
    if bytes.is_empty() {
        return Err(FieldError::new("file", "err-evidence-file-missing"));
    }
    if bytes.len() > max_bytes {
        return Err(FieldError::new("file", "err-evidence-too-large")
            .with("max", max_bytes / (1024 * 1024)));
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let refused = || {
        FieldError::new("file", "err-evidence-type").with("types", accepted_extensions().join("、"))
    };
    let (_, mime, magic) = TYPES
        .iter()
        .find(|(e, _, _)| *e == ext)
        .ok_or_else(refused)?;
    let ok = match magic {
        Magic::Prefix(p) => bytes.starts_with(p),
        Magic::Text => !bytes.contains(&0) && std::str::from_utf8(bytes).is_ok(),
    };
    if ok {
        Ok(mime)
    } else {
        Err(FieldError::new("file", "err-evidence-mismatch").with("ext", ext))
    }
}

/// Lower-case hex SHA-256, as recorded with every stored file.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A link as evidence: http(s) only, no spaces or control characters.
pub fn parse_link(raw: &str) -> Result<String, FieldError> {
    let s = raw.trim();
    let lower = s.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(r)
            if !r.is_empty()
                && s.len() <= 2000
                && !s.chars().any(|c| c.is_control() || c.is_whitespace()) =>
        {
            Ok(s.to_string())
        }
        _ => Err(FieldError::new("url", "err-url")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn files_must_be_what_they_say() {
        assert_eq!(
            check_file("報告.pdf", b"%PDF-1.7 ...", 100).unwrap(),
            "application/pdf"
        );
        assert_eq!(
            check_file("a.PDF", b"%PDF-1.4", 100).unwrap(),
            "application/pdf"
        );
        assert_eq!(
            check_file("x.pdf", b"MZ\x90\x00", 100).unwrap_err().key,
            "err-evidence-mismatch"
        );
        assert_eq!(
            check_file("x.exe", b"MZ", 100).unwrap_err().key,
            "err-evidence-type"
        );
        assert_eq!(
            check_file("noext", b"hello", 100).unwrap_err().key,
            "err-evidence-type"
        );
        assert_eq!(
            check_file("x.pdf", &[b'%'; 101], 100).unwrap_err().key,
            "err-evidence-too-large"
        );
        assert_eq!(
            check_file("x.pdf", b"", 100).unwrap_err().key,
            "err-evidence-file-missing"
        );
        assert_eq!(
            check_file("紀錄.txt", "簽到表".as_bytes(), 100).unwrap(),
            "text/plain; charset=utf-8"
        );
        assert_eq!(
            check_file("x.txt", b"a\0b", 100).unwrap_err().key,
            "err-evidence-mismatch"
        );
        assert_eq!(
            check_file("x.odt", b"PK\x03\x04rest", 100).unwrap(),
            "application/vnd.oasis.opendocument.text"
        );
    }

    #[test]
    fn names_and_links() {
        assert_eq!(
            clean_file_name("C:\\Users\\me\\簽到表.pdf").unwrap(),
            "簽到表.pdf"
        );
        assert_eq!(clean_file_name("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(clean_file_name("a\"b;.pdf").unwrap(), "ab.pdf");
        assert!(clean_file_name(".htaccess").is_err());
        assert!(clean_file_name("   ").is_err());
        assert!(parse_link("https://drive.example/x").is_ok());
        for bad in [
            "javascript:alert(1)",
            "ftp://x",
            "https://",
            "https://a b",
            "http://\u{0}x",
        ] {
            assert!(parse_link(bad).is_err(), "{bad}");
        }
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    proptest! {
        #[test]
        fn never_panics(name in ".{0,40}", bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = check_file(&name, &bytes, 32);
            let _ = clean_file_name(&name);
            let _ = parse_link(&name);
        }
    }
}
