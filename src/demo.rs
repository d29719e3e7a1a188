//! Demo data (`serve --demo`): the department's cassava mosaic task awaiting handling of its assets,
//! two other tasks, and the Center's and offices' assets. Names marked "dữ liệu mẫu" are invented.
//! Everything goes through the same validation and history as a user's entry. Idempotent: once the
//! demo tasks exist, nothing is added again.

use diesel::prelude::*;
use serde_json::{json, Map, Value};

use crate::audit::Actor;
use crate::db::schema::{asset_categories, org_units, tasks};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::input::Input;

const DATA: &str = include_str!("../imports/demo/register.json");

/// Loads the demo data; returns how many tasks and assets were added.
pub fn load(db: &Db) -> AppResult<(usize, usize)> {
    let data: Value = serde_json::from_str(DATA).map_err(|e| AppError::Internal(format!("demo data: {e}")))?;
    db.write_sync(|c| {
        let actor = Actor("demo".into());
        let first_code = data["tasks"][0]["code"].as_str().unwrap_or_default();
        if tasks::table.filter(tasks::code.eq(first_code)).count().get_result::<i64>(c)? > 0 {
            return Ok((0, 0));
        }
        let unit_id = |c: &mut crate::db::DbConn, code: &str| -> AppResult<i32> {
            Ok(org_units::table.filter(org_units::code.eq(code)).select(org_units::id).first(c)?)
        };
        let mut n_tasks = 0;
        for t in data["tasks"].as_array().into_iter().flatten() {
            let mut m: Map<String, Value> = t.as_object().cloned().unwrap_or_default();
            if let Some(Value::String(u)) = m.remove("managing_unit") {
                m.insert("managing_unit_id".into(), json!(unit_id(c, &u)?));
            }
            crate::tasks::create(c, &actor, Input::from_json(Value::Object(m))?)?;
            n_tasks += 1;
        }
        let mut n_assets = 0;
        let mut declared: Vec<(i32, Map<String, Value>)> = vec![];
        for a in data["assets"].as_array().into_iter().flatten() {
            let mut m: Map<String, Value> = a.as_object().cloned().unwrap_or_default();
            let declaration = m.remove("declaration");
            if let Some(Value::String(u)) = m.remove("unit") {
                m.insert("unit_id".into(), json!(unit_id(c, &u)?));
            }
            if let Some(Value::String(k)) = m.remove("category") {
                let id: i32 = asset_categories::table
                    .filter(asset_categories::code.eq(&k))
                    .select(asset_categories::id)
                    .first(c)?;
                m.insert("category_id".into(), json!(id));
            }
            if let Some(Value::String(t)) = m.remove("task") {
                let id: i32 = tasks::table.filter(tasks::code.eq(&t)).select(tasks::id).first(c)?;
                m.insert("task_id".into(), json!(id));
            }
            let view = crate::assets::create(c, &actor, &crate::auth::Scope::ALL, Input::from_json(Value::Object(m))?)?;
            if let Some(Value::Object(d)) = declaration {
                declared.push((view.asset.id, d));
            }
            n_assets += 1;
        }
        declaration_info(c, &actor, declared)?;
        handlings(c, &actor)?;
        counts(c, &actor)?;
        inspection(c, &actor)?;
        declarations(c, &actor)?;
        Ok((n_tasks, n_assets))
    })
}

/// What the demo's land lot, its houses, the car and the PCR machine declare: the houses name their
/// lot by its name.
fn declaration_info(
    c: &mut crate::db::DbConn,
    actor: &Actor,
    declared: Vec<(i32, Map<String, Value>)>,
) -> AppResult<()> {
    use crate::db::schema::assets;
    for (id, mut d) in declared {
        if let Some(Value::String(lot)) = d.remove("lot") {
            let lot_id: i32 = assets::table.filter(assets::name.eq(&lot)).select(assets::id).first(c)?;
            d.insert("lot_asset_id".into(), json!(lot_id));
        }
        let input = Input::from_json(Value::Object(d))?;
        crate::declarations::info::save(c, actor, &crate::auth::Scope::ALL, id, input, Some(0))?;
    }
    Ok(())
}

