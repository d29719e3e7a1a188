//! The OpenAPI 3.1 document of `/api/v1`, served at `/api/v1/openapi.json`.
//!
//! What it can take from the code it takes: a request body lists the fields its handler accepts
//! (the list the handler gives `Input::reject_unknown`), each typed here; a choice lists the codes
//! of the table the handler reads; path parameters come from the path; and the error answers every
//! operation can give are added to all of them. `tests/api_openapi.rs` walks the route table (every
//! `/api/v1` route is described, nothing described is missing from it) and finds no field left
//! untyped; CI runs schemathesis against the running service on both databases.
//!
//! Types follow `Input` as the API reads it (`Input::from_api_json`): null means "not given", a
//! number is a JSON number, money is whole đồng, a date is `yyyy-mm-dd` (or `dd/mm/yyyy`).

use axum::Json;
use serde_json::{json, Map, Value};

const DATE_PATTERN: &str = r"^([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{1,2}/[0-9]{1,2}/[0-9]{4})$";
const XLSX: &str = crate::web::XLSX;

// ---------------------------------------------------------------- field types

fn text(max: usize) -> Value {
    json!({"type": ["string", "null"], "maxLength": max})
}

fn required_text(max: usize) -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": max})
}

fn int(min: i64, max: i64) -> Value {
    json!({"type": ["integer", "null"], "minimum": min, "maximum": max})
}

fn id() -> Value {
    int(1, i32::MAX as i64)
}

fn money(what: &str) -> Value {
    json!({"type": ["integer", "null"], "minimum": 0, "description": format!("{what}, đồng")})
}

fn date(what: &str) -> Value {
    json!({"type": ["string", "null"], "pattern": DATE_PATTERN, "description": what})
}

fn decimal() -> Value {
    json!({"type": ["number", "null"], "minimum": 0})
}

fn version() -> Value {
    json!({"type": "integer", "minimum": 0, "maximum": i32::MAX, "description": "Phiên bản đã đọc (optimistic lock)"})
}

/// One of the codes of a table the handler reads (its Vietnamese names are accepted too). A yes/no
/// table takes JSON's true and false as well.
fn choice(table: &[(&str, &str)]) -> Value {
    let mut codes: Vec<Value> = table.iter().map(|(c, _)| json!(c)).collect();
    if table.iter().any(|(c, _)| *c == "true") {
        codes.extend([json!(true), json!(false)]);
    }
    codes.push(Value::Null);
    let names: Vec<String> = table.iter().map(|(c, n)| format!("{c}: {n}")).collect();
    json!({"enum": codes, "description": names.join("; ")})
}

fn ids() -> Value {
    json!({"type": ["array", "null"], "items": {"type": "integer", "minimum": 1, "maximum": i32::MAX}})
}

/// A list of names, as a JSON array or as text separated by «;».
fn names() -> Value {
    json!({"anyOf": [{"type": "array", "items": {"type": ["string", "integer"]}}, {"type": "string"}, {"type": "null"}]})
}

/// Fields with one meaning wherever they appear.
fn common(name: &str) -> Option<Value> {
    Some(match name {
        "version" => version(),
        "doc_no" => text(100),
        "doc_date" => date("Ngày văn bản"),
        "signer" => text(200),
        "authority" => text(300),
        "note" => text(4000),
        "legal_source" => text(500),
        "valid_from" => date("Hiệu lực từ"),
        "valid_to" => date("Hiệu lực đến"),
        _ => return None,
    })
}

/// A JSON object of exactly `fields` (the handler's list), typed from `types` or `common`. A field
/// with no type is marked `x-untyped`, one typed but not accepted `x-not-accepted`: the test fails
/// on either.
fn object(fields: &[&str], types: &[(&str, Value)], required: &[&str]) -> Value {
    let mut properties = Map::new();
    for f in fields {
        let schema = types
            .iter()
            .find(|(n, _)| n == f)
            .map(|(_, s)| s.clone())
            .or_else(|| common(f))
            .unwrap_or_else(|| json!({"x-untyped": true}));
        properties.insert(f.to_string(), schema);
    }
    for (n, _) in types {
        if !fields.contains(n) {
            properties.insert(n.to_string(), json!({"x-not-accepted": true}));
        }
    }
    json!({"type": "object", "additionalProperties": false, "required": required, "properties": properties})
}

fn json_body(schema: Value) -> Value {
    json!({"required": true, "content": {"application/json": {"schema": schema}}})
}

/// A multipart upload: the file as `file`, and the text fields given.
fn upload(file_required: bool, fields: &[(&str, Value)], required: &[&str]) -> Value {
    let mut properties = Map::new();
    properties.insert("file".into(), json!({"type": "string", "format": "binary"}));
    for (n, s) in fields {
        properties.insert(n.to_string(), s.clone());
    }
    let mut req: Vec<&str> = required.to_vec();
    if file_required {
        req.push("file");
    }
    json!({"required": true, "content": {"multipart/form-data": {"schema": {"type": "object", "required": req, "properties": properties}}}})
}

// ---------------------------------------------------------------- answers

fn ok_json(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

fn any_object() -> Value {
    json!({"type": "object"})
}

fn page_of(item: Value) -> Value {
    json!({"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": item}, "total": {"type": "integer", "minimum": 0}}})
}

fn file(types: &[&str]) -> Value {
    let content: Map<String, Value> =
        types.iter().map(|t| (t.to_string(), json!({"schema": {"type": "string", "format": "binary"}}))).collect();
    json!({"description": "Tệp tải về (Content-Disposition: attachment, tên tiếng Việt theo RFC 5987)", "content": content})
}

fn nullable(schema: Value) -> Value {
    let mut s = schema;
    if let Some(Value::String(t)) = s.get("type").cloned() {
        s["type"] = json!([t, "null"]);
    }
    s
}

/// A stored record as the API returns it: its id and version, and its fields as read back.
fn record(props: &[(&str, Value)]) -> Value {
    let mut properties = Map::new();
    properties.insert("id".into(), json!({"type": "integer"}));
    properties.insert("version".into(), json!({"type": "integer"}));
    for (n, s) in props {
        properties.insert(n.to_string(), s.clone());
    }
    json!({"type": "object", "required": ["id"], "properties": properties})
}

