//! Handling assets (xử lý tài sản) — the disposals. A handling is a chain of documents, not a status
//! flag: the proposal (đề nghị), the competent authority's decision (quyết định), its execution (the
//! handover minutes, a sale, a destruction…), the money, and the write-down (ghi giảm) that takes
//! the assets off the register. A step is a row that is never edited: a wrong step is revoked by a
//! later document that names it. Which forms apply, and the days each step has, are dated rule data
//! (`handling_forms`).

pub mod api;
pub mod attachments;
pub mod export;
pub mod import;
pub mod pages;
pub mod sale;

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::assets::{self, Asset, Checker, Updated};
use crate::audit::{self, Actor};
use crate::auth::Scope;
use crate::db::schema::{
    asset_classes, assets as assets_t, disposal_lines, disposal_steps, disposals, handling_forms, tasks,
};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::input::Input;
use crate::text::{self, today};

/// Trạng thái hồ sơ xử lý — where a handling stands.
pub const STATUSES: &[(&str, &str)] = &[
    ("de_nghi", "Đã đề nghị, chờ quyết định"),
    ("da_quyet_dinh", "Đã có quyết định, chờ thực hiện"),
    ("da_thuc_hien", "Đã thực hiện, chờ ghi giảm"),
    ("da_ghi_giam", "Đã ghi giảm"),
    ("da_huy", "Đề nghị đã rút"),
];

/// The documents of a handling.
pub const STEP_KINDS: &[(&str, &str)] = &[
    ("de_nghi", "Đề nghị xử lý tài sản"),
    ("quyet_dinh", "Quyết định xử lý tài sản"),
    ("ban_giao", "Biên bản bàn giao, tiếp nhận tài sản"),
    ("ban", "Bán tài sản"),
    ("tieu_huy", "Tiêu hủy, phá dỡ tài sản"),
    ("khac", "Thực hiện xử lý"),
    ("tien", "Thu, chi và nộp ngân sách"),
    ("ghi_giam", "Ghi giảm tài sản"),
    ("thu_hoi", "Văn bản thu hồi, hủy bỏ"),
];

pub use sale::SALE_METHODS;

/// The regime of the general forms (Luật 15/2017), open to every asset.
pub(crate) const GENERAL: &str = "chung";

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = handling_forms)]
pub struct HandlingForm {
    pub id: i32,
    pub code: String,
    pub name: String,
    /// "chung", or the regime of the S&T tasks whose assets it serves ("nd70_2018", "luat93_2025").
    pub regime: String,
    /// How it is carried out: "ban_giao" (handover), "ban" (sale), "tieu_huy", "khac".
    pub execution: String,
    pub decide_days: i32,
    pub execute_days: i32,
    pub execute_days_land: Option<i32>,
    pub sort_order: i32,
    pub legal_source: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    /// What is not yet confirmed of its legal source: for administrators, never printed.
    #[serde(skip_serializing)]
    pub unconfirmed: Option<String>,
    /// A decision valid for months rather than days (a sale: 6, NĐ 186/2025 Điều 23.2.e).
    pub execute_months: Option<i32>,
    /// Days from the execution to the write-down and the change declaration to the national
    /// database (báo cáo kê khai biến động).
    pub write_down_days: Option<i32>,
    /// The deadlines and the articles that set them, as the handling page shows them.
    pub deadline_basis: Option<String>,
}

impl HandlingForm {
    /// The execution the form calls for, as people name it.
    pub fn execution_name(&self) -> String {
        label(STEP_KINDS, &self.execution)
    }

    /// Whether carrying it out brings money in or out (a sale, a demolition's scrap and costs); a
    /// handover (bàn giao) has none to record.
    pub fn has_money(&self) -> bool {
        self.execution != "ban_giao"
    }
}

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = disposals)]
pub struct Disposal {
    pub id: i32,
    pub code: String,
    pub form_code: String,
    pub task_id: Option<i32>,
    pub unit_id: i32,
    pub reason: String,
    pub status: String,
    pub due_on: Option<NaiveDate>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = disposal_lines)]
pub struct DisposalLine {
    pub id: i32,
    pub disposal_id: i32,
    pub asset_id: i32,
    pub quantity: i32,
    pub original_cost: i64,
    pub residual_value: i64,
    pub decided_quantity: Option<i32>,
    pub decided_cost: Option<i64>,
    pub decided_residual: Option<i64>,
    pub written_down_asset_id: Option<i32>,
    /// The residual value of the quantity written down, on the write-down date.
    pub written_down_residual: Option<i64>,
    /// Giá trị đánh giá lại of one unit of the asset, as the decision or the sale recorded it.
    pub revalued_value: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = disposal_steps)]
pub struct DisposalStep {
    pub id: i32,
    pub disposal_id: i32,
    pub kind: String,
    pub doc_no: Option<String>,
    pub doc_date: NaiveDate,
    pub signer: Option<String>,
    pub authority: Option<String>,
    pub method: Option<String>,
    pub counterparty: Option<String>,
    pub note: Option<String>,
    pub proceeds: Option<i64>,
    pub costs: Option<i64>,
    pub remitted: Option<i64>,
    pub revokes_step_id: Option<i32>,
    pub actor: String,
    pub created_at: NaiveDateTime,
    /// Rounds of an auction.
    pub rounds: Option<i32>,
    /// Who decided (`sale::DECIDED_BY`), on a decision.
    pub decided_by: Option<String>,
    /// The value that chose the method of selling recovered materials (Điều 13.4.b).
    pub valuation: Option<i64>,
}

/// A line with the asset it names.
#[derive(Debug, Clone, Serialize)]
pub struct LineView {
    #[serde(flatten)]
    pub line: DisposalLine,
    pub asset_code: String,
    pub asset_name: String,
    pub unit_of_measure: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepView {
    #[serde(flatten)]
    pub step: DisposalStep,
    pub kind_name: String,
    /// Revoked by a later document.
    pub revoked: bool,
}

/// A handling as the API and the pages show it: the file, its assets, its documents, what is
/// awaited next and by when.
#[derive(Debug, Clone, Serialize)]
pub struct DisposalView {
    #[serde(flatten)]
    pub disposal: Disposal,
    pub form: HandlingForm,
    pub status_name: String,
    pub task_code: Option<String>,
    pub lines: Vec<LineView>,
    pub steps: Vec<StepView>,
    /// Scans of its decisions and minutes.
    pub attachments: Vec<attachments::Attachment>,
    /// What is awaited next, in words.
    pub awaiting: Option<String>,
    pub overdue: bool,
    /// The count lines, findings and assets of its chain of evidence.
    pub related: Vec<crate::evidence::Related>,
}

pub(crate) use crate::assets::label;

/// The forms in force on `on`, by regime.
pub fn forms_on(conn: &mut DbConn, on: NaiveDate) -> AppResult<Vec<HandlingForm>> {
    Ok(all_forms(conn)?.into_iter().filter(|f| f.valid_from <= on && f.valid_to.is_none_or(|t| on <= t)).collect())
}

/// Every handling form, in force or not, in their order.
pub fn all_forms(conn: &mut DbConn) -> AppResult<Vec<HandlingForm>> {
    Ok(handling_forms::table.order(handling_forms::sort_order).select(HandlingForm::as_select()).load(conn)?)
}

/// What becomes of a handling's proceeds after the approved costs, by the kind of unit and, for a
/// public service unit, its financing tier on the day (NĐ 186/2025).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proceeds {
    /// Cơ quan nhà nước: the rest goes to the state budget within 30 days (Điều 40.3).
    Remit,
    /// Đơn vị sự nghiệp công lập whose recurrent spending the state budget covers: the rest goes to
    /// the budget (Điều 64.1.a).
    RemitServiceUnit,
    /// Any other public service unit: the rest goes to its development fund (Điều 64.1.b).
    Keep,
}

impl Proceeds {
    pub fn of(conn: &mut DbConn, unit_id: i32, on: NaiveDate) -> AppResult<Proceeds> {
        Ok(match financing_of(conn, unit_id, on)? {
            None => Proceeds::Remit,
            Some(Some(tier)) if tier == crate::rules::STATE_FUNDED => Proceeds::RemitServiceUnit,
            Some(_) => Proceeds::Keep,
        })
    }

    /// Whether all that is left after the approved costs goes to the budget.
    pub fn remits(self) -> bool {
        self != Proceeds::Keep
    }

