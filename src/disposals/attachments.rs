//! Scanned decisions and minutes attached to a handling (tệp đính kèm). A file is kept by the hash
//! of its content, checked for what it really is (its first bytes, not its name or the type the
//! browser claims), limited in size, and its hash goes into the history so that a file shown later
//! can be proved to be the one attached.

use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::audit::{self, Actor};
use crate::auth::Scope;
use crate::db::schema::{attachments, disposal_steps, file_blobs};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};

/// The largest file attached: a long scanned decision fits well under it.
pub const MAX_BYTES: usize = 20 * 1024 * 1024;

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = attachments)]
pub struct Attachment {
    pub id: i32,
    pub disposal_id: i32,
    pub step_id: Option<i32>,
    pub file_name: String,
    pub content_type: String,
    pub sha256: String,
    pub size: i64,
    pub actor: String,
    pub created_at: chrono::NaiveDateTime,
}

/// The kinds of file accepted: (content type, what a person calls it, the names it may end in).
pub(crate) const KINDS: &[(&str, &str, &[&str])] = &[
    ("application/pdf", "PDF", &["pdf"]),
    ("image/png", "ảnh PNG", &["png"]),
    ("image/jpeg", "ảnh JPEG", &["jpg", "jpeg"]),
    ("image/tiff", "ảnh TIFF", &["tif", "tiff"]),
];

/// What the bytes are: a PDF, or a PNG, JPEG or TIFF scan.
fn kind_of(bytes: &[u8]) -> Option<&'static (&'static str, &'static str, &'static [&'static str])> {
    let content_type = if bytes.starts_with(b"%PDF-") {
        "application/pdf"
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        "image/tiff"
    } else {
        return None;
    };
    KINDS.iter().find(|k| k.0 == content_type)
}

/// The name to keep: its last part only (a browser may send a whole path; we never use it as one),
/// in NFC, without control characters.
fn clean_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    crate::text::nfc(last).chars().filter(|c| !c.is_control()).collect::<String>().trim().to_string()
}

/// Checks a scan (its name, size and what its bytes really are) and keeps its content once, by its
/// SHA-256. Returns the name kept, the hash and the content type. Shared by every area that takes
/// evidence: handlings' documents, inspections' follow-up.
pub fn store_blob(conn: &mut DbConn, file_name: &str, bytes: &[u8]) -> AppResult<(String, String, &'static str)> {
    let name = clean_name(file_name);
    let refuse = |m: String| AppError::invalid("file", m);
    if name.is_empty() || name == "." || name == ".." || name.chars().count() > 200 {
        return Err(refuse(format!(
            "Tên tệp «{file_name}» không dùng được (trống, chỉ là đường dẫn, hoặc quá 200 ký tự)"
        )));
    }
    if bytes.is_empty() {
        return Err(refuse(format!("Tệp «{name}» rỗng")));
    }
    if bytes.len() > MAX_BYTES {
        return Err(refuse(format!(
            "Tệp «{name}» lớn {} MB, quá giới hạn {} MB",
            bytes.len() / (1024 * 1024),
            MAX_BYTES / (1024 * 1024)
        )));
    }
    let Some((content_type, kind, extensions)) = kind_of(bytes) else {
        return Err(refuse(format!(
            "Tệp «{name}» không phải PDF hay ảnh chụp (PNG, JPEG, TIFF): chỉ đính kèm bản quét văn bản"
        )));
    };
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_lowercase()).unwrap_or_default();
    if !extensions.contains(&extension.as_str()) {
        return Err(refuse(format!(
            "Tệp «{name}» mang đuôi «.{extension}» nhưng nội dung là {kind}: hãy đặt đúng tên tệp"
        )));
    }
    let sha256 = crate::import::sha256_hex(bytes);
    let stored: i64 = file_blobs::table.filter(file_blobs::sha256.eq(&sha256)).count().get_result(conn)?;
    if stored == 0 {
        diesel::insert_into(file_blobs::table)
            .values((
                file_blobs::sha256.eq(&sha256),
                file_blobs::size.eq(bytes.len() as i64),
                file_blobs::content.eq(bytes),
            ))
            .execute(conn)?;
    }
    Ok((name, sha256, *content_type))
}

/// A route naming an attachment reaches its handling's units.
pub const REACH: crate::web::Reach = crate::web::Reach::Record(units_of);

/// An attachment is in the scope of the handling it belongs to (`web::Reach`).
pub fn units_of(conn: &mut DbConn, id: i32) -> AppResult<Option<Vec<i32>>> {
    let disposal: Option<i32> = attachments::table.find(id).select(attachments::disposal_id).first(conn).optional()?;
    match disposal {
        Some(d) => super::units_of(conn, d),
        None => Ok(None),
    }
}

/// Attaches a file to a handling, to one of its documents if `step_id` is given.
pub fn attach(
    conn: &mut DbConn,
    actor: &Actor,
    scope: &Scope,
    disposal_id: i32,
    step_id: Option<i32>,
    file_name: &str,
    bytes: &[u8],
) -> AppResult<Attachment> {
    let d = super::find(conn, disposal_id)?;
    super::check_scope(conn, scope, &d)?;
    if let Some(step) = step_id {
        let of: Option<i32> =
            disposal_steps::table.find(step).select(disposal_steps::disposal_id).first(conn).optional()?;
        if of != Some(disposal_id) {
            return Err(AppError::invalid("step_id", "Văn bản này không thuộc hồ sơ"));
        }
    }
    let (name, sha256, content_type) = store_blob(conn, file_name, bytes)?;
    let id: i32 = diesel::insert_into(attachments::table)
        .values((
            attachments::disposal_id.eq(disposal_id),
            attachments::step_id.eq(step_id),
            attachments::file_name.eq(&name),
            attachments::content_type.eq(content_type),
            attachments::sha256.eq(&sha256),
            attachments::size.eq(bytes.len() as i64),
            attachments::actor.eq(&actor.0),
            attachments::created_at.eq(crate::text::now_utc()),
        ))
        .returning(attachments::id)
        .get_result(conn)?;
    let a = attachments::table.find(id).select(Attachment::as_select()).first(conn)?;
    let event =
        json!({"attachment": a.id, "file_name": a.file_name, "sha256": a.sha256, "size": a.size, "step_id": a.step_id});
    audit::record(conn, actor, "attach", "disposal", disposal_id, None, Some(&event))?;
    Ok(a)
}

pub fn list(conn: &mut DbConn, disposal_id: i32) -> AppResult<Vec<Attachment>> {
    Ok(attachments::table
        .filter(attachments::disposal_id.eq(disposal_id))
        .order(attachments::id)
        .select(Attachment::as_select())
        .load(conn)?)
}

/// A file and its content, to send.
pub fn content(conn: &mut DbConn, id: i32) -> AppResult<(Attachment, Vec<u8>)> {
    let a = attachments::table
        .find(id)
        .select(Attachment::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("tệp đính kèm số {id}")))?;
    let bytes: Vec<u8> = file_blobs::table.find(&a.sha256).select(file_blobs::content).first(conn)?;
    Ok((a, bytes))
}
