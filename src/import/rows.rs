//! An import's row records and the evidence over them (bằng chứng của lần nhập). Each row of a
//! file is recorded once — its place in the import, its outcome, the record it wrote as it stood
//! after the import — with a hash of itself; the import's one event in the history commits to
//! those hashes in order by their Merkle root (RFC 6962's tree). `verify` recomputes them and names
//! the first row altered, removed or reordered: the evidence is written once, not twice, and is no
//! weaker than an event per row.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::schema::{import_rows, imports};
use crate::db::DbConn;
use crate::error::AppResult;

/// One row of `import_rows`: what became of a row of the file.
#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = import_rows, treat_none_as_default_value = false)]
pub struct RowRecord {
    pub import_id: i32,
    /// Its place in the import, from 1, given by the `Recorder`.
    pub position: Option<i32>,
    /// Named only where the file has several sheets.
    pub sheet: Option<String>,
    pub excel_row: i32,
    pub outcome: String,
    pub asset_id: Option<i32>,
    pub asset_version: Option<i32>,
    pub code: Option<String>,
    pub message: Option<String>,
    /// The record before an update, to undo the import.
    pub before_json: Option<String>,
    /// The record the row created, as it stood after the import.
    pub after_json: Option<String>,
    pub row_hash: Option<String>,
}

impl RowRecord {
    /// A row's record with its outcome; the rest is filled in by the importer.
    pub fn new(import_id: i32, sheet: Option<String>, excel_row: u32, outcome: super::Outcome) -> RowRecord {
        RowRecord {
            import_id,
            position: None,
            sheet,
            excel_row: excel_row as i32,
            outcome: outcome.code().to_string(),
            asset_id: None,
            asset_version: None,
            code: None,
            message: None,
            before_json: None,
            after_json: None,
            row_hash: None,
        }
    }

    /// The leaf's hash: SHA-256 over 0x00 and a JSON object of every field but the hash, its keys
    /// sorted (RFC 6962 tells leaves from inner nodes by that first byte).
    pub fn leaf(&self) -> [u8; 32] {
        #[derive(Serialize)]
        struct Canonical<'a> {
            after: &'a Option<String>,
            asset_id: Option<i32>,
            asset_version: Option<i32>,
            before: &'a Option<String>,
            code: &'a Option<String>,
            excel_row: i32,
            import_id: i32,
            message: &'a Option<String>,
            outcome: &'a str,
            position: Option<i32>,
            sheet: &'a Option<String>,
        }
        let mut hashing = crate::text::Hashing(Sha256::new_with_prefix([0u8]));
        serde_json::to_writer(
            &mut hashing,
            &Canonical {
                after: &self.after_json,
                asset_id: self.asset_id,
                asset_version: self.asset_version,
                before: &self.before_json,
                code: &self.code,
                excel_row: self.excel_row,
                import_id: self.import_id,
                message: &self.message,
                outcome: &self.outcome,
                position: self.position,
                sheet: &self.sheet,
            },
        )
        .expect("writing to a hasher cannot fail");
        hashing.0.finalize().into()
    }

    /// The row as a person finds it: «dòng 12» or «trang TaiSanKhac, dòng 12».
    fn place(&self) -> String {
        match &self.sheet {
            Some(s) => format!("trang «{s}», dòng {}", self.excel_row),
            None => format!("dòng {}", self.excel_row),
        }
    }
}