    /// In a word, for the register's column.
    pub fn short(self) -> &'static str {
        match self {
            Proceeds::Remit | Proceeds::RemitServiceUnit => "Nộp ngân sách nhà nước",
            Proceeds::Keep => "Để lại đơn vị (quỹ phát triển hoạt động sự nghiệp)",
        }
    }

    /// What the handling page says of it.
    pub fn rule(self) -> &'static str {
        match self {
            Proceeds::Remit => "Cơ quan nhà nước: trong 30 ngày kể từ khi nhận tiền, chi các khoản được duyệt và nộp phần còn lại vào ngân sách nhà nước tại Kho bạc",
            Proceeds::RemitServiceUnit => "Đơn vị sự nghiệp công lập do ngân sách nhà nước bảo đảm chi thường xuyên: phần còn lại sau chi phí nộp ngân sách nhà nước tại Kho bạc",
            Proceeds::Keep => "Đơn vị sự nghiệp công lập: phần còn lại sau chi phí được để lại đơn vị, bổ sung quỹ phát triển hoạt động sự nghiệp",
        }
    }

    pub fn basis(self) -> &'static str {
        match self {
            Proceeds::Remit => "NĐ 186/2025/NĐ-CP, Điều 40.3",
            Proceeds::RemitServiceUnit => "NĐ 186/2025/NĐ-CP, Điều 64.1.a",
            Proceeds::Keep => "NĐ 186/2025/NĐ-CP, Điều 64.1.b",
        }
    }
}

/// The regime of S&T tasks under the Law on Science, Technology and Innovation 93/2025/QH15.
pub const LUAT_93: &str = "luat93_2025";

/// The forms that may handle all of `assets` on `on`: the general forms, and the forms of the S&T
/// task regime when every asset comes from tasks under that regime.
pub fn forms_for(conn: &mut DbConn, assets: &[Asset], on: NaiveDate) -> AppResult<Vec<HandlingForm>> {
    let task_ids: Vec<i32> = assets.iter().filter_map(|a| a.task_id).collect();
    let regimes: Vec<String> = if task_ids.len() == assets.len() && !assets.is_empty() {
        let mut r: Vec<String> =
            tasks::table.filter(tasks::id.eq_any(&task_ids)).select(tasks::legal_regime).distinct().load(conn)?;
        r.sort();
        r
    } else {
        vec![]
    };
    let task_regime = if regimes.len() == 1 { regimes.into_iter().next() } else { None };
    // Assets formed by S&T tasks under Luật 93/2025 are outside NĐ 186/2025 (its Điều 1.2.k): only
    // the forms of that law are offered for them, with its deadlines.
    let outside_decree = task_regime.as_deref() == Some(LUAT_93);
    Ok(forms_on(conn, on)?
        .into_iter()
        .filter(|f| (f.regime == GENERAL && !outside_decree) || Some(&f.regime) == task_regime.as_ref())
        .collect())
}

/// `part` of `whole` items' `value`, in whole đồng rounded half up.
fn share(value: i64, part: i32, whole: i32) -> i64 {
    if whole <= 0 || part >= whole {
        return value;
    }
    ((value as i128 * part as i128 + whole as i128 / 2) / whole as i128) as i64
}

/// The original cost and residual value of `quantity` of an asset on `on`.
fn values_on(asset: &Asset, quantity: i32, rules: &crate::rules::Rules, on: NaiveDate) -> AppResult<(i64, i64)> {
    let residual = asset.wear_schedule(rules, on)?.residual_value;
    Ok((share(asset.original_cost, quantity, asset.quantity), share(residual, quantity, asset.quantity)))
}

/// Land and buildings have longer to be executed.
fn is_land_or_building(conn: &mut DbConn, assets: &[Asset]) -> AppResult<bool> {
    let ids: Vec<i32> = assets.iter().map(|a| a.class_id).collect();
    let codes: Vec<String> =
        asset_classes::table.filter(asset_classes::id.eq_any(ids)).select(asset_classes::code).load(conn)?;
    Ok(codes.iter().any(|c| c == "DAT" || c == "NHA" || c == "VKT"))
}

/// A route naming a handling reaches its assets' units.
pub const REACH: crate::web::Reach = crate::web::Reach::Record(units_of);

/// The units of the assets a handling takes up (`web::Reach`): its documents, attachments and
/// workbooks are theirs.
pub fn units_of(conn: &mut DbConn, id: i32) -> AppResult<Option<Vec<i32>>> {
    let found: Option<i32> = disposals::table.find(id).select(disposals::id).first(conn).optional()?;
    if found.is_none() {
        return Ok(None);
    }
    let ids: Vec<i32> =
        disposal_lines::table.filter(disposal_lines::disposal_id.eq(id)).select(disposal_lines::asset_id).load(conn)?;
    Ok(Some(crate::assets::units_of_assets(conn, &ids)?))
}

pub(crate) fn find(conn: &mut DbConn, id: i32) -> AppResult<Disposal> {
    disposals::table
        .find(id)
        .select(Disposal::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("hồ sơ xử lý số {id}")))
}

fn form_of(conn: &mut DbConn, d: &Disposal) -> AppResult<HandlingForm> {
    handling_forms::table
        .filter(handling_forms::code.eq(&d.form_code))
        .order(handling_forms::valid_from.desc())
        .select(HandlingForm::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::Config(format!("Hình thức xử lý «{}» không có trong bảng quy định", d.form_code)))
}

fn lines_of(conn: &mut DbConn, id: i32) -> AppResult<Vec<DisposalLine>> {
    Ok(disposal_lines::table
        .filter(disposal_lines::disposal_id.eq(id))
        .order(disposal_lines::id)
        .select(DisposalLine::as_select())
        .load(conn)?)
}

fn steps_of(conn: &mut DbConn, id: i32) -> AppResult<Vec<DisposalStep>> {
    Ok(disposal_steps::table
        .filter(disposal_steps::disposal_id.eq(id))
        .order(disposal_steps::id)
        .select(DisposalStep::as_select())
        .load(conn)?)
}

/// The steps that stand: neither revoking nor revoked.
pub(crate) fn standing(steps: &[DisposalStep]) -> Vec<&DisposalStep> {
    let revoked: Vec<i32> = steps.iter().filter_map(|s| s.revokes_step_id).collect();
    steps.iter().filter(|s| s.kind != "thu_hoi" && !revoked.contains(&s.id)).collect()
}

/// The one document a counter-document may revoke: the latest standing, unless it is the write-down
/// (what left the register comes back only by a new booking). The page offers what this allows.
pub(crate) fn revocable(steps: &[DisposalStep]) -> Option<&DisposalStep> {
    standing(steps).last().copied().filter(|s| s.kind != "ghi_giam")
}

/// What a handling awaits in its status, and the deadline from the step that set it.
fn next_due(form: &HandlingForm, status: &str, since: NaiveDate, land: bool) -> Option<NaiveDate> {
    let days = match status {
        "de_nghi" => form.decide_days,
        "da_quyet_dinh" if land && form.execute_days_land.is_some() => form.execute_days_land?,
        "da_quyet_dinh" => match form.execute_months {
            Some(months) => return since.checked_add_months(chrono::Months::new(months as u32)),
            None => form.execute_days,
        },
        // The write-down and the change declaration, within days of the execution.
        "da_thuc_hien" => form.write_down_days?,
        _ => return None,
    };
    Some(since + Duration::days(days as i64))
}

fn awaiting(status: &str, form: &HandlingForm) -> Option<String> {
    match status {
        "de_nghi" => Some("Quyết định xử lý của cấp có thẩm quyền".into()),
        "da_quyet_dinh" => Some(format!("Thực hiện: {}", label(STEP_KINDS, &form.execution))),
        "da_thuc_hien" => {
            Some("Ghi giảm tài sản và kê khai biến động vào cơ sở dữ liệu quốc gia về tài sản công".into())
        }
        _ => None,
    }
}

/// The fields every document has: number, date (not in the future, not before `after`), signer,
/// authority, note.
struct Document {
    doc_no: Option<String>,
    doc_date: NaiveDate,
    signer: Option<String>,
    authority: Option<String>,
    note: Option<String>,
}

fn read_document(input: &mut Input, number_required: bool, after: Option<(NaiveDate, &str)>) -> Option<Document> {
    let doc_no = input.text("doc_no", "Số văn bản", number_required, 100);
    let doc_date = input.date("doc_date", "Ngày văn bản");
    let doc_date = input.required(doc_date, "doc_date", "Ngày văn bản");
    if doc_date.is_some_and(|d| d > today()) {
        input.error("doc_date", "«Ngày văn bản» không được sau ngày hôm nay");
    }
    if let (Some(d), Some((before, what))) = (doc_date, after) {
        if d < before {
            input.error("doc_date", format!("«Ngày văn bản» không được trước {what} ({})", text::format_date(before)));
        }
    }
    let signer = input.text("signer", "Người ký", false, 200);
    let authority = input.text("authority", "Cơ quan, người có thẩm quyền", false, 300);
    let note = input.text("note", "Ghi chú", false, 4000);
    Some(Document { doc_no, doc_date: doc_date?, signer, authority, note })
}

