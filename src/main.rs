use std::process::ExitCode;

use clap::{Parser, Subcommand};
use taisan::audit::{Actor, ChainStatus};
use taisan::config;
use taisan::error::AppError;

/// taisan — quản lý tài sản công, kiểm kê, xử lý tài sản và thanh tra (Sở KH&CN).
#[derive(Parser)]
#[command(name = "taisan", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Chạy máy chủ web (start the web server). Reads DATABASE_URL (default: sqlite://data/taisan.db).
    Serve {
        /// Địa chỉ lắng nghe (bind address).
        #[arg(long, default_value = config::DEFAULT_BIND, value_parser = config::parse_bind)]
        bind: std::net::SocketAddr,
        /// Nạp dữ liệu mẫu (load demo data; idempotent).
        #[arg(long)]
        demo: bool,
        /// Chứng chỉ https, PEM (serve https itself: a phone's camera and offline counting need it).
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<std::path::PathBuf>,
        /// Khóa bí mật của chứng chỉ, PEM.
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<std::path::PathBuf>,
    },
    /// Áp dụng migration (apply pending migrations) and load reference data at first start.
    Migrate,
    /// Nạp dữ liệu mẫu (load demo data) without starting the server.
    Demo,
    /// Tính lại hao mòn đã lưu đến 31/12 gần nhất (recompute stored wear of every asset).
    Wear,
    /// Nhập sổ tài sản từ tệp Excel/CSV (import a register). Previews with --dry-run.
    Import {
        file: std::path::PathBuf,
        /// Trang tính (sheet name); default: the sheet whose header names the most columns.
        #[arg(long)]
        sheet: Option<String>,
        /// upsert (default) | create | update
        #[arg(long, default_value = "upsert")]
        mode: String,
        /// A blank cell clears the stored value when updating (default: keeps it).
        #[arg(long)]
        clear_blanks: bool,
        /// Import the valid rows even if some rows have errors (default: nothing unless all are valid).
        #[arg(long)]
        valid_only: bool,
        /// Only show what would happen.
        #[arg(long)]
        dry_run: bool,
        /// Import a file that was imported before.
        #[arg(long)]
        allow_duplicate: bool,
        /// A row without a code that matches an asset already in the register (same unit, name,
        /// cost, acquisition date): ask (stop at it), skip, update or create.
        #[arg(long, default_value = "ask")]
        duplicates: String,
        /// Remove control characters from cells (the report names each column) instead of refusing
        /// the row.
        #[arg(long)]
        strip_controls: bool,
        /// Mã đơn vị (unit code) of the file: the unit of rows that name none, and whose sections
        /// unknown names become.
        #[arg(long)]
        unit: Option<String>,
        /// A column's meaning, by its header as the file writes it: "Bộ phận sử dụng=location"
        /// («=» alone: ignore the column). Repeatable.
        #[arg(long = "map", value_name = "HEADER=FIELD")]
        map: Vec<String>,
        /// Mã nhóm (category code) of rows that give none.
        #[arg(long)]
        category: Option<String>,
        /// Use the categories guessed from the names of rows that give none (shown first by a
        /// --dry-run).
        #[arg(long)]
        accept_guesses: bool,
        /// What names of the unit column that no unit bears become: create (new sections of --unit)
        /// or location (the asset's location, in --unit).
        #[arg(long, value_name = "create|location")]
        sections: Option<String>,
        /// Corrections of cells, one per line «row;column;value» (the column by its header or its
        /// letter), used instead of the file's values and kept with the import.
        #[arg(long, value_name = "FILE")]
        fix: Option<std::path::PathBuf>,
        /// Whose import this is (recorded in the history); default "cli".
        #[arg(long)]
        user: Option<String>,
    },
    /// Xuất báo cáo ra Excel/CSV (export a report): register (danh sách tài sản), wear (bảng tính hao
    /// mòn C55-HD), book (sổ tài sản cố định S24-H).
    Export {
        /// register | wear | book | card | changes
        report: String,
        /// Từ ngày (dd/mm/yyyy): the start of the changes report's period (default: 1 January).
        #[arg(long)]
        from: Option<String>,
        /// Đến ngày (dd/mm/yyyy): its end (default: today).
        #[arg(long)]
        to: Option<String>,
        /// Mã tài sản (asset code): the asset whose card (thẻ tài sản) to write.
        #[arg(long)]
        code: Option<String>,
        /// The year of the wear table (default: the latest year closed).
        #[arg(long)]
        year: Option<i32>,
        /// Mã đơn vị (unit code): only this unit's assets.
        #[arg(long)]
        unit: Option<String>,
        /// Mã nhiệm vụ (task code): only this task's assets.
        #[arg(long)]
        task: Option<String>,
        /// Plain CSV (UTF-8 with BOM) instead of the workbook.
        #[arg(long)]
        csv: bool,
        /// The register as one list to filter (no groups or subtotals, filter buttons on the header).
        #[arg(long)]
        plain: bool,
        /// The file to write.
        #[arg(short, long)]
        output: std::path::PathBuf,
    },
    /// Kê khai tài sản công (declaring to the national public-asset database).
    Declare {
        #[command(subcommand)]
        command: DeclareCommand,
    },
    /// Người dùng (people and roles).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Bảng đối chiếu căn cứ (conformance table): every form, deadline, threshold and wear regime
    /// with its legal source, dates and whether it is confirmed, as Markdown (the README holds a copy).
    Conformance,
    /// Token API (API tokens for programs).
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Chứng chỉ https (certificates for `serve --tls-cert`).
    Tls {
        #[command(subcommand)]
        command: TlsCommand,
    },
    /// Sao lưu (back up): a consistent copy of SQLite taken while the service runs, or pg_dump for
    /// PostgreSQL; the copy's history chain is verified.
    Backup {
        /// The file to write (must not exist).
        file: std::path::PathBuf,
    },
    /// Khôi phục (restore) a backup into DATABASE_URL after verifying its history chain.
    Restore {
        /// The backup file.
        file: std::path::PathBuf,
        /// Replace a database that already holds records (SQLite keeps the old file aside).
        #[arg(long)]
        force: bool,
    },
    /// Nhật ký thay đổi (the hash-chained history).
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Thêm người dùng (add a person). Without --password-stdin a random password is made and printed once.
    Add {
        #[arg(long)]
        username: String,
        /// admin | xu_ly_tai_san | thanh_tra | don_vi | lanh_dao
        #[arg(long)]
        role: String,
        /// Họ và tên (full name); defaults to the username.
        #[arg(long)]
        name: Option<String>,
        /// Mã đơn vị (unit code, e.g. TTUD); required for unit staff.
        #[arg(long)]
        unit: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Đặt lại mật khẩu (set a new password; ends the person's sessions).
    Passwd {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Danh sách người dùng (list people).
    List,
}

#[derive(Subcommand)]
enum DeclareCommand {
    /// Báo cáo kê khai (a declaration report): 04a (land and houses), 04b (cars), 04c (other fixed
    /// assets), 06b–06d (changes of information), 07 (removals), 08a (summary of use), 08b (increases and
    /// decreases over a period).
    Report {
        /// 04a | 04b | 04c | 06b | 06c | 06d | 07 | 08a | 08b
        form: String,
        /// Mã đơn vị kê khai (the declaring unit's code, e.g. TTUD; default: the department).
        #[arg(long)]
        unit: Option<String>,
        /// Thời điểm báo cáo (dd/mm/yyyy; default: today).
        #[arg(long)]
        as_of: Option<String>,
        /// Từ ngày (dd/mm/yyyy): the start of 08b's period (default: 1 January of --as-of's year).
        #[arg(long)]
        from: Option<String>,
        /// Đơn vị tiền: dong | nghin | trieu (default: nghin).
        #[arg(long, default_value = "nghin")]
        money: String,
        /// Báo cáo kê khai bổ sung (else lần đầu).
        #[arg(long)]
        supplement: bool,
        /// The file to write.
        #[arg(short, long)]
        output: std::path::PathBuf,
    },
    /// Ghi nhận lần kê khai (record a declaration as of a date: what each asset declares is kept,
    /// and the next declaration is the difference from it).
    Record {
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        as_of: Option<String>,
        #[arg(long)]
        supplement: bool,
        #[arg(long)]
        note: Option<String>,
    },
    /// Sổ theo mẫu của phần mềm đăng ký (the declaring unit's register in the national software's
    /// Excel layout: «taisan», 53 columns by position, data from row 3; or «datnha-khac», the two
    /// sheets TaiSanDatNha and TaiSanKhac, data from row 2; drop-down cells «MÃ-Tên»).
    Layout {
        #[arg(long)]
        unit: Option<String>,
        #[arg(long, default_value = "taisan", value_parser = ["taisan", "datnha-khac"])]
        layout: String,
        #[arg(long)]
        as_of: Option<String>,
        #[arg(short, long)]
        output: std::path::PathBuf,
    },
    /// Tệp thay đổi (the changes since the last declaration as the national interface's change
    /// events, JSON); the list of changes is printed.
    Changes {
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        as_of: Option<String>,
        #[arg(short, long)]
        output: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum TlsCommand {
    /// Tạo chứng chỉ tự ký (a self-signed certificate for an intranet without one): for each
    /// --host, a name or IP address the phones use; written as taisan-cert.pem and taisan-key.pem.
    SelfSigned {
        #[arg(long, required = true)]
        host: Vec<String>,
        /// How many days it is valid.
        #[arg(long, default_value_t = 825)]
        days: u32,
        /// Where to write the two files.
        #[arg(long, default_value = "tls")]
        dir: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Tạo token cho một người (create a token; printed once, stored hashed).
    Create {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "Token dòng lệnh")]
        name: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Kiểm tra toàn bộ chuỗi (verify the whole chain); exit 1 and name the first bad event if broken.
    Verify,
    /// In mã băm đầu chuỗi và số sự kiện (print the head hash and count).
    Head,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Lỗi: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, taisan::error::AppError> {
    let url = config::database_url();
    match cli.command {
        Command::Serve { bind, demo, tls_cert, tls_key } => {
            let tls = match (tls_cert, tls_key) {
                (Some(cert), Some(key)) => Some(taisan::tls::load(&cert, &key)?),
                _ => None,
            };
            let db = taisan::open(&url)?;
            if demo {
                let (t, a) = taisan::demo::load(&db)?;
                println!("Dữ liệu mẫu: thêm {t} nhiệm vụ, {a} tài sản (demo data loaded)");
                let accounts = db.write_sync(taisan::auth::create_demo_accounts)?;
                println!("Tài khoản mẫu (demo logins, one per role):");
                for (username, role, password) in accounts {
                    println!("  {username:<10} {password:<24} {role}");
                }
            }
            let runtime =
                tokio::runtime::Runtime::new().map_err(|e| taisan::error::AppError::Internal(e.to_string()))?;
            runtime.block_on(serve(db, bind, tls))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            taisan::open(&url)?;
            println!("Cơ sở dữ liệu đã cập nhật (migrations applied): {}", taisan::db::redact(&url));
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo => {
            let db = taisan::open(&url)?;
            let (t, a) = taisan::demo::load(&db)?;
            println!("Dữ liệu mẫu: thêm {t} nhiệm vụ, {a} tài sản");
            Ok(ExitCode::SUCCESS)
        }
        Command::Wear => {
            let db = taisan::open(&url)?;
            let n = db.write_sync(|c| taisan::assets::refresh_wear(c, true))?;
            println!("Đã tính lại hao mòn: {n} tài sản thay đổi");
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            file,
            sheet,
            mode,
            clear_blanks,
            valid_only,
            dry_run,
            allow_duplicate,
            duplicates,
            strip_controls,
            unit,
            map,
            category,
            accept_guesses,
            sections,
            fix,
            user,
        } => {
            let db = taisan::open(&url)?;
            let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            eprintln!("Đang đọc {} …", file.display());
            let bytes = std::fs::read(&file)
                .map_err(|e| AppError::Config(format!("Không đọc được tệp {} (cannot read): {e}", file.display())))?;
            let mode = taisan::assets::import::Mode::parse(&mode)
                .ok_or_else(|| AppError::Config(format!("--mode «{mode}»: dùng upsert, create hoặc update")))?;
            let duplicates = taisan::assets::import::Duplicates::parse(&duplicates).ok_or_else(|| {
                AppError::Config(format!("--duplicates «{duplicates}»: dùng ask, skip, update hoặc create"))
            })?;
            let default_unit = match &unit {
                Some(code) => Some(db.read_sync(|c| taisan::rules::unit_id_by_code(c, code))?),
                None => None,
            };
            let default_category = match &category {
                Some(code) => Some(db.read_sync(|c| taisan::rules::category_id_by_code(c, code))?),
                None => None,
            };
            let map_headers = map
                .iter()
                .map(|m| {
                    let (header, field) = m.rsplit_once('=').ok_or_else(|| {
                        AppError::Config(format!(
                            "--map «{m}»: viết «Tiêu đề cột=trường», ví dụ «Bộ phận sử dụng=location»"
                        ))
                    })?;
                    let field = field.trim();
                    Ok((header.trim().to_string(), (!field.is_empty()).then(|| field.to_string())))
                })
                .collect::<Result<Vec<_>, AppError>>()?;
            let sections = match sections.as_deref() {
                None => None,
                Some(s) => Some(
                    taisan::assets::import::NameChoice::parse(s)
                        .filter(|c| !matches!(c, taisan::assets::import::NameChoice::Unit(_)))
                        .ok_or_else(|| AppError::Config(format!("--sections «{s}»: dùng create hoặc location")))?,
                ),
            };
            let mut options = taisan::assets::import::Options {
                mode,
                clear_blanks,
                strict: !valid_only,
                sheet,
                default_unit,
                default_category,
                accept_guesses,
                map_headers,
                fix_text: fix
                    .as_ref()
                    .map(|f| {
                        std::fs::read_to_string(f).map_err(|e| {
                            AppError::Config(format!("Không đọc được tệp sửa {} (cannot read): {e}", f.display()))
                        })
                    })
                    .transpose()?,
                allow_duplicate,
                duplicates,
                strip_controls,
                progress: progress_bar("dòng"),
                // A file on the server's own disk is not an upload: it may be as large as a
                // million-row register (the reader streams it; the cell limit still holds).
                limits: taisan::excel::Limits { max_bytes: 1024 * 1024 * 1024, ..Default::default() },
                ..Default::default()
            };
            let actor = Actor(user.unwrap_or_else(|| "cli".into()));
            if let Some(choice) = sections {
                // The names are known once the file is read: a preview finds them, the run uses them.
                eprintln!("Đang tìm tên đơn vị chưa có trong danh mục …");
                let first = taisan::assets::import::execute(
                    &db,
                    &actor,
                    &taisan::auth::Scope::ALL,
                    &name,
                    &bytes,
                    &options,
                    true,
                )?;
                options.names = first.detail.unknown_names.iter().map(|u| (u.name.clone(), choice)).collect();
            }
            eprintln!("Đang kiểm tra và {} …", if dry_run { "xem trước" } else { "nhập" });
            let r = taisan::assets::import::execute(
                &db,
                &actor,
                &taisan::auth::Scope::ALL,
                &name,
                &bytes,
                &options,
                dry_run,
            )?;
            println!("Trang «{}», tiêu đề ở dòng {:?}, chữ {}", r.sheet, r.header_rows, r.detail.encoding);
            if !r.detail.other_sheets.is_empty() {
                println!("Không phải bảng, bỏ qua: {}", r.detail.other_sheets.join(", "));
            }
            for u in &r.detail.unknown_names {
                let rows = u.first_rows.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(", ");
                println!(
                    "Tên đơn vị chưa có trong danh mục: «{}» — {} dòng ({rows}{}){}; dùng --sections create|location",
                    u.name,
                    u.rows,
                    if u.rows > u.first_rows.len() { ", …" } else { "" },
                    if u.close.is_empty() { String::new() } else { format!(", gần nhất: {}", u.close.join("; ")) }
                );
            }
            for (n, c) in &r.detail.names {
                let what = match c {
                    taisan::assets::import::NameChoice::Section => "bộ phận mới của đơn vị của tệp".to_string(),
                    taisan::assets::import::NameChoice::Location => "nơi đặt tài sản (Vị trí)".to_string(),
                    taisan::assets::import::NameChoice::Unit(id) => format!("đơn vị số {id}"),
                };
                println!(
                    "«{n}» → {what}{}",
                    if r.detail.remembered_names { " (đã nhớ từ lần nhập trước)" } else { "" }
                );
            }
            if !r.detail.sections.is_empty() {
                println!("Bộ phận mới: {}", r.detail.sections.join(", "));
            }
            for f in &r.fixes {
                println!("Sửa: dòng {}, cột «{}»: «{}» → «{}»", f.row, f.header, f.file_value, f.value);
            }
            for g in &r.detail.guesses {
                println!(
                    "Nhóm đoán theo tên: {} — {} dòng (ví dụ: {}){}",
                    g.category,
                    g.rows,
                    g.examples.join("; "),
                    if r.detail.accept_guesses {
                        ", đã xác nhận"
                    } else {
                        "; dùng --accept-guesses hoặc --category MÃ"
                    }
                );
            }
            let duplicates: Vec<&taisan::assets::import::RowReport> =
                r.rows.iter().filter(|x| x.duplicate_of.is_some()).collect();
            for row in &duplicates {
                let t = row.duplicate_of.as_ref().expect("filtered");
                println!(
                    "Có thể trùng: dòng {} «{}» với tài sản {} «{}» ({}, nguyên giá {}, ngày tăng {})",
                    row.excel_row,
                    row.name.as_deref().unwrap_or(""),
                    t.code.as_deref().unwrap_or(""),
                    t.name.as_deref().unwrap_or(""),
                    t.unit,
                    t.original_cost.map(taisan::text::format_money).unwrap_or_default(),
                    t.acquired_on
                );
            }
            for row in r.rows.iter().filter(|x| !x.errors.is_empty()) {
                for e in &row.errors {
                    println!(
                        "  {}, dòng {}, cột «{}», giá trị «{}»: {}",
                        r.sheet, row.excel_row, e.column, e.value, e.message
                    );
                }
            }
            for row in r.rows.iter().filter(|x| x.warning && x.errors.is_empty()) {
                println!(
                    "  {}, dòng {} — cần kiểm tra: {}",
                    r.sheet,
                    row.excel_row,
                    row.reason.as_deref().unwrap_or("")
                );
            }
            for row in r.rows.iter().filter(|x| !x.cleaned.is_empty()) {
                println!(
                    "  {}, dòng {} — đã xóa ký tự điều khiển ở cột {}",
                    r.sheet,
                    row.excel_row,
                    row.cleaned.iter().map(|c| format!("«{c}»")).collect::<Vec<_>>().join(", ")
                );
            }
            let c = &r.counts;
            println!(
                "Thêm {} · Cập nhật {} · Không đổi {} · Bỏ qua {} · Lỗi {} = {} dòng có dữ liệu dưới dòng tiêu đề",
                c.create, c.update, c.unchanged, c.skip, c.error, r.rows_read
            );
            println!(
                "{}",
                match (dry_run, r.saved) {
                    (true, _) => "Xem trước: chưa lưu gì.".to_string(),
                    (false, true) => format!("Đã nhập (lần nhập số {}).", r.import_id.unwrap_or_default()),
                    (false, false) =>
                        "Không nhập: có dòng lỗi (dùng --valid-only để chỉ nhập các dòng hợp lệ).".to_string(),
                }
            );
            Ok(if dry_run || r.saved { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Export { report, code, from, to, year, unit, task, csv, plain, output } => {
            if !["register", "wear", "book", "card", "changes"].contains(&report.as_str()) {
                return Err(AppError::Config(format!(
                    "Không có báo cáo «{report}»; hiện có: register, wear, book, card, changes"
                )));
            }
            let date_arg = |flag: &str, v: &Option<String>| -> Result<Option<chrono::NaiveDate>, AppError> {
                v.as_deref()
                    .map(|s| {
                        taisan::text::parse_date(s)
                            .map_err(|e| AppError::Config(format!("--{flag} «{s}»: {e} (dd/mm/yyyy)")))
                    })
                    .transpose()
            };
            let (from, to) = (date_arg("from", &from)?, date_arg("to", &to)?);
            if report == "card" && code.is_none() {
                return Err(AppError::Config("Thẻ tài sản cần --code MÃ_TÀI_SẢN".into()));
            }
            let db = taisan::open(&url)?;
            let cannot_write = |e: std::fmt::Arguments| {
                AppError::Config(format!("Không ghi được {} (cannot write): {e}", output.display()))
            };
            db.read_sync(|c| {
                use diesel::prelude::*;
                use taisan::db::schema::tasks;
                let mut filter =
                    taisan::assets::AssetFilter { sort: "code".into(), page: 1, per_page: 50, ..Default::default() };
                if let Some(code) = &unit {
                    filter.unit_id = Some(taisan::rules::unit_id_by_code(c, code)?);
                }
                if let Some(code) = &task {
                    let id: Option<i32> =
                        tasks::table.filter(tasks::code.eq(code)).select(tasks::id).first(c).optional()?;
                    filter.task_id = Some(id.ok_or_else(|| AppError::NotFound(format!("nhiệm vụ «{code}»")))?);
                }
                eprintln!("Đang xuất …");
                let today = taisan::text::today();
                let bar = progress_bar("tài sản");
                match (report.as_str(), csv) {
                    ("changes", _) => {
                        use chrono::Datelike;
                        let from = from.unwrap_or_else(|| today.with_ordinal(1).unwrap_or(today));
                        let to = to.unwrap_or(today);
                        taisan::assets::export::changes_workbook(c, &filter, from, to, &bar)?.save(&output)
                    }
                    ("card", _) => {
                        use diesel::prelude::*;
                        use taisan::db::schema::assets;
                        let code = code.as_deref().unwrap_or_default();
                        let id: i32 = assets::table
                            .filter(assets::code.eq(code))
                            .select(assets::id)
                            .first(c)
                            .optional()?
                            .ok_or_else(|| AppError::NotFound(format!("tài sản mã «{code}»")))?;
                        let view = taisan::assets::find_view(c, id)?;
                        taisan::assets::export::asset_card(c, &view, today)?.save(&output)
                    }
                    ("wear" | "book", _) => {
                        use chrono::Datelike;
                        let year = year.unwrap_or_else(|| taisan::assets::wear::last_close(today).year());
                        if report == "wear" {
                            taisan::assets::export::wear_workbook(c, &filter, year, &bar)?.save(&output)
                        } else {
                            taisan::assets::export::fixed_asset_book(c, &filter, year, &bar)?.save(&output)
                        }
                    }
                    (_, true) => {
                        let file = std::fs::File::create(&output).map_err(|e| cannot_write(format_args!("{e}")))?;
                        let mut out = std::io::BufWriter::new(file);
                        taisan::assets::export::register_csv(c, &filter, today, &bar, &mut out)?;
                        std::io::Write::flush(&mut out).map_err(|e| cannot_write(format_args!("{e}")))
                    }
                    (_, false) if plain => {
                        taisan::assets::export::register_plain(c, &filter, today, &bar)?.save(&output)
                    }
                    (_, false) => taisan::assets::export::register_workbook(c, &filter, today, &bar)?.save(&output),
                }
            })?;
            let size = std::fs::metadata(&output).map(|m| m.len()).unwrap_or(0);
            println!("Đã ghi {} ({} KB)", output.display(), size / 1024);
            Ok(ExitCode::SUCCESS)
        }
        Command::Declare { command } => declare(&url, command),
        Command::User { command } => {
            let db = taisan::open(&url)?;
            user_command(&db, command)
        }
        Command::Conformance => {
            let db = taisan::open(&url)?;
            print!("{}", db.read_sync(taisan::rules::conformance::table)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Tls { command: TlsCommand::SelfSigned { host, days, dir } } => {
            let made = taisan::tls::self_signed(&host, days, &dir)?;
            println!("Đã tạo chứng chỉ tự ký cho {} (hiệu lực {days} ngày):", host.join(", "));
            println!("  chứng chỉ: {}", made.cert.display());
            println!("  khóa bí mật (chỉ người chạy máy chủ đọc được): {}", made.key.display());
            println!("  dấu SHA-256: {}", made.fingerprint);
            println!(
                "Chạy: taisan serve --bind 0.0.0.0:8443 --tls-cert {} --tls-key {}",
                made.cert.display(),
                made.key.display()
            );
            println!("Rồi cài chứng chỉ lên từng điện thoại (README, «https trong mạng nội bộ») và so dấu SHA-256.");
            Ok(ExitCode::SUCCESS)
        }
        Command::Token { command: TokenCommand::Create { user, name } } => {
            let db = taisan::open(&url)?;
            let value = db.write_sync(|c| {
                let u = taisan::auth::find_by_username(c, &user)?
                    .ok_or_else(|| AppError::NotFound(format!("người dùng «{user}»")))?;
                Ok(taisan::auth::create_token(c, &Actor("cli".into()), u.id, &name)?.1)
            })?;
            println!("Token của {user} (chỉ hiện một lần — shown once):\n{value}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { file } => {
            let s = taisan::backup::backup(&url, &file)?;
            println!("Đã sao lưu vào {} (backup written): {s}", file.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { file, force } => {
            let (s, kept) = taisan::backup::restore(&url, &file, force)?;
            if let Some(old) = kept {
                println!("Tệp cũ được giữ ở {} (old database kept aside)", old.display());
            }
            println!("Đã khôi phục {} vào {} (restored): {s}", file.display(), taisan::db::redact(&url));
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { command } => {
            let db = taisan::open(&url)?;
            let status = db.read_sync(taisan::audit::verify)?;
            match (command, status) {
                (AuditCommand::Verify, ChainStatus::Intact { count, head }) => {
                    println!("Chuỗi nhật ký nguyên vẹn (intact): {count} sự kiện, đầu chuỗi {head}");
                    Ok(ExitCode::SUCCESS)
                }
                (AuditCommand::Head, ChainStatus::Intact { count, head }) => {
                    println!("{head} {count}");
                    Ok(ExitCode::SUCCESS)
                }
                (_, ChainStatus::Broken { seq, reason, .. }) => {
                    println!("Chuỗi nhật ký bị phá vỡ tại sự kiện số {seq} (broken): {reason}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}

fn read_password(from_stdin: bool) -> Result<(String, bool), AppError> {
    if !from_stdin {
        return Ok((taisan::auth::random_secret()[..20].to_string(), true));
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((line.trim_end_matches(['\r', '\n']).to_string(), false))
}

fn user_command(db: &taisan::db::Db, command: UserCommand) -> Result<ExitCode, AppError> {
    let actor = Actor("cli".into());
    match command {
        UserCommand::Add { username, role, name, unit, password_stdin } => {
            let (password, generated) = read_password(password_stdin)?;
            let user = db.write_sync(|c| {
                let unit_id = match &unit {
                    Some(code) => Some(taisan::rules::unit_id_by_code(c, code)?),
                    None => None,
                };
                let input = taisan::input::Input::from_json(serde_json::json!({
                    "username": username, "full_name": name.clone().unwrap_or_else(|| username.clone()),
                    "role": role, "unit_id": unit_id, "password": password,
                }))?;
                taisan::auth::create_user(c, &actor, input)
            })?;
            println!("Đã thêm {} ({})", user.username, user.role().name());
            if generated {
                println!("Mật khẩu (chỉ hiện một lần — shown once): {password}");
            }
        }
        UserCommand::Passwd { username, password_stdin } => {
            let (password, generated) = read_password(password_stdin)?;
            db.write_sync(|c| {
                let u = taisan::auth::find_by_username(c, &username)?
                    .ok_or_else(|| AppError::NotFound(format!("người dùng «{username}»")))?;
                taisan::auth::set_password(c, &actor, u.id, &password)
            })?;
            println!("Đã đặt mật khẩu mới cho {username}; mọi phiên đăng nhập đã kết thúc");
            if generated {
                println!("Mật khẩu (chỉ hiện một lần — shown once): {password}");
            }
        }
        UserCommand::List => {
            for u in db.read_sync(taisan::auth::list_users)? {
                let state = if u.active { "" } else { " (đã khóa)" };
                println!("{:<16} {:<20} {}{state}", u.username, u.role().name(), u.full_name);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn serve(
    db: taisan::db::Db,
    bind: std::net::SocketAddr,
    tls: Option<std::sync::Arc<tokio_rustls::rustls::ServerConfig>>,
) -> Result<(), taisan::error::AppError> {
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| taisan::error::AppError::Config(format!("Không lắng nghe được trên {bind} (cannot bind): {e}")))?;
    let orphans = taisan::import::jobs::interrupt_orphans(&db, taisan::import::jobs::STALE)?;
    if orphans > 0 {
        println!(
            "{orphans} việc nhập dở dang khi máy chủ dừng lần trước: đánh dấu bị gián đoạn (không có gì được lưu)"
        );
    }
    let app = taisan::app(db);
    let failed = |e: std::io::Error| taisan::error::AppError::Internal(e.to_string());
    match tls {
        None => {
            println!("taisan đang chạy: mở http://{bind}/ (Ctrl+C để dừng)");
            let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
            axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await.map_err(failed)
        }
        Some(config) => {
            taisan::config::set_serving_tls();
            println!("taisan đang chạy: mở https://{bind}/ (Ctrl+C để dừng)");
            let listener = taisan::tls::TlsListener::new(listener, config).map_err(failed)?;
            let app = taisan::tls::with_peer(app).into_make_service_with_connect_info::<taisan::tls::TlsPeer>();
            axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await.map_err(failed)
        }
    }
}

/// Ctrl+C or SIGTERM: stop accepting, finish requests in flight.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// A progress line on the terminal: `[#####.....] done/total what`, finished with a new line.
/// `taisan declare …`: the declaration reports, recording a declaration, the change file.
fn declare(url: &str, command: DeclareCommand) -> Result<ExitCode, AppError> {
    use taisan::declarations::forms::{self, Form, MoneyUnit, Request};
    let date = |flag: &str, v: &Option<String>| -> Result<chrono::NaiveDate, AppError> {
        match v.as_deref() {
            Some(s) => {
                taisan::text::parse_date(s).map_err(|e| AppError::Config(format!("--{flag} «{s}»: {e} (dd/mm/yyyy)")))
            }
            None => Ok(taisan::text::today()),
        }
    };
    let unit_of = |c: &mut taisan::db::DbConn, unit: &Option<String>| -> Result<i32, AppError> {
        match unit {
            Some(code) => taisan::rules::unit_id_by_code(c, code),
            None => taisan::rules::root_unit_id(c),
        }
    };
    let db = taisan::open(url)?;
    let written = |output: &std::path::Path| {
        let size = std::fs::metadata(output).map(|m| m.len()).unwrap_or(0);
        println!("Đã ghi {} ({} KB)", output.display(), size / 1024);
    };
    match command {
        DeclareCommand::Report { form, unit, as_of, from, money, supplement, output } => {
            let form = Form::parse(&form)?;
            if !MoneyUnit::CHOICES.iter().any(|(c, _)| *c == money) {
                return Err(AppError::Config(format!("--money «{money}»: dùng dong, nghin hoặc trieu")));
            }
            let as_of = date("as-of", &as_of)?;
            let from = match from {
                Some(_) => Some(date("from", &from)?),
                None => None,
            };
            db.read_sync(|c| {
                let req = Request {
                    unit_id: unit_of(c, &unit)?,
                    as_of,
                    from,
                    money: MoneyUnit::from_code(&money),
                    supplement,
                };
                eprintln!("Đang lập mẫu {} …", form.label());
                forms::render(c, form, &req, &progress_bar("tài sản"))?.save(&output)
            })?;
            written(&output);
        }
        DeclareCommand::Record { unit, as_of, supplement, note } => {
            let as_of = date("as-of", &as_of)?;
            let actor = taisan::audit::Actor("cli".into());
            let saved = db.write_sync(|c| {
                let unit_id = unit_of(c, &unit)?;
                taisan::declarations::record::record(
                    c,
                    &actor,
                    &taisan::auth::Scope::ALL,
                    taisan::declarations::record::Recording { unit_id, as_of, supplement, note: note.clone() },
                    &progress_bar("tài sản"),
                )
            })?;
            println!(
                "Đã ghi nhận lần kê khai số {} ngày {}: {} tài sản, {} thay đổi từ lần trước; mã băm {}",
                saved.id,
                taisan::text::format_date(saved.as_of),
                saved.items,
                saved.events,
                saved.digest
            );
        }
        DeclareCommand::Layout { unit, layout, as_of, output } => {
            let as_of = date("as-of", &as_of)?;
            let layout = taisan::declarations::national::Layout::from_slug(&layout)
                .ok_or_else(|| AppError::Config(format!("Không có mẫu «{layout}» (taisan, datnha-khac)")))?;
            let bytes = db.read_sync(|c| {
                let unit_id = unit_of(c, &unit)?;
                taisan::declarations::national::export(c, unit_id, as_of, layout, &progress_bar("tài sản"))
            })?;
            std::fs::write(&output, bytes)
                .map_err(|e| AppError::Config(format!("Không ghi được {} (cannot write): {e}", output.display())))?;
            written(&output);
        }
        DeclareCommand::Changes { unit, as_of, output } => {
            let as_of = date("as-of", &as_of)?;
            let (file, changes) = db.read_sync(|c| {
                let unit_id = unit_of(c, &unit)?;
                let (issuer, _) = forms::declaring_unit(c, unit_id)?;
                let p = taisan::declarations::record::pending(c, unit_id, as_of, &progress_bar("tài sản"))?;
                Ok((taisan::declarations::events::change_file(&issuer, &p), p.changes))
            })?;
            let body = serde_json::to_vec_pretty(&file).map_err(|e| AppError::Internal(format!("json: {e}")))?;
            std::fs::write(&output, body)
                .map_err(|e| AppError::Config(format!("Không ghi được {} (cannot write): {e}", output.display())))?;
            for ch in &changes {
                println!(
                    "{}  {:<18} {:<22} {}  hạn {}  {}",
                    taisan::text::format_date(ch.date),
                    ch.code,
                    ch.kind.label(),
                    ch.reason_code.as_deref().unwrap_or("—"),
                    taisan::text::format_date(ch.due),
                    ch.name
                );
            }
            println!("{} thay đổi", changes.len());
            written(&output);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn progress_bar(what: &'static str) -> taisan::progress::Progress {
    taisan::progress::Progress(Some(std::sync::Arc::new(move |done, total| {
        let width = 30;
        let filled = (done * width).checked_div(total).unwrap_or(width).min(width);
        eprint!("\r[{}{}] {done}/{total} {what}", "#".repeat(filled), ".".repeat(width - filled));
        if done >= total {
            eprintln!();
        }
    })))
}