/// An inner node of the tree.
fn node(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new_with_prefix([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The Merkle root of leaves met one at a time, holding only the roots of the perfect subtrees so
/// far (log₂ n of them): a million rows need no list of their hashes.
#[derive(Debug, Default)]
pub struct Merkle {
    /// (leaves under it, its root), largest first.
    peaks: Vec<(u64, [u8; 32])>,
    leaves: u64,
}

impl Merkle {
    pub fn push(&mut self, leaf: [u8; 32]) {
        self.leaves += 1;
        self.peaks.push((1, leaf));
        while let [.., (a, _), (b, _)] = self.peaks[..] {
            if a != b {
                break;
            }
            let (n, right) = self.peaks.pop().expect("two peaks");
            let (_, left) = self.peaks.pop().expect("two peaks");
            self.peaks.push((2 * n, node(&left, &right)));
        }
    }

    pub fn leaves(&self) -> u64 {
        self.leaves
    }

    /// RFC 6962's root: the peaks joined from the right (the tree splits at the largest power of
    /// two below its size); the hash of nothing for no leaves.
    pub fn root(&self) -> String {
        let mut peaks = self.peaks.iter().rev();
        let root = match peaks.next() {
            None => Sha256::digest([]).into(),
            Some((_, last)) => peaks.fold(*last, |acc, (_, left)| node(left, &acc)),
        };
        crate::text::hex(&root)
    }
}

/// Writes an import's row records as they come, numbering and hashing each, and keeps the root.
pub struct Recorder {
    import_id: i32,
    tree: Merkle,
}

impl Recorder {
    pub fn new(import_id: i32) -> Recorder {
        Recorder { import_id, tree: Merkle::default() }
    }

    pub fn import_id(&self) -> i32 {
        self.import_id
    }

    /// Numbers, hashes and writes the next rows.
    pub fn write(&mut self, conn: &mut DbConn, mut records: Vec<RowRecord>) -> AppResult<()> {
        self.seal(&mut records);
        write_sealed(conn, &records)
    }

    /// Numbers and hashes the next rows: their places in the import, their leaves in the tree.
    pub fn seal(&mut self, records: &mut [RowRecord]) {
        for r in records {
            r.import_id = self.import_id;
            r.position = Some(self.tree.leaves() as i32 + 1);
            let leaf = r.leaf();
            r.row_hash = Some(crate::text::hex(&leaf));
            self.tree.push(leaf);
        }
    }

    /// Seals rows on a thread of its own, for an importer whose writing thread is its busiest: each
    /// batch sent comes back numbered and hashed, in order, for the writer to write
    /// (`Sealing::write_ready`); the recorder comes back when the sender is dropped.
    /// `after` makes a record's JSON there too. Runs inside `threads` (a `std::thread::scope`).
    pub fn sealing<'scope, T: Send + 'scope>(
        self,
        threads: &'scope std::thread::Scope<'scope, '_>,
        after: impl Fn(&T) -> String + Send + 'scope,
    ) -> (Sealing<T>, std::thread::ScopedJoinHandle<'scope, Recorder>) {
        let (to_sealer, pending) = std::sync::mpsc::sync_channel::<Vec<(RowRecord, Option<T>)>>(4);
        // Unbounded back: the writer takes what is ready at every batch, so at most the few
        // batches in flight wait here, and neither side can block the other.
        let (to_writer, sealed) = std::sync::mpsc::channel::<Vec<RowRecord>>();
        let mut recorder = self;
        let handle = threads.spawn(move || {
            for batch in pending {
                let mut records: Vec<RowRecord> = batch
                    .into_iter()
                    .map(|(mut r, made)| {
                        if let Some(made) = made {
                            r.after_json = Some(after(&made));
                        }
                        r
                    })
                    .collect();
                recorder.seal(&mut records);
                if to_writer.send(records).is_err() {
                    break;
                }
            }
            recorder
        });
        (Sealing { to_sealer, sealed }, handle)
    }

    /// What the import's event commits to: how many rows and their root.
    pub fn evidence(&self) -> Evidence {
        Evidence { rows: self.tree.leaves() as i64, rows_root: self.tree.root() }
    }
}

/// The writer's end of `Recorder::sealing`.
pub struct Sealing<T> {
    to_sealer: std::sync::mpsc::SyncSender<Vec<(RowRecord, Option<T>)>>,
    sealed: std::sync::mpsc::Receiver<Vec<RowRecord>>,
}

impl<T> Sealing<T> {
    /// Sends the next rows (each with what it created, made into its `after_json` over there), and
    /// writes those already sealed.
    pub fn send(&mut self, conn: &mut DbConn, rows: Vec<(RowRecord, Option<T>)>) -> AppResult<()> {
        self.to_sealer
            .send(rows)
            .map_err(|_| crate::error::AppError::Internal("luồng ghi bằng chứng của lần nhập dừng đột ngột".into()))?;
        while let Ok(records) = self.sealed.try_recv() {
            write_sealed(conn, &records)?;
        }
        Ok(())
    }

    /// Writes the rest, once every row has been sent.
    pub fn finish(self, conn: &mut DbConn) -> AppResult<()> {
        drop(self.to_sealer);
        for records in self.sealed {
            write_sealed(conn, &records)?;
        }
        Ok(())
    }
}

/// Rows numbered and hashed, written as they are.
fn write_sealed(conn: &mut DbConn, records: &[RowRecord]) -> AppResult<()> {
    crate::insert_all!(conn, import_rows::table, records);
    Ok(())
}

/// The import's one event in the history: its summary with the commitment to its rows; the
/// import's record notes the event.
pub fn commit(
    conn: &mut DbConn,
    actor: &crate::audit::Actor,
    recorder: &Recorder,
    mut summary: serde_json::Value,
) -> AppResult<()> {
    let evidence = recorder.evidence();
    summary["rows"] = evidence.rows.into();
    summary["rows_root"] = evidence.rows_root.into();
    let id = recorder.import_id;
    let event = crate::audit::record(conn, actor, "import", "import", id, None, Some(&summary))?;
    diesel::update(imports::table.find(id)).set(imports::event_seq.eq(event.seq)).execute(conn)?;
    Ok(())
}

/// The commitment an import's event carries (in its `after`, beside its counts).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Evidence {
    pub rows: i64,
    pub rows_root: String,
}

/// The first row of an import that no longer matches what its event committed to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokenRow {
    pub import_id: i32,
    pub sheet: Option<String>,
    /// The row in the file (None: rows are missing at the end).
    pub excel_row: Option<i32>,
    pub reason: String,
}

/// Recomputes an import's rows against its event's commitment, in pages, in order.
pub fn verify(conn: &mut DbConn, import_id: i32, committed: &Evidence) -> AppResult<Option<BrokenRow>> {
    let broken = |r: Option<&RowRecord>, reason: String| {
        Some(BrokenRow {
            import_id,
            sheet: r.and_then(|r| r.sheet.clone()),
            excel_row: r.map(|r| r.excel_row),
            reason: format!("lần nhập số {import_id}: {reason}"),
        })
    };
    let added: Option<RowRecord> = import_rows::table
        .filter(import_rows::import_id.eq(import_id))
        .filter(import_rows::position.is_null())
        .select(RowRecord::as_select())
        .first(conn)
        .optional()?;
    if let Some(r) = added {
        return Ok(broken(Some(&r), format!("{} được thêm vào sau khi nhập (row added)", r.place())));
    }
    let mut tree = Merkle::default();
    let mut previous: Option<RowRecord> = None;
    loop {
        let page: Vec<RowRecord> = import_rows::table
            .filter(import_rows::import_id.eq(import_id))
            .filter(import_rows::position.gt(tree.leaves() as i32))
            .order(import_rows::position)
            .limit(5000)
            .select(RowRecord::as_select())
            .load(conn)?;
        if page.is_empty() {
            break;
        }
        for r in page {
            let expected = tree.leaves() as i32 + 1;
            if r.position != Some(expected) {
                let after = previous.as_ref().map(|p| format!(" (sau {})", p.place())).unwrap_or_default();
                return Ok(broken(
                    Some(&r),
                    format!("dòng thứ {expected} của lần nhập đã bị xóa{after}, trước {} (row removed)", r.place()),
                ));
            }
            let leaf = r.leaf();
            if r.row_hash.as_deref() != Some(crate::text::hex(&leaf).as_str()) {
                return Ok(broken(
                    Some(&r),
                    format!(
                        "{} (thứ {expected} trong lần nhập) đã bị sửa hoặc đổi chỗ sau khi nhập (row altered or reordered)",
                        r.place()
                    ),
                ));
            }
            tree.push(leaf);
            previous = Some(r);
        }
    }
    if tree.leaves() as i64 != committed.rows {
        return Ok(broken(
            None,
            format!(
                "lịch sử ghi {} dòng, còn lại {} dòng: các dòng từ thứ {} đã bị xóa (rows removed)",
                committed.rows,
                tree.leaves(),
                tree.leaves() + 1
            ),
        ));
    }
    if tree.root() != committed.rows_root {
        return Ok(broken(
            None,
            "mã băm của các dòng đã bị tính lại: gốc Merkle không khớp với sự kiện (row hashes rewritten)".into(),
        ));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6962 §2.1 defined recursively, to check the streaming root against.
    fn mth(leaves: &[[u8; 32]]) -> [u8; 32] {
        match leaves.len() {
            0 => Sha256::digest([]).into(),
            1 => leaves[0],
            n => {
                let k = n.next_power_of_two() / 2;
                node(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    #[test]
    fn the_streamed_root_is_rfc_6962s() {
        for n in 0..40u8 {
            let leaves: Vec<[u8; 32]> = (0..n).map(|i| Sha256::digest([0, i]).into()).collect();
            let mut tree = Merkle::default();
            leaves.iter().for_each(|l| tree.push(*l));
            assert_eq!(tree.root(), crate::text::hex(&mth(&leaves)), "{n} leaves");
        }
    }

    #[test]
    fn a_leaf_is_its_canonical_json() {
        let mut r = RowRecord::new(7, Some("TaiSanKhac".into()), 12, super::super::Outcome::Create);
        r.position = Some(3);
        r.after_json = Some("{\"code\":\"Máy «HP»\"}".into());
        let json = serde_json::json!({
            "after": r.after_json, "asset_id": null, "asset_version": null, "before": null, "code": null,
            "excel_row": 12, "import_id": 7, "message": null, "outcome": "create", "position": 3,
            "sheet": "TaiSanKhac",
        });
        let mut bytes = vec![0u8];
        bytes.extend(json.to_string().as_bytes());
        assert_eq!(r.leaf(), <[u8; 32]>::from(Sha256::digest(&bytes)));
    }
}
