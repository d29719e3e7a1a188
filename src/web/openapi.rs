//! The OpenAPI 3.1 document of `/api/v1`, served at `/api/v1/openapi.json`. Written by hand from the
//! routes; `tests/api_openapi.rs` calls every operation it lists against the real router.

use axum::Json;
use serde_json::{json, Value};

fn list_params(extra: &[(&str, &str, &str)]) -> Value {
    let mut params = vec![
        json!({"name": "q", "in": "query", "schema": {"type": "string"}, "description": "Tìm không phân biệt dấu và hoa thường"}),
        json!({"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}}),
        json!({"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}}),
    ];
    for (name, ty, desc) in extra {
        params.push(json!({"name": name, "in": "query", "schema": {"type": ty}, "description": desc}));
    }
    Value::Array(params)
}

fn id_param() -> Value {
    json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}])
}

fn errors() -> Value {
    json!({
        "404": {"description": "Không tìm thấy", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "409": {"description": "Phiên bản cũ (kèm bản hiện tại trong `current`) hoặc bản ghi đang được tham chiếu", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "422": {"description": "Dữ liệu không hợp lệ; `fields` ghi lỗi theo từng trường", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    })
}

/// One document appended to a handling (POST): it answers with the handling as it now stands.
fn disposal_step(summary: &str) -> Value {
    json!({
        "parameters": id_param(),
        "post": {"tags": ["disposals"], "summary": summary,
                 "responses": {"201": {"description": "Hồ sơ sau bước này"}, "404": errors()["404"], "409": errors()["409"], "422": errors()["422"]}}
    })
}

/// A step of a count (POST).
fn count_step(summary: &str) -> Value {
    json!({
        "parameters": id_param(),
        "post": {"tags": ["counts"], "summary": summary,
                 "responses": {"200": {"description": "Đợt kiểm kê sau bước này"}, "404": errors()["404"], "409": errors()["409"], "422": errors()["422"]}}
    })
}

/// A collection (`list`, `create`) and an item (`get`, `update`, `delete`) path pair.
fn crud(tag: &str, schema: &str, filters: &[(&str, &str, &str)]) -> (Value, Value) {
    let body = json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}Input")}}}});
    let ok = json!({"description": "OK", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
    let collection = json!({
        "get": {"tags": [tag], "summary": format!("Danh sách {tag}"), "parameters": list_params(filters),
                "responses": {"200": {"description": "Một trang kết quả, kèm tổng số"}, "422": errors()["422"]}},
        "post": {"tags": [tag], "summary": format!("Thêm {tag}"), "requestBody": body,
                 "responses": {"201": ok, "409": errors()["409"], "422": errors()["422"]}}
    });
    let item = json!({
        "parameters": id_param(),
        "get": {"tags": [tag], "responses": {"200": ok, "404": errors()["404"]}},
        "put": {"tags": [tag], "summary": "Sửa; gửi kèm `version` đã đọc. Trường không gửi giữ nguyên.", "requestBody": body,
                "responses": {"200": ok, "404": errors()["404"], "409": errors()["409"], "422": errors()["422"]}},
        "delete": {"tags": [tag], "summary": "Xóa bản ghi không còn gì tham chiếu",
                   "responses": {"204": {"description": "Đã xóa"}, "404": errors()["404"], "409": errors()["409"]}}
    });
    (collection, item)
}

/// The count's operations (kept apart: one `json!` of every path exceeds the macro's recursion).
fn count_paths() -> Value {
    json!({
            "/api/v1/counts": {
                "get": {"tags": ["counts"], "summary": "Các đợt kiểm kê, mới nhất trước", "responses": {"200": {"description": "Danh sách"}}},
                "post": {"tags": ["counts"], "summary": "Lập đợt kiểm kê: decision_no, decision_date, reference_date, units/locations/classes (danh sách hoặc chuỗi «;»), members [{full_name, committee_role truong_ban|pho_ban|uy_vien|thu_ky, position, represents}]",
                         "responses": {"201": {"description": "Đợt kiểm kê (dự thảo)"}, "422": errors()["422"]}}
            },
            "/api/v1/counts/{id}": {
                "parameters": id_param(),
                "get": {"tags": ["counts"], "summary": "Đợt kiểm kê: ban kiểm kê, trạng thái, tiến độ", "responses": {"200": {"description": "Đợt kiểm kê"}, "404": errors()["404"]}}
            },
            "/api/v1/counts/{id}/open": count_step("Mở đợt: chốt số liệu sổ sách tại thời điểm kiểm kê; version"),
            "/api/v1/counts/{id}/entries": count_step("Ghi số đếm: code, quantity, condition (tot|hong_sua|hong|khong_dung), location, note; settles=true để chốt số khi người đếm ghi khác nhau"),
            "/api/v1/counts/{id}/reconcile": count_step("Kết thúc đếm và đối chiếu (từ chối khi còn xung đột); version"),
            "/api/v1/counts/{id}/reopen": count_step("Mở lại để kiểm tiếp; version"),
            "/api/v1/counts/{id}/close": count_step("Khóa sổ: ghi các điều chỉnh vào sổ tài sản, niêm phong biên bản; version"),
            "/api/v1/counts/{id}/reconciliation": {
                "parameters": id_param(),
                "get": {"tags": ["counts"], "summary": "Đối chiếu từng tài sản: theo sổ, thực tế, chênh lệch, kết quả; `discrepancies=true` chỉ chênh lệch",
                        "responses": {"200": {"description": "Tiến độ và các dòng"}, "404": errors()["404"]}}
            },
            "/api/v1/counts/{id}/sheet": {
                "parameters": id_param(),
                "get": {"tags": ["counts"], "summary": "Phiếu kiểm kê (Excel, khóa trừ ô nhập, có mã kiểm tra): `unit_id` hoặc `location`",
                        "responses": {"200": {"description": "Tệp .xlsx"}, "409": errors()["409"]}}
            },
            "/api/v1/counts/{id}/sheets": count_step("Nhập phiếu đã ghi (multipart `file`; `preview=true` xem trước): phiếu của hệ thống hoặc bảng tự lập có «Mã tài sản» và «Số lượng thực tế»"),
            "/api/v1/counts/{id}/lines/{line}/resolution": {
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}, {"name": "line", "in": "path", "required": true, "schema": {"type": "integer"}}],
                "post": {"tags": ["counts"], "summary": "Cách xử lý một chênh lệch: resolution dieu_chinh|xu_ly (kèm form_code)|thanh_tra|giu_nguyen, note",
                         "responses": {"200": {"description": "Dòng kiểm kê"}, "404": errors()["404"], "409": errors()["409"], "422": errors()["422"]}}
            },
            "/api/v1/counts/{id}/minutes": {
                "parameters": id_param(),
                "get": {"tags": ["counts"], "summary": "Biên bản kiểm kê TSCĐ (C53-HD), tổng hợp theo đơn vị, danh sách chênh lệch (Excel)",
                        "responses": {"200": {"description": "Tệp .xlsx"}, "409": errors()["409"]}}
            }
    })
}

/// The inspectorate's operations.
fn inspection_paths() -> Value {
    let item = |tag: &str, summary: &str| json!({"parameters": id_param(), "get": {"tags": [tag], "summary": summary, "responses": {"200": {"description": "OK"}, "404": errors()["404"]}}});
    let post = |tag: &str, summary: &str| {
        json!({"parameters": id_param(), "post": {"tags": [tag], "summary": summary,
               "responses": {"201": {"description": "Cuộc thanh tra sau khi ghi"}, "403": {"description": "Không thuộc đoàn"}, "404": errors()["404"], "422": errors()["422"]}}})
    };
    let mut procurement =
        item("procurements", "Hồ sơ mua sắm: tài sản đã mua, tài liệu còn thiếu, cảnh báo kèm chứng cứ");
    procurement["put"] = json!({"tags": ["procurements"], "summary": "Sửa hồ sơ mua sắm (gửi kèm `version`)", "responses": {"200": {"description": "OK"}, "409": errors()["409"], "422": errors()["422"]}});
    let mut inspection = item("inspections", "Cuộc thanh tra, kiểm tra: phát hiện, kiến nghị, theo dõi, thu hồi");
    inspection["put"] = json!({"tags": ["inspections"], "summary": "Cập nhật (kết luận: conclusion_no, conclusion_date; gửi kèm `version`)", "responses": {"200": {"description": "OK"}, "403": {"description": "Không thuộc đoàn"}, "422": errors()["422"]}});
    json!({
        "/api/v1/procurements": {
            "get": {"tags": ["procurements"], "summary": "Hồ sơ mua sắm và cảnh báo", "responses": {"200": {"description": "Danh sách"}}},
            "post": {"tags": ["procurements"], "summary": "Thêm hồ sơ mua sắm: code, package_name, unit_id, category_id, method (9 hình thức), estimate, plan_no, plan_date, contract_no, contract_date, supplier, contract_value, acceptance_date, invoice_no, invoice_date, documents [mã tài liệu], asset_ids",
                     "responses": {"201": {"description": "Hồ sơ kèm cảnh báo"}, "422": errors()["422"]}}
        },
        "/api/v1/procurements/{id}": procurement,
        "/api/v1/inspections": {
            "get": {"tags": ["inspections"], "summary": "Các cuộc, kèm thu hồi và quá hạn", "responses": {"200": {"description": "Danh sách"}}},
            "post": {"tags": ["inspections"], "summary": "Mở cuộc: kind thanh_tra|kiem_tra, planned, title, decision_no, decision_date, requested_by, subjects, scope, period_from, period_to, team (dòng «Họ tên; vai trò; tài khoản»)",
                     "responses": {"201": {"description": "Cuộc vừa mở"}, "422": errors()["422"]}}
        },
        "/api/v1/inspections/summary": {
            "get": {"tags": ["inspections"], "summary": "Tổng hợp theo kỳ: year, period nam|6thang|quy, n", "responses": {"200": {"description": "Số cuộc, vi phạm, thu hồi, quá hạn"}}}
        },
        "/api/v1/inspections/{id}": inspection,
        "/api/v1/inspections/{id}/findings": post("inspections", "Ghi phát hiện: title, category, place, amount, responsible, asset_codes | asset_ids, procurement_codes | procurement_ids, task_ids, count_line_id"),
        "/api/v1/inspections/{id}/recommendations": post("inspections", "Ghi kiến nghị: kind (thu_hoi_nsnn, xu_ly_kinh_te, xu_ly_hanh_chinh, kiem_diem, chuyen_dieu_tra, hoan_thien_co_che), content, responsible, deadline, amount, organisations, persons, cases, finding_id"),
        "/api/v1/inspections/{id}/import": post("inspections", "Nhập phát hiện và kiến nghị từ bảng tính (multipart `file`; `preview=true`)"),
        "/api/v1/inspections/{id}/workbook": item("inspections", "Báo cáo Excel của cuộc (tóm tắt, phát hiện, kiến nghị, tài sản và mua sắm), ghi vào nhật ký kèm đầu chuỗi"),
        "/api/v1/recommendations/{id}/follow-ups": post("inspections", "Theo dõi thực hiện (multipart: done_on, action, recovered, completes, `file` chứng từ)"),
        "/api/v1/follow-ups/{id}/evidence": item("inspections", "Chứng từ của một lần theo dõi"),
        "/api/v1/exports/inspections": {
            "get": {"tags": ["inspections"], "summary": "Bảng tổng hợp theo kỳ (Excel): year, period, n; ghi vào nhật ký kèm đầu chuỗi", "responses": {"200": {"description": "Tệp .xlsx"}}}
        }
    })
}

pub fn spec() -> Value {
    let (assets, asset) = crud(
        "assets",
        "Asset",
        &[
            ("unit_id", "integer", "Đơn vị quản lý"),
            ("task_id", "integer", "Nhiệm vụ KH&CN"),
            ("category_id", "integer", "Nhóm tài sản"),
            ("class_id", "integer", "Loại tài sản"),
            ("status", "string", "Tình trạng (mã hoặc tên)"),
            ("kind", "string", "huu_hinh | vo_hinh | ccdc"),
            ("year", "integer", "Năm tăng"),
            ("awaiting_handling", "string", "1: tài sản của nhiệm vụ đã nghiệm thu đang chờ xử lý"),
            ("sort", "string", "code | name | original_cost | residual_value | acquired_on | status"),
            ("order", "string", "asc | desc"),
        ],
    );
    let (tasks, task) = crud(
        "tasks",
        "Task",
        &[
            ("status", "string", "Trạng thái"),
            ("level", "string", "Cấp"),
            ("legal_regime", "string", "nd70_2018 | luat93_2025"),
            ("sort", "string", "code | title | acceptance_date | start_date"),
            ("order", "string", "asc | desc"),
        ],
    );
    let (units, unit) = crud("units", "Unit", &[("kind", "string", "Loại đơn vị")]);
    let (categories, category) = crud("categories", "Category", &[("class_id", "integer", "Loại tài sản")]);
    let (rates, rate) =
        crud("wear-rates", "WearRate", &[("category_id", "integer", "Nhóm"), ("on", "string", "Có hiệu lực ngày")]);
    let (settings, setting) = crud("rule-settings", "RuleSetting", &[("key", "string", "Khóa")]);
    let object = |props: Value| json!({"type": "object", "properties": props});
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "taisan — Quản lý tài sản công, Sở KH&CN",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Tiền là số nguyên đồng. Ngày gửi lên dạng yyyy-mm-dd hoặc dd/mm/yyyy; ngày trả về dạng yyyy-mm-dd. Thời điểm lưu theo UTC."
        },
        "paths": {
            "/api/v1/assets": assets,
            "/api/v1/assets/{id}": asset,
            "/api/v1/assets/{id}/wear": {
                "parameters": id_param(),
                "get": {"tags": ["assets"], "summary": "Hao mòn lũy kế và giá trị còn lại đến một ngày, theo từng năm",
                        "parameters": [{"name": "as_of", "in": "query", "schema": {"type": "string"}}],
                        "responses": {"200": {"description": "Bảng hao mòn"}, "404": errors()["404"]}}
            },
            "/api/v1/assets/{id}/card": {
                "parameters": id_param(),
                "get": {"tags": ["assets"], "summary": "Thẻ tài sản cố định (Excel): mô tả, nguyên giá theo nguồn, hao mòn từng năm",
                        "parameters": [{"name": "as_of", "in": "query", "schema": {"type": "string"}}],
                        "responses": {"200": {"description": "Tệp .xlsx", "content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}, "404": errors()["404"]}}
            },
            "/api/v1/assets/{id}/history": {
                "parameters": id_param(),
                "get": {"tags": ["assets"], "summary": "Lịch sử thay đổi", "responses": {"200": {"description": "Các sự kiện, mới nhất trước"}}}
            },
            "/api/v1/handling-forms": {
                "get": {"tags": ["disposals"], "summary": "Hình thức xử lý có hiệu lực (`on`), chỉ những hình thức áp dụng cho các tài sản `asset_id=1,2`",
                        "parameters": [{"name": "on", "in": "query", "schema": {"type": "string"}}, {"name": "asset_id", "in": "query", "schema": {"type": "string"}}],
                        "responses": {"200": {"description": "Các hình thức, kèm căn cứ và số ngày mỗi bước"}}}
            },
            "/api/v1/disposals": {
                "get": {"tags": ["disposals"], "summary": "Hồ sơ xử lý tài sản, mới nhất trước; `open=true` còn đang xử lý, `overdue=true` quá hạn",
                        "responses": {"200": {"description": "Danh sách"}}},
                "post": {"tags": ["disposals"], "summary": "Đề nghị xử lý: form_code, reason, doc_no, doc_date, lines [{asset_id, quantity}]",
                         "responses": {"201": {"description": "Hồ sơ vừa mở"}, "422": errors()["422"]}}
            },
            "/api/v1/imports/decisions": {
                "post": {"tags": ["disposals"], "summary": "Nhập tệp quyết định xử lý cũ (multipart `file`; `preview=true` xem trước): mỗi dòng một tài sản của một quyết định",
                         "responses": {"200": {"description": "Xem trước"}, "201": {"description": "Đã nhập"}, "422": {"description": "Có quyết định không hợp lệ; không lưu gì"}}}
            },
            "/api/v1/disposals/overview": {
                "get": {"tags": ["disposals"], "summary": "Việc đến hạn, quá hạn, và nhiệm vụ đã nghiệm thu còn tài sản chưa xử lý", "responses": {"200": {"description": "Tổng quan"}}}
            },
            "/api/v1/disposals/{id}": {
                "parameters": id_param(),
                "get": {"tags": ["disposals"], "summary": "Hồ sơ: tài sản, văn bản, bước đang chờ và hạn", "responses": {"200": {"description": "Hồ sơ"}, "404": errors()["404"]}}
            },
            "/api/v1/disposals/{id}/decision": disposal_step("Quyết định xử lý: doc_no, doc_date, signer, authority, method, lines [{line_id, quantity}], version"),
            "/api/v1/disposals/{id}/execution": disposal_step("Thực hiện: biên bản bàn giao (counterparty), bán (method dau_gia|niem_yet|truc_tiep, counterparty, proceeds), tiêu hủy (method); version"),
            "/api/v1/disposals/{id}/money": disposal_step("Tiền: proceeds, costs, remitted (không quá thu trừ chi); version"),
            "/api/v1/disposals/{id}/write-down": disposal_step("Ghi giảm: doc_no, doc_date; tách phần số lượng được xử lý; version"),
            "/api/v1/disposals/{id}/revocation": disposal_step("Văn bản thu hồi, hủy bỏ văn bản mới nhất còn hiệu lực: step_id, doc_no, doc_date; version"),
            "/api/v1/tasks": tasks,
            "/api/v1/tasks/{id}": task,
            "/api/v1/units": units,
            "/api/v1/units/{id}": unit,
            "/api/v1/classes": {"get": {"tags": ["categories"], "summary": "Loại tài sản", "responses": {"200": {"description": "OK"}}}},
            "/api/v1/categories": categories,
            "/api/v1/categories/{id}": category,
            "/api/v1/wear-rates": rates,
            "/api/v1/wear-rates/{id}": rate,
            "/api/v1/rule-settings": settings,
            "/api/v1/rule-settings/{id}": setting
        },
        "components": {"schemas": {
            "Error": object(json!({"error": {"type": "string"}, "fields": {"type": "object", "additionalProperties": {"type": "string"}}, "current": {"type": "object"}})),
            "Asset": object(json!({"id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"}, "original_cost": {"type": "integer"}, "residual_value": {"type": "integer"}, "version": {"type": "integer"}})),
            "AssetInput": {"type": "object", "required": ["name", "category_id", "unit_id"], "properties": {
                "code": {"type": "string"}, "name": {"type": "string"}, "category_id": {"type": "integer"}, "unit_id": {"type": "integer"},
                "task_id": {"type": "integer"}, "task_asset_kind": {"enum": ["trang_bi", "ket_qua"]}, "unit_of_measure": {"type": "string"},
                "quantity": {"type": "integer"}, "area_m2": {"type": "number"}, "cost_state": {"type": "integer"}, "cost_other": {"type": "integer"},
                "original_cost": {"type": "integer"}, "acquisition_method": {"type": "string"}, "acquired_on": {"type": "string"},
                "in_use_on": {"type": "string"}, "year_made": {"type": "integer"}, "country": {"type": "string"}, "location": {"type": "string"},
                "responsible_person": {"type": "string"}, "status": {"type": "string"}, "condition": {"type": "string"},
                "specification": {"type": "string"}, "serial_no": {"type": "string"}, "notes": {"type": "string"},
                "opening_wear": {"type": "integer"}, "opening_wear_as_of": {"type": "string"}, "version": {"type": "integer"}}},
            "Task": object(json!({"id": {"type": "integer"}, "code": {"type": "string"}, "title": {"type": "string"}, "version": {"type": "integer"}})),
            "TaskInput": {"type": "object", "required": ["code", "title", "host_org"], "properties": {
                "code": {"type": "string"}, "title": {"type": "string"}, "level": {"type": "string"}, "host_org": {"type": "string"},
                "principal_investigator": {"type": "string"}, "managing_unit_id": {"type": "integer"}, "start_date": {"type": "string"},
                "end_date": {"type": "string"}, "total_budget": {"type": "integer"}, "state_budget": {"type": "integer"},
                "funding": {"enum": ["toan_phan", "mot_phan"]}, "state_share_percent": {"type": "number"}, "acceptance_date": {"type": "string"},
                "acceptance_conclusion": {"type": "string"}, "legal_regime": {"enum": ["nd70_2018", "luat93_2025"]}, "status": {"type": "string"},
                "notes": {"type": "string"}, "version": {"type": "integer"}}},
            "Unit": object(json!({"id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"}})),
            "UnitInput": object(json!({"code": {"type": "string"}, "name": {"type": "string"}, "short_name": {"type": "string"}, "kind": {"type": "string"}, "parent_id": {"type": "integer"}, "ma_qhns": {"type": "string"}, "legal_source": {"type": "string"}, "valid_from": {"type": "string"}, "valid_to": {"type": "string"}, "version": {"type": "integer"}})),
            "Category": object(json!({"id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"}, "class_id": {"type": "integer"}})),
            "CategoryInput": object(json!({"code": {"type": "string"}, "name": {"type": "string"}, "class_id": {"type": "integer"}, "wear_exempt": {"type": "string"}, "legal_source": {"type": "string"}, "valid_from": {"type": "string"}, "valid_to": {"type": "string"}, "version": {"type": "integer"}})),
            "WearRate": object(json!({"id": {"type": "integer"}, "category_id": {"type": "integer"}, "useful_life_years": {"type": "integer"}, "rate_bp": {"type": "integer"}, "legal_source": {"type": "string"}, "valid_from": {"type": "string"}, "valid_to": {"type": "string"}})),
            "WearRateInput": object(json!({"category_id": {"type": "integer"}, "useful_life_years": {"type": "integer"}, "rate_bp": {"type": "integer"}, "legal_source": {"type": "string"}, "valid_from": {"type": "string"}, "valid_to": {"type": "string"}, "note": {"type": "string"}, "version": {"type": "integer"}})),
            "RuleSetting": object(json!({"id": {"type": "integer"}, "key": {"type": "string"}, "value": {"type": "string"}, "valid_from": {"type": "string"}})),
            "RuleSettingInput": object(json!({"key": {"type": "string"}, "value": {"type": "string"}, "legal_source": {"type": "string"}, "valid_from": {"type": "string"}, "valid_to": {"type": "string"}, "note": {"type": "string"}, "version": {"type": "integer"}}))
        }}
    });
    if let Some(paths) = doc["paths"].as_object_mut() {
        for more in [count_paths(), inspection_paths()] {
            if let Value::Object(more) = more {
                paths.extend(more);
            }
        }
    }
    doc
}

pub async fn document() -> Json<Value> {
    Json(spec())
}