/// Appends a step and moves the handling to `status` — only from the version the caller read, so
/// that two people cannot both decide the same proposal.
#[allow(clippy::too_many_arguments)]
fn append(
    conn: &mut DbConn,
    actor: &Actor,
    d: &Disposal,
    kind: &'static str,
    doc: &Document,
    extra: StepExtra,
    status: &str,
    due_on: Option<NaiveDate>,
) -> AppResult<i32> {
    let now = text::now_utc();
    let moved =
        diesel::update(disposals::table.filter(disposals::id.eq(d.id)).filter(disposals::version.eq(d.version)))
            .set((
                disposals::status.eq(status),
                disposals::due_on.eq(due_on),
                disposals::updated_at.eq(now),
                disposals::version.eq(d.version + 1),
            ))
            .execute(conn)?;
    if moved == 0 {
        return Err(AppError::conflict("Hồ sơ xử lý vừa được người khác cập nhật; hãy tải lại và xem bước mới nhất"));
    }
    let id: i32 = diesel::insert_into(disposal_steps::table)
        .values((
            disposal_steps::disposal_id.eq(d.id),
            disposal_steps::kind.eq(kind),
            disposal_steps::doc_no.eq(&doc.doc_no),
            disposal_steps::doc_date.eq(doc.doc_date),
            disposal_steps::signer.eq(&doc.signer),
            disposal_steps::authority.eq(&doc.authority),
            disposal_steps::method.eq(&extra.method),
            disposal_steps::counterparty.eq(&extra.counterparty),
            disposal_steps::note.eq(&doc.note),
            disposal_steps::proceeds.eq(extra.proceeds),
            disposal_steps::costs.eq(extra.costs),
            disposal_steps::remitted.eq(extra.remitted),
            disposal_steps::revokes_step_id.eq(extra.revokes),
            disposal_steps::rounds.eq(extra.rounds),
            disposal_steps::decided_by.eq(&extra.decided_by),
            disposal_steps::valuation.eq(extra.valuation),
            disposal_steps::actor.eq(&actor.0),
            disposal_steps::created_at.eq(now),
        ))
        .returning(disposal_steps::id)
        .get_result(conn)?;
    // Read back: a returned row of all columns is not expressible over the MultiConnection.
    let step = disposal_steps::table.find(id).select(DisposalStep::as_select()).first(conn)?;
    // The handling's code names it in the history, as every document names it.
    audit::record(
        conn,
        actor,
        "step",
        "disposal",
        d.id,
        None,
        Some(&json!({"code": d.code, "status": status, "step": step})),
    )?;
    Ok(id)
}

#[derive(Default)]
struct StepExtra {
    method: Option<String>,
    counterparty: Option<String>,
    proceeds: Option<i64>,
    costs: Option<i64>,
    remitted: Option<i64>,
    revokes: Option<i32>,
    rounds: Option<i32>,
    decided_by: Option<String>,
    valuation: Option<i64>,
}

/// Quantities of each asset held by handlings still open (not withdrawn, not written down).
fn held_elsewhere(conn: &mut DbConn, asset_ids: &[i32]) -> AppResult<HashMap<i32, (i32, String)>> {
    let rows: Vec<(i32, i32, Option<i32>, String)> = disposal_lines::table
        .inner_join(disposals::table)
        .filter(disposal_lines::asset_id.eq_any(asset_ids))
        .filter(disposals::status.ne_all(["da_huy", "da_ghi_giam"]))
        .select((disposal_lines::asset_id, disposal_lines::quantity, disposal_lines::decided_quantity, disposals::code))
        .load(conn)?;
    let mut out: HashMap<i32, (i32, String)> = HashMap::new();
    for (asset, q, decided, code) in rows {
        let e = out.entry(asset).or_insert((0, String::new()));
        e.0 += decided.unwrap_or(q);
        e.1 = code;
    }
    Ok(out)
}

pub(crate) const PROPOSAL_FIELDS: &[&str] =
    &["form_code", "reason", "lines", "doc_no", "doc_date", "signer", "authority", "note", "unit_id"];
pub(crate) const LINE_FIELDS: &[&str] = &["asset_id", "quantity"];

/// Đề nghị xử lý: the assets and quantities, the form proposed and why. Opens a handling file.
pub fn propose(conn: &mut DbConn, actor: &Actor, scope: &Scope, mut input: Input) -> AppResult<i32> {
    input.reject_unknown(PROPOSAL_FIELDS, &[]);
    let form_code = input.text("form_code", "Hình thức xử lý", true, 60);
    let reason = input.text("reason", "Lý do xử lý", true, 2000);
    let doc = read_document(&mut input, false, None);
    let items = input.list("lines", "Tài sản đề nghị xử lý", true);
    let mut wanted: Vec<(usize, i32, i32)> = vec![];
    for (i, mut item) in items.into_iter().enumerate() {
        item.reject_unknown(LINE_FIELDS, &[]);
        let asset_id = item.id("asset_id", "Tài sản");
        let asset_id = item.required(asset_id, "asset_id", "Tài sản");
        let quantity = item.int("quantity", "Số lượng", 1, 1_000_000_000).map(|q| q as i32);
        if let Some(id) = asset_id {
            wanted.push((i, id, quantity.unwrap_or(0)));
        }
        input.absorb("lines", i, item);
    }
    let ids: Vec<i32> = wanted.iter().map(|w| w.1).collect();
    let found: Vec<Asset> = assets_t::table.filter(assets_t::id.eq_any(&ids)).select(Asset::as_select()).load(conn)?;
    let by_id: HashMap<i32, &Asset> = found.iter().map(|a| (a.id, a)).collect();
    let held = held_elsewhere(conn, &ids)?;
    let mut seen = vec![];
    for (i, id, quantity) in &wanted {
        let key = format!("lines[{i}].asset_id");
        let Some(a) = by_id.get(id) else {
            input.error(&key, format!("Không có tài sản số {id}"));
            continue;
        };
        if scope.check_edit(a.unit_id).is_err() {
            input.error(&key, format!("«{}»: tài sản của đơn vị khác, bạn không đề nghị xử lý được", a.code));
            continue;
        }
        if seen.contains(id) {
            input.error(&key, format!("«{}» ghi hai lần trong cùng đề nghị", a.code));
        }
        seen.push(*id);
        if a.status == "da_xu_ly" {
            input.error(&key, format!("«{}» đã được xử lý và ghi giảm", a.code));
            continue;
        }
        let quantity = if *quantity == 0 { a.quantity } else { *quantity };
        let (taken, by) = held.get(id).cloned().unwrap_or_default();
        if quantity + taken > a.quantity {
            let qkey = format!("lines[{i}].quantity");
            if taken > 0 {
                input.error(
                    &qkey,
                    format!(
                        "«{}» có {} {}, hồ sơ {by} đang xử lý {taken}: chỉ còn {}",
                        a.code,
                        a.quantity,
                        a.unit_of_measure,
                        a.quantity - taken
                    ),
                );
            } else {
                input.error(&qkey, format!("«{}» chỉ có {} {}", a.code, a.quantity, a.unit_of_measure));
            }
        }
    }
    let on = doc.as_ref().map(|d| d.doc_date).unwrap_or_else(today);
    let chosen: Vec<Asset> = wanted.iter().filter_map(|w| by_id.get(&w.1).map(|a| (*a).clone())).collect();
    let forms = forms_for(conn, &chosen, on)?;
    let form = form_code.as_ref().and_then(|c| forms.iter().find(|f| &f.code == c)).cloned();
    if form_code.is_some() && form.is_none() && !chosen.is_empty() {
        let names: Vec<&str> = forms.iter().map(|f| f.name.as_str()).collect();
        input.error(
            "form_code",
            format!("Hình thức này không áp dụng cho các tài sản đã chọn; được chọn: {}", names.join("; ")),
        );
    }
    let units: Vec<i32> = {
        let mut u: Vec<i32> = chosen.iter().map(|a| a.unit_id).collect();
        u.sort();
        u.dedup();
        u
    };
    let task_ids: Vec<Option<i32>> = {
        let mut t: Vec<Option<i32>> = chosen.iter().map(|a| a.task_id).collect();
        t.sort();
        t.dedup();
        t
    };
    input.finish()?;
    let (Some(form), Some(reason), Some(doc)) = (form, reason, doc) else {
        return Err(AppError::Internal("đề nghị thiếu trường đã kiểm".into()));
    };
    let rules = crate::rules::Rules::load(conn)?;
    let now = text::now_utc();
    let code = next_code(conn, on)?;
    let land = is_land_or_building(conn, &chosen)?;
    let id: i32 = diesel::insert_into(disposals::table)
        .values((
            disposals::code.eq(&code),
            disposals::form_code.eq(&form.code),
            disposals::task_id.eq(if task_ids.len() == 1 { task_ids[0] } else { None }),
            disposals::unit_id.eq(units.first().copied().unwrap_or_default()),
            disposals::reason.eq(&reason),
            disposals::status.eq("de_nghi"),
            disposals::due_on.eq(next_due(&form, "de_nghi", doc.doc_date, land)),
            disposals::created_by.eq(&actor.0),
            disposals::created_at.eq(now),
            disposals::updated_at.eq(now),
            disposals::version.eq(0),
        ))
        .returning(disposals::id)
        .get_result(conn)?;
    for (_, asset_id, quantity) in &wanted {
        let a = by_id[asset_id];
        let quantity = if *quantity == 0 { a.quantity } else { *quantity };
        let (cost, residual) = values_on(a, quantity, &rules, doc.doc_date)?;
        diesel::insert_into(disposal_lines::table)
            .values((
                disposal_lines::disposal_id.eq(id),
                disposal_lines::asset_id.eq(asset_id),
                disposal_lines::quantity.eq(quantity),
                disposal_lines::original_cost.eq(cost),
                disposal_lines::residual_value.eq(residual),
            ))
            .execute(conn)?;
    }
    let d = find(conn, id)?;
    append(conn, actor, &d, "de_nghi", &doc, StepExtra::default(), "de_nghi", d.due_on)?;
    Ok(id)
}

