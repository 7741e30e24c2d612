//! 危害國家資通安全產品 (資通安全管理法 §11): a public agency may not download, install or use
//! them; one used for a business need with no alternative is approved by the 資通安全長, reported
//! to the 主管機關 and listed. Anwei holds the register (the catalog's entries and what an
//! administrator imports from the ministry's published list) and checks an agency's inventory
//! against it by name — inventories record names, not vendor codes — so a match is a finding the
//! 承辦人 either resolves (the asset removed, or shown not to be the product) or turns into an
//! exception for the 資通安全長.

use crate::asset::AssetKind;
use crate::sheet::{find_column, parse_cell_date, read_rows};
use crate::training_import::RowError;
use crate::{DomainError, FieldError};
use serde::Deserialize;
use time::Date;

pub const RESTRICTED_FILE: &str = "catalog/restricted-products.toml";

/// The asset kinds a product can be: software, hardware, services and systems. People, data
/// and premises are not checked.
pub const CHECKED_KINDS: [AssetKind; 4] = [
    AssetKind::System,
    AssetKind::Hardware,
    AssetKind::Software,
    AssetKind::Service,
];

/// Shorter names are not matched (too many innocent names contain them).
const MIN_TERM_CHARS: usize = 2;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RestrictedProduct {
    pub key: String,
    pub vendor: String,
    /// Empty: every product of the vendor.
    #[serde(default)]
    pub product: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub listed_on: Option<Date>,
    pub source: String,
}

impl RestrictedProduct {
    /// The names an inventory might use for it, normalised.
    fn terms(&self) -> Vec<String> {
        let mut terms: Vec<&str> = self.aliases.iter().map(String::as_str).collect();
        if self.product.is_empty() {
            terms.push(&self.vendor);
        } else {
            terms.push(&self.product);
        }
        terms
            .into_iter()
            .map(normalise)
            .filter(|t| t.chars().count() >= MIN_TERM_CHARS)
            .collect()
    }

    /// Whether an asset's name names this product.
    pub fn matches(&self, asset_name: &str) -> bool {
        names_any(&self.terms(), &normalise(asset_name))
    }

    /// The key of an imported entry: its vendor and product, normalised.
    pub fn key_of(vendor: &str, product: &str) -> String {
        format!("{}|{}", normalise(vendor), normalise(product))
    }

    /// 「廠牌 產品」 for lists.
    pub fn label(&self) -> String {
        if self.product.is_empty() {
            self.vendor.clone()
        } else {
            format!("{} {}", self.vendor, self.product)
        }
    }
}

