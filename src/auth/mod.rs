//! Accounts (tài khoản): people with roles, their sessions, their API tokens, login throttling, and
//! the one table of permissions.

pub mod pages;
pub mod web;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::audit::{self, Actor};
use crate::db::schema::{api_tokens, login_attempts, org_units, sessions, users};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::input::Input;
use crate::text::now_utc;

/// Vai trò — what a person does here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Role {
    /// Quản trị viên.
    Admin,
    /// Tổ xử lý tài sản — the asset-handling team.
    AssetTeam,
    /// Thanh tra — the inspectorate.
    Inspector,
    /// Cán bộ đơn vị — staff of one unit (e.g. the Center): edits only its own unit's assets.
    UnitStaff,
    /// Lãnh đạo Sở — reads everything, approves.
    Leadership,
}

pub const ROLES: &[(&str, &str)] = &[
    ("admin", "Quản trị viên"),
    ("xu_ly_tai_san", "Tổ xử lý tài sản"),
    ("thanh_tra", "Thanh tra"),
    ("don_vi", "Cán bộ đơn vị"),
    ("lanh_dao", "Lãnh đạo Sở"),
];

impl Role {
    pub const ALL: [Role; 5] = [Role::Admin, Role::AssetTeam, Role::Inspector, Role::UnitStaff, Role::Leadership];

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::AssetTeam => "xu_ly_tai_san",
            Role::Inspector => "thanh_tra",
            Role::UnitStaff => "don_vi",
            Role::Leadership => "lanh_dao",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn name(self) -> &'static str {
        ROLES.iter().find(|(c, _)| *c == self.code()).map(|(_, n)| *n).unwrap_or("")
    }
}

/// What a route needs. Each route of the router names exactly one (see `web::Route`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Anyone, signed in or not: the login page, static files, the OpenAPI document.
    Public,
    /// Anyone signed in: their own account, password and tokens.
    SignedIn,
    /// Read the register, tasks and reference data (unit staff may be limited to their unit).
    ReadRegister,
    /// Create, edit and delete assets (unit staff: only their own unit's).
    EditAssets,
    /// Create and edit S&T tasks.
    EditTasks,
    /// Edit units, categories, wear-rate tables and rule settings.
    EditReference,
    /// Manage people and their roles.
    ManageUsers,
    /// Read and export the activity log of everyone.
    ReadActivity,
    /// Propose, decide, execute and write down the handling of assets (xử lý tài sản).
    HandleAssets,
    /// Set up a count (kiểm kê), open it, reconcile, resolve its discrepancies and close it.
    ManageCounts,
    /// Record what was counted (unit staff: only their unit's assets).
    RecordCounts,
    /// Read inspections, findings and recommendations (thanh tra).
    ReadInspections,
    /// Open inspections and write into one's own: findings, recommendations, follow-up.
    Inspect,
    /// Record procurement files next to the assets they bought.
    RecordProcurement,
}

/// The one table of permissions: which roles hold each permission.
pub const PERMISSIONS: &[(Permission, &[Role])] = &[
    (Permission::ReadRegister, &Role::ALL),
    (Permission::EditAssets, &[Role::Admin, Role::AssetTeam, Role::UnitStaff]),
    (Permission::EditTasks, &[Role::Admin, Role::AssetTeam]),
    (Permission::EditReference, &[Role::Admin]),
    (Permission::ManageUsers, &[Role::Admin]),
    (Permission::ReadActivity, &[Role::Admin, Role::Inspector, Role::Leadership]),
    (Permission::HandleAssets, &[Role::Admin, Role::AssetTeam]),
    (Permission::ManageCounts, &[Role::Admin, Role::AssetTeam]),
    (Permission::RecordCounts, &[Role::Admin, Role::AssetTeam, Role::UnitStaff]),
    (Permission::ReadInspections, &[Role::Admin, Role::Inspector, Role::Leadership]),
    (Permission::Inspect, &[Role::Admin, Role::Inspector]),
    (Permission::RecordProcurement, &[Role::Admin, Role::AssetTeam, Role::Inspector]),
];