/// XL-2026-0001: the year of the proposal and a number counted within it.
fn next_code(conn: &mut DbConn, on: NaiveDate) -> AppResult<String> {
    use chrono::Datelike;
    let prefix = format!("XL-{}-", on.year());
    let last = crate::db::last_number(conn, "disposals", &prefix, "", |c, like| {
        Ok(disposals::table.filter(disposals::code.like(like)).select(disposals::code).load(c)?)
    })?;
    Ok(format!("{prefix}{:04}", last + 1))
}

fn require_status(d: &Disposal, status: &str, what: &str) -> AppResult<()> {
    if d.status == status {
        return Ok(());
    }
    Err(AppError::conflict(format!("Chưa {what} được: hồ sơ {} đang ở bước «{}»", d.code, label(STATUSES, &d.status))))
}

pub(crate) fn check_scope(conn: &mut DbConn, scope: &Scope, d: &Disposal) -> AppResult<()> {
    let lines = lines_of(conn, d.id)?;
    let ids: Vec<i32> = lines.iter().map(|l| l.asset_id).collect();
    let units: Vec<i32> = assets_t::table.filter(assets_t::id.eq_any(ids)).select(assets_t::unit_id).load(conn)?;
    for u in units {
        scope.check_edit(u)?;
    }
    Ok(())
}

/// The date of the latest standing step of `kinds`.
fn date_of(steps: &[DisposalStep], kinds: &[&str]) -> Option<NaiveDate> {
    standing(steps).into_iter().rev().find(|s| kinds.contains(&s.kind.as_str())).map(|s| s.doc_date)
}

pub(crate) const DECISION_FIELDS: &[&str] =
    &["doc_no", "doc_date", "signer", "authority", "method", "decided_by", "note", "lines", "version"];
pub(crate) const DECIDED_LINE_FIELDS: &[&str] = &["line_id", "quantity", "revalued"];

/// The revalued value of one unit of each line, where a step's `lines` give it; other line fields
/// are read by the caller from the same items.
fn read_revalued(item: &mut Input) -> Option<i64> {
    item.money("revalued", "Giá trị đánh giá lại / 01 đơn vị tài sản")
}

/// The units a handling's lines put up for sale or decision, with the revalued values known.
fn unit_values(
    conn: &mut DbConn,
    lines: &[(DisposalLine, Asset)],
    revalued: &HashMap<i32, i64>,
) -> AppResult<Vec<sale::UnitValue>> {
    let class_ids: Vec<i32> = lines.iter().map(|(_, a)| a.class_id).collect();
    let cars: Vec<i32> = asset_classes::table
        .filter(asset_classes::id.eq_any(class_ids))
        .filter(asset_classes::code.eq(assets::CAR_CLASS))
        .select(asset_classes::id)
        .load(conn)?;
    Ok(lines
        .iter()
        .map(|(l, a)| {
            let value = revalued.get(&l.id).copied().or(l.revalued_value);
            sale::UnitValue::of(a, cars.contains(&a.class_id), value)
        })
        .collect())
}

/// What a sale of this form sells, when the decree's thresholds judge it (the general regime).
pub(crate) fn sold_by(form: &HandlingForm) -> Option<sale::Sold> {
    (form.regime == GENERAL && form.execution == "ban").then_some(if form.code == "thanh_ly_ban" {
        sale::Sold::Liquidation
    } else {
        sale::Sold::Asset
    })
}

/// What decides a unit's own authority and where its proceeds go: `None` for a state body; for a
/// public service unit, its financing tier on `on` (NĐ 60/2021), if one is recorded.
fn financing_of(conn: &mut DbConn, unit_id: i32, on: NaiveDate) -> AppResult<Option<Option<String>>> {
    use crate::db::schema::{org_units, unit_financing};
    let kind: String = org_units::table.find(unit_id).select(org_units::kind).first(conn)?;
    if kind != crate::rules::PUBLIC_SERVICE_UNIT {
        return Ok(None);
    }
    let tier: Option<String> = unit_financing::table
        .filter(unit_financing::unit_id.eq(unit_id))
        .filter(unit_financing::valid_from.le(on))
        .filter(unit_financing::valid_to.is_null().or(unit_financing::valid_to.ge(on)))
        .order(unit_financing::valid_from.desc())
        .select(unit_financing::autonomy)
        .first(conn)
        .optional()?;
    Ok(Some(tier))
}

fn unit_kind(conn: &mut DbConn, unit_id: i32, on: NaiveDate) -> AppResult<sale::UnitKind> {
    Ok(match financing_of(conn, unit_id, on)? {
        None => sale::UnitKind::StateBody,
        Some(tier) => {
            sale::UnitKind::PublicService { self_financing: tier.as_deref() == Some(crate::rules::SELF_FINANCING) }
        }
    })
}

fn lines_with_assets(conn: &mut DbConn, id: i32) -> AppResult<Vec<(DisposalLine, Asset)>> {
    let mut out = vec![];
    for l in lines_of(conn, id)? {
        let a = assets::find(conn, l.asset_id)?;
        out.push((l, a));
    }
    Ok(out)
}

fn store_revalued(conn: &mut DbConn, revalued: &HashMap<i32, i64>) -> AppResult<()> {
    for (line, value) in revalued {
        diesel::update(disposal_lines::table.find(line)).set(disposal_lines::revalued_value.eq(value)).execute(conn)?;
    }
    Ok(())
}