/// The Center's declaration of last year recorded (31/12, or three weeks back when the demo is
/// loaded in January, so that this year's handover stays after it), then one revaluation: the
/// asset the count found, valued by a committee. The next declaration lists those two changes.
fn declarations(c: &mut crate::db::DbConn, actor: &Actor) -> AppResult<()> {
    use crate::db::schema::count_lines;
    use chrono::Datelike;
    let today = crate::text::today();
    let year_end = chrono::NaiveDate::from_ymd_opt(today.year() - 1, 12, 31).expect("31/12 exists");
    let as_of = year_end.min(today - chrono::Duration::days(21));
    let center: i32 = org_units::table.filter(org_units::code.eq("TTUD")).select(org_units::id).first(c)?;
    let scope = crate::auth::Scope::ALL;
    let progress = crate::progress::Progress::default();
    let note = Some("Kê khai năm trước (dữ liệu mẫu)".to_string());
    let asked = crate::declarations::record::Recording { unit_id: center, as_of, supplement: false, note };
    crate::declarations::record::record(c, actor, &scope, asked, &progress)?;
    let (line, found): (i32, Option<i32>) = count_lines::table
        .filter(count_lines::code.eq("TTUD-THUA-01"))
        .select((count_lines::id, count_lines::asset_id))
        .first(c)?;
    if let Some(asset) = found {
        let revaluation = json!({
            "decided_on": crate::text::format_date(today - chrono::Duration::days(10)),
            "doc_no": "45/QĐ-TTUD", "reason_code": "021", "new_cost": 15_000_000, "new_residual": 12_000_000,
            "basis": "Biên bản xác định giá của Hội đồng định giá Trung tâm, theo kết quả kiểm kê (dữ liệu mẫu)",
            "count_line_id": line,
        });
        crate::declarations::revaluation::record(c, actor, &scope, asset, Input::from_json(revaluation)?)?;
    }
    Ok(())
}