impl Permission {
    pub fn allows(self, role: Role) -> bool {
        match self {
            Permission::Public | Permission::SignedIn => true,
            p => PERMISSIONS.iter().any(|(q, roles)| *q == p && roles.contains(&role)),
        }
    }
}

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i32,
    pub username: String,
    pub full_name: String,
    pub role: String,
    pub unit_id: Option<i32>,
    /// For unit staff: whether they see other units' assets (read-only).
    pub can_read_all: bool,
    #[serde(skip)]
    pub password_hash: String,
    pub active: bool,
    pub password_changed_at: NaiveDateTime,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl User {
    pub fn role(&self) -> Role {
        // An unknown role code grants the least: read-only staff of no unit.
        Role::from_code(&self.role).unwrap_or(Role::UnitStaff)
    }

    pub fn actor(&self) -> Actor {
        Actor(self.username.clone())
    }

    /// The person's scope over the unit tree `tree` (each unit's id and its parent's): unit staff
    /// reach their unit and every unit under it (the Center and its sections).
    pub fn scope_in(&self, tree: &[(i32, Option<i32>)]) -> Scope {
        match self.role() {
            Role::UnitStaff => {
                let unit = self.unit_id.unwrap_or(0);
                let units = units_under(tree, unit);
                Scope {
                    unit: Some(unit),
                    read_units: if self.can_read_all { None } else { Some(units.clone()) },
                    edit_units: Some(units),
                }
            }
            _ => Scope::ALL,
        }
    }
}

/// A unit and every unit under it, the unit first.
pub fn units_under(tree: &[(i32, Option<i32>)], root: i32) -> Vec<i32> {
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i];
        out.extend(
            tree.iter()
                .filter(|(id, p)| *p == Some(parent) && !out.contains(id))
                .map(|(id, _)| *id)
                .collect::<Vec<_>>(),
        );
        i += 1;
    }
    out
}

/// The scope of `user`, with the unit tree as it stands.
pub fn scope_of(conn: &mut DbConn, user: &User) -> AppResult<Scope> {
    if user.role() != Role::UnitStaff {
        return Ok(Scope::ALL);
    }
    let tree: Vec<(i32, Option<i32>)> = org_units::table.select((org_units::id, org_units::parent_id)).load(conn)?;
    Ok(user.scope_in(&tree))
}

/// Which units' records a person may read and change, following the unit tree. `None` means every
/// unit. Checked row by row, so a bulk operation can never reach what a single request could not.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scope {
    /// The person's own unit (đơn vị của mình), for unit staff: what a new record defaults to, and
    /// whose name a book of theirs carries.
    pub unit: Option<i32>,
    /// Their unit and the units under it, whose records they read.
    pub read_units: Option<Vec<i32>>,
    /// The units whose assets they add, change or remove.
    pub edit_units: Option<Vec<i32>>,
}

impl Scope {
    pub const ALL: Scope = Scope { unit: None, read_units: None, edit_units: None };

    pub fn check_read(&self, unit_id: i32) -> AppResult<()> {
        match &self.read_units {
            Some(units) if !units.contains(&unit_id) => {
                Err(AppError::Forbidden("Bạn chỉ được xem tài sản của đơn vị mình".into()))
            }
            _ => Ok(()),
        }
    }

    /// The scope rule for a record that touches `units` through its assets: unit staff reach it
    /// only when every one is theirs, or, for a record several units share (a count), when one is.
    /// A record that touches no unit is nobody's in particular: only those who read every unit.
    pub fn reaches(&self, units: &[i32], shared: bool) -> bool {
        match &self.read_units {
            None => true,
            Some(mine) if shared => units.iter().any(|u| mine.contains(u)),
            Some(mine) => !units.is_empty() && units.iter().all(|u| mine.contains(u)),
        }
    }

    pub fn check_edit(&self, unit_id: i32) -> AppResult<()> {
        match &self.edit_units {
            Some(units) if !units.contains(&unit_id) => {
                Err(AppError::Forbidden("Bạn chỉ được thêm, sửa hoặc xóa tài sản của đơn vị mình".into()))
            }
            _ => Ok(()),
        }
    }

    /// The scope of a change: what one may change bounds what the change reaches.
    pub fn for_change(&self) -> Scope {
        Scope { read_units: self.edit_units.clone(), ..self.clone() }
    }
}

// ---- Secrets -----------------------------------------------------------------------------------

/// A random secret as 64 hex characters (256 bits).
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    crate::text::hex(&bytes)
}

/// Sessions and tokens are stored only as this hash: a copy of the table opens nothing.
pub fn secret_hash(secret: &str) -> String {
    crate::text::hex(&Sha256::digest(secret.as_bytes()))
}

