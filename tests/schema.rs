//! Both migration folders produce exactly the tables and columns that `src/db/schema.rs` declares,
//! with the same nullability (a view's columns by name only: the catalogues call them all nullable).

mod common;

use std::collections::BTreeMap;

use common::{each_backend, TestApp};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};

/// table → column → nullable, read from the `table!` blocks of schema.rs.
fn declared() -> BTreeMap<String, BTreeMap<String, bool>> {
    let src = include_str!("../src/db/schema.rs");
    let mut out = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in src.lines().map(str::trim) {
        if let Some(name) = line.strip_suffix("{").and_then(|l| l.split_once(" (")).map(|(n, _)| n.trim()) {
            if !name.contains(' ') && !name.contains('!') {
                current = Some(name.to_string());
                out.insert(name.to_string(), BTreeMap::new());
                continue;
            }
        }
        if line == "}" {
            current = None;
            continue;
        }
        if let (Some(t), Some((col, ty))) = (&current, line.split_once(" -> ")) {
            out.get_mut(t).unwrap().insert(col.trim().to_string(), ty.starts_with("Nullable<"));
        }
    }
    out
}

#[derive(QueryableByName, Debug)]
struct Col {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Integer)]
    nullable: i32,
}

fn actual(app: &TestApp) -> BTreeMap<String, BTreeMap<String, bool>> {
    let tables: Vec<String> = declared().keys().cloned().collect();
    let rows: Vec<Col> = app
        .db
        .read_sync(|c| {
            let mut rows = vec![];
            for t in &tables {
                let sql = match c {
                    taisan::db::DbConn::Sqlite(_) => format!(
                        "SELECT '{t}' AS table_name, name AS column_name, CASE WHEN \"notnull\" = 1 OR pk > 0 THEN 0 ELSE 1 END AS nullable FROM pragma_table_info('{t}')"
                    ),
                    taisan::db::DbConn::Postgres(_) => format!(
                        "SELECT table_name::text AS table_name, column_name::text AS column_name, CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END AS nullable \
                         FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{t}'"
                    ),
                };
                let mut part: Vec<Col> = match c {
                    taisan::db::DbConn::Sqlite(s) => diesel::sql_query(sql).load(s)?,
                    taisan::db::DbConn::Postgres(p) => diesel::sql_query(sql).load(p)?,
                };
                rows.append(&mut part);
            }
            Ok(rows)
        })
        .unwrap();
    let mut out: BTreeMap<String, BTreeMap<String, bool>> = BTreeMap::new();
    for r in rows {
        out.entry(r.table_name).or_default().insert(r.column_name, r.nullable == 1);
    }
    out
}

/// Views declared in schema.rs.
const VIEWS: &[&str] = &["activity", "register_totals_now"];

#[tokio::test]
async fn migrations_match_schema_rs_on_every_backend() {
    let declared = declared();
    assert!(declared.len() >= 8 && declared["assets"].len() > 30, "parser read {declared:?}");
    each_backend(|app: TestApp| {
        let declared = declared.clone();
        async move {
            let names = |tables: &BTreeMap<String, BTreeMap<String, bool>>| -> BTreeMap<String, Vec<String>> {
                tables.iter().map(|(t, cols)| (t.clone(), cols.keys().cloned().collect())).collect()
            };
            let (mut actual, mut declared) = (actual(&app), declared);
            assert_eq!(names(&actual), names(&declared), "{}", app.backend);
            for view in VIEWS {
                actual.remove(*view);
                declared.remove(*view);
            }
            assert_eq!(actual, declared, "{}", app.backend);
        }
    })
    .await;
}

#[test]
fn migration_folders_have_the_same_names() {
    let names = |dir: &str| {
        let mut v: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        v.sort();
        v
    };
    assert_eq!(names("migrations/sqlite"), names("migrations/postgres"));
}