/// Handlings at each stage, dated back from today so that the deadlines mean something whenever the
/// demo is loaded: the cassava task's computer and net house handed to the Center and written down;
/// the broken microscope in liquidation, decided, its deadline a few days off; the broken drying
/// cabinet proposed for dismantling and still without a decision, its deadline passed.
fn handlings(c: &mut crate::db::DbConn, actor: &Actor) -> AppResult<()> {
    use crate::db::schema::assets;
    use crate::disposals as d;
    let scope = crate::auth::Scope::ALL;
    let day = |back: i64| crate::text::format_date(crate::text::today() - chrono::Duration::days(back));
    let asset = |c: &mut crate::db::DbConn, name: &str| -> AppResult<i32> {
        Ok(assets::table.filter(assets::name.eq(name)).select(assets::id).first(c)?)
    };
    let version = |c: &mut crate::db::DbConn, id: i32| -> AppResult<i32> {
        use crate::db::schema::disposals;
        Ok(disposals::table.find(id).select(disposals::version).first(c)?)
    };
    let step = |c: &mut crate::db::DbConn, id: i32, f: crate::disposals::api::Step, fields: Value| -> AppResult<()> {
        let mut fields = fields;
        fields["version"] = json!(version(c, id)?);
        f(c, actor, &scope, id, Input::from_json(fields)?)
    };
    let computer = asset(c, "Máy tính xử lý dữ liệu giải trình tự")?;
    let net_house = asset(c, "Nhà lưới nhân giống hom sắn sạch bệnh 500 m²")?;
    let handover = d::propose(
        c,
        actor,
        &scope,
        Input::from_json(json!({
            "form_code": "giao_chu_tri_ghi_tang_tai_san",
            "reason": "Nhiệm vụ ĐTNN-03/2021 đã nghiệm thu; Trung tâm (tổ chức chủ trì) tiếp tục khai thác (dữ liệu mẫu)",
            "doc_no": "98/TTUD-HC", "doc_date": day(40),
            "lines": [{"asset_id": computer}, {"asset_id": net_house}]
        }))?,
    )?;
    step(
        c,
        handover,
        d::decide,
        json!({"doc_no": "312/QĐ-UBND", "doc_date": day(30), "signer": "Phó Chủ tịch UBND tỉnh (dữ liệu mẫu)", "authority": "UBND tỉnh Quảng Ngãi"}),
    )?;
    step(
        c,
        handover,
        d::execute,
        json!({"doc_no": "05/BBGN", "doc_date": day(25), "counterparty": "Trung tâm Ứng dụng và Dịch vụ KH&CN"}),
    )?;
    step(c, handover, d::write_down, json!({"doc_no": "GG-05", "doc_date": day(20)}))?;
    let microscope = asset(c, "Kính hiển vi sinh học 2 mắt")?;
    let liquidation = d::propose(
        c,
        actor,
        &scope,
        Input::from_json(json!({
            "form_code": "thanh_ly_ban", "reason": "Hỏng, sửa không hiệu quả (dữ liệu mẫu)",
            "doc_no": "101/TTUD-HC", "doc_date": day(32), "lines": [{"asset_id": microscope}]
        }))?,
    )?;
    step(
        c,
        liquidation,
        d::decide,
        json!({"doc_no": "88/QĐ-SKHCN", "doc_date": day(25), "signer": "Giám đốc Sở (dữ liệu mẫu)", "authority": "Sở KH&CN, theo phân cấp của UBND tỉnh (dữ liệu mẫu)", "decided_by": "phan_cap"}),
    )?;
    let cabinet = asset(c, "Tủ sấy tiệt trùng 250 lít")?;
    d::propose(
        c,
        actor,
        &scope,
        Input::from_json(json!({
            "form_code": "thanh_ly_pha_do", "reason": "Hỏng bộ điều nhiệt, không còn linh kiện thay thế (dữ liệu mẫu)",
            "doc_no": "95/TTUD-HC", "doc_date": day(35), "lines": [{"asset_id": cabinet}]
        }))?,
    )?;
    Ok(())
}

