//! What an importer's columns are (cột của một loại tệp nhập): for each field its key, the label a
//! person reads, its kind and the headers offices give its column — kept as data in
//! `imports/columns/*.json`, the one list of them. The header finder, the row sorter, the cell
//! reader and the mapping's drop-down all read it; no importer lists its fields again.

use serde::Deserialize;

use crate::error::AppError;
use crate::text::fold;

/// What a column holds, which decides how its cells are read and what subtotals add up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    Text,
    /// Whole đồng; a subtotal adds it up.
    Money,
    /// A date, or a year alone.
    Date,
    /// A count or an area; a subtotal adds it up too.
    Quantity,
    /// A figure nothing adds up (a year made, a number of persons).
    Number,
    /// The row's number in the list (STT): never data.
    Ordinal,
}

/// What a field is to the row sorter beyond its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Names one record (a code): a row holding it is data.
    Key,
    /// Names the row: where «Cộng», «Tổng cộng» stand on a subtotal.
    Label,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ColumnSpec {
    pub key: String,
    pub label: String,
    pub kind: ColumnKind,
    #[serde(default)]
    pub role: Option<Role>,
    /// The names people give the column, as written; `folded` holds them for matching.
    pub headers: Vec<String>,
    #[serde(skip)]
    folded: Vec<String>,
}

/// The columns of one kind of file.
#[derive(Debug, Clone, Deserialize)]
pub struct Spec {
    /// What such a file is, for messages: «Sổ tài sản».
    pub what: String,
    /// A row holding only its label is a record (a finding may be its title alone), not a title.
    #[serde(default)]
    pub label_is_data: bool,
    pub columns: Vec<ColumnSpec>,
}

impl Spec {
    pub fn parse(json: &str) -> Result<Spec, AppError> {
        let mut spec: Spec =
            serde_json::from_str(json).map_err(|e| AppError::Internal(format!("tệp mô tả cột hỏng: {e}")))?;
        for c in &mut spec.columns {
            c.folded = c.headers.iter().map(|h| fold(h)).collect();
        }
        Ok(spec)
    }

    /// The field a header names: an exact name first (whole header, then the part below a merged
    /// parent), else the longest name the header contains.
    pub fn field_of(&self, header: &str) -> Option<&str> {
        let h = fold(header);
        if h.is_empty() {
            return None;
        }
        let child = h.rsplit(" / ").next().unwrap_or(&h).to_string();
        for candidate in [&h, &child] {
            if let Some(c) = self.columns.iter().find(|c| c.folded.iter().any(|n| n == candidate)) {
                return Some(&c.key);
            }
        }
        self.columns
            .iter()
            .flat_map(|c| c.folded.iter().filter(|n| n.len() >= 4 && h.contains(n.as_str())).map(move |n| (c, n.len())))
            .max_by_key(|(_, len)| *len)
            .map(|(c, _)| c.key.as_str())
    }

    pub fn column(&self, key: &str) -> Option<&ColumnSpec> {
        self.columns.iter().find(|c| c.key == key)
    }

    pub fn kind(&self, key: &str) -> Option<ColumnKind> {
        self.column(key).map(|c| c.kind)
    }

    /// The label of a field, or the key itself for one the file's own mapping names.
    pub fn label<'a>(&'a self, key: &'a str) -> &'a str {
        self.column(key).map(|c| c.label.as_str()).unwrap_or(key)
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|c| c.key.as_str())
    }
}

/// The specifications shipped with the service, parsed once (a test parses every one).
#[macro_export]
macro_rules! column_spec {
    ($file:literal) => {{
        static SPEC: std::sync::LazyLock<$crate::import::spec::Spec> = std::sync::LazyLock::new(|| {
            $crate::import::spec::Spec::parse(include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/imports/columns/",
                $file
            )))
            .expect(concat!("imports/columns/", $file, " is a column specification"))
        });
        &*SPEC
    }};
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_shipped_specification_parses_and_names_each_field_once() {
        // Every file of the folder, so that a new one is held to the same rule.
        let dir = format!("{}/imports/columns", env!("CARGO_MANIFEST_DIR"));
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|f| f.ends_with(".json"))
            .collect();
        files.sort();
        assert!(files.len() >= 5, "{files:?}");
        for file in files {
            let text = std::fs::read_to_string(format!("{dir}/{file}")).unwrap();
            let spec = super::Spec::parse(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
            let mut keys: Vec<&str> = spec.keys().collect();
            let n = keys.len();
            keys.sort_unstable();
            keys.dedup();
            assert_eq!(keys.len(), n, "{file}: a key twice");
            for c in &spec.columns {
                assert!(!c.label.is_empty() && !c.headers.is_empty(), "{file}: {}", c.key);
                // Each header is found back as its own field.
                for h in &c.headers {
                    assert_eq!(spec.field_of(h), Some(c.key.as_str()), "{file}: «{h}»");
                }
            }
        }
    }
}