fn ref_to(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

// ---------------------------------------------------------------- operations

/// One operation of the document.
struct Op {
    method: &'static str,
    path: &'static str,
    tag: &'static str,
    summary: String,
    query: Vec<(&'static str, Value)>,
    body: Option<Value>,
    no_body: bool,
    /// The answers on success, by status.
    ok: Vec<(u16, Value)>,
    /// Path parameters that are codes, not ids: their schema.
    path_codes: Vec<(&'static str, Value)>,
}

impl Op {
    fn new(method: &'static str, path: &'static str, tag: &'static str, summary: &str) -> Op {
        Op {
            method,
            path,
            tag,
            summary: summary.to_string(),
            query: vec![],
            body: None,
            no_body: false,
            ok: vec![],
            path_codes: vec![],
        }
    }
    fn get(path: &'static str, tag: &'static str, summary: &str) -> Op {
        Op::new("get", path, tag, summary)
    }
    fn post(path: &'static str, tag: &'static str, summary: &str) -> Op {
        Op::new("post", path, tag, summary)
    }
    fn put(path: &'static str, tag: &'static str, summary: &str) -> Op {
        Op::new("put", path, tag, summary)
    }
    fn delete(path: &'static str, tag: &'static str, summary: &str) -> Op {
        Op::new("delete", path, tag, summary).answer(204, json!({"description": "Đã xóa"}))
    }
    /// A path parameter that is one of `codes`.
    fn path_code(mut self, name: &'static str, codes: &[&str]) -> Op {
        self.path_codes.push((name, json!({"type": "string", "enum": codes})));
        self
    }
    fn query(mut self, params: Vec<(&'static str, Value)>) -> Op {
        self.query.extend(params);
        self
    }
    fn body(mut self, body: Value) -> Op {
        self.body = Some(body);
        self
    }
    /// A write that takes nothing but its path (said, so that the test knows it was not forgotten).
    fn no_body(mut self) -> Op {
        self.no_body = true;
        self
    }
    fn json(self, fields: &[&str], types: &[(&str, Value)], required: &[&str]) -> Op {
        self.body(json_body(object(fields, types, required)))
    }
    fn answer(mut self, status: u16, response: Value) -> Op {
        self.ok.push((status, response));
        self
    }
    fn returns(self, status: u16, schema: Value) -> Op {
        self.answer(status, ok_json("OK", schema))
    }
    fn download(self, types: &[&str]) -> Op {
        self.answer(200, file(types))
    }

    fn operation(&self) -> Value {
        let error = |d: &str| json!({"description": d, "content": {"application/json": {"schema": ref_to("Error")}}});
        let mut responses = Map::new();
        for (status, r) in &self.ok {
            responses.insert(status.to_string(), r.clone());
        }
        let mut add = |status: &str, d: &str| {
            responses.entry(status.to_string()).or_insert_with(|| error(d));
        };
        add("400", "Yêu cầu không đọc được (JSON sai, thiếu Content-Type, tệp tải lên hỏng)");
        add("401", "Chưa đăng nhập, token sai hoặc đã thu hồi");
        add("403", "Vai trò không có quyền này, hoặc bản ghi thuộc đơn vị khác");
        add("422", "Dữ liệu không hợp lệ: `fields` ghi lỗi theo từng trường; không lưu gì");
        add("404", "Không có bản ghi này (trong đường dẫn, hoặc bản ghi được tham chiếu)");
        if self.method != "get" || self.path.contains('{') {
            add("409", "Phiên bản cũ (bản hiện tại trong `current`), trạng thái của bản ghi không cho việc này, hoặc bản ghi đang được tham chiếu");
        }
        if self.body.as_ref().is_some_and(|b| b["content"].get("multipart/form-data").is_some()) {
            add("413", "Tệp quá lớn");
        }
        let mut params: Vec<Value> = path_params(self.path);
        for p in params.iter_mut() {
            if let Some((_, schema)) = self.path_codes.iter().find(|(n, _)| p["name"] == *n) {
                p["schema"] = schema.clone();
            }
        }
        for (name, schema) in &self.query {
            params.push(json!({"name": name, "in": "query", "schema": schema}));
        }
        let mut op = json!({"tags": [self.tag], "summary": self.summary, "responses": responses});
        if !params.is_empty() {
            op["parameters"] = Value::Array(params);
        }
        if let Some(b) = &self.body {
            op["requestBody"] = b.clone();
        }
        if self.no_body {
            op["x-no-body"] = json!(true);
        }
        op
    }
}

fn path_params(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1, "maximum": i32::MAX}}))
        .collect()
}

fn paging(max_per_page: i64) -> Vec<(&'static str, Value)> {
    vec![
        ("page", json!({"type": "integer", "minimum": 1, "maximum": 1_000_000})),
        ("per_page", json!({"type": "integer", "minimum": 1, "maximum": max_per_page})),
    ]
}

fn search() -> (&'static str, Value) {
    ("q", json!({"type": "string", "maxLength": 200, "description": "Tìm không phân biệt dấu và hoa thường"}))
}

/// Query strings are text: the same types as a body's, without null.
fn q(schema: Value) -> Value {
    let mut s = schema;
    if let Some(Value::Array(types)) = s.get("type").cloned() {
        let kept: Vec<Value> = types.into_iter().filter(|t| t != "null").collect();
        s["type"] = if kept.len() == 1 { kept[0].clone() } else { Value::Array(kept) };
    }
    if let Some(Value::Array(codes)) = s.get("enum").cloned() {
        let kept: Vec<Value> = codes.into_iter().filter(|c| c.is_string()).collect();
        s["enum"] = Value::Array(kept);
    }
    s
}

fn yes_no() -> Value {
    q(choice(crate::inventory::YES_NO))
}

fn period() -> Vec<(&'static str, Value)> {
    vec![("from", q(date("Từ ngày (mặc định: đầu năm)"))), ("to", q(date("Đến ngày (mặc định: hôm nay)")))]
}

fn asset_filters() -> Vec<(&'static str, Value)> {
    use crate::assets;
    let mut f = paging(500);
    f.extend([
        search(),
        ("unit_id", q(id())),
        ("task_id", q(id())),
        ("category_id", q(id())),
        ("class_id", q(id())),
        ("status", q(choice(assets::STATUSES))),
        ("kind", q(choice(assets::KINDS))),
        ("year", q(int(1900, 2200))),
        ("awaiting_handling", json!({"type": "string", "maxLength": 10, "description": "1: tài sản của nhiệm vụ đã nghiệm thu đang chờ xử lý"})),
        ("include_written_down", json!({"type": "string", "maxLength": 10, "description": "1: gồm cả tài sản đã ghi giảm"})),
        ("sort", q(choice(assets::SORTS))),
        ("order", q(choice(&[("asc", "Tăng dần"), ("desc", "Giảm dần")]))),
    ]);
    f
}

fn assets_ops() -> Vec<Op> {
    use crate::assets;
    let types = [
        ("code", text(50)),
        ("name", required_text(500)),
        ("category_id", id()),
        ("unit_id", id()),
        ("task_id", id()),
        ("task_asset_kind", choice(assets::TASK_ASSET_KINDS)),
        ("unit_of_measure", text(50)),
        ("quantity", int(1, 1_000_000_000)),
        ("area_m2", decimal()),
        ("cost_state", money("Nguyên giá — nguồn NSNN")),
        ("cost_other", money("Nguyên giá — nguồn khác")),
        ("acquisition_method", choice(assets::ACQUISITION_METHODS)),
        ("acquired_on", date("Ngày tăng")),
        ("in_use_on", date("Ngày đưa vào sử dụng")),
        ("year_made", int(1900, chrono::Datelike::year(&crate::text::today()) as i64)),
        ("country", text(100)),
        ("location", text(200)),
        ("responsible_person", text(200)),
        ("status", choice(assets::STATUSES)),
        ("condition", text(500)),
        ("specification", text(2000)),
        ("serial_no", text(100)),
        ("notes", text(4000)),
        ("opening_wear", money("Hao mòn lũy kế đầu kỳ")),
        ("opening_wear_as_of", date("Ngày chốt hao mòn đầu kỳ")),
    ];
    let mut with_version = assets::EDITABLE.to_vec();
    with_version.push("version");
    let as_of = vec![("as_of", q(date("Tính đến ngày (mặc định: hôm nay)")))];
    let wear_year = ("wear_year", q(int(1990, 2200)));
    vec![
        Op::get(
            "/api/v1/assets",
            "assets",
            "Sổ tài sản: lọc, sắp xếp, phân trang; tổng nguyên giá và giá trị còn lại của cả kết quả lọc",
        )
        .query(asset_filters())
        .returns(200, page_of(ref_to("Asset"))),
        Op::post("/api/v1/assets", "assets", "Ghi tăng tài sản (mã tự sinh khi để trống)")
            .json(assets::EDITABLE, &types, &["name"])
            .returns(201, ref_to("Asset")),
        Op::get("/api/v1/assets/{id}", "assets", "Một tài sản").returns(200, ref_to("Asset")),
        Op::put("/api/v1/assets/{id}", "assets", "Sửa; gửi kèm `version` đã đọc. Trường không gửi giữ nguyên")
            .json(&with_version, &types, &["version"])
            .returns(200, ref_to("Asset")),
        Op::delete("/api/v1/assets/{id}", "assets", "Xóa tài sản nhập nhầm (không xóa được tài sản đã có hồ sơ xử lý)")
            .query(vec![("version", q(version()))]),
        Op::get("/api/v1/assets/{id}/wear", "assets", "Hao mòn lũy kế và giá trị còn lại đến một ngày, theo từng năm")
            .query(as_of.clone())
            .returns(200, any_object()),
        Op::get("/api/v1/assets/{id}/history", "assets", "Lịch sử thay đổi, mới nhất trước")
            .returns(200, page_of(ref_to("Event"))),
        Op::get("/api/v1/assets/{id}/card", "assets", "Thẻ tài sản cố định (Mẫu S24-H)").query(as_of).download(&[XLSX]),
        Op::get("/api/v1/exports/register", "exports", "Sổ tài sản theo bộ lọc của danh sách")
            .query(asset_filters())
            .query(vec![(
                "format",
                q(choice(&[("xlsx", "Excel"), ("plain", "Excel, danh sách lọc được"), ("csv", "CSV")])),
            )])
            .download(&[XLSX, "text/csv"]),
        Op::get("/api/v1/exports/wear", "exports", "Bảng tính hao mòn của một năm")
            .query(asset_filters())
            .query(vec![wear_year.clone()])
            .download(&[XLSX]),
        Op::get("/api/v1/exports/fixed-asset-book", "exports", "Sổ tài sản cố định (Mẫu S21-H) của một năm")
            .query(asset_filters())
            .query(vec![wear_year])
            .download(&[XLSX]),
        Op::get("/api/v1/exports/changes", "exports", "Báo cáo tăng, giảm tài sản trong kỳ")
            .query(asset_filters())
            .query(period())
            .download(&[XLSX]),
    ]
}