/// Lower case, full-width letters and digits as ASCII, without spaces and punctuation: 「Ｄｅｅｐ
/// Seek」, 「deepseek」 and 「Deep-Seek」 are one name.
pub fn normalise(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Every (asset, product) pair where an asset of a checked kind in use names a product: indexes
/// into `assets` ((kind, in use, name)) and `products`.
pub fn check_inventory(
    products: &[RestrictedProduct],
    assets: &[(AssetKind, bool, &str)],
) -> Vec<(usize, usize)> {
    // each product's names and each asset's name normalised once, not once per pair
    let terms: Vec<Vec<String>> = products.iter().map(RestrictedProduct::terms).collect();
    let mut found = Vec::new();
    for (a, (kind, in_use, name)) in assets.iter().enumerate() {
        if !*in_use || !CHECKED_KINDS.contains(kind) {
            continue;
        }
        let name = normalise(name);
        for (p, t) in terms.iter().enumerate() {
            if names_any(t, &name) {
                found.push((a, p));
            }
        }
    }
    found
}

/// Whether a normalised asset name contains one of a product's normalised names.
fn names_any(terms: &[String], name: &str) -> bool {
    terms.iter().any(|t| name.contains(t.as_str()))
}

#[derive(Debug, Clone, Deserialize)]
pub struct RestrictedCatalog {
    pub citation: String,
    pub regulation: String,
    pub from: String,
    #[serde(rename = "product")]
    pub products: Vec<RestrictedProduct>,
}

impl RestrictedCatalog {
    pub fn from_toml(text: &str) -> Result<Self, DomainError> {
        let bad = |reason: String| DomainError::Catalog {
            file: RESTRICTED_FILE,
            reason,
        };
        let c: RestrictedCatalog = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        let mut keys = std::collections::HashSet::new();
        for p in &c.products {
            if !keys.insert(p.key.as_str()) {
                return Err(bad(format!("product {} appears twice", p.key)));
            }
            if p.terms().is_empty() {
                return Err(bad(format!("product {} has no name to match", p.key)));
            }
        }
        Ok(c)
    }
}

/// The header names of an imported register.
const VENDOR: [&str; 5] = ["廠牌", "廠商", "vendor", "提供者", "品牌"];
const PRODUCT: [&str; 5] = ["產品", "產品名稱", "product", "服務", "產品或服務"];
const ALIASES: [&str; 3] = ["別名", "aliases", "其他名稱"];
const LISTED_ON: [&str; 4] = ["公告日期", "listed_on", "日期", "生效日期"];
const SOURCE: [&str; 4] = ["依據", "source", "公告文號", "來源"];

/// The most rows an imported register may have.
pub const MAX_REGISTER_ROWS: usize = 10_000;

/// Parses an imported register (XLSX, ODS or CSV). All or nothing: the rows, or every row's
/// problems. Aliases are separated by 「、」, 「,」 or 「;」.
pub fn parse_register(bytes: &[u8]) -> Result<Vec<RestrictedProduct>, Vec<RowError>> {
    let whole = |error: FieldError| vec![RowError { line: 1, error }];
    let table = read_rows(bytes, MAX_REGISTER_ROWS).map_err(whole)?;
    let header = table
        .first()
        .ok_or_else(|| whole(FieldError::new("file", "err-import-empty")))?;
    let vendor_col = find_column(header, &VENDOR);
    let product_col = find_column(header, &PRODUCT);
    let (Some(vendor_col), Some(product_col)) = (vendor_col, product_col) else {
        return Err(whole(
            FieldError::new("file", "err-import-columns").with("columns", "廠牌、產品"),
        ));
    };
    let aliases_col = find_column(header, &ALIASES);
    let listed_col = find_column(header, &LISTED_ON);
    let source_col = find_column(header, &SOURCE);
    let mut rows: Vec<RestrictedProduct> = Vec::new();
    let mut errors = Vec::new();
    for (i, record) in table.iter().enumerate().skip(1) {
        let line = i + 1;
        if record.iter().all(String::is_empty) {
            continue;
        }
        let cell = |c: Option<usize>| c.and_then(|i| record.get(i)).cloned().unwrap_or_default();
        let mut row_errors = Vec::new();
        let vendor = crate::agency::parse_line("vendor", &cell(Some(vendor_col)), 1, 100)
            .map_err(|e| row_errors.push(e))
            .ok();
        let product = crate::agency::parse_line("product", &cell(Some(product_col)), 0, 100)
            .map_err(|e| row_errors.push(e))
            .ok();
        let source = crate::agency::parse_line("source", &cell(source_col), 0, 300)
            .map_err(|e| row_errors.push(e))
            .ok();
        let listed_on = parse_cell_date("listed_on", &cell(listed_col))
            .map_err(|e| row_errors.push(e))
            .ok()
            .flatten();
        let aliases: Vec<String> = cell(aliases_col)
            .split(['、', ',', ';', '，', '；'])
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .collect();
        if let (Some(vendor), Some(product), Some(source)) = (vendor, product, source) {
            let p = RestrictedProduct {
                key: RestrictedProduct::key_of(&vendor, &product),
                vendor,
                product,
                aliases,
                listed_on,
                source,
            };
            if p.terms().is_empty() {
                row_errors.push(FieldError::new("product", "err-restricted-no-name"));
            } else if rows.iter().any(|r| r.key == p.key) {
                row_errors.push(FieldError::new("product", "err-duplicate-in-file"));
            } else if row_errors.is_empty() {
                rows.push(p);
            }
        }
        errors.extend(row_errors.into_iter().map(|error| RowError { line, error }));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if rows.is_empty() {
        return Err(whole(FieldError::new("file", "err-import-empty")));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOML: &str = include_str!("../../../catalog/restricted-products.toml");

    #[test]
    fn the_catalog_parses_and_names_match_however_written() {
        let c = RestrictedCatalog::from_toml(TOML).unwrap();
        let deepseek = c.products.iter().find(|p| p.key == "deepseek").unwrap();
        for name in [
            "DeepSeek 桌面版",
            "ｄｅｅｐｓｅｅｋ",
            "Deep-Seek R1 本機模型",
            "深度求索",
        ] {
            assert!(deepseek.matches(name), "{name}");
        }
        for name in ["Microsoft Office", "深度學習教材", "Seek"] {
            assert!(!deepseek.matches(name), "{name}");
        }
        let douyin = c.products.iter().find(|p| p.key == "douyin").unwrap();
        assert!(douyin.matches("TikTok"));
        assert!(douyin.matches("抖音 App"));
    }

    #[test]
    fn only_checked_kinds_in_use_are_matched() {
        let c = RestrictedCatalog::from_toml(TOML).unwrap();
        let assets = [
            (AssetKind::Software, true, "DeepSeek 本機版"),
            (AssetKind::Software, false, "TikTok"),
            (AssetKind::People, true, "抖音小編"),
            (AssetKind::Hardware, true, "教務處電腦"),
            (AssetKind::Service, true, "抖音官方帳號"),
        ];
        let found = check_inventory(&c.products, &assets);
        let names: Vec<(&str, &str)> = found
            .iter()
            .map(|(a, p)| (assets[*a].2, c.products[*p].key.as_str()))
            .collect();
        assert_eq!(
            names,
            [("DeepSeek 本機版", "deepseek"), ("抖音官方帳號", "douyin")]
        );
    }

    #[test]
    fn a_vendor_without_a_product_matches_every_product_of_the_vendor() {
        let p = RestrictedProduct {
            key: RestrictedProduct::key_of("某廠牌", ""),
            vendor: "某廠牌".into(),
            product: String::new(),
            aliases: vec!["X".into()],
            listed_on: None,
            source: String::new(),
        };
        assert!(p.matches("某廠牌網路攝影機"));
        assert!(
            !p.matches("X 光片系統"),
            "a one-letter alias is too short to match"
        );
        assert_eq!(p.label(), "某廠牌");
    }

    #[test]
    fn an_imported_register_is_all_or_nothing_with_every_rows_problem() {
        let good = "廠牌,產品,別名,公告日期,依據\n甲公司,甲瀏覽器,甲Browser、JiaBrowser,115/02/01,數位發展部公告\n乙公司,,,46054,\n";
        let rows = parse_register(good.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].aliases, ["甲Browser", "JiaBrowser"]);
        assert_eq!(rows[0].listed_on, Some(time::macros::date!(2026 - 02 - 01)));
        assert_eq!(
            rows[1].listed_on,
            Some(time::macros::date!(2026 - 02 - 01)),
            "an Excel serial"
        );
        let bad = "廠牌,產品,公告日期\n,甲瀏覽器,\n甲公司,甲瀏覽器,115/13/01\n丙公司,丙軟體,\n丙公司,丙軟體,\n";
        let e = parse_register(bad.as_bytes()).unwrap_err();
        let got: Vec<(usize, &str)> = e.iter().map(|e| (e.line, e.error.field)).collect();
        assert_eq!(
            got,
            vec![(2, "vendor"), (3, "listed_on"), (5, "product")],
            "{e:?}"
        );
        let e = parse_register("名稱,數量\nx,1\n".as_bytes()).unwrap_err();
        assert_eq!(e[0].error.key, "err-import-columns");
        assert!(parse_register(b"\x89PNG\r\n\x1a\n").is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_are_refused_or_read_without_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048)) {
            let _ = parse_register(&bytes);
        }

        #[test]
        fn normalising_never_panics_and_is_idempotent(s in "\\PC{0,64}") {
            let once = normalise(&s);
            proptest::prop_assert_eq!(normalise(&once), once);
        }
    }
}
