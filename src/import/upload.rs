//! An upload (tệp tải lên): the workbook and the form's fields read from a multipart request
//! under one limit, and the file kept between its preview and its import — for the person who
//! uploaded it, and nobody else.

use std::collections::BTreeMap;

use axum::extract::Multipart;
use diesel::prelude::*;

use crate::db::schema::import_uploads;
use crate::db::{Db, DbConn};
use crate::error::{AppError, AppResult};

/// The largest workbook accepted (the reader refuses larger too, with the same figure).
pub const UPLOAD_LIMIT: usize = 30 * 1024 * 1024;

/// The body limit of a route that takes an upload: the file and its form's fields.
pub const BODY_LIMIT: usize = UPLOAD_LIMIT + 64 * 1024;

/// The file and the other fields of an upload form.
pub async fn read_upload(multipart: Multipart, limit: usize) -> AppResult<(String, Vec<u8>, BTreeMap<String, String>)> {
    let (file, fields) = read_multipart(multipart, limit).await?;
    let (name, bytes) = file.ok_or_else(|| AppError::invalid("file", "Chưa chọn tệp để nhập"))?;
    Ok((name, bytes, fields))
}

/// A multipart form: its file (`file`) if one was chosen, and its text fields. A path in the file's
/// name is the browser's business, not ours: the last part only is kept.
pub async fn read_multipart(
    mut multipart: Multipart,
    limit: usize,
) -> AppResult<(Option<(String, Vec<u8>)>, BTreeMap<String, String>)> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        AppError::BadRequest(format!("Không đọc được tệp tải lên (quá {} MB hoặc bị ngắt): {e}", limit / (1024 * 1024)))
    };
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut fields = BTreeMap::new();
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("tep-tai-len").to_string();
            let bytes = field.bytes().await.map_err(bad)?;
            // A browser sends an empty part when no file was chosen.
            if !bytes.is_empty() || !file_name.is_empty() {
                let file_name = file_name.rsplit(['/', '\\']).next().unwrap_or("tep").to_string();
                file = Some((file_name, bytes.to_vec()));
            }
        } else if name != crate::auth::web::CSRF_FIELD {
            // The CSRF token was checked by the permission layer; it is not a field of the upload.
            fields.insert(name, field.text().await.map_err(bad)?);
        }
    }
    let named: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    crate::web::refuse_controls(&named)?;
    if let Some((name, _)) = &file {
        crate::web::refuse_controls(&[("file".to_string(), name.clone())])?;
    }
    Ok((file, fields))
}

/// Keeps an uploaded file for its next steps; returns its number.
pub async fn keep(db: &Db, actor: &str, name: &str, bytes: &[u8]) -> AppResult<i32> {
    let (actor, name, bytes) = (actor.to_string(), name.to_string(), bytes.to_vec());
    db.write(move |c| {
        Ok(diesel::insert_into(import_uploads::table)
            .values((
                import_uploads::file_name.eq(&name),
                import_uploads::sha256.eq(super::sha256_hex(&bytes)),
                import_uploads::content.eq(&bytes),
                import_uploads::actor.eq(&actor),
                import_uploads::created_at.eq(crate::text::now_utc()),
            ))
            .returning(import_uploads::id)
            .get_result(c)?)
    })
    .await
}

/// A file this person uploaded (nobody else's): its name and bytes.
pub fn own(conn: &mut DbConn, actor: &str, id: i32) -> AppResult<(String, Vec<u8>)> {
    import_uploads::table
        .find(id)
        .filter(import_uploads::actor.eq(actor))
        .select((import_uploads::file_name, import_uploads::content))
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("tệp tải lên số {id}")))
}
