//! The import pipeline (nhập dữ liệu từ Excel), shared by every importer and knowing none of them:
//! the upload and its limits (`upload`), the jobs a page follows from any server (`jobs`), the
//! columns of a kind of file (`spec`), the table inside a sheet and its rows sorted into data and
//! the rest (`table`), the errors workbook written from the stored outcomes (`errors`), and here
//! the words every importer reports in: a row's `Outcome`, a `Problem` placed where a person finds
//! it, the `Counts` that must add up to the rows read.
//!
//! An importer supplies its column specification (`imports/columns/*.json`), reads each data row
//! into its own records through the same checks as a form, and runs preview and import as one run
//! whose transaction the preview rolls back.

pub mod check;
pub mod errors;
pub mod fixes;
pub mod jobs;
pub mod report;
pub mod rows;
pub mod spec;
pub mod table;
pub mod upload;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// What became of one row of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Thêm mới: a record was made from it.
    Create,
    /// Cập nhật: it changed a record.
    Update,
    /// Không đổi: it says what the record already says.
    Unchanged,
    /// Bỏ qua: not data (a title, a subtotal, a signature) or set aside by the person's choice.
    Skip,
    /// Lỗi: nothing of it was kept.
    Error,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Create => "create",
            Outcome::Update => "update",
            Outcome::Unchanged => "unchanged",
            Outcome::Skip => "skip",
            Outcome::Error => "error",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Outcome::Create => "Thêm mới",
            Outcome::Update => "Cập nhật",
            Outcome::Unchanged => "Không đổi",
            Outcome::Skip => "Bỏ qua",
            Outcome::Error => "Lỗi",
        }
    }
}

/// One problem, where a person finds it: sheet, row (as Excel numbers it), column (its header in
/// the file), the value in the cell, and what is wrong.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    pub sheet: String,
    pub row: u32,
    pub column: String,
    pub value: String,
    pub message: String,
}

impl Problem {
    /// «Trang, dòng, cột, giá trị: lỗi» — as a message line or a cell of the errors workbook.
    pub fn sentence(&self) -> String {
        let value = if self.value.is_empty() { String::new() } else { format!(", giá trị «{}»", self.value) };
        format!("{}, dòng {}, cột «{}»{value}: {}", self.sheet, self.row, self.column, self.message)
    }
}

/// How many rows had each outcome: they add up to the rows read (nothing dropped unseen).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Counts {
    pub create: i32,
    pub update: i32,
    pub unchanged: i32,
    pub skip: i32,
    pub error: i32,
    /// Of the skipped (or, in a strict import, failed) rows, those that carry figures.
    pub warning: i32,
    /// Rows that matched a record already kept (whatever became of them).
    pub duplicate: i32,
}

impl Counts {
    pub fn add(&mut self, outcome: Outcome) {
        *match outcome {
            Outcome::Create => &mut self.create,
            Outcome::Update => &mut self.update,
            Outcome::Unchanged => &mut self.unchanged,
            Outcome::Skip => &mut self.skip,
            Outcome::Error => &mut self.error,
        } += 1;
    }

    pub fn total(&self) -> usize {
        (self.create + self.update + self.unchanged + self.skip + self.error) as usize
    }

    /// The import's invariant: every row read has an outcome. A run that broke it is never saved.
    pub fn conserve(&self, rows_read: usize) -> Result<(), AppError> {
        if self.total() == rows_read {
            Ok(())
        } else {
            Err(AppError::Internal(format!(
                "số dòng có kết quả ({}) khác số dòng đã đọc ({rows_read}) — không lưu gì",
                self.total()
            )))
        }
    }

    /// The strict rule: a strict import keeps nothing unless every row is right.
    pub fn keeps(&self, strict: bool) -> bool {
        !(strict && self.error > 0)
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    crate::text::hex(&Sha256::digest(bytes))
}