pub const MIN_PASSWORD_LEN: usize = 10;

pub fn hash_password(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("argon2: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash to verify against when the user does not exist, so that timing does not tell.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("không-có-người-dùng-này").unwrap_or_default())
}

fn check_password_rules(input: &mut Input, key: &str, password: &Option<String>) {
    if let Some(p) = password {
        if p.chars().count() < MIN_PASSWORD_LEN {
            input.error(key, format!("Mật khẩu phải có ít nhất {MIN_PASSWORD_LEN} ký tự"));
        }
    }
}

// ---- Users -------------------------------------------------------------------------------------

pub fn find_user(conn: &mut DbConn, id: i32) -> AppResult<User> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("người dùng số {id}")))
}

pub fn find_by_username(conn: &mut DbConn, username: &str) -> AppResult<Option<User>> {
    Ok(users::table
        .filter(users::username.eq(username.trim().to_lowercase()))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn list_users(conn: &mut DbConn) -> AppResult<Vec<User>> {
    Ok(users::table.order(users::username).select(User::as_select()).load(conn)?)
}

/// Creates a person. `password` is required; the caller generates one when none was typed.
pub fn create_user(conn: &mut DbConn, actor: &Actor, mut input: Input) -> AppResult<User> {
    let username = input.text("username", "Tên đăng nhập", true, 50).map(|u| u.to_lowercase());
    if let Some(u) = &username {
        if !u.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
            input.error("username", "Tên đăng nhập chỉ gồm chữ không dấu, số và . _ -");
        } else if find_by_username(conn, u)?.is_some() {
            input.error("username", format!("Tên đăng nhập «{u}» đã có"));
        }
    }
    let (full_name, role, unit_id, can_read_all) = read_profile(conn, &mut input)?;
    let password = input.text("password", "Mật khẩu", true, 200);
    check_password_rules(&mut input, "password", &password);
    input.finish()?;
    let (Some(username), Some(full_name), Some(role), Some(password)) = (username, full_name, role, password) else {
        return Err(AppError::Internal("thiếu trường bắt buộc".into()));
    };
    let now = now_utc();
    let id: i32 = diesel::insert_into(users::table)
        .values((
            users::username.eq(&username),
            users::full_name.eq(&full_name),
            users::role.eq(&role),
            users::unit_id.eq(unit_id),
            users::can_read_all.eq(can_read_all),
            users::password_hash.eq(hash_password(&password)?),
            users::active.eq(true),
            users::password_changed_at.eq(now),
            users::created_at.eq(now),
            users::updated_at.eq(now),
        ))
        .returning(users::id)
        .get_result(conn)?;
    let user = find_user(conn, id)?;
    audit::record(conn, actor, "create", "user", id, None, Some(&json!(user)))?;
    Ok(user)
}

type Profile = (Option<String>, Option<String>, Option<i32>, bool);

fn read_profile(conn: &mut DbConn, input: &mut Input) -> AppResult<Profile> {
    let full_name = input.text("full_name", "Họ và tên", true, 200);
    let role = input.choice("role", "Vai trò", ROLES, true);
    let unit_id = input.id("unit_id", "Đơn vị");
    if let Some(u) = unit_id {
        if org_units::table.find(u).count().get_result::<i64>(conn)? == 0 {
            input.error("unit_id", "Đơn vị không tồn tại");
        }
    }
    if role.as_deref() == Some("don_vi") && unit_id.is_none() && !input.has_error("unit_id") {
        input.error("unit_id", "Cán bộ đơn vị phải thuộc một đơn vị");
    }
    let can_read_all = input
        .choice("can_read_all", "Xem tài sản đơn vị khác", &[("true", "Có"), ("false", "Không")], false)
        .is_none_or(|v| v == "true");
    Ok((full_name, role, unit_id, can_read_all))
}

/// Changes name, role, unit, visibility or the active flag. Deactivating ends every session and token use.
pub fn update_user(conn: &mut DbConn, actor: &Actor, id: i32, patch: Input, version: Option<i64>) -> AppResult<User> {
    let before = find_user(conn, id)?;
    if version != Some(before.version as i64) {
        return Err(AppError::conflict("Tài khoản đã được người khác sửa; hãy tải lại trang"));
    }
    let mut base = json!(before);
    base["can_read_all"] = json!(before.can_read_all.to_string());
    base["active"] = json!(before.active.to_string());
    let mut input = Input::overlay(base, patch)?;
    let (full_name, role, unit_id, can_read_all) = read_profile(conn, &mut input)?;
    let active = input.choice("active", "Đang hoạt động", &[("true", "Có"), ("false", "Không")], false).as_deref()
        != Some("false");
    if actor.0 == before.username && (!active || role.as_deref() != Some("admin")) && before.role() == Role::Admin {
        input.error("role", "Không thể tự bỏ quyền quản trị hoặc tự khóa tài khoản của mình");
    }
    input.finish()?;
    diesel::update(users::table.find(id))
        .set((
            users::full_name.eq(full_name.unwrap_or_default()),
            users::role.eq(role.unwrap_or_default()),
            users::unit_id.eq(unit_id),
            users::can_read_all.eq(can_read_all),
            users::active.eq(active),
            users::version.eq(before.version + 1),
            users::updated_at.eq(now_utc()),
        ))
        .execute(conn)?;
    if !active {
        end_sessions(conn, id)?;
    }
    let after = find_user(conn, id)?;
    audit::record(conn, actor, "update", "user", id, Some(&json!(before)), Some(&json!(after)))?;
    Ok(after)
}

/// Sets a new password and ends all of the person's sessions (they sign in again everywhere).
pub fn set_password(conn: &mut DbConn, actor: &Actor, id: i32, password: &str) -> AppResult<()> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(AppError::invalid("password", format!("Mật khẩu phải có ít nhất {MIN_PASSWORD_LEN} ký tự")));
    }
    let user = find_user(conn, id)?;
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(hash_password(password)?),
            users::password_changed_at.eq(now_utc()),
            users::version.eq(user.version + 1),
        ))
        .execute(conn)?;
    end_sessions(conn, id)?;
    audit::record(conn, actor, "password_change", "user", id, None, None)?;
    Ok(())
}