fn import_ops() -> Vec<Op> {
    use crate::assets::import::Duplicates;
    let options = vec![
        ("preview", yes_no()),
        (
            "mode",
            q(choice(&[("upsert", "Thêm mới hoặc cập nhật"), ("create", "Chỉ thêm mới"), ("update", "Chỉ cập nhật")])),
        ),
        ("strict", yes_no()),
        ("clear_blanks", yes_no()),
        ("allow_duplicate", yes_no()),
        ("duplicates", q(choice(Duplicates::CHOICES))),
        ("strip_controls", yes_no()),
        ("sheet", json!({"type": "string", "maxLength": 100})),
        ("unit_id", q(id())),
        ("wear_as_of", q(date("Ngày chốt hao mòn đầu kỳ"))),
        ("default_category", q(id())),
        ("accept_guesses", yes_no()),
    ];
    let report = ok_json(
        "Báo cáo từng dòng: tạo, cập nhật, không đổi, bỏ qua, lỗi; số dòng đọc được bằng tổng các kết quả",
        any_object(),
    );
    vec![
        Op::post("/api/v1/imports/assets", "imports", "Nhập sổ tài sản từ Excel (.xlsx, .xls, .xlsb, .ods) hoặc CSV; cột tự nhận theo tiêu đề, `col_N=trường` để chỉ định, `name:TÊN=unit:ID|section|location` cho tên đơn vị chưa có, `fix:DÒNG:CỘT=giá trị` để sửa một ô")
            .query(options)
            .body(upload(true, &[], &[]))
            .answer(200, report.clone())
            .answer(201, report.clone())
            .answer(422, report),
        Op::get("/api/v1/imports", "imports", "Các lần nhập, mới nhất trước").returns(200, page_of(any_object())),
        Op::get("/api/v1/imports/{id}", "imports", "Một lần nhập và kết quả từng dòng").returns(200, any_object()),
        Op::post("/api/v1/imports/{id}/undo", "imports", "Hoàn tác một lần nhập: xóa tài sản nó tạo, trả lại giá trị trước của tài sản nó sửa (từ chối khi đã có thay đổi sau đó)")
            .no_body()
            .returns(200, any_object()),
    ]
}

fn task_ops() -> Vec<Op> {
    use crate::tasks;
    let types = [
        ("code", required_text(50)),
        ("title", required_text(1000)),
        ("level", choice(tasks::LEVELS)),
        ("host_org", required_text(500)),
        ("principal_investigator", text(200)),
        ("managing_unit_id", id()),
        ("start_date", date("Thời gian bắt đầu")),
        ("end_date", date("Thời gian kết thúc")),
        ("total_budget", money("Tổng kinh phí")),
        ("state_budget", money("Kinh phí NSNN")),
        ("funding", choice(tasks::FUNDING)),
        ("state_share_percent", json!({"type": ["number", "null"], "minimum": 0, "maximum": 100})),
        ("acceptance_date", date("Ngày nghiệm thu")),
        ("acceptance_conclusion", text(4000)),
        ("legal_regime", choice(tasks::LEGAL_REGIMES)),
        ("status", choice(tasks::STATUSES)),
        ("notes", text(4000)),
    ];
    let mut with_version = tasks::EDITABLE.to_vec();
    with_version.push("version");
    let mut filters = paging(500);
    filters.extend([
        search(),
        ("status", q(choice(tasks::STATUSES))),
        ("level", q(choice(tasks::LEVELS))),
        ("legal_regime", q(choice(tasks::LEGAL_REGIMES))),
        ("sort", q(choice(tasks::SORTS))),
        ("order", q(choice(&[("asc", "Tăng dần"), ("desc", "Giảm dần")]))),
    ]);
    vec![
        Op::get("/api/v1/tasks", "tasks", "Nhiệm vụ KH&CN").query(filters).returns(200, page_of(ref_to("Task"))),
        Op::post("/api/v1/tasks", "tasks", "Thêm nhiệm vụ")
            .json(tasks::EDITABLE, &types, &["code", "title", "host_org"])
            .returns(201, ref_to("Task")),
        Op::get("/api/v1/tasks/{id}", "tasks", "Một nhiệm vụ, kèm tài sản của nó").returns(200, ref_to("Task")),
        Op::put("/api/v1/tasks/{id}", "tasks", "Sửa; gửi kèm `version`")
            .json(&with_version, &types, &["version"])
            .returns(200, ref_to("Task")),
        Op::delete("/api/v1/tasks/{id}", "tasks", "Xóa nhiệm vụ không còn tài sản nào")
            .query(vec![("version", q(version()))]),
    ]
}