/// Last year's count of the Center, closed with its minutes, and this year's count of the Center
/// and the Office, opened and half counted — with one asset the two counters disagree on — so a
/// newcomer sees both ends of the flow.
fn counts(c: &mut crate::db::DbConn, actor: &Actor) -> AppResult<()> {
    use crate::inventory as k;
    use chrono::Datelike;
    let scope = crate::auth::Scope::ALL;
    let year = crate::text::today().year();
    let date = |y: i32, m: u32, d: u32| {
        chrono::NaiveDate::from_ymd_opt(y, m, d).map(crate::text::format_date).unwrap_or_default()
    };
    let committee = json!([
        {"full_name": "Phạm Văn Hùng (dữ liệu mẫu)", "committee_role": "truong_ban", "position": "Phó Giám đốc Sở"},
        {"full_name": "Nguyễn Thị Lan (dữ liệu mẫu)", "committee_role": "uy_vien", "position": "Kế toán trưởng", "represents": "Văn phòng Sở"},
        {"full_name": "Võ Minh Đức (dữ liệu mẫu)", "committee_role": "uy_vien", "position": "Phó Giám đốc Trung tâm", "represents": "Trung tâm Ứng dụng và Dịch vụ KH&CN"},
        {"full_name": "Trần Quốc Bảo (dữ liệu mẫu)", "committee_role": "thu_ky", "represents": "Tổ xử lý tài sản"}
    ]);
    // Last year's: everything found as booked but three lines.
    let last = k::create(
        c,
        actor,
        Input::from_json(json!({
            "decision_no": format!("198/QĐ-SKHCN"), "decision_date": date(year - 1, 12, 1),
            "reference_date": date(year - 1, 12, 31), "units": "TTUD", "members": committee.clone()
        }))?,
    )?;
    k::open(c, actor, last, None)?;
    let lines = k::lines_of(c, last)?;
    let entries: Vec<k::NewEntry> = lines
        .iter()
        .map(|l| {
            let mut e = k::NewEntry {
                code: l.code.clone(),
                quantity: l.book_quantity,
                condition: None,
                location: None,
                note: None,
            };
            match l.name.as_str() {
                "Máy chiếu đa năng" => e.location = Some("Phòng Thông tin".into()),
                "Máy tính xách tay" => {
                    e.condition = Some("hong_sua".into());
                    e.note = Some("Một máy hỏng màn hình (dữ liệu mẫu)".into());
                }
                n if n.starts_with("Hom sắn giống") => e.quantity = l.book_quantity - 500,
                _ => {}
            }
            e
        })
        .collect();
    // And one thing the books did not hold, booked from its count line below.
    let mut entries = entries;
    entries.push(k::NewEntry {
        code: "TTUD-THUA-01".into(),
        quantity: 1,
        condition: None,
        location: Some("Phòng thí nghiệm sinh học phân tử".into()),
        note: Some("Máy khuấy từ gia nhiệt (dữ liệu mẫu)".into()),
    });
    let session = k::find(c, last)?;
    k::save_entries(
        c,
        &Actor("trungtam".into()),
        &scope,
        &session,
        entries,
        "phiếu «Phieu kiem ke TTUD.xlsx» (dữ liệu mẫu)",
        false,
    )?;
    k::reconcile_session(c, actor, last, None, None)?;
    let lab: i32 = {
        use crate::db::schema::asset_categories;
        asset_categories::table.filter(asset_categories::code.eq("MMTB-TN")).select(asset_categories::id).first(c)?
    };
    for r in k::reconciliation(c, last)?.into_iter().filter(|r| r.is_discrepancy()) {
        if r.outcome == "ngoai_so" {
            let booking = json!({"resolution": k::BOOK_SURPLUS, "category_id": lab, "value": 12_500_000,
                "note": "Thiết bị tài trợ của dự án cũ, chưa ghi sổ (dữ liệu mẫu)"});
            k::resolve(c, actor, &scope, last, r.line.id, Input::from_json(booking)?)?;
            continue;
        }
        let (resolution, note) = match r.outcome {
            "noi_khac" => ("dieu_chinh", "Máy đã chuyển về Phòng Thông tin từ tháng 6 (dữ liệu mẫu)"),
            "thieu" => ("thanh_tra", "Hao hụt hom giống vượt định mức, đề nghị Thanh tra xác minh (dữ liệu mẫu)"),
            _ => ("giu_nguyen", "Máy hỏng màn hình đã gửi bảo hành, vẫn sử dụng được (dữ liệu mẫu)"),
        };
        k::resolve(
            c,
            actor,
            &scope,
            last,
            r.line.id,
            Input::from_json(json!({"resolution": resolution, "note": note}))?,
        )?;
    }
    k::close(c, actor, &scope, last, None)?;
    // This year's: opened, half of it counted.
    let now = k::create(
        c,
        actor,
        Input::from_json(json!({
            "decision_no": "205/QĐ-SKHCN",
            "decision_date": crate::text::format_date(crate::text::today() - chrono::Duration::days(7)),
            "reference_date": date(year, 12, 31), "units": "TTUD; HCTH", "members": committee
        }))?,
    )?;
    k::open(c, actor, now, None)?;
    let session = k::find(c, now)?;
    let lines = k::lines_of(c, now)?;
    // Each unit counts its own: the Center's staff and the Office's.
    for (unit, counter) in [("TTUD", "trungtam"), ("HCTH", "vanphong")] {
        let unit_id: i32 = org_units::table.filter(org_units::code.eq(unit)).select(org_units::id).first(c)?;
        let half: Vec<k::NewEntry> = lines
            .iter()
            .filter(|l| l.unit_id == Some(unit_id))
            .step_by(2)
            .map(|l| k::NewEntry {
                code: l.code.clone(),
                quantity: l.book_quantity,
                condition: None,
                location: None,
                note: None,
            })
            .collect();
        k::save_entries(c, &Actor(counter.into()), &scope, &session, half, "điện thoại (dữ liệu mẫu)", false)?;
    }
    if let Some(desktops) = lines.iter().find(|l| l.name == "Máy tính để bàn" && l.book_quantity == 10) {
        let count = |q: i32| k::NewEntry {
            code: desktops.code.clone(),
            quantity: q,
            condition: None,
            location: None,
            note: None,
        };
        k::save_entries(
            c,
            &Actor("vanphong".into()),
            &scope,
            &session,
            vec![count(10)],
            "điện thoại (dữ liệu mẫu)",
            false,
        )?;
        k::save_entries(c, &Actor("xuly".into()), &scope, &session, vec![count(9)], "điện thoại (dữ liệu mẫu)", false)?;
    }
    Ok(())
}