/// Quyết định xử lý: number, date, signer and authority, the quantities decided (at most those
/// proposed; all of them unless said), valued at the decision date. Sets the deadline to execute.
/// A sale's decision may fix its method (Điều 23.2.c) and says who decided: a method or an
/// authority the decree's thresholds do not allow is refused, naming the article.
pub fn decide(conn: &mut DbConn, actor: &Actor, scope: &Scope, id: i32, mut input: Input) -> AppResult<()> {
    let d = find(conn, id)?;
    check_scope(conn, scope, &d)?;
    check_version(&mut input, &d)?;
    require_status(&d, "de_nghi", "quyết định")?;
    let steps = steps_of(conn, id)?;
    let form = form_of(conn, &d)?;
    input.reject_unknown(DECISION_FIELDS, &[]);
    let proposed_on = date_of(&steps, &["de_nghi"]);
    let doc = read_document(&mut input, true, proposed_on.map(|p| (p, "ngày đề nghị")));
    let sold = sold_by(&form);
    let method = match sold {
        Some(_) => input.choice("method", "Phương thức bán", SALE_METHODS, false),
        None => input.text("method", "Phương thức xử lý", false, 500),
    };
    let decision = (form.regime == GENERAL).then(|| sale::Decision::of_form(&form.code)).flatten();
    let decided_by = match decision {
        Some(_) => input.choice("decided_by", "Thẩm quyền quyết định", sale::DECIDED_BY, false),
        None => None,
    };
    let lines = lines_with_assets(conn, id)?;
    let mut decided: HashMap<i32, i32> = lines.iter().map(|(l, _)| (l.id, l.quantity)).collect();
    let mut revalued: HashMap<i32, i64> = HashMap::new();
    for (i, mut item) in input.list("lines", "Số lượng quyết định", false).into_iter().enumerate() {
        item.reject_unknown(DECIDED_LINE_FIELDS, &[]);
        let line_id = item.id("line_id", "Dòng đề nghị");
        let quantity = item.int("quantity", "Số lượng", 1, 1_000_000_000).map(|q| q as i32);
        let value = read_revalued(&mut item);
        match (line_id.and_then(|l| lines.iter().find(|(x, _)| x.id == l)), quantity) {
            (None, _) => item.error("line_id", "Không có dòng này trong đề nghị"),
            (Some((l, _)), Some(q)) if q > l.quantity => {
                item.error("quantity", format!("Quyết định {q} nhưng chỉ đề nghị {}", l.quantity))
            }
            (Some((l, _)), q) => {
                if let Some(q) = q {
                    decided.insert(l.id, q);
                }
                if let Some(v) = value {
                    revalued.insert(l.id, v);
                }
            }
        }
        input.absorb("lines", i, item);
    }
    let rules = crate::rules::Rules::load(conn)?;
    if let (Some(on), false) =
        (doc.as_ref().map(|d| d.doc_date), input.has_error("method") || input.has_error_in("lines"))
    {
        let units = unit_values(conn, &lines, &revalued)?;
        if let (Some(sold), Some(m)) = (sold, method.as_deref().and_then(sale::SaleMethod::parse)) {
            if let Err(why) = sale::check_method(&rules, sold, m, &units, on) {
                input.error("method", why);
            }
        }
        match (decision, decided_by.as_deref().and_then(sale::DecidedBy::parse)) {
            (Some(decision), Some(sale::DecidedBy::Unit)) => {
                let kind = unit_kind(conn, d.unit_id, on)?;
                if let Err(why) = sale::check_unit_authority(&rules, decision, kind, &units, on) {
                    input.error("decided_by", why);
                }
            }
            (_, Some(sale::DecidedBy::Delegated)) if doc.as_ref().is_some_and(|d| d.authority.is_none()) => {
                input.error("authority", "Quyết định theo phân cấp: ghi cơ quan và văn bản phân cấp thẩm quyền")
            }
            _ => {}
        }
    }
    input.finish()?;
    let doc = doc.ok_or_else(|| AppError::Internal("quyết định thiếu ngày".into()))?;
    let mut assets = vec![];
    for (l, a) in lines {
        let q = decided[&l.id];
        if q > a.quantity {
            return Err(AppError::conflict(format!(
                "«{}» nay chỉ còn {} {}: không quyết định {q} được",
                a.code, a.quantity, a.unit_of_measure
            )));
        }
        let (cost, residual) = values_on(&a, q, &rules, doc.doc_date)?;
        diesel::update(disposal_lines::table.find(l.id))
            .set((
                disposal_lines::decided_quantity.eq(q),
                disposal_lines::decided_cost.eq(cost),
                disposal_lines::decided_residual.eq(residual),
            ))
            .execute(conn)?;
        assets.push(a);
    }
    store_revalued(conn, &revalued)?;
    let land = is_land_or_building(conn, &assets)?;
    let due = next_due(&form, "da_quyet_dinh", doc.doc_date, land);
    let extra = StepExtra { method, decided_by, ..Default::default() };
    append(conn, actor, &d, "quyet_dinh", &doc, extra, "da_quyet_dinh", due)?;
    Ok(())
}

fn check_version(input: &mut Input, d: &Disposal) -> AppResult<()> {
    let version = input.int("version", "Phiên bản", 0, i32::MAX as i64);
    match version {
        Some(v) if v != d.version as i64 => Err(AppError::conflict(format!(
            "Hồ sơ {} đã có bước mới sau khi bạn mở (phiên bản {} , bạn gửi {v}); hãy tải lại",
            d.code, d.version
        ))),
        Some(_) => Ok(()),
        None => Err(AppError::invalid("version", "Cần gửi «version» — số phiên bản của hồ sơ đang xem")),
    }
}

pub(crate) const EXECUTION_FIELDS: &[&str] = &[
    "doc_no",
    "doc_date",
    "signer",
    "authority",
    "method",
    "counterparty",
    "proceeds",
    "rounds",
    "note",
    "lines",
    "version",
];
pub(crate) const REVALUED_LINE_FIELDS: &[&str] = &["line_id", "revalued"];

/// The execution the form calls for: handover minutes to the receiver; a sale with its method, buyer
/// and price; a destruction or dismantling with its method; or the record of another form. Not
/// before the decision. A sale keeps the method its decision fixed and fits the decree's
/// thresholds on the revalued values (given here, or with the decision).
pub fn execute(conn: &mut DbConn, actor: &Actor, scope: &Scope, id: i32, mut input: Input) -> AppResult<()> {
    let d = find(conn, id)?;
    check_scope(conn, scope, &d)?;
    check_version(&mut input, &d)?;
    require_status(&d, "da_quyet_dinh", "thực hiện")?;
    let form = form_of(conn, &d)?;
    let steps = steps_of(conn, id)?;
    input.reject_unknown(EXECUTION_FIELDS, &[]);
    let decided_on = date_of(&steps, &["quyet_dinh"]);
    let doc = read_document(&mut input, false, decided_on.map(|p| (p, "ngày quyết định")));
    let lines = lines_with_assets(conn, id)?;
    let mut revalued: HashMap<i32, i64> = HashMap::new();
    for (i, mut item) in input.list("lines", "Giá trị đánh giá lại", false).into_iter().enumerate() {
        item.reject_unknown(REVALUED_LINE_FIELDS, &[]);
        let line_id = item.id("line_id", "Dòng đề nghị");
        let value = read_revalued(&mut item);
        match (line_id.filter(|l| lines.iter().any(|(x, _)| x.id == *l)), value) {
            (None, _) => item.error("line_id", "Không có dòng này trong đề nghị"),
            (Some(l), Some(v)) => {
                revalued.insert(l, v);
            }
            (Some(_), None) => {}
        }
        input.absorb("lines", i, item);
    }
    let mut extra = StepExtra::default();
    match form.execution.as_str() {
        "ban_giao" => {
            let to = input.text("counterparty", "Bên nhận", true, 300);
            extra.counterparty = to;
        }
        "ban" => {
            extra.method = input.choice("method", "Phương thức bán", SALE_METHODS, true);
            extra.counterparty = input.text("counterparty", "Người mua", true, 300);
            let price = input.money("proceeds", "Giá bán");
            extra.proceeds = input.required(price, "proceeds", "Giá bán");
            extra.rounds = input.int("rounds", "Số vòng đấu giá", 1, 100).map(|r| r as i32);
            if extra.method.as_deref() == Some("dau_gia") && extra.rounds.is_none() && !input.has_error("rounds") {
                input.error("rounds", "Bán đấu giá cần ghi số vòng đấu giá");
            }
            let method = extra.method.as_deref().and_then(sale::SaleMethod::parse);
            let decided = standing(&steps)
                .into_iter()
                .rev()
                .find(|s| s.kind == "quyet_dinh")
                .and_then(|s| s.method.as_deref())
                .and_then(sale::SaleMethod::parse);
            if let (Some(m), Some(fixed)) = (method, decided) {
                if m != fixed {
                    input.error(
                        "method",
                        format!(
                            "Quyết định bán đã định phương thức «{}» (NĐ 186/2025/NĐ-CP, Điều 23.2.c): đổi phương thức cần quyết định khác",
                            fixed.label()
                        ),
                    );
                }
            }
            if let (Some(sold), Some(m), Some(doc)) = (sold_by(&form), method, doc.as_ref()) {
                if !input.has_error("method") && !input.has_error_in("lines") {
                    let rules = crate::rules::Rules::load(conn)?;
                    let units = unit_values(conn, &lines, &revalued)?;
                    if let Err(why) = sale::check_method(&rules, sold, m, &units, doc.doc_date) {
                        input.error("method", why);
                    }
                }
            }
        }
        "tieu_huy" => {
            extra.method = input.text("method", "Cách tiêu hủy, phá dỡ", true, 500);
        }
        _ => {
            extra.method = input.text("method", "Cách thực hiện", false, 500);
        }
    }
    input.finish()?;
    let doc = doc.ok_or_else(|| AppError::Internal("thực hiện thiếu ngày".into()))?;
    store_revalued(conn, &revalued)?;
    let kind: &'static str = match form.execution.as_str() {
        "ban_giao" => "ban_giao",
        "ban" => "ban",
        "tieu_huy" => "tieu_huy",
        _ => "khac",
    };
    // What follows an execution has a deadline too: the write-down and the change declaration.
    let due = next_due(&form, "da_thuc_hien", doc.doc_date, false);
    append(conn, actor, &d, kind, &doc, extra, "da_thuc_hien", due)?;
    Ok(())
}

pub(crate) const MONEY_FIELDS: &[&str] =
    &["doc_no", "doc_date", "proceeds", "costs", "remitted", "method", "valuation", "note", "version"];