fn reference_ops() -> Vec<Op> {
    use crate::rules::api as r;
    let unit = [
        ("code", required_text(30)),
        ("name", required_text(300)),
        ("short_name", text(100)),
        ("kind", choice(r::UNIT_KINDS)),
        ("parent_id", id()),
        ("ma_qhns", text(20)),
    ];
    let category = [
        ("code", required_text(30)),
        ("name", required_text(300)),
        ("class_id", id()),
        ("wear_exempt", choice(&[("true", "Có"), ("false", "Không")])),
        (
            "national_code",
            json!({"type": ["string", "null"], "maxLength": 12, "description": "Mã loại tài sản quốc gia (nút của danh mục, có tỷ lệ hao mòn); nhóm của đơn vị nhận tỷ lệ của mã này"}),
        ),
    ];
    let rate = [
        ("category_id", id()),
        ("useful_life_years", int(1, 200)),
        (
            "rate_bp",
            json!({"type": ["integer", "null"], "minimum": 1, "maximum": 10_000, "description": "Tỷ lệ hao mòn, phần vạn (10 % = 1000)"}),
        ),
        ("legal_source", required_text(500)),
        ("note", text(1000)),
    ];
    let setting = [("key", required_text(100)), ("value", required_text(1000)), ("note", text(1000))];
    let financing = [
        ("unit_id", id()),
        ("autonomy", choice(crate::rules::AUTONOMY)),
        ("legal_source", text(500)),
        ("valid_from", json!({"type": "string", "pattern": DATE_PATTERN})),
    ];
    let without =
        |fields: &[&'static str]| -> Vec<&'static str> { fields.iter().copied().filter(|f| *f != "version").collect() };
    let mut ops = vec![
        Op::get("/api/v1/classes", "reference", "Loại tài sản").returns(200, page_of(any_object())),
        Op::get("/api/v1/units", "reference", "Đơn vị, kèm số tài sản và giá trị trong phạm vi người xem")
            .query(paging(500))
            .query(vec![search(), ("kind", q(choice(r::UNIT_KINDS)))])
            .returns(200, page_of(ref_to("Unit"))),
        Op::get("/api/v1/categories", "reference", "Nhóm tài sản")
            .query(paging(500))
            .query(vec![search(), ("class_id", q(id()))])
            .returns(200, page_of(ref_to("Category"))),
        Op::get("/api/v1/wear-rates", "reference", "Số năm sử dụng và tỷ lệ hao mòn theo nhóm, có hiệu lực theo ngày")
            .query(paging(500))
            .query(vec![("category_id", q(id())), ("on", q(date("Có hiệu lực ngày")))])
            .returns(200, page_of(ref_to("WearRate"))),
        Op::get("/api/v1/unit-financing", "reference", "Mức tự chủ tài chính của đơn vị sự nghiệp theo thời kỳ (quyết định ngưỡng TSCĐ của đơn vị: TT 141/2025/TT-BTC, Điều 3.3)")
            .query(paging(500))
            .query(vec![("unit_id", q(id()))])
            .returns(200, page_of(ref_to("UnitFinancing"))),
        Op::get("/api/v1/rule-settings", "reference", "Ngưỡng và quy định có hiệu lực theo ngày")
            .query(paging(500))
            .query(vec![("key", json!({"type": "string", "maxLength": 100}))])
            .returns(200, page_of(ref_to("RuleSetting"))),
    ];
    // (collection, item, schema, the handler's fields, their types, required on create)
    type Table<'a> =
        (&'static str, &'static str, &'static str, &'a [&'static str], &'a [(&'a str, Value)], &'a [&'a str]);
    let tables: [Table; 5] = [
        ("/api/v1/units", "/api/v1/units/{id}", "Unit", r::UNIT_FIELDS, &unit, &["code", "name", "kind"]),
        (
            "/api/v1/categories",
            "/api/v1/categories/{id}",
            "Category",
            r::CATEGORY_FIELDS,
            &category,
            &["code", "name", "class_id"],
        ),
        (
            "/api/v1/wear-rates",
            "/api/v1/wear-rates/{id}",
            "WearRate",
            r::RATE_FIELDS,
            &rate,
            &["category_id", "legal_source"],
        ),
        (
            "/api/v1/rule-settings",
            "/api/v1/rule-settings/{id}",
            "RuleSetting",
            r::SETTING_FIELDS,
            &setting,
            &["key", "value"],
        ),
        (
            "/api/v1/unit-financing",
            "/api/v1/unit-financing/{id}",
            "UnitFinancing",
            r::FINANCING_FIELDS,
            &financing,
            &["unit_id", "autonomy", "valid_from"],
        ),
    ];
    for (collection, item, schema, fields, types, required) in tables {
        ops.extend([
            Op::post(collection, "reference", "Thêm (quản trị viên); mọi thay đổi ghi vào nhật ký")
                .json(&without(fields), types, required)
                .returns(201, ref_to(schema)),
            Op::get(item, "reference", "Một bản ghi").returns(200, ref_to(schema)),
            Op::put(
                item,
                "reference",
                "Sửa; gửi kèm `version`; đổi tỷ lệ hao mòn tính lại hao mòn của sổ trong cùng giao dịch",
            )
            .json(fields, types, &["version"])
            .returns(200, ref_to(schema)),
            Op::delete(item, "reference", "Xóa bản ghi không còn gì tham chiếu").query(vec![("version", q(version()))]),
        ]);
    }
    ops
}

fn disposal_ops() -> Vec<Op> {
    use crate::disposals as d;
    let line = object(d::LINE_FIELDS, &[("asset_id", id()), ("quantity", int(1, 1_000_000_000))], &["asset_id"]);
    let revalued = || money("Giá trị đánh giá lại của 01 đơn vị tài sản (NĐ 186/2025/NĐ-CP, Điều 26.1, 27.1, 58, 59)");
    let decided = object(
        d::DECIDED_LINE_FIELDS,
        &[("line_id", id()), ("quantity", int(1, 1_000_000_000)), ("revalued", revalued())],
        &["line_id"],
    );
    let valued = object(d::REVALUED_LINE_FIELDS, &[("line_id", id()), ("revalued", revalued())], &["line_id"]);

    let lines = |item: Value| json!({"type": ["array", "null"], "items": item});
    let view = || ref_to("Disposal");
    let methods = "Bán: dau_gia | niem_yet | chi_dinh; tiêu hủy, phá dỡ: cách làm; hình thức khác: ghi chú";
    let attachment_types: Vec<&str> = d::attachments::KINDS.iter().map(|k| k.0).collect();
    vec![
        Op::get("/api/v1/handling-forms", "disposals", "Hình thức xử lý có hiệu lực vào ngày `on`, chỉ những hình thức áp dụng cho các tài sản `asset_id=1,2`")
            .query(vec![("on", q(date("Ngày"))), ("asset_id", json!({"type": "string", "maxLength": 2000, "pattern": "^\\s*([0-9]+(\\s*,\\s*[0-9]+)*)?\\s*$", "description": "Mã số tài sản, cách nhau bởi dấu phẩy"}))])
            .returns(200, page_of(any_object())),
        Op::get("/api/v1/disposals", "disposals", "Hồ sơ xử lý tài sản, mới nhất trước")
            .query(vec![("open", yes_no()), ("overdue", yes_no())])
            .returns(200, page_of(any_object())),
        Op::post("/api/v1/disposals", "disposals", "Đề nghị xử lý: hình thức, lý do, tài sản và số lượng; mở hồ sơ")
            .json(
                d::PROPOSAL_FIELDS,
                &[("form_code", required_text(60)), ("reason", required_text(2000)), ("lines", json!({"type": "array", "minItems": 1, "items": line})), ("unit_id", id())],
                &["form_code", "reason", "lines"],
            )
            .returns(201, view()),
        Op::get("/api/v1/disposals/overview", "disposals", "Việc đến hạn, quá hạn, và nhiệm vụ đã nghiệm thu còn tài sản chưa xử lý").returns(200, any_object()),
        Op::get("/api/v1/disposals/{id}", "disposals", "Hồ sơ: tài sản, văn bản, bước đang chờ và hạn").returns(200, view()),
        Op::post("/api/v1/disposals/{id}/decision", "disposals", "Quyết định xử lý: số, ngày, người ký, thẩm quyền, số lượng quyết định")
            .json(
                d::DECISION_FIELDS,
                &[
                    ("method", json!({"type": ["string", "null"], "maxLength": 500, "description": "Bán, thanh lý bằng bán: dau_gia | niem_yet | chi_dinh (nếu quyết định đã định); hình thức khác: ghi chú"})),
                    ("decided_by", choice(d::sale::DECIDED_BY)),
                    ("lines", lines(decided)),
                ],
                &["version"],
            )
            .returns(201, view()),
        Op::post("/api/v1/disposals/{id}/execution", "disposals", "Thực hiện: biên bản bàn giao, hợp đồng bán, biên bản tiêu hủy")
            .json(
                d::EXECUTION_FIELDS,
                &[("method", json!({"type": ["string", "null"], "maxLength": 500, "description": methods})), ("counterparty", text(300)), ("proceeds", money("Giá bán")), ("rounds", int(1, 100)), ("lines", lines(valued))],
                &["version"],
            )
            .returns(201, view()),
        Op::post("/api/v1/disposals/{id}/money", "disposals", "Tiền: thu được, chi phí được duyệt, nộp ngân sách (không quá thu trừ chi)")
            .json(
                d::MONEY_FIELDS,
                &[
                    ("proceeds", money("Số tiền thu được")),
                    ("costs", money("Chi phí được duyệt")),
                    ("remitted", money("Số nộp ngân sách")),
                    ("method", choice(d::SALE_METHODS)),
                    ("valuation", money("Giá trị vật tư, vật liệu thu hồi")),
                ],
                &["version"],
            )
            .returns(201, view()),
        Op::post("/api/v1/disposals/{id}/write-down", "disposals", "Ghi giảm: đưa số lượng được xử lý ra khỏi sổ vào ngày văn bản")
            .json(d::WRITE_DOWN_FIELDS, &[], &["version"])
            .returns(201, view()),
        Op::post("/api/v1/disposals/{id}/revocation", "disposals", "Văn bản thu hồi, hủy bỏ văn bản mới nhất còn hiệu lực; hồ sơ trở về bước trước")
            .json(d::REVOKE_FIELDS, &[("step_id", id())], &["step_id", "version"])
            .returns(201, view()),
        Op::get("/api/v1/disposals/{id}/proposal", "disposals", "Danh mục tài sản đề nghị xử lý").download(&[XLSX]),
        Op::get("/api/v1/disposals/{id}/handover", "disposals", "Biên bản bàn giao, tiếp nhận tài sản").download(&[XLSX]),
        Op::post("/api/v1/disposals/{id}/attachments", "disposals", "Đính kèm bản quét (PDF, PNG, JPEG, TIFF), gắn với văn bản `step_id`")
            .body(upload(true, &[("step_id", q(id()))], &[]))
            .returns(201, any_object()),
        Op::get("/api/v1/attachments/{id}", "disposals", "Tệp đính kèm, đúng loại đã kiểm khi tải lên").download(&attachment_types),
        Op::get("/api/v1/exports/task-handling", "exports", "Tài sản của nhiệm vụ KH&CN và việc xử lý, đến một ngày")
            .query(vec![("as_of", q(date("Tính đến ngày")))])
            .download(&[XLSX]),
        Op::get("/api/v1/exports/disposals", "exports", "Sổ theo dõi xử lý tài sản trong kỳ").query(period()).download(&[XLSX]),
        Op::get("/api/v1/exports/decisions", "exports", "Danh sách quyết định xử lý trong kỳ").query(period()).download(&[XLSX]),
        Op::post("/api/v1/imports/decisions", "imports", "Nhập quyết định xử lý cũ: mỗi dòng một tài sản của một quyết định; lỗi ở một dòng thì không lưu gì")
            .query(vec![("preview", yes_no())])
            .body(upload(true, &[], &[]))
            .answer(200, ok_json("Xem trước", any_object()))
            .answer(201, ok_json("Đã nhập", any_object())),
    ]
}

fn count_ops() -> Vec<Op> {
    use crate::inventory as k;
    let member = object(
        k::MEMBER_FIELDS,
        &[
            ("full_name", required_text(200)),
            ("committee_role", choice(k::COMMITTEE_ROLES)),
            ("position", text(200)),
            ("represents", text(200)),
        ],
        &["full_name", "committee_role"],
    );
    let version_only = || object(&["version"], &[], &["version"]);
    let view = || ref_to("Count");
    vec![
        Op::get("/api/v1/counts", "counts", "Các đợt kiểm kê, mới nhất trước").returns(200, page_of(any_object())),
        Op::post("/api/v1/counts", "counts", "Lập đợt kiểm kê (dự thảo): quyết định, thời điểm, phạm vi, ban kiểm kê")
            .json(
                k::SESSION_FIELDS,
                &[
                    ("code", text(40)),
                    ("title", text(300)),
                    ("decision_no", required_text(100)),
                    ("decision_date", date("Ngày quyết định (không sau hôm nay)")),
                    ("reference_date", date("Thời điểm kiểm kê")),
                    ("units", names()),
                    ("locations", names()),
                    ("classes", names()),
                    ("members", json!({"type": "array", "minItems": 1, "items": member})),
                ],
                &["decision_no", "decision_date", "reference_date", "members"],
            )
            .returns(201, view()),
        Op::get("/api/v1/counts/{id}", "counts", "Đợt kiểm kê: ban kiểm kê, trạng thái, tiến độ").returns(200, view()),
        Op::post("/api/v1/counts/{id}/open", "counts", "Mở đợt: chốt số liệu sổ sách tại thời điểm kiểm kê").body(json_body(version_only())).returns(200, view()),
        Op::post("/api/v1/counts/{id}/entries", "counts", "Ghi số đếm của một tài sản")
            .json(
                k::ENTRY_FIELDS,
                &[
                    ("code", required_text(60)),
                    ("quantity", int(0, 1_000_000_000)),
                    ("condition", json!({"type": ["string", "null"], "maxLength": 100, "description": choice(k::CONDITIONS)["description"]})),
                    ("location", text(300)),
                    ("note", text(1000)),
                    ("settles", choice(k::YES_NO)),
                ],
                &["code"],
            )
            .returns(201, any_object()),
        Op::post("/api/v1/counts/{id}/sheets", "counts", "Nhập phiếu kiểm kê đã ghi: phiếu của hệ thống hoặc bảng tự lập có «Mã tài sản» và «Số lượng thực tế»")
            .query(vec![("preview", yes_no())])
            .body(upload(true, &[], &[]))
            .returns(200, any_object()),
        Op::get("/api/v1/counts/{id}/sheet", "counts", "Phiếu kiểm kê (khóa trừ ô nhập, có mã kiểm tra) của một đơn vị hoặc nơi đặt")
            .query(vec![("unit_id", q(id())), ("location", json!({"type": "string", "maxLength": 300}))])
            .download(&[XLSX]),
        Op::get("/api/v1/counts/{id}/reconciliation", "counts", "Đối chiếu từng tài sản: theo sổ, thực tế, chênh lệch, kết quả")
            .query(vec![("discrepancies", yes_no())])
            .returns(200, page_of(any_object())),
        Op::post("/api/v1/counts/{id}/reconcile", "counts", "Kết thúc đếm và đối chiếu (từ chối khi còn xung đột, hoặc khi điện thoại còn lần đếm chưa gửi mà không có lý do)")
            .json(&["version", "unsent_reason"], &[("unsent_reason", text(1000))], &[])
            .returns(200, view()),
        Op::post("/api/v1/counts/{id}/reopen", "counts", "Mở lại để kiểm tiếp").body(json_body(version_only())).returns(200, view()),
        Op::get("/api/v1/counts/{id}/walk", "counts", "Danh sách điện thoại giữ để đếm không có mạng: tài sản của người đếm với số đã đếm, tài sản đơn vị khác chỉ có mã")
            .returns(200, any_object()),
        Op::post("/api/v1/counts/{id}/sync", "counts", "Gửi các lần đếm làm khi không có mạng: mỗi lần có mã riêng, gửi lại chỉ ghi một lần; báo số còn trên điện thoại")
            .json(
                &["device", "unsent", "entries"],
                &[
                    ("device", required_text(100)),
                    // Absent or null: none held.
                    ("unsent", json!({"type": ["integer", "null"], "minimum": 0, "maximum": 1_000_000})),
                    // Absent or null: a contact with nothing to send.
                    ("entries", json!({"type": ["array", "null"], "items": object(
                        &["client_id", "code", "quantity", "mode", "condition", "location", "note", "counted_at"],
                        &[("client_id", required_text(100)), ("code", required_text(60)),
                          ("quantity", json!({"type": "integer", "minimum": 0, "maximum": 1_000_000_000})),
                          ("mode", choice(&[("set", "Sửa thành"), ("add", "Cộng thêm")])),
                          ("condition", text(100)), ("location", text(300)), ("note", text(1000)), ("counted_at", text(40))],
                        &["client_id", "code", "quantity"],
                    )})),
                ],
                &["device"],
            )
            .returns(200, any_object()),
        Op::post("/api/v1/counts/{id}/places/done", "counts", "Xong phòng này: người đếm đã đếm xong một nơi đặt; tài sản chưa đếm ở đó là thiếu")
            .json(&["location"], &[("location", required_text(300))], &["location"])
            .returns(200, any_object()),
        Op::post("/api/v1/counts/{id}/book-figures", "counts", "Đếm mù hay cho người đếm thấy số lượng theo sổ")
            .json(
                &["show", "version"],
                &[
                    ("show", choice(k::YES_NO)),
                    // Absent or null: whatever the count's version now is.
                    ("version", json!({"type": ["integer", "null"], "minimum": 1, "maximum": i32::MAX})),
                ],
                &["show"],
            )
            .returns(200, view()),
        Op::post("/api/v1/counts/{id}/lines/{line}/resolution", "counts", "Cách xử lý một chênh lệch")
            .json(k::RESOLUTION_FIELDS, &[("resolution", choice(k::RESOLUTIONS)), ("note", required_text(2000)), ("form_code", text(60)), ("category_id", id()), ("unit_id", id()), ("value", money("Giá trị do Hội đồng kiểm kê xác định (ghi tăng tài sản thừa)")), ("name", text(500))], &["resolution", "note"])
            .returns(200, any_object()),
        Op::post("/api/v1/counts/{id}/close", "counts", "Khóa sổ: ghi các điều chỉnh vào sổ tài sản, niêm phong biên bản").body(json_body(version_only())).returns(200, view()),
        Op::get("/api/v1/counts/{id}/minutes", "counts", "Biên bản kiểm kê (Mẫu C53-HD), tổng hợp theo đơn vị, danh sách chênh lệch").download(&[XLSX]),
    ]
}

fn inspection_ops() -> Vec<Op> {
    use crate::inspections as t;
    use crate::inspections::procurement as p;
    let procurement = [
        ("code", required_text(60)),
        ("package_name", required_text(500)),
        ("unit_id", id()),
        ("category_id", id()),
        ("estimate", money("Dự toán")),
        ("method", choice(p::METHODS)),
        ("plan_no", text(100)),
        ("plan_date", date("Ngày phê duyệt KHLCNT")),
        ("contract_no", text(100)),
        ("contract_date", date("Ngày hợp đồng")),
        ("supplier", text(300)),
        ("contract_value", money("Giá trị hợp đồng")),
        ("acceptance_date", date("Ngày nghiệm thu")),
        ("invoice_no", text(100)),
        ("invoice_date", date("Ngày hóa đơn")),
        (
            "documents",
            json!({"type": ["array", "null"], "items": {"enum": p::DOCUMENTS.iter().map(|(c, _)| *c).collect::<Vec<_>>()}}),
        ),
        ("notes", text(4000)),
        ("asset_ids", ids()),
    ];
    let procurement_fields: Vec<&str> = p::FIELDS.iter().copied().filter(|f| *f != "version").collect();
    let inspection = [
        ("code", text(40)),
        ("kind", choice(t::KINDS)),
        ("planned", choice(crate::inventory::YES_NO)),
        ("title", required_text(500)),
        ("decision_no", required_text(100)),
        ("decision_date", date("Ngày quyết định")),
        ("requested_by", text(300)),
        ("subjects", required_text(2000)),
        ("scope", required_text(4000)),
        ("period_from", date("Thời kỳ thanh tra từ")),
        ("period_to", date("Thời kỳ thanh tra đến")),
        (
            "team",
            json!({"type": "string", "minLength": 1, "maxLength": 4000, "description": "Mỗi dòng «Họ tên; vai trò; tài khoản»"}),
        ),
        ("started_on", date("Ngày bắt đầu")),
        ("ended_on", date("Ngày kết thúc")),
        ("status", choice(t::STATUSES)),
        ("conclusion_no", text(100)),
        ("conclusion_date", date("Ngày kết luận")),
    ];
    let inspection_fields: Vec<&str> = t::INSPECTION_FIELDS.iter().copied().filter(|f| *f != "version").collect();
    let finding = [
        ("title", required_text(2000)),
        ("place", text(500)),
        ("amount", money("Số tiền vi phạm")),
        ("responsible", text(500)),
        ("category", choice(t::FINDING_CATEGORIES)),
        ("description", text(8000)),
        ("asset_ids", ids()),
        ("procurement_ids", ids()),
        ("task_ids", ids()),
        (
            "asset_codes",
            json!({"type": ["string", "null"], "maxLength": 4000, "description": "Mã tài sản, cách nhau bởi «,» hoặc «;»"}),
        ),
        ("procurement_codes", json!({"type": ["string", "null"], "maxLength": 4000})),
        (
            "repeat_reason",
            json!({"type": ["string", "null"], "maxLength": 2000, "description": "Lý do ghi phát hiện thứ hai từ cùng một dòng kiểm kê"}),
        ),
        ("count_line_id", id()),
    ];
    let recommendation = [
        ("finding_id", id()),
        ("kind", choice(t::RECOMMENDATION_KINDS)),
        ("content", required_text(4000)),
        ("responsible", required_text(500)),
        ("deadline", date("Thời hạn")),
        ("amount", money("Số tiền kiến nghị")),
        ("organisations", int(0, 100_000)),
        ("persons", int(0, 100_000)),
        ("cases", int(0, 100_000)),
    ];
    let follow_up: Vec<(&str, Value)> = vec![
        ("done_on", q(date("Ngày thực hiện"))),
        ("action", json!({"type": "string", "minLength": 1, "maxLength": 4000})),
        ("recovered", q(money("Số tiền đã thu hồi"))),
        ("completes", yes_no()),
    ];
    let period = vec![
        ("year", q(int(2000, 2100))),
        ("period", q(choice(&[("nam", "Năm"), ("6thang", "6 tháng"), ("quy", "Quý")]))),
        ("n", q(int(1, 4))),
    ];
    let view = || ref_to("Inspection");
    vec![
        Op::get("/api/v1/procurements", "procurements", "Hồ sơ mua sắm và cảnh báo")
            .returns(200, page_of(any_object())),
        Op::post("/api/v1/procurements", "procurements", "Thêm hồ sơ mua sắm")
            .json(&procurement_fields, &procurement, &["code", "package_name", "unit_id", "method"])
            .returns(201, any_object()),
        Op::get(
            "/api/v1/procurements/{id}",
            "procurements",
            "Hồ sơ mua sắm: tài sản đã mua, tài liệu còn thiếu, cảnh báo kèm chứng cứ",
        )
        .returns(200, any_object()),
        Op::put("/api/v1/procurements/{id}", "procurements", "Sửa hồ sơ mua sắm; gửi kèm `version`")
            .json(p::FIELDS, &procurement, &["version"])
            .returns(200, any_object()),
        Op::get("/api/v1/inspections", "inspections", "Các cuộc, kèm thu hồi và quá hạn")
            .returns(200, page_of(any_object())),
        Op::post("/api/v1/inspections", "inspections", "Mở cuộc thanh tra, kiểm tra")
            .json(
                &inspection_fields,
                &inspection,
                &["kind", "title", "decision_no", "decision_date", "subjects", "scope", "team"],
            )
            .returns(201, view()),
        Op::get("/api/v1/inspections/summary", "inspections", "Tổng hợp theo kỳ: số cuộc, vi phạm, thu hồi, quá hạn")
            .query(period.clone())
            .returns(200, any_object()),
        Op::get("/api/v1/inspections/{id}", "inspections", "Cuộc thanh tra: phát hiện, kiến nghị, theo dõi, thu hồi")
            .returns(200, view()),
        Op::put("/api/v1/inspections/{id}", "inspections", "Cập nhật (kết luận, ngày); gửi kèm `version`")
            .json(t::INSPECTION_FIELDS, &inspection, &["version"])
            .returns(200, view()),
        Op::post("/api/v1/inspections/{id}/findings", "inspections", "Ghi phát hiện (thành viên đoàn)")
            .json(t::FINDING_FIELDS, &finding, &["title", "category"])
            .returns(201, view()),
        Op::post("/api/v1/inspections/{id}/recommendations", "inspections", "Ghi kiến nghị (thành viên đoàn)")
            .json(t::REC_FIELDS, &recommendation, &["kind", "content", "responsible"])
            .returns(201, view()),
        Op::post("/api/v1/inspections/{id}/import", "inspections", "Nhập phát hiện và kiến nghị từ bảng tính")
            .query(vec![("preview", yes_no())])
            .body(upload(true, &[], &[]))
            .returns(200, any_object())
            .returns(201, any_object()),
        Op::get(
            "/api/v1/inspections/{id}/workbook",
            "inspections",
            "Báo cáo Excel của cuộc (ghi vào nhật ký kèm đầu chuỗi)",
        )
        .download(&[XLSX]),
        Op::post(
            "/api/v1/recommendations/{id}/follow-ups",
            "inspections",
            "Theo dõi thực hiện kiến nghị, kèm chứng từ `file`",
        )
        .body(upload(false, &follow_up, &["done_on", "action"]))
        .returns(201, view()),
        Op::get("/api/v1/follow-ups/{id}/evidence", "inspections", "Chứng từ của một lần theo dõi")
            .download(&crate::disposals::attachments::KINDS.iter().map(|k| k.0).collect::<Vec<_>>()),
        Op::get(
            "/api/v1/exports/inspections",
            "exports",
            "Bảng tổng hợp thanh tra theo kỳ (ghi vào nhật ký kèm đầu chuỗi)",
        )
        .query(period)
        .download(&[XLSX]),
    ]
}

fn declaration_ops() -> Vec<Op> {
    use crate::declarations::catalogue::catalogue;
    use crate::declarations::forms::{Form, MoneyUnit};
    let c = catalogue();
    let codes = |items: Vec<String>| {
        let mut v: Vec<Value> = items.into_iter().map(Value::String).collect();
        v.sort_by_key(|x| x.to_string());
        v.dedup();
        v
    };
    let states = codes(c.usage_states.iter().map(|s| s.code.clone()).collect());
    let kinds = codes(c.documents.iter().map(|d| d.code.clone()).collect());
    let mut increase = codes(c.reasons.iter().filter(|r| r.group == "increase").map(|r| r.code.clone()).collect());
    increase.push(Value::Null);
    let types = [
        ("national_code", text(50)),
        (
            "reason_code",
            json!({"enum": increase, "description": "Lý do tăng (mã CSDL quốc gia); null: theo cách hình thành"}),
        ),
        ("fund_hdsn", money("Trong nguồn khác: quỹ phát triển hoạt động sự nghiệp")),
        ("fund_oda", money("Trong nguồn khác: viện trợ, ODA")),
        ("fund_loan", money("Trong nguồn khác: vốn vay")),
        (
            "usage",
            json!({"type": ["array", "null"], "description": "Hiện trạng sử dụng: m² (đất, nhà) hoặc 1 (đánh dấu)",
            "items": {"type": "object", "required": ["state"], "additionalProperties": false, "properties": {
                "state": {"enum": states}, "value": {"type": ["number", "null"], "minimum": 0}}}}),
        ),
        ("address", text(500)),
        ("province_code", text(10)),
        ("district_code", text(10)),
        ("commune_code", text(10)),
        (
            "documents",
            json!({"type": ["array", "null"], "description": "Hồ sơ, giấy tờ về đất",
            "items": {"type": "object", "required": ["kind", "number"], "additionalProperties": false, "properties": {
                "kind": {"enum": kinds}, "number": {"type": "string", "minLength": 1, "maxLength": 100},
                "date": date("Ngày")}}}),
        ),
        ("lot_asset_id", id()),
        ("floors", int(0, 200)),
        ("built_area", decimal()),
        ("floor_area", decimal()),
        ("plate", text(20)),
        ("brand", text(100)),
        ("seats", int(1, 100)),
        ("load_tonnes", decimal()),
        ("engine_power", text(50)),
        ("chassis_no", text(50)),
        ("engine_no", text(50)),
        ("user_title", text(200)),
    ];
    let mut with_version = crate::declarations::info::EDITABLE.to_vec();
    with_version.push("version");
    let form_codes: Vec<&str> = Form::ALL.iter().map(|f| f.code()).collect();
    let path = Op::get(
        "/api/v1/declarations/forms/{form}",
        "declarations",
        "Báo cáo kê khai của một đơn vị tại một thời điểm (04a–04c, 06b–06d, 07, 08a) hoặc trong kỳ (08b)",
    )
    .query(vec![
        ("unit_id", q(id())),
        ("as_of", q(date("Thời điểm báo cáo (mặc định: hôm nay)"))),
        ("from", q(date("Từ ngày của kỳ báo cáo 08b (mặc định: đầu năm)"))),
        ("money", q(choice(MoneyUnit::CHOICES))),
        ("supplement", yes_no()),
    ])
    .path_code("form", &form_codes)
    .download(&[XLSX]);
    vec![
        Op::get("/api/v1/assets/{id}/declaration", "declarations", "Thông tin kê khai của một tài sản")
            .returns(200, any_object()),
        Op::put(
            "/api/v1/assets/{id}/declaration",
            "declarations",
            "Ghi thông tin kê khai; gửi kèm `version` đã đọc (0 khi chưa có). Danh sách gửi thay cả danh sách",
        )
        .json(&with_version, &types, &["version"])
        .returns(200, any_object()),
        Op::get(
            "/api/v1/declarations/catalogue",
            "declarations",
            "Danh mục của CSDL quốc gia: hiện trạng, nguồn vốn, lý do biến động, giấy tờ",
        )
        .returns(200, any_object()),
        path,
        Op::get("/api/v1/declarations", "declarations", "Các lần kê khai đã ghi nhận của một đơn vị, mới nhất trước")
            .query(vec![("unit_id", q(id()))])
            .returns(200, page_of(any_object())),
        Op::post(
            "/api/v1/declarations",
            "declarations",
            "Ghi nhận lần kê khai: giữ bản kê khai từng tài sản tại thời điểm báo cáo; lần sau tính thay đổi từ đây",
        )
        .json(
            &["unit_id", "as_of", "supplement", "note"],
            &[
                ("unit_id", id()),
                ("as_of", date("Thời điểm báo cáo (mặc định: hôm nay)")),
                ("supplement", choice(crate::inventory::YES_NO)),
                ("note", text(2000)),
            ],
            &[],
        )
        .returns(201, any_object()),
        Op::get(
            "/api/v1/declarations/pending",
            "declarations",
            "Các thay đổi từ lần kê khai đã ghi nhận: tăng mới, thay đổi từng trường, giảm; hạn 30 ngày",
        )
        .query(vec![("unit_id", q(id())), ("as_of", q(date("Tính đến ngày (mặc định: hôm nay)")))])
        .returns(200, any_object()),
        Op::get(
            "/api/v1/declarations/changes",
            "declarations",
            "Tệp thay đổi theo sự kiện biến động của giao diện CSDL quốc gia (JSON)",
        )
        .query(vec![("unit_id", q(id())), ("as_of", q(date("Tính đến ngày (mặc định: hôm nay)")))])
        .returns(200, any_object()),
        Op::get(
            "/api/v1/declarations/layouts/taisan",
            "declarations",
            "Sổ của đơn vị theo mẫu nhập Excel TaiSan của phần mềm đăng ký tài sản công (53 cột, từ dòng 3)",
        )
        .query(vec![("unit_id", q(id())), ("as_of", q(date("Tại ngày (mặc định: hôm nay)")))])
        .download(&[XLSX]),
        Op::get(
            "/api/v1/declarations/layouts/datnha-khac",
            "declarations",
            "Sổ của đơn vị theo mẫu nhập hai trang TaiSanDatNha (đất, nhà, giấy tờ đất) và TaiSanKhac (tài sản khác) của phần mềm đăng ký tài sản công (từ dòng 2)",
        )
        .query(vec![("unit_id", q(id())), ("as_of", q(date("Tại ngày (mặc định: hôm nay)")))])
        .download(&[XLSX]),
        Op::post(
            "/api/v1/imports/national",
            "imports",
            "Nhập sổ theo mẫu TaiSan, hoặc mẫu hai trang TaiSanDatNha, TaiSanKhac cho đơn vị unit_id, của phần mềm đăng ký tài sản công, cùng thông tin kê khai; lỗi ở một dòng thì không lưu gì",
        )
        .query(vec![("preview", yes_no()), ("unit_id", q(id()))])
        .body(upload(true, &[], &[]))
        .answer(200, ok_json("Xem trước", any_object()))
        .answer(201, ok_json("Đã nhập", any_object())),
        Op::get("/api/v1/declarations/changes/schema", "declarations", "JSON Schema của tệp thay đổi")
            .returns(200, any_object()),
        Op::get("/api/v1/assets/{id}/revaluations", "declarations", "Các lần đánh giá lại của một tài sản")
            .returns(200, page_of(any_object())),
        Op::post(
            "/api/v1/assets/{id}/revaluations",
            "declarations",
            "Ghi quyết định đánh giá lại: nguyên giá và giá trị còn lại mới",
        )
        .json(
            crate::declarations::revaluation::FIELDS,
            &[
                ("decided_on", date("Ngày quyết định")),
                ("doc_no", required_text(100)),
                ("basis", required_text(2000)),
                ("reason_code", {
                    let codes: Vec<Value> = c
                        .reasons
                        .iter()
                        .filter(|r| r.group == "value_increase" || r.group == "value_decrease")
                        .map(|r| json!(r.code))
                        .collect();
                    json!({"enum": codes, "description": "Lý do tăng, giảm giá trị (mã CSDL quốc gia)"})
                }),
                ("new_cost", money("Nguyên giá mới")),
                ("new_residual", money("Giá trị còn lại mới")),
                ("count_line_id", id()),
            ],
            &["decided_on", "doc_no", "basis", "reason_code", "new_cost", "new_residual"],
        )
        .returns(201, any_object()),
    ]
}

fn other_ops() -> Vec<Op> {
    let activity = vec![
        ("actor", json!({"type": "string", "maxLength": 100})),
        ("entity", json!({"type": "string", "maxLength": 50})),
        ("action", json!({"type": "string", "maxLength": 50})),
        ("from", q(date("Từ ngày"))),
        ("to", q(date("Đến ngày"))),
        ("page", json!({"type": "integer", "minimum": 1, "maximum": 1_000_000})),
        ("per_page", json!({"type": "integer", "minimum": 1, "maximum": 1000})),
    ];
    vec![
        Op::get("/api/v1/openapi.json", "meta", "Tài liệu này").returns(200, any_object()),
        Op::get("/api/v1/me", "meta", "Người đang gọi: vai trò, đơn vị, phạm vi").returns(200, any_object()),
        Op::get("/api/v1/activity", "meta", "Nhật ký thay đổi (chuỗi băm), mới nhất trước")
            .query(activity)
            .returns(200, page_of(ref_to("Event"))),
    ]
}

/// Every operation the document describes.
fn operations() -> Vec<Op> {
    [
        assets_ops(),
        import_ops(),
        task_ops(),
        reference_ops(),
        disposal_ops(),
        count_ops(),
        inspection_ops(),
        declaration_ops(),
        other_ops(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn schemas() -> Value {
    let s = |max: usize| nullable(json!({"type": "string", "maxLength": max}));
    let d = || nullable(json!({"type": "string", "pattern": DATE_PATTERN}));
    let i = || nullable(json!({"type": "integer"}));
    // The chain of evidence a record joins (`evidence::Related`).
    let related = || {
        json!({"type": "array", "items": {"type": "object", "required": ["kind", "code", "href"], "properties": {
            "kind": {"type": "string", "enum": ["count_line", "finding", "disposal", "asset"]}, "kind_name": {"type": "string"},
            "code": {"type": "string"}, "title": {"type": "string"}, "href": {"type": "string"}, "id": {"type": "integer"}
        }}})
    };
    let asset = record(&[
        ("code", json!({"type": "string"})),
        ("name", json!({"type": "string"})),
        ("unit_id", json!({"type": "integer"})),
        ("category_id", json!({"type": "integer"})),
        ("task_id", i()),
        ("quantity", json!({"type": "integer"})),
        ("area_m2", nullable(json!({"type": "number"}))),
        ("original_cost", json!({"type": "integer"})),
        ("cost_state", json!({"type": "integer"})),
        ("cost_other", json!({"type": "integer"})),
        ("accumulated_wear", json!({"type": "integer"})),
        ("residual_value", json!({"type": "integer"})),
        ("acquired_on", d()),
        ("in_use_on", d()),
        ("wear_as_of", d()),
        ("status", json!({"type": "string"})),
        ("notes", s(4000)),
        ("related", related()),
    ]);
    let task = record(&[
        ("code", json!({"type": "string"})),
        ("title", json!({"type": "string"})),
        ("managing_unit_id", i()),
        ("start_date", d()),
        ("end_date", d()),
        ("acceptance_date", d()),
        ("total_budget", json!({"type": "integer"})),
        ("state_budget", json!({"type": "integer"})),
        ("state_share_bp", json!({"type": "integer"})),
    ]);
    let dated = |extra: &[(&str, Value)]| {
        let mut props = vec![("legal_source", s(500)), ("valid_from", d()), ("valid_to", d())];
        props.extend(extra.iter().cloned());
        record(&props)
    };
    json!({
        "Error": {"type": "object", "required": ["error"], "properties": {
            "error": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            "current": {"type": "object"}
        }},
        "Asset": asset,
        "Task": task,
        "Unit": dated(&[("code", json!({"type": "string"})), ("name", json!({"type": "string"})), ("parent_id", i()), ("asset_count", json!({"type": "integer"}))]),
        "Category": dated(&[("code", json!({"type": "string"})), ("name", json!({"type": "string"})), ("class_id", json!({"type": "integer"})), ("wear_exempt", json!({"type": "boolean"})), ("national_code", s(12)), ("parent_id", i()), ("mapping_note", s(1000))]),
        "WearRate": dated(&[("category_id", json!({"type": "integer"})), ("useful_life_years", json!({"type": "integer"})), ("rate_bp", json!({"type": "integer"})), ("note", s(1000))]),
        "RuleSetting": dated(&[("key", json!({"type": "string"})), ("value", json!({"type": "string"})), ("note", s(1000))]),
        "UnitFinancing": record(&[("unit_id", json!({"type": "integer"})), ("autonomy", json!({"type": "string"})), ("legal_source", s(500)), ("valid_from", json!({"type": "string"})), ("valid_to", d())]),
        "Disposal": record(&[("code", json!({"type": "string"})), ("status", json!({"type": "string"})), ("due_on", d()), ("related", related())]),
        "Count": record(&[("code", json!({"type": "string"})), ("status", json!({"type": "string"})), ("reference_date", d())]),
        "Inspection": record(&[("code", json!({"type": "string"})), ("kind", json!({"type": "string"})), ("conclusion_date", d())]),
        "Event": {"type": "object", "properties": {
            "seq": {"type": "integer"}, "actor": {"type": "string"}, "action": {"type": "string"}, "entity": {"type": "string"},
            "entity_id": {"type": "string"}, "before_json": {"type": ["string", "null"]}, "after_json": {"type": ["string", "null"]},
            "hash": {"type": "string"}, "prev_hash": {"type": ["string", "null"]}, "occurred_at": {"type": "string"},
            "part": {"type": "integer", "description": "0 for an event; for a record an import created, its row's place in the import"},
            "import_id": {"type": ["integer", "null"]}, "file_name": {"type": ["string", "null"]},
            "excel_row": {"type": ["integer", "null"]}, "sheet": {"type": ["string", "null"]}
        }}
    })
}

pub fn spec() -> Value {
    let mut paths = Map::new();
    for op in operations() {
        let entry = paths.entry(op.path.to_string()).or_insert_with(|| json!({}));
        entry[op.method] = op.operation();
    }
    // What the public may call needs no token (the route table says which).
    for route in crate::router::routes() {
        if matches!(route.permission, crate::auth::Permission::Public) {
            let method = route.method.as_str().to_lowercase();
            if let Some(op) = paths.get_mut(route.path).and_then(|p| p.get_mut(&method)) {
                op["security"] = json!([]);
            }
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "taisan — Quản lý tài sản công, Sở KH&CN",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Tiền là số nguyên đồng. Ngày gửi lên dạng yyyy-mm-dd hoặc dd/mm/yyyy; ngày trả về dạng yyyy-mm-dd. Thời điểm lưu theo UTC. null nghĩa là không gửi; mã lựa chọn nhận cả tên tiếng Việt. Mọi lỗi trả về đối tượng Error, `fields` ghi lỗi từng trường bằng tiếng Việt."
        },
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "Token tạo ở trang Tài khoản hoặc bằng `taisan token create`; mang quyền của người sở hữu"}},
            "schemas": schemas()
        }
    })
}

pub async fn document() -> Json<Value> {
    Json(spec())
}
