//! What the national registration software (QLDKTS) calls things, transcribed with its source into
//! `rules/data/declaration_catalogue.json`: the use statuses of each class (hiện trạng sử dụng), the
//! funding sources (nguồn vốn), the reasons of a change (lý do biến động) and its type (loại biến
//! động), the documents of a land lot, and the national number of each class (loại hình tài sản).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Catalogue {
    pub source: String,
    classes: BTreeMap<String, ClassType>,
    pub usage_states: Vec<UsageState>,
    pub funding_sources: Vec<Named>,
    pub mutation_types: Vec<MutationType>,
    pub reasons: Vec<Reason>,
    pub reason_note: String,
    pub documents: Vec<Named>,
    acquisition_reasons: BTreeMap<String, String>,
    handling_reasons: BTreeMap<String, String>,
    pub handling_note: String,
}

/// Loại hình tài sản: the software's own number and the national database's.
#[derive(Debug, Deserialize, Clone, Copy)]
pub struct ClassType {
    pub local: i32,
    pub national: i32,
}

/// Đo bằng: m² of a lot or a house given to a use, or a mark on other assets.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Measure {
    Area,
    Mark,
}

/// Hiện trạng sử dụng: one use, with its id in the national catalogue for each class it applies to
/// (none for the two uses only the Excel layout knows: bỏ trống, bị lấn chiếm).
#[derive(Debug, Deserialize)]
pub struct UsageState {
    pub code: String,
    pub label: String,
    pub measure: Measure,
    /// The column of the declaration forms it is printed in.
    pub form_column: String,
    pub ids: BTreeMap<String, Option<i32>>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Named {
    pub code: String,
    pub label: String,
    /// The field's name in the national interface, when it has one.
    pub api: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct MutationType {
    pub id: i32,
    pub code: String,
    pub label: String,
}

/// Lý do biến động, by its national code.
#[derive(Debug, Deserialize)]
pub struct Reason {
    pub code: String,
    pub name: String,
    /// increase, decrease, value_increase, value_decrease, information, transfer.
    pub group: String,
}

pub fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        serde_json::from_str(include_str!("../rules/data/declaration_catalogue.json"))
            .expect("rules/data/declaration_catalogue.json is checked by a unit test")
    })
}

impl Catalogue {
    pub fn class_type(&self, class_code: &str) -> Option<ClassType> {
        self.classes.get(class_code).copied()
    }

    /// How the uses of an asset of this class are measured: m² for land and houses.
    pub fn measure_of(&self, class_code: &str) -> Measure {
        if matches!(class_code, "DAT" | "NHA") {
            Measure::Area
        } else {
            Measure::Mark
        }
    }

    /// The uses an asset of this class may be given, in the catalogue's order.
    pub fn usage_states_for(&self, class_code: &str) -> Vec<&UsageState> {
        let measure = self.measure_of(class_code);
        self.usage_states.iter().filter(|s| s.measure == measure && s.ids.contains_key(class_code)).collect()
    }

    pub fn reason(&self, code: &str) -> Option<&Reason> {
        self.reasons.iter().find(|r| r.code == code)
    }

    /// The reasons of one group, as choices for a form.
    pub fn reasons_in(&self, groups: &[&str]) -> Vec<(String, String)> {
        self.reasons
            .iter()
            .filter(|r| groups.contains(&r.group.as_str()))
            .map(|r| (r.code.clone(), format!("{} — {}", r.code, r.name)))
            .collect()
    }

    /// The national reason an asset entered the books by, from how it was acquired.
    pub fn acquisition_reason(&self, method: &str) -> &str {
        self.acquisition_reasons.get(method).map(String::as_str).unwrap_or("015")
    }

    /// The acquisition method a national reason of increase means (the first that gives it).
    pub fn acquisition_method_of(&self, reason: &str) -> Option<&str> {
        self.acquisition_reasons.iter().find(|(_, r)| r.as_str() == reason).map(|(m, _)| m.as_str())
    }

    /// The national reason a handling's write-down removes an asset by.
    pub fn handling_reason(&self, form_code: &str) -> &str {
        self.handling_reasons.get(form_code).map(String::as_str).unwrap_or("042")
    }

    pub fn document_label(&self, code: &str) -> Option<&str> {
        self.documents.iter().find(|d| d.code == code).map(|d| d.label.as_str())
    }

    pub fn mutation_type(&self, code: &str) -> Option<&MutationType> {
        self.mutation_types.iter().find(|m| m.code == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_parses_and_every_code_it_maps_to_exists() {
        let c: Catalogue = serde_json::from_str(include_str!("../rules/data/declaration_catalogue.json")).unwrap();
        for code in c.acquisition_reasons.values().chain(c.handling_reasons.values()) {
            assert!(c.reason(code).is_some(), "lý do {code} không có trong danh mục");
        }
        // Every use of a form column is one the forms print.
        for s in &c.usage_states {
            assert!(
                ["tru_so", "hdsn_khong_kd", "hdsn_kd", "cho_thue", "ldlk", "hon_hop", "khac", "qlnn"]
                    .contains(&s.form_column.as_str()),
                "{}",
                s.code
            );
        }
        // Land and houses: nine uses by area; a car six marks; every class of the register has its type.
        assert_eq!(c.usage_states_for("DAT").len(), 9);
        assert_eq!(c.usage_states_for("OTO").len(), 6);
        assert_eq!(c.usage_states_for("VKT").len(), 6);
        let classes: Vec<serde_json::Value> =
            serde_json::from_str(include_str!("../rules/data/asset_classes.json")).unwrap();
        for class in classes {
            assert!(c.class_type(class["code"].as_str().unwrap()).is_some());
        }
    }
}
