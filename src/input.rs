//! Reading and checking what a client sent — a JSON object from the API or a form from a page —
//! through one path, so that both get the same rules and the same Vietnamese messages per field.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::Value;

use crate::error::{AppError, FieldErrors};
use crate::text;

/// The first control character in any text of a JSON value (keys of nested objects too).
fn first_control(v: &Value) -> Option<char> {
    match v {
        Value::String(s) => text::control_char(s),
        Value::Array(items) => items.iter().find_map(first_control),
        Value::Object(map) => map.iter().find_map(|(k, v)| text::control_char(k).or_else(|| first_control(v))),
        _ => None,
    }
}

pub struct Input {
    values: BTreeMap<String, Value>,
    errors: FieldErrors,
}

impl Input {
    pub fn from_json(v: Value) -> Result<Input, AppError> {
        match v {
            Value::Object(map) => Ok(Input::checked(map.into_iter().collect())),
            _ => Err(AppError::BadRequest("Nội dung gửi lên phải là một đối tượng JSON ({…})".into())),
        }
    }

    pub fn from_form(pairs: Vec<(String, String)>) -> Input {
        Input::checked(pairs.into_iter().map(|(k, v)| (k, Value::String(v))).collect())
    }

    /// Every text that enters — form, JSON, query string, imported cell — comes through here: a
    /// field holding a control character is refused (and its value dropped, so it cannot be
    /// stored even by a reader that forgets `finish`).
    fn checked(mut values: BTreeMap<String, Value>) -> Input {
        let mut errors = FieldErrors::new();
        for (key, value) in values.iter_mut() {
            let bad = text::control_char(key).or_else(|| first_control(value));
            if let Some(c) = bad {
                let (field, message) = text::control_refusal(key, c);
                errors.insert(field, message);
                *value = Value::Null;
            }
        }
        Input { values, errors }
    }

    /// The text values as sent, for links that keep a filter.
    pub fn pairs(&self) -> Vec<(String, String)> {
        self.values.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect()
    }

    /// Lays `patch` over `base`: a field the client did not send keeps its current value.
    pub fn overlay(base: Value, patch: Input) -> Result<Input, AppError> {
        let mut input = Input::from_json(base)?;
        input.values.extend(patch.values);
        input.errors = patch.errors;
        Ok(input)
    }