pub fn end_sessions(conn: &mut DbConn, user_id: i32) -> AppResult<usize> {
    Ok(diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?)
}

// ---- Login and sessions ------------------------------------------------------------------------

/// How long a session lives without use, and at most.
pub const SESSION_IDLE: Duration = Duration::hours(2);
pub const SESSION_MAX: Duration = Duration::hours(12);
/// Failed logins allowed per account and per address within the window before refusing.
pub const LOGIN_WINDOW: Duration = Duration::minutes(15);
pub const MAX_FAILS_PER_ACCOUNT: i64 = 5;
pub const MAX_FAILS_PER_ADDRESS: i64 = 20;

pub struct NewSession {
    /// The cookie value; shown to the browser once, never stored.
    pub secret: String,
    pub csrf_token: String,
    pub user: User,
}

/// Checks a login; on success opens a session. Every attempt is recorded; too many failures for the
/// account or from the address refuse further attempts for a while, with a clear message.
/// A refused login is the inner `Err`: the transaction still commits, keeping the record of it.
pub fn login(
    conn: &mut DbConn,
    username: &str,
    password: &str,
    address: &str,
) -> AppResult<Result<NewSession, AppError>> {
    let username = username.trim().to_lowercase();
    let now = now_utc();
    let since = now - LOGIN_WINDOW;
    let fails = |conn: &mut DbConn, by_account: bool| -> AppResult<i64> {
        let q = login_attempts::table
            .filter(login_attempts::succeeded.eq(false))
            .filter(login_attempts::attempted_at.gt(since))
            .into_boxed();
        let q = if by_account {
            q.filter(login_attempts::username.eq(username.clone()))
        } else {
            q.filter(login_attempts::address.eq(address.to_string()))
        };
        Ok(q.count().get_result(conn)?)
    };
    let minutes = LOGIN_WINDOW.num_minutes();
    if fails(conn, true)? >= MAX_FAILS_PER_ACCOUNT {
        return Ok(Err(AppError::TooManyAttempts(format!(
            "Tài khoản «{username}» tạm ngừng đăng nhập do nhập sai mật khẩu nhiều lần; hãy thử lại sau {minutes} phút hoặc nhờ quản trị viên đặt lại mật khẩu"
        ))));
    }
    if fails(conn, false)? >= MAX_FAILS_PER_ADDRESS {
        return Ok(Err(AppError::TooManyAttempts(format!(
            "Máy của bạn đã đăng nhập sai quá nhiều lần; hãy thử lại sau {minutes} phút"
        ))));
    }
    let user = find_by_username(conn, &username)?;
    let ok = match &user {
        Some(u) => verify_password(password, &u.password_hash) && u.active,
        None => {
            verify_password(password, dummy_hash());
            false
        }
    };
    diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::username.eq(&username),
            login_attempts::address.eq(address),
            login_attempts::succeeded.eq(ok),
            login_attempts::attempted_at.eq(now),
        ))
        .execute(conn)?;
    let (Some(user), true) = (user, ok) else {
        audit::record(conn, &Actor(username.clone()), "login_failed", "session", address, None, None)?;
        return Ok(Err(AppError::Unauthorized(
            "Tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đã bị khóa".into(),
        )));
    };
    let secret = random_secret();
    let csrf_token = random_secret();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id_hash.eq(secret_hash(&secret)),
            sessions::user_id.eq(user.id),
            sessions::csrf_token.eq(&csrf_token),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
            sessions::expires_at.eq(now + SESSION_MAX),
        ))
        .execute(conn)?;
    audit::record(conn, &user.actor(), "login", "session", address, None, None)?;
    Ok(Ok(NewSession { secret, csrf_token, user }))
}