/// The money of a handling: what it brought in, the costs approved, what was paid to the budget
/// (at most what was brought in less the costs). Recorded once executed.
pub fn record_money(conn: &mut DbConn, actor: &Actor, scope: &Scope, id: i32, mut input: Input) -> AppResult<()> {
    let d = find(conn, id)?;
    check_scope(conn, scope, &d)?;
    check_version(&mut input, &d)?;
    if !["da_thuc_hien", "da_ghi_giam"].contains(&d.status.as_str()) {
        return Err(AppError::conflict(format!(
            "Chưa ghi tiền được: hồ sơ {} đang ở bước «{}»",
            d.code,
            label(STATUSES, &d.status)
        )));
    }
    let form = form_of(conn, &d)?;
    if !form.has_money() {
        return Err(AppError::conflict(format!(
            "Hình thức «{}» là bàn giao tài sản, không có khoản thu, chi hay nộp ngân sách để ghi",
            form.name
        )));
    }
    let steps = steps_of(conn, id)?;
    input.reject_unknown(MONEY_FIELDS, &[]);
    let executed_on = date_of(&steps, &["ban_giao", "ban", "tieu_huy", "khac"]);
    let doc = read_document(&mut input, false, executed_on.map(|p| (p, "ngày thực hiện")));
    let proceeds = input.money("proceeds", "Số tiền thu được").unwrap_or(0);
    let costs = input.money("costs", "Chi phí được duyệt").unwrap_or(0);
    let remitted = input.money("remitted", "Số nộp ngân sách");
    // A state body remits all that is left (Điều 40.3); a public service unit keeps it under its
    // financial regime (Điều 64), remitting only what it chooses to.
    let on = doc.as_ref().map(|d| d.doc_date).unwrap_or_else(today);
    let rule = Proceeds::of(conn, d.unit_id, on)?;
    let remitted = if rule.remits() {
        let remitted = input.required(remitted, "remitted", "Số nộp ngân sách");
        if remitted.is_some_and(|r| r < proceeds - costs) {
            input.error(
                "remitted",
                format!(
                    "Phải nộp vào ngân sách toàn bộ số thu sau khi trừ chi phí được duyệt: {} ({})",
                    crate::web::fmt::money(proceeds - costs),
                    rule.basis()
                ),
            );
        }
        remitted
    } else {
        Some(remitted.unwrap_or(0))
    };
    if remitted.is_some_and(|r| r > proceeds - costs) {
        input.error(
            "remitted",
            format!("Nộp ngân sách nhiều hơn số thu trừ chi phí ({})", crate::web::fmt::money(proceeds - costs)),
        );
    }
    if costs > proceeds {
        input.error("costs", "Chi phí lớn hơn số thu: phần chênh do ngân sách chi, không trừ vào đây");
    }
    // Materials recovered from a demolition are sold by their total value (Điều 13.4.a, 30.3): the
    // value and the method are part of the money's record.
    let (mut method, mut valuation) = (None, None);
    if form.execution == "tieu_huy" && form.regime == GENERAL && proceeds > 0 {
        method = input.choice("method", "Phương thức bán vật tư, vật liệu thu hồi", SALE_METHODS, true);
        let value = input.money("valuation", "Giá trị vật tư, vật liệu thu hồi");
        valuation = input.required(value, "valuation", "Giá trị vật tư, vật liệu thu hồi");
        if let (Some(m), Some(v), Some(doc)) =
            (method.as_deref().and_then(sale::SaleMethod::parse), valuation, doc.as_ref())
        {
            let rules = crate::rules::Rules::load(conn)?;
            let materials = sale::UnitValue {
                asset_code: "Vật tư, vật liệu thu hồi".into(),
                cost: None,
                revalued: Some(v),
                car: false,
                fixed: true,
            };
            if let Err(why) = sale::check_method(&rules, sale::Sold::Materials, m, &[materials], doc.doc_date) {
                input.error("method", why);
            }
        }
    }
    input.finish()?;
    let doc = doc.ok_or_else(|| AppError::Internal("thiếu ngày".into()))?;
    let extra =
        StepExtra { proceeds: Some(proceeds), costs: Some(costs), remitted, method, valuation, ..Default::default() };
    let status = d.status.clone();
    append(conn, actor, &d, "tien", &doc, extra, &status, d.due_on)?;
    Ok(())
}

pub(crate) const WRITE_DOWN_FIELDS: &[&str] = &["doc_no", "doc_date", "note", "version"];

/// Ghi giảm: takes the decided quantities off the register as of the write-down date. An asset
/// handled whole is marked handled; part of an asset's quantity is split off into an asset record
/// of its own (its share of cost and opening wear) that is marked handled, the rest staying in use.
pub fn write_down(conn: &mut DbConn, actor: &Actor, scope: &Scope, id: i32, mut input: Input) -> AppResult<()> {
    let d = find(conn, id)?;
    check_scope(conn, scope, &d)?;
    check_version(&mut input, &d)?;
    require_status(&d, "da_thuc_hien", "ghi giảm")?;
    let steps = steps_of(conn, id)?;
    input.reject_unknown(WRITE_DOWN_FIELDS, &[]);
    let executed_on = date_of(&steps, &["ban_giao", "ban", "tieu_huy", "khac"]);
    let doc = read_document(&mut input, false, executed_on.map(|p| (p, "ngày thực hiện")));
    input.finish()?;
    let doc = doc.ok_or_else(|| AppError::Internal("thiếu ngày".into()))?;
    let mut checker = Checker::load(conn)?;
    let note = format!("Ghi giảm theo hồ sơ xử lý {} ngày {}", d.code, text::format_date(doc.doc_date));
    for l in lines_of(conn, id)? {
        let a = assets::find(conn, l.asset_id)?;
        let q = l.decided_quantity.unwrap_or(l.quantity);
        if q > a.quantity {
            return Err(AppError::conflict(format!(
                "«{}» nay chỉ còn {} {}: không ghi giảm {q} được",
                a.code, a.quantity, a.unit_of_measure
            )));
        }
        // The residual value of what leaves, on the write-down date, as the register states it.
        let (_, residual) = values_on(&a, q, &checker.rules, doc.doc_date)?;
        let handled_id = if q == a.quantity {
            let patch = Input::from_json(json!({"status": "da_xu_ly", "notes": join_note(&a.notes, &note)}))?;
            written(assets::write_update(conn, &mut checker, actor, scope, &a, patch, false)?, &a)?;
            a.id
        } else {
            split_off(conn, &mut checker, actor, scope, &a, q, &d.code, &note)?
        };
        diesel::update(disposal_lines::table.find(l.id))
            .set((
                disposal_lines::written_down_asset_id.eq(handled_id),
                disposal_lines::written_down_residual.eq(residual),
            ))
            .execute(conn)?;
        // Off the books from this day: its wear stays as the write-down states it.
        assets::freeze_wear(conn, &checker.rules, handled_id, doc.doc_date)?;
    }
    append(conn, actor, &d, "ghi_giam", &doc, StepExtra::default(), "da_ghi_giam", None)?;
    Ok(())
}

fn join_note(current: &Option<String>, add: &str) -> String {
    match current.as_deref().map(str::trim) {
        Some(c) if !c.is_empty() => format!("{c}\n{add}"),
        _ => add.to_string(),
    }
}

fn written(result: Option<Updated>, a: &Asset) -> AppResult<Asset> {
    match result {
        Some(Updated::Written(after)) => Ok(*after),
        _ => Err(AppError::conflict(format!("Tài sản «{}» vừa được người khác sửa; hãy thử lại", a.code))),
    }
}

/// Splits `quantity` of an asset into a record of its own, marked handled; returns its id. The cost
/// by source and the opening wear are shared out in proportion; the original keeps the rest.
#[allow(clippy::too_many_arguments)]
fn split_off(
    conn: &mut DbConn,
    checker: &mut Checker,
    actor: &Actor,
    scope: &Scope,
    a: &Asset,
    quantity: i32,
    disposal_code: &str,
    note: &str,
) -> AppResult<i32> {
    let part = |v: i64| share(v, quantity, a.quantity);
    let mut fields = assets::editable_json(a);
    fields["code"] = json!(format!("{}-{}", a.code, disposal_code));
    fields["quantity"] = json!(quantity);
    fields["cost_state"] = json!(part(a.cost_state));
    fields["cost_other"] = json!(part(a.cost_other));
    fields["opening_wear"] = json!(part(a.opening_wear));
    fields["status"] = json!("da_xu_ly");
    fields["notes"] =
        json!(join_note(&a.notes, &format!("Tách {quantity} {} từ «{}». {note}", a.unit_of_measure, a.code)));
    let mut input = Input::from_json(fields)?;
    let record = assets::check_new(conn, checker, scope, &mut input)?;
    let handled = assets::insert_many(conn, actor, vec![record])?.pop().expect("one record, one asset");
    let rest = json!({
        "quantity": a.quantity - quantity,
        "cost_state": a.cost_state - part(a.cost_state),
        "cost_other": a.cost_other - part(a.cost_other),
        "opening_wear": a.opening_wear - part(a.opening_wear),
        "notes": join_note(&a.notes, &format!("Đã tách {quantity} {} sang «{}» để ghi giảm", a.unit_of_measure, handled.code)),
    });
    written(assets::write_update(conn, checker, actor, scope, a, Input::from_json(rest)?, false)?, a)?;
    Ok(handled.id)
}