/// The Center's lab equipment bought 2022–2024 — a freezer bought properly, an HPLC system split
/// into three direct-appointment packages in three months (one still without its invoice), the
/// year's chemicals — and the inspection the provincial police asked for: findings, recommendations
/// partly recovered, one overdue, one taken from last year's count.
fn inspection(c: &mut crate::db::DbConn, actor: &Actor) -> AppResult<()> {
    use crate::db::schema::{asset_categories, assets, count_lines};
    use crate::inspections as t;
    let center: i32 = org_units::table.filter(org_units::code.eq("TTUD")).select(org_units::id).first(c)?;
    let lab: i32 =
        asset_categories::table.filter(asset_categories::code.eq("MMTB-TN")).select(asset_categories::id).first(c)?;
    let asset = |c: &mut crate::db::DbConn, name: &str| -> AppResult<String> {
        Ok(assets::table.filter(assets::name.eq(name)).select(assets::id).first::<i32>(c)?.to_string())
    };
    let all_docs = [
        "du_toan",
        "khlcnt",
        "hsmt",
        "hsdt",
        "bc_danh_gia",
        "kq_lcnt",
        "hop_dong",
        "nghiem_thu",
        "hoa_don",
        "ghi_tang",
    ];
    let direct_docs = ["du_toan", "khlcnt", "kq_lcnt", "hop_dong", "nghiem_thu", "ghi_tang"];
    let freezer = asset(c, "Tủ lạnh âm sâu −80 °C")?;
    let packages = [
        json!({"code": "MS-2022-07", "package_name": "Mua tủ lạnh âm sâu −80 °C", "method": "chao_hang_canh_tranh",
               "estimate": 345000000, "plan_no": "45/QĐ-TTUD", "plan_date": "08/03/2022", "contract_no": "12/2022/HĐMB",
               "contract_date": "15/04/2022", "supplier": "Công ty TNHH Thiết bị Khoa học Miền Trung (dữ liệu mẫu)",
               "contract_value": 340000000, "acceptance_date": "20/05/2022", "invoice_no": "0001245", "invoice_date": "20/05/2022",
               "documents": all_docs, "asset_ids": [freezer]}),
        json!({"code": "MS-2023-03", "package_name": "Mua mô-đun bơm sắc ký lỏng", "method": "chi_dinh_thau",
               "estimate": 855000000, "plan_no": "21/QĐ-TTUD", "plan_date": "02/03/2023", "contract_no": "05/2023/HĐMB",
               "contract_date": "10/03/2023", "supplier": "Công ty CP Thiết bị Phân tích Sài Gòn (dữ liệu mẫu)",
               "contract_value": 850000000, "acceptance_date": "12/04/2023", "invoice_no": "0000318", "invoice_date": "12/04/2023",
               "documents": direct_docs, "asset_ids": [asset(c, "Mô-đun bơm sắc ký lỏng HPLC")?]}),
        json!({"code": "MS-2023-04", "package_name": "Mua đầu dò UV-Vis", "method": "chi_dinh_thau",
               "estimate": 925000000, "plan_no": "27/QĐ-TTUD", "plan_date": "06/04/2023", "contract_no": "09/2023/HĐMB",
               "contract_date": "14/04/2023", "supplier": "Công ty CP Thiết bị Phân tích Sài Gòn (dữ liệu mẫu)",
               "contract_value": 920000000, "acceptance_date": "18/05/2023", "invoice_no": "0000402", "invoice_date": "18/05/2023",
               "documents": direct_docs, "asset_ids": [asset(c, "Đầu dò UV-Vis cho hệ thống HPLC")?]}),
        json!({"code": "MS-2023-05", "package_name": "Mua bộ lấy mẫu tự động", "method": "chi_dinh_thau",
               "estimate": 790000000, "plan_no": "33/QĐ-TTUD", "plan_date": "11/05/2023", "contract_no": "14/2023/HĐMB",
               "contract_date": "19/05/2023", "supplier": "Công ty CP Thiết bị Phân tích Sài Gòn (dữ liệu mẫu)",
               "contract_value": 780000000, "acceptance_date": "20/06/2023",
               "documents": ["du_toan", "khlcnt", "kq_lcnt", "hop_dong", "nghiem_thu", "ghi_tang"],
               "asset_ids": [asset(c, "Bộ lấy mẫu tự động cho hệ thống HPLC")?]}),
        json!({"code": "MS-2024-02", "package_name": "Mua hóa chất, vật tư thí nghiệm năm 2024", "method": "rong_rai",
               "estimate": 1250000000, "plan_no": "09/QĐ-TTUD", "plan_date": "22/01/2024", "contract_no": "03/2024/HĐMB",
               "contract_date": "15/03/2024", "supplier": "Công ty TNHH Hóa chất Việt (dữ liệu mẫu)",
               "contract_value": 1180000000, "acceptance_date": "28/03/2024", "invoice_no": "0002210", "invoice_date": "28/03/2024",
               "documents": all_docs}),
    ];
    let mut ids = vec![];
    for mut p in packages {
        p["unit_id"] = json!(center);
        if p["method"] == "chi_dinh_thau" || p["code"] == "MS-2022-07" {
            p["category_id"] = json!(lab);
        }
        ids.push(crate::inspections::procurement::save(c, actor, None, Input::from_json(p)?)?);
    }
    // The inspector who leads it (the demo's «thanhtra» account writes into it).
    let now = crate::text::now_utc();
    let inspector = crate::auth::User {
        id: 0,
        username: "thanhtra".into(),
        full_name: "Thanh tra Sở (dữ liệu mẫu)".into(),
        role: "thanh_tra".into(),
        unit_id: None,
        can_read_all: true,
        password_hash: String::new(),
        active: true,
        password_changed_at: now,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let day = |back: i64| crate::text::format_date(crate::text::today() - chrono::Duration::days(back));
    let id = t::save(
        c,
        &inspector,
        None,
        Input::from_json(json!({
            "kind": "thanh_tra", "planned": "false",
            "title": "Thanh tra việc mua sắm, quản lý trang thiết bị phòng thí nghiệm giai đoạn 2022–2024",
            "decision_no": "15/QĐ-TTr", "decision_date": day(150),
            "requested_by": "Công an tỉnh Quảng Ngãi (Phòng Cảnh sát kinh tế) (dữ liệu mẫu)",
            "subjects": "Trung tâm Ứng dụng và Dịch vụ KH&CN",
            "scope": "Mua sắm, tiếp nhận, ghi tăng và sử dụng trang thiết bị phòng thí nghiệm",
            "period_from": "01/01/2022", "period_to": "31/12/2024",
            "team": "Nguyễn Văn Minh (dữ liệu mẫu); Trưởng đoàn; thanhtra\nPhan Thị Thu (dữ liệu mẫu); Thành viên",
            "started_on": day(140), "ended_on": day(100),
            "conclusion_no": "12/KL-TTr", "conclusion_date": day(90)
        }))?,
    )?;
    let (split, uninvoiced) = (ids[1..4].iter().map(|i| i.to_string()).collect::<Vec<_>>(), ids[3].to_string());
    let f1 = t::add_finding(
        c,
        &inspector,
        id,
        Input::from_json(json!({
            "title": "Chia hệ thống sắc ký lỏng HPLC thành ba gói để chỉ định thầu, mỗi gói dưới hạn mức",
            "category": "mua_sam", "amount": 2550000000i64, "place": "Trung tâm Ứng dụng và Dịch vụ KH&CN",
            "responsible": "Giám đốc Trung tâm; bộ phận Hành chính – Kế toán", "procurement_ids": split
        }))?,
    )?;
    let f2 = t::add_finding(
        c,
        &inspector,
        id,
        Input::from_json(json!({
            "title": "Ghi tăng bộ lấy mẫu tự động khi chưa có hóa đơn", "category": "ke_toan",
            "amount": 780000000, "responsible": "Kế toán Trung tâm", "procurement_ids": [uninvoiced]
        }))?,
    )?;
    // Last year's count sent the cassava cuttings' shortfall to the inspectorate.
    let line: Option<i32> = count_lines::table
        .filter(count_lines::resolution.eq("thanh_tra"))
        .select(count_lines::id)
        .first(c)
        .optional()?;
    let mut shortfall = json!({"title": "Hom sắn giống hao hụt 500 hom so với sổ, vượt định mức", "category": "kiem_ke",
                               "amount": 12500000, "responsible": "Tổ kỹ thuật nhà lưới"});
    if let Some(l) = line {
        shortfall["count_line_id"] = json!(l);
    }
    let f3 = t::add_finding(c, &inspector, id, Input::from_json(shortfall)?)?;
    let rec = |c: &mut crate::db::DbConn, body: serde_json::Value| {
        t::add_recommendation(c, &inspector, id, Input::from_json(body)?)
    };
    let recover = rec(
        c,
        json!({"finding_id": f1, "kind": "thu_hoi_nsnn", "content": "Thu hồi phần chênh lệch giá so với giá thị trường của các gói chỉ định thầu",
               "responsible": "Trung tâm Ứng dụng và Dịch vụ KH&CN", "deadline": day(30), "amount": 185000000}),
    )?;
    let cuttings = rec(
        c,
        json!({"finding_id": f3, "kind": "xu_ly_kinh_te", "content": "Bồi thường giá trị hom giống hao hụt vượt định mức",
               "responsible": "Tổ kỹ thuật nhà lưới", "deadline": day(10), "amount": 12500000}),
    )?;
    rec(
        c,
        json!({"finding_id": f1, "kind": "kiem_diem", "content": "Kiểm điểm, rút kinh nghiệm về việc lập và phê duyệt kế hoạch lựa chọn nhà thầu",
               "responsible": "Giám đốc Trung tâm", "deadline": crate::text::format_date(crate::text::today() + chrono::Duration::days(20)), "persons": 2}),
    )?;
    rec(
        c,
        json!({"finding_id": f2, "kind": "hoan_thien_co_che", "content": "Ban hành quy chế mua sắm, tiếp nhận và ghi tăng tài sản nội bộ",
               "responsible": "Trung tâm Ứng dụng và Dịch vụ KH&CN"}),
    )?;
    let follow = |c: &mut crate::db::DbConn, r: i32, body: serde_json::Value| {
        t::add_follow_up(c, &inspector, r, Input::from_json(body)?, None)
    };
    follow(
        c,
        recover,
        json!({"done_on": day(45), "action": "Nộp lần 1 vào tài khoản tạm giữ của Thanh tra tỉnh", "recovered": 100000000}),
    )?;
    follow(
        c,
        cuttings,
        json!({"done_on": day(20), "action": "Tổ kỹ thuật nộp đủ tiền bồi thường", "recovered": 12500000, "completes": "true"}),
    )?;
    Ok(())
}
