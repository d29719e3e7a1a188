//! A category proposed from an asset's name (nhóm tài sản đoán theo tên), for lists that give none —
//! an S&T task's asset list has name, quantity, unit price and amount. Always a guess the person
//! confirms (or replaces by one category for the whole file); never put on a record unseen.
//!
//! Two sources, the longest match winning: the names offices give (`rules/data/category_words.json`),
//! and the national catalogue's own type names, which a name may begin with («Máy in laser …»).

use diesel::prelude::*;
use serde::Deserialize;

use crate::db::schema::asset_categories;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::text::fold;

#[derive(Deserialize)]
struct Words {
    words: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    category: String,
    names: Vec<String>,
}

/// The categories names point to, and the words that point to them.
#[derive(Debug, Clone, Default)]
pub struct Guesser {
    /// (words as a folded phrase, category id, «code — name»).
    phrases: Vec<(String, i32, String)>,
    /// The national catalogue's type names (folded): a name that begins with one is of that type.
    types: Vec<(String, i32, String)>,
}

/// A folded name with every non-alphanumeric character a space, padded: phrases match on words.
fn words_of(name: &str) -> String {
    let spaced: String = fold(name).chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect();
    format!(" {} ", spaced.split_whitespace().collect::<Vec<_>>().join(" "))
}

impl Guesser {
    pub fn load(conn: &mut DbConn) -> AppResult<Guesser> {
        let words: Words = serde_json::from_str(include_str!("../rules/data/category_words.json"))
            .map_err(|e| AppError::Internal(format!("category_words.json: {e}")))?;
        let categories: Vec<(i32, String, String, Option<String>)> = asset_categories::table
            .select((
                asset_categories::id,
                asset_categories::code,
                asset_categories::name,
                asset_categories::national_code,
            ))
            .load(conn)?;
        let label = |code: &str, name: &str| format!("{code} — {name}");
        let mut phrases = vec![];
        for entry in words.words {
            // A code the database does not hold (a trimmed catalogue) proposes nothing.
            let Some((id, code, name, _)) = categories.iter().find(|c| c.1 == entry.category) else { continue };
            for n in entry.names {
                phrases.push((words_of(&n), *id, label(code, name)));
            }
        }
        // The catalogue's types of five digits: «Máy in», «Quạt». The general «Máy móc, thiết bị»
        // would swallow every machine, and the seven-digit ones repeat the five-digit names.
        let types = categories
            .iter()
            .filter(|(_, code, _, national)| national.as_deref() == Some(code.as_str()) && code.len() == 5)
            .map(|(id, code, name, _)| (words_of(name), *id, label(code, name)))
            .collect();
        Ok(Guesser { phrases, types })
    }

    /// The category `name` points to, and its «code — name»: the longest phrase the name holds, or
    /// the longest type name it begins with.
    pub fn guess(&self, name: &str) -> Option<(i32, &str)> {
        let w = words_of(name);
        let phrase = self.phrases.iter().filter(|(p, _, _)| w.contains(p.as_str())).max_by_key(|(p, _, _)| p.len());
        let typed = self.types.iter().filter(|(t, _, _)| w.starts_with(t.as_str())).max_by_key(|(t, _, _)| t.len());
        [phrase, typed].into_iter().flatten().max_by_key(|(p, _, _)| p.len()).map(|(_, id, l)| (*id, l.as_str()))
    }
}