pub(crate) const REVOKE_FIELDS: &[&str] = &["step_id", "doc_no", "doc_date", "signer", "authority", "note", "version"];

/// A counter-document (văn bản thu hồi, hủy bỏ): revokes the latest standing step — the proposal
/// (withdrawn), the decision, the execution or the money — and the handling goes back to the step
/// before. A write-down is not revoked here: the assets are already off the register, and are put
/// back by a new booking with its own documents.
pub fn revoke(conn: &mut DbConn, actor: &Actor, scope: &Scope, id: i32, mut input: Input) -> AppResult<()> {
    let d = find(conn, id)?;
    check_scope(conn, scope, &d)?;
    check_version(&mut input, &d)?;
    input.reject_unknown(REVOKE_FIELDS, &[]);
    let step_id = input.id("step_id", "Văn bản bị thu hồi");
    let step_id = input.required(step_id, "step_id", "Văn bản bị thu hồi");
    let steps = steps_of(conn, id)?;
    let stand = standing(&steps);
    let last = stand.last().copied();
    let target = step_id.and_then(|s| steps.iter().find(|x| x.id == s));
    let after = target.map(|t| (t.doc_date, "ngày văn bản bị thu hồi"));
    let doc = read_document(&mut input, true, after);
    match (target, last) {
        (None, _) if step_id.is_some() => input.error("step_id", "Không có văn bản này trong hồ sơ"),
        (Some(t), Some(l)) if t.id != l.id => input.error(
            "step_id",
            format!("Chỉ thu hồi được văn bản mới nhất còn hiệu lực («{}»)", label(STEP_KINDS, &l.kind)),
        ),
        (Some(t), _) if t.kind == "ghi_giam" => input.error(
            "step_id",
            "Tài sản đã ghi giảm khỏi sổ: muốn đưa lại phải ghi tăng bằng chứng từ mới, không thu hồi văn bản ghi giảm",
        ),
        (Some(t), _) if t.revokes_step_id.is_some() || t.kind == "thu_hoi" => {
            input.error("step_id", "Không thu hồi một văn bản thu hồi")
        }
        _ => {}
    }
    input.finish()?;
    let (Some(t), Some(doc)) = (target, doc) else {
        return Err(AppError::Internal("thu hồi thiếu trường đã kiểm".into()));
    };
    let form = form_of(conn, &d)?;
    let remaining: Vec<&DisposalStep> = stand.iter().copied().filter(|s| s.id != t.id).collect();
    let back_to = match t.kind.as_str() {
        "de_nghi" => "da_huy",
        "quyet_dinh" => "de_nghi",
        "tien" => d.status.as_str(),
        _ => "da_quyet_dinh",
    };
    // The deadline runs again from the step the handling goes back to.
    let since = remaining.last().map(|s| s.doc_date).unwrap_or(doc.doc_date);
    let lines = lines_of(conn, id)?;
    let ids: Vec<i32> = lines.iter().map(|l| l.asset_id).collect();
    let assets: Vec<Asset> = assets_t::table.filter(assets_t::id.eq_any(ids)).select(Asset::as_select()).load(conn)?;
    let land = is_land_or_building(conn, &assets)?;
    let due = next_due(&form, back_to, since, land);
    if t.kind == "quyet_dinh" {
        diesel::update(disposal_lines::table.filter(disposal_lines::disposal_id.eq(id)))
            .set((
                disposal_lines::decided_quantity.eq(None::<i32>),
                disposal_lines::decided_cost.eq(None::<i64>),
                disposal_lines::decided_residual.eq(None::<i64>),
            ))
            .execute(conn)?;
    }
    let back_to = back_to.to_string();
    append(conn, actor, &d, "thu_hoi", &doc, StepExtra { revokes: Some(t.id), ..Default::default() }, &back_to, due)?;
    Ok(())
}

/// A handling with its assets, documents and what it awaits.
pub fn view(conn: &mut DbConn, id: i32) -> AppResult<DisposalView> {
    let d = find(conn, id)?;
    let form = form_of(conn, &d)?;
    let lines = lines_of(conn, id)?;
    let ids: Vec<i32> = lines.iter().map(|l| l.asset_id).collect();
    let named: HashMap<i32, (String, String, String)> = assets_t::table
        .filter(assets_t::id.eq_any(ids))
        .select((assets_t::id, assets_t::code, assets_t::name, assets_t::unit_of_measure))
        .load::<(i32, String, String, String)>(conn)?
        .into_iter()
        .map(|(id, c, n, u)| (id, (c, n, u)))
        .collect();
    let steps = steps_of(conn, id)?;
    let revoked: Vec<i32> = steps.iter().filter_map(|s| s.revokes_step_id).collect();
    let task_code = match d.task_id {
        Some(t) => tasks::table.find(t).select(tasks::code).first(conn).optional()?,
        None => None,
    };
    Ok(DisposalView {
        related: crate::evidence::related(conn, crate::evidence::Record::Disposal(id))?,
        attachments: attachments::list(conn, id)?,
        status_name: label(STATUSES, &d.status),
        awaiting: awaiting(&d.status, &form),
        overdue: d.due_on.is_some_and(|due| due < today()),
        task_code,
        lines: lines
            .into_iter()
            .map(|line| {
                let (asset_code, asset_name, unit_of_measure) = named.get(&line.asset_id).cloned().unwrap_or_default();
                LineView { line, asset_code, asset_name, unit_of_measure }
            })
            .collect(),
        steps: steps
            .into_iter()
            .map(|step| StepView {
                kind_name: label(STEP_KINDS, &step.kind),
                revoked: revoked.contains(&step.id),
                step,
            })
            .collect(),
        form,
        disposal: d,
    })
}

/// One row of the list and of the deadline overview.
#[derive(Debug, Clone, Serialize)]
pub struct DisposalSummary {
    pub id: i32,
    pub code: String,
    pub form_name: String,
    pub status: String,
    pub status_name: String,
    pub due_on: Option<NaiveDate>,
    pub overdue: bool,
    /// Days left before the deadline (negative: days overdue).
    pub days_left: Option<i64>,
    pub assets: i64,
    pub residual_value: i64,
    pub task_code: Option<String>,
}

/// The handlings the person may see (`Scope::reaches` over each one's asset units), or `None` for
/// those who see every unit: one pass over the lines and their assets' units.
pub fn visible(conn: &mut DbConn, scope: &Scope) -> AppResult<Option<std::collections::HashSet<i32>>> {
    if scope.read_units.is_none() {
        return Ok(None);
    }
    let lines: Vec<(i32, i32)> = disposal_lines::table
        .inner_join(assets_t::table.on(assets_t::id.eq(disposal_lines::asset_id)))
        .select((disposal_lines::disposal_id, assets_t::unit_id))
        .load(conn)?;
    let mut units: HashMap<i32, Vec<i32>> = HashMap::new();
    for (d, u) in lines {
        units.entry(d).or_default().push(u);
    }
    Ok(Some(units.into_iter().filter(|(_, us)| scope.reaches(us, false)).map(|(d, _)| d).collect()))
}

/// Handlings the person may see, newest first; `open` keeps those still awaiting a step,
/// `overdue` those past their deadline.
pub fn list(conn: &mut DbConn, scope: &Scope, open: bool, overdue: bool) -> AppResult<Vec<DisposalSummary>> {
    let mut q = disposals::table.into_boxed();
    if open || overdue {
        q = q.filter(disposals::status.eq_any(["de_nghi", "da_quyet_dinh", "da_thuc_hien"]));
    }
    if overdue {
        q = q.filter(disposals::due_on.lt(today()));
    }
    let found: Vec<Disposal> = q.order(disposals::id.desc()).select(Disposal::as_select()).load(conn)?;
    let visible = visible(conn, scope)?;
    let found: Vec<Disposal> =
        found.into_iter().filter(|d| visible.as_ref().is_none_or(|v| v.contains(&d.id))).collect();
    summaries(conn, found)
}