/// How a request proved who it is.
#[derive(Debug, Clone)]
pub enum Credential {
    /// A browser session, with the token its forms must carry.
    Session { id_hash: String, csrf_token: String },
    /// An API token (Bearer): no cookie, so no cross-site forgery to guard against.
    Token,
}

#[derive(Debug, Clone)]
pub struct Identity {
    pub user: User,
    pub credential: Credential,
    /// What of the units' records the person reaches, over the unit tree as it stood at sign-in
    /// of this request.
    pub scope: Scope,
}

impl Identity {
    pub fn csrf_token(&self) -> Option<&str> {
        match &self.credential {
            Credential::Session { csrf_token, .. } => Some(csrf_token),
            Credential::Token => None,
        }
    }
}

/// The person behind a session cookie, if the session is live. Idle and absolute expiry are both
/// checked; use moves the idle deadline (written at most once a minute).
pub fn session_identity(conn: &mut DbConn, secret: &str) -> AppResult<Option<Identity>> {
    let id_hash = secret_hash(secret);
    let now = now_utc();
    let found: Option<(String, NaiveDateTime, NaiveDateTime, User)> = sessions::table
        .inner_join(users::table)
        .filter(sessions::id_hash.eq(&id_hash))
        .select((sessions::csrf_token, sessions::last_seen_at, sessions::expires_at, User::as_select()))
        .first(conn)
        .optional()?;
    let Some((csrf_token, last_seen, expires, user)) = found else { return Ok(None) };
    if !user.active || now > expires || now - last_seen > SESSION_IDLE {
        diesel::delete(sessions::table.find(&id_hash)).execute(conn)?;
        return Ok(None);
    }
    if now - last_seen > Duration::minutes(1) {
        diesel::update(sessions::table.find(&id_hash)).set(sessions::last_seen_at.eq(now)).execute(conn)?;
    }
    let scope = scope_of(conn, &user)?;
    Ok(Some(Identity { user, credential: Credential::Session { id_hash, csrf_token }, scope }))
}

pub fn logout(conn: &mut DbConn, identity: &Identity) -> AppResult<()> {
    if let Credential::Session { id_hash, .. } = &identity.credential {
        diesel::delete(sessions::table.find(id_hash)).execute(conn)?;
    }
    audit::record(conn, &identity.user.actor(), "logout", "session", identity.user.id, None, None)?;
    Ok(())
}

// ---- API tokens --------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: i32,
    pub user_id: i32,
    pub name: String,
    #[serde(skip)]
    pub token_hash: String,
    /// The first characters, so a person can tell their tokens apart.
    pub prefix: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

/// Token values start with this, so a leaked one is recognisable in a scan.
pub const TOKEN_PREFIX: &str = "tsn_";

