//! The conformance table (bảng đối chiếu căn cứ): every form, deadline, threshold and wear regime
//! with its legal source, the dates in force and whether it is confirmed against the text —
//! generated from the reference data and the report layouts, so that the README's copy (checked by
//! `tests/law.rs`) cannot drift from what the service applies. `taisan conformance` prints it.

use diesel::prelude::*;

use crate::db::schema::rule_settings;
use crate::db::DbConn;
use crate::error::AppResult;
use crate::text::format_date;

fn period(from: chrono::NaiveDate, to: Option<chrono::NaiveDate>) -> String {
    let from = if from.format("%Y").to_string() == "1900" { "—".to_string() } else { format_date(from) };
    format!("{from} – {}", to.map(format_date).unwrap_or_default())
}

fn cell(s: &str) -> String {
    s.replace('|', "/").replace('\n', " ")
}

fn confirmed(note: &Option<String>) -> String {
    match note {
        None => "—".into(),
        Some(n) => cell(n),
    }
}

/// The table as Markdown, one row per form layout, handling form, rule setting and wear regime.
pub fn table(conn: &mut DbConn) -> AppResult<String> {
    let mut rows: Vec<[String; 4]> = vec![];
    for v in crate::reports::versions()? {
        let what = match &v.form_code {
            Some(c) => format!("Mẫu {c} — {}", v.report),
            None => format!("Mẫu — {}", v.report),
        };
        rows.push([what, cell(&v.legal_basis), period(v.valid_from, v.valid_to), confirmed(&v.unconfirmed)]);
    }
    for f in crate::disposals::all_forms(conn)? {
        let basis = match &f.deadline_basis {
            Some(d) => format!("{}; {}", f.legal_source, d),
            None => format!("{}; quyết định {} ngày, thực hiện {} ngày", f.legal_source, f.decide_days, f.execute_days),
        };
        rows.push([
            format!("Hình thức xử lý — {}", f.name),
            cell(&basis),
            period(f.valid_from, f.valid_to),
            confirmed(&f.unconfirmed),
        ]);
    }
    let settings: Vec<crate::rules::RuleSetting> = rule_settings::table
        .order((rule_settings::key, rule_settings::valid_from))
        .select(crate::rules::RuleSetting::as_select())
        .load(conn)?;
    for s in settings {
        rows.push([
            format!("Quy định {} = {}", s.key, cell(&s.value)),
            cell(s.legal_source.as_deref().unwrap_or("")),
            period(s.valid_from, s.valid_to),
            confirmed(&s.note.filter(|n| n.starts_with("Chưa xác nhận") || n.contains("Chưa xác nhận"))),
        ]);
    }
    for r in super::national::regimes()? {
        rows.push([
            format!("Tỷ lệ hao mòn theo {}", r.legal_source),
            "Danh mục loại tài sản quốc gia (QLDKTS)".into(),
            period(r.valid_from, r.valid_to),
            confirmed(&r.note),
        ]);
    }
    let mut out = String::from("| Biểu mẫu, quy định | Căn cứ | Hiệu lực | Còn chưa xác nhận |\n|---|---|---|---|\n");
    for r in rows {
        out.push_str(&format!("| {} | {} | {} | {} |\n", r[0], r[1], r[2], r[3]));
    }
    Ok(out)
}