/// Handlings as rows of a list: form name, status, deadline, assets and their value.
fn summaries(conn: &mut DbConn, found: Vec<Disposal>) -> AppResult<Vec<DisposalSummary>> {
    let forms: HashMap<String, String> = handling_forms::table
        .select((handling_forms::code, handling_forms::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let ids: Vec<i32> = found.iter().map(|d| d.id).collect();
    let mut sums: HashMap<i32, (i64, i64)> = HashMap::new();
    for (d, residual) in disposal_lines::table
        .filter(disposal_lines::disposal_id.eq_any(&ids))
        .select((disposal_lines::disposal_id, disposal_lines::residual_value))
        .load::<(i32, i64)>(conn)?
    {
        let e = sums.entry(d).or_default();
        e.0 += 1;
        e.1 += residual;
    }
    let task_ids: Vec<i32> = found.iter().filter_map(|d| d.task_id).collect();
    let task_codes: HashMap<i32, String> = tasks::table
        .filter(tasks::id.eq_any(task_ids))
        .select((tasks::id, tasks::code))
        .load::<(i32, String)>(conn)?
        .into_iter()
        .collect();
    let today = today();
    Ok(found
        .into_iter()
        .map(|d| {
            let (assets, residual_value) = sums.get(&d.id).copied().unwrap_or_default();
            DisposalSummary {
                id: d.id,
                form_name: forms.get(&d.form_code).cloned().unwrap_or_else(|| d.form_code.clone()),
                status_name: label(STATUSES, &d.status),
                overdue: d.due_on.is_some_and(|due| due < today),
                days_left: d.due_on.map(|due| (due - today).num_days()),
                assets,
                residual_value,
                task_code: d.task_id.and_then(|t| task_codes.get(&t).cloned()),
                code: d.code,
                status: d.status,
                due_on: d.due_on,
            }
        })
        .collect())
}

/// An accepted S&T task whose assets are not all handled: how many, what they are worth, how long
/// since acceptance.
#[derive(Debug, Clone, Serialize)]
pub struct UnhandledTask {
    pub task_id: i32,
    pub code: String,
    pub title: String,
    pub acceptance_date: Option<NaiveDate>,
    pub days_since_acceptance: Option<i64>,
    pub assets: i64,
    pub original_cost: i64,
    pub residual_value: i64,
}

pub fn unhandled_tasks(conn: &mut DbConn, scope: &Scope) -> AppResult<Vec<UnhandledTask>> {
    let accepted: Vec<(i32, String, String, Option<NaiveDate>)> = tasks::table
        .filter(tasks::status.eq(crate::tasks::ACCEPTED))
        .order(tasks::acceptance_date)
        .select((tasks::id, tasks::code, tasks::title, tasks::acceptance_date))
        .load(conn)?;
    // The accepted tasks' assets not yet handled, in one query, summed per task.
    let ids: Vec<i32> = accepted.iter().map(|t| t.0).collect();
    let mut sums: HashMap<i32, (i64, i64, i64)> = HashMap::new();
    let mut q =
        assets_t::table.filter(assets_t::task_id.eq_any(ids)).filter(assets_t::status.ne("da_xu_ly")).into_boxed();
    if let Some(u) = &scope.read_units {
        q = q.filter(assets_t::unit_id.eq_any(u.clone()));
    }
    for (task, cost, residual) in q
        .select((assets_t::task_id, assets_t::original_cost, assets_t::residual_value))
        .load::<(Option<i32>, i64, i64)>(conn)?
    {
        let e = sums.entry(task.unwrap_or_default()).or_default();
        *e = (e.0 + 1, e.1 + cost, e.2 + residual);
    }
    let today = today();
    Ok(accepted
        .into_iter()
        .filter_map(|(task_id, code, title, acceptance_date)| {
            let (assets, original_cost, residual_value) = sums.get(&task_id).copied()?;
            Some(UnhandledTask {
                task_id,
                code,
                title,
                acceptance_date,
                days_since_acceptance: acceptance_date.map(|d| (today - d).num_days()),
                assets,
                original_cost,
                residual_value,
            })
        })
        .collect())
}

/// An asset taken off the register (ghi giảm) by a handling.
#[derive(Debug, Clone, Serialize)]
pub struct WriteDown {
    /// The asset record written down (the part split off, when only part was handled).
    pub asset_id: i32,
    pub disposal_code: String,
    /// The handling form (hình thức xử lý): its code and name.
    pub form_code: String,
    pub form_name: String,
    pub doc_no: Option<String>,
    pub doc_date: NaiveDate,
    pub quantity: i32,
    pub original_cost: i64,
    pub residual_value: i64,
}

/// Brings the stored wear of every written-down asset to its write-down day, where it stays: a
/// database made before write-downs froze their wear is put right at start, and nothing else moves.
pub fn freeze_written_down(conn: &mut DbConn) -> AppResult<usize> {
    let long_ago = NaiveDate::from_ymd_opt(1900, 1, 1).expect("a date");
    let rules = crate::rules::Rules::load(conn)?;
    let mut changed = 0;
    for (asset_id, w) in write_downs(conn, long_ago, today())? {
        let as_of: Option<NaiveDate> = assets_t::table.find(asset_id).select(assets_t::wear_as_of).first(conn)?;
        if as_of != Some(w.doc_date) {
            assets::freeze_wear(conn, &rules, asset_id, w.doc_date)?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// Every write-down on record, by asset.
pub fn all_write_downs(conn: &mut DbConn) -> AppResult<HashMap<i32, WriteDown>> {
    let first = NaiveDate::from_ymd_opt(1900, 1, 1).expect("a date");
    write_downs(conn, first, NaiveDate::from_ymd_opt(9999, 12, 31).expect("a date"))
}

/// The write-downs dated between `from` and `to` (both included), by asset.
pub fn write_downs(conn: &mut DbConn, from: NaiveDate, to: NaiveDate) -> AppResult<HashMap<i32, WriteDown>> {
    let steps: Vec<DisposalStep> = disposal_steps::table
        .filter(disposal_steps::kind.eq("ghi_giam"))
        .filter(disposal_steps::doc_date.between(from, to))
        .select(DisposalStep::as_select())
        .load(conn)?;
    let ids: Vec<i32> = steps.iter().map(|s| s.disposal_id).collect();
    let files: HashMap<i32, (String, String, String)> = disposals::table
        .inner_join(handling_forms::table.on(handling_forms::code.eq(disposals::form_code)))
        .filter(disposals::id.eq_any(&ids))
        .select((disposals::id, disposals::code, disposals::form_code, handling_forms::name))
        .load::<(i32, String, String, String)>(conn)?
        .into_iter()
        .map(|(id, code, form_code, form)| (id, (code, form_code, form)))
        .collect();
    let lines: Vec<DisposalLine> = disposal_lines::table
        .filter(disposal_lines::disposal_id.eq_any(&ids))
        .select(DisposalLine::as_select())
        .load(conn)?;
    let mut out = HashMap::new();
    for l in lines {
        let (Some(asset_id), Some(step)) =
            (l.written_down_asset_id, steps.iter().find(|s| s.disposal_id == l.disposal_id))
        else {
            continue;
        };
        let (disposal_code, form_code, form_name) = files.get(&l.disposal_id).cloned().unwrap_or_default();
        out.insert(
            asset_id,
            WriteDown {
                asset_id,
                disposal_code,
                form_code,
                form_name,
                doc_no: step.doc_no.clone(),
                doc_date: step.doc_date,
                quantity: l.decided_quantity.unwrap_or(l.quantity),
                original_cost: l.decided_cost.unwrap_or(l.original_cost),
                residual_value: l.written_down_residual.or(l.decided_residual).unwrap_or(l.residual_value),
            },
        );
    }
    Ok(out)
}

/// The handlings an asset is in: as proposed, or as the part split off and written down.
/// The write-down (ghi giảm) that took this asset record off the register, if one did.
pub fn write_down_of(conn: &mut DbConn, asset_id: i32) -> AppResult<Option<WriteDownOf>> {
    let line: Option<i32> = disposal_lines::table
        .filter(disposal_lines::written_down_asset_id.eq(asset_id))
        .select(disposal_lines::disposal_id)
        .first(conn)
        .optional()?;
    let Some(disposal_id) = line else { return Ok(None) };
    let d = find(conn, disposal_id)?;
    let step = standing(&steps_of(conn, disposal_id)?).into_iter().rev().find(|s| s.kind == "ghi_giam").cloned();
    Ok(step.map(|s| WriteDownOf { disposal_id, disposal_code: d.code, doc_no: s.doc_no.clone(), doc_date: s.doc_date }))
}

/// Which handling wrote an asset down, and when.
#[derive(Debug, Clone, Serialize)]
pub struct WriteDownOf {
    pub disposal_id: i32,
    pub disposal_code: String,
    pub doc_no: Option<String>,
    pub doc_date: NaiveDate,
}

pub fn of_asset(conn: &mut DbConn, asset_id: i32) -> AppResult<Vec<DisposalSummary>> {
    let ids: Vec<i32> = disposal_lines::table
        .filter(disposal_lines::asset_id.eq(asset_id).or(disposal_lines::written_down_asset_id.eq(asset_id)))
        .select(disposal_lines::disposal_id)
        .distinct()
        .load(conn)?;
    let found: Vec<Disposal> = disposals::table
        .filter(disposals::id.eq_any(ids))
        .order(disposals::id.desc())
        .select(Disposal::as_select())
        .load(conn)?;
    summaries(conn, found)
}