/// Creates a token for `user_id`; the value is returned once and stored only hashed.
pub fn create_token(conn: &mut DbConn, actor: &Actor, user_id: i32, name: &str) -> AppResult<(ApiToken, String)> {
    let name = crate::text::clean(name).unwrap_or_else(|| "Token".into());
    if name.chars().count() > 100 {
        return Err(AppError::invalid("name", "Tên token dài quá 100 ký tự"));
    }
    let user = find_user(conn, user_id)?;
    let value = format!("{TOKEN_PREFIX}{}", random_secret());
    let id: i32 = diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::user_id.eq(user.id),
            api_tokens::name.eq(&name),
            api_tokens::token_hash.eq(secret_hash(&value)),
            api_tokens::prefix.eq(&value[..TOKEN_PREFIX.len() + 6]),
            api_tokens::created_at.eq(now_utc()),
        ))
        .returning(api_tokens::id)
        .get_result(conn)?;
    let token: ApiToken = api_tokens::table.find(id).select(ApiToken::as_select()).first(conn)?;
    audit::record(conn, actor, "create", "api_token", id, None, Some(&json!(token)))?;
    Ok((token, value))
}

pub fn tokens_of(conn: &mut DbConn, user_id: i32) -> AppResult<Vec<ApiToken>> {
    Ok(api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .order(api_tokens::id.desc())
        .select(ApiToken::as_select())
        .load(conn)?)
}

/// Revokes a token of `user_id` (its owner) — or any token, for an administrator.
pub fn revoke_token(conn: &mut DbConn, actor: &User, token_id: i32) -> AppResult<()> {
    let token: ApiToken = api_tokens::table
        .find(token_id)
        .select(ApiToken::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("token số {token_id}")))?;
    if token.user_id != actor.id && actor.role() != Role::Admin {
        return Err(AppError::Forbidden("Bạn chỉ thu hồi được token của chính mình".into()));
    }
    diesel::update(api_tokens::table.find(token_id)).set(api_tokens::revoked_at.eq(Some(now_utc()))).execute(conn)?;
    audit::record(conn, &actor.actor(), "revoke", "api_token", token_id, Some(&json!(token)), None)?;
    Ok(())
}

pub fn token_identity(conn: &mut DbConn, value: &str) -> AppResult<Option<Identity>> {
    let found: Option<(i32, Option<NaiveDateTime>, Option<NaiveDateTime>, User)> = api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(secret_hash(value)))
        .select((api_tokens::id, api_tokens::last_used_at, api_tokens::revoked_at, User::as_select()))
        .first(conn)
        .optional()?;
    match found {
        Some((id, last_used, None, user)) if user.active => {
            let now = now_utc();
            // Written at most once a minute: reads stay reads.
            if last_used.is_none_or(|t| now - t > Duration::minutes(1)) {
                diesel::update(api_tokens::table.find(id)).set(api_tokens::last_used_at.eq(Some(now))).execute(conn)?;
            }
            let scope = scope_of(conn, &user)?;
            Ok(Some(Identity { user, credential: Credential::Token, scope }))
        }
        _ => Ok(None),
    }
}

// ---- Demo accounts -----------------------------------------------------------------------------

/// One account per role, with passwords printed by `serve --demo`. Only ever made by `--demo`.
pub const DEMO_ACCOUNTS: &[(&str, &str, &str, &str)] = &[
    ("admin", "admin", "Quản trị viên (demo)", "SKHCN"),
    ("xuly", "xu_ly_tai_san", "Tổ xử lý tài sản (demo)", "TXLTS"),
    ("thanhtra", "thanh_tra", "Thanh tra viên (demo)", "TTRA"),
    ("trungtam", "don_vi", "Cán bộ Trung tâm (demo)", "TTUD"),
    ("lanhdao", "lanh_dao", "Lãnh đạo Sở (demo)", "SKHCN"),
];

pub fn demo_password(username: &str) -> String {
    format!("demo-{username}-2026")
}

/// Creates the demo accounts that do not exist yet; returns (username, role, password) of each.
pub fn create_demo_accounts(conn: &mut DbConn) -> AppResult<Vec<(String, String, String)>> {
    let mut out = vec![];
    for (username, role, name, unit) in DEMO_ACCOUNTS {
        let password = demo_password(username);
        if find_by_username(conn, username)?.is_none() {
            let unit_id: i32 = org_units::table.filter(org_units::code.eq(unit)).select(org_units::id).first(conn)?;
            let input = Input::from_json(json!({
                "username": username, "full_name": name, "role": role, "unit_id": unit_id,
                "password": password, "can_read_all": "false"
            }))?;
            create_user(conn, &Actor("demo".into()), input)?;
        }
        out.push((username.to_string(), Role::from_code(role).map(Role::name).unwrap_or("").to_string(), password));
    }
    Ok(out)
}