    /// The sent value, with null and blank strings treated as absent.
    fn raw(&self, key: &str) -> Option<&Value> {
        match self.values.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(v) => Some(v),
        }
    }

    /// Refuses fields the endpoint does not know (a typo would otherwise be silently dropped).
    /// `ignored` are read-only fields a client may send back unchanged from a GET.
    pub fn reject_unknown(&mut self, allowed: &[&str], ignored: &[&str]) {
        let unknown: Vec<String> = self
            .values
            .keys()
            .filter(|k| !allowed.contains(&k.as_str()) && !ignored.contains(&k.as_str()))
            .cloned()
            .collect();
        for k in unknown {
            self.error(&k, format!("Trường «{k}» không có trong bản ghi này"));
        }
    }

    pub fn error(&mut self, key: &str, message: impl Into<String>) {
        self.errors.entry(key.to_string()).or_insert_with(|| message.into());
    }

    pub fn has_error(&self, key: &str) -> bool {
        self.errors.contains_key(key)
    }

    fn as_text(&mut self, key: &str, label: &str) -> Option<String> {
        match self.raw(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            // JSON's true/false for the yes/no choices.
            Value::Bool(b) => Some(b.to_string()),
            _ => {
                self.error(key, format!("«{label}» phải là chữ hoặc số"));
                None
            }
        }
    }

    /// Text, trimmed and in NFC, at most `max` characters.
    pub fn text(&mut self, key: &str, label: &str, required: bool, max: usize) -> Option<String> {
        let value = self.as_text(key, label).and_then(|s| text::clean(&s));
        match value {
            None if required => {
                self.error(key, format!("«{label}» không được để trống"));
                None
            }
            Some(s) if s.chars().count() > max => {
                self.error(key, format!("«{label}» dài quá {max} ký tự"));
                None
            }
            v => v,
        }
    }

    /// A whole, non-negative amount of đồng: a JSON integer or text as people type it.
    pub fn money(&mut self, key: &str, label: &str) -> Option<i64> {
        let parsed = match self.raw(key)?.clone() {
            Value::Number(n) => n.as_i64().ok_or_else(|| format!("«{label}»: {n} không phải số nguyên đồng")),
            Value::String(s) => text::parse_money(&s).map_err(|e| format!("«{label}»: {e}")),
            _ => Err(format!("«{label}» phải là số")),
        };
        match parsed {
            Ok(v) if v < 0 => {
                self.error(key, format!("«{label}» không được âm"));
                None
            }
            Ok(v) => Some(v),
            Err(e) => {
                self.error(key, e);
                None
            }
        }
    }

    /// A whole number within `min..=max`.
    pub fn int(&mut self, key: &str, label: &str, min: i64, max: i64) -> Option<i64> {
        let parsed = match self.raw(key)?.clone() {
            Value::Number(n) => n.as_i64().ok_or_else(|| format!("«{label}»: {n} không phải số nguyên")),
            Value::String(s) => {
                s.trim().parse::<i64>().map_err(|_| format!("«{label}»: «{}» không phải số nguyên", s.trim()))
            }
            _ => Err(format!("«{label}» phải là số nguyên")),
        };
        match parsed {
            Ok(v) if v < min || v > max => {
                self.error(key, format!("«{label}» phải từ {min} đến {max}"));
                None
            }
            Ok(v) => Some(v),
            Err(e) => {
                self.error(key, e);
                None
            }
        }
    }

    pub fn id(&mut self, key: &str, label: &str) -> Option<i32> {
        self.int(key, label, 1, i32::MAX as i64).map(|v| v as i32)
    }

    /// A decimal number (areas in m²), accepting a decimal comma.
    pub fn decimal(&mut self, key: &str, label: &str) -> Option<f64> {
        let parsed = match self.raw(key)?.clone() {
            Value::Number(n) => n.as_f64().ok_or_else(|| format!("«{label}» không phải số")),
            Value::String(s) => {
                let t = s.trim().replace('.', "").replace(',', ".");
                let t = if s.contains(',') { t } else { s.trim().to_string() };
                t.parse::<f64>().map_err(|_| format!("«{label}»: «{}» không phải số", s.trim()))
            }
            _ => Err(format!("«{label}» phải là số")),
        };
        match parsed {
            Ok(v) if !v.is_finite() || v < 0.0 => {
                self.error(key, format!("«{label}» phải là số không âm"));
                None
            }
            Ok(v) => Some(v),
            Err(e) => {
                self.error(key, e);
                None
            }
        }
    }

    pub fn date(&mut self, key: &str, label: &str) -> Option<NaiveDate> {
        let s = self.as_text(key, label)?;
        match text::parse_date(&s) {
            Ok(d) => Some(d),
            Err(e) => {
                self.error(key, format!("«{label}»: {e}"));
                None
            }
        }
    }

    /// One of a fixed set of codes; `choices` pairs each code with its Vietnamese name, and the
    /// name is accepted too (a clerk types "Đang sử dụng", a program sends "dang_su_dung").
    pub fn choice(&mut self, key: &str, label: &str, choices: &[(&str, &str)], required: bool) -> Option<String> {
        let Some(s) = self.as_text(key, label) else {
            if required {
                self.error(key, format!("«{label}» không được để trống"));
            }
            return None;
        };
        let folded = text::fold(&s);
        for (code, name) in choices {
            if s.trim() == *code || folded == text::fold(name) {
                return Some(code.to_string());
            }
        }
        let names: Vec<&str> = choices.iter().map(|(_, n)| *n).collect();
        self.error(key, format!("«{label}»: «{}» không thuộc danh sách ({})", s.trim(), names.join(", ")));
        None
    }

    /// The items of a JSON array as text (strings and numbers): lists of names.
    pub fn raw_array(&self, key: &str) -> Vec<String> {
        match self.values.get(key) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect(),
            _ => vec![],
        }
    }

    pub fn required<T>(&mut self, value: Option<T>, key: &str, label: &str) -> Option<T> {
        if value.is_none() && !self.has_error(key) {
            self.error(key, format!("«{label}» không được để trống"));
        }
        value
    }

    /// A list of objects (`"lines": [{…}, …]` in JSON), each to be read as an `Input` of its own;
    /// give each back with `absorb` so its errors are reported as `lines[0].quantity`.
    pub fn list(&mut self, key: &str, label: &str, required: bool) -> Vec<Input> {
        match self.values.get(key) {
            Some(Value::Array(items)) => {
                let items = items.clone();
                let mut out = vec![];
                for (i, item) in items.into_iter().enumerate() {
                    match Input::from_json(item) {
                        Ok(sub) => out.push(sub),
                        Err(_) => self
                            .error(&format!("{key}[{i}]"), format!("«{label}» dòng {}: phải là một đối tượng", i + 1)),
                    }
                }
                if out.is_empty() && required && !self.has_error(key) {
                    self.error(key, format!("«{label}» cần ít nhất một dòng"));
                }
                out
            }
            None | Some(Value::Null) if !required => vec![],
            None | Some(Value::Null) => {
                self.error(key, format!("«{label}» cần ít nhất một dòng"));
                vec![]
            }
            Some(_) => {
                self.error(key, format!("«{label}» phải là một danh sách"));
                vec![]
            }
        }
    }

    /// Takes back an item of `list` once read: its errors become this input's, under `key[i].field`.
    pub fn absorb(&mut self, key: &str, index: usize, item: Input) {
        for (field, message) in item.errors {
            self.error(&format!("{key}[{index}].{field}"), message);
        }
    }

    /// Ends the reading: any field error rejects the whole request.
    pub fn finish(self) -> Result<(), AppError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self.errors))
        }
    }
}
