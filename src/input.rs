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
    origin: Origin,
}

/// Who sent the values, which decides how forgiving the reading is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// A page's form, a page's filters, an imported cell: a blank field means "not given", and
    /// numbers and dates are read as people type them («1.234.567», « 12 »).
    Person,
    /// A JSON body sent to `/api/v1`: each value has the type the OpenAPI document gives it (a
    /// number is a JSON number, a text a JSON string), and a blank is a value, not an absence.
    ApiJson,
    /// The query string or multipart fields of an `/api/v1` call: text, read exactly (no blank
    /// taken for absent, no thousands separators, no spaces around a number).
    ApiText,
}

impl Input {
    pub fn from_json(v: Value) -> Result<Input, AppError> {
        match v {
            Value::Object(map) => Ok(Input::checked(map.into_iter().collect(), Origin::Person)),
            _ => Err(AppError::BadRequest("Nội dung gửi lên phải là một đối tượng JSON ({…})".into())),
        }
    }

    pub fn from_form(pairs: Vec<(String, String)>) -> Input {
        Input::checked(pairs.into_iter().map(|(k, v)| (k, Value::String(v))).collect(), Origin::Person)
    }

    /// A JSON body of the API, read to the types its OpenAPI document states.
    pub fn from_api_json(v: Value) -> Result<Input, AppError> {
        let mut input = Input::from_json(v)?;
        input.origin = Origin::ApiJson;
        Ok(input)
    }

    /// Text fields — a query string, a multipart upload's fields: read exactly for an API call, as
    /// a person types them for a page.
    pub fn from_text(pairs: Vec<(String, String)>, api: bool) -> Input {
        let mut input = Input::from_form(pairs);
        if api {
            input.origin = Origin::ApiText;
        }
        input
    }

    /// Every text that enters — form, JSON, query string, imported cell — comes through here: a
    /// field holding a control character is refused (and its value dropped, so it cannot be
    /// stored even by a reader that forgets `finish`).
    fn checked(mut values: BTreeMap<String, Value>, origin: Origin) -> Input {
        let mut errors = FieldErrors::new();
        for (key, value) in values.iter_mut() {
            let bad = text::control_char(key).or_else(|| first_control(value));
            if let Some(c) = bad {
                let (field, message) = text::control_refusal(key, c);
                errors.insert(field, message);
                *value = Value::Null;
            }
        }
        Input { values, errors, origin }
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
        input.origin = patch.origin;
        Ok(input)
    }

    /// The sent value, with null treated as absent — and a blank string too, from a person.
    fn raw(&self, key: &str) -> Option<&Value> {
        match self.values.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() && self.origin == Origin::Person => None,
            Some(v) => Some(v),
        }
    }

    /// A number of an API call given as text where the document says number (JSON), or with
    /// spaces or signs around it (query string).
    fn not_a_number(&self, label: &str, s: &str, what: &str) -> String {
        match self.origin {
            Origin::ApiJson => format!("«{label}»: «{s}» — gửi {what} dạng số JSON, không gửi chuỗi chữ"),
            _ => format!("«{label}»: «{s}» phải là {what}, viết liền không dấu cách hay dấu phân cách"),
        }
    }

    fn api_refuses_text_number(&self, s: &str, decimal: bool) -> bool {
        let plain = |b: u8| b.is_ascii_digit() || b == b'-' || (decimal && b == b'.');
        match self.origin {
            Origin::Person => false,
            Origin::ApiJson => true,
            Origin::ApiText => s.is_empty() || !s.bytes().all(plain),
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

    /// Whether `key` or any item of the list under it (`key[i].field`) was refused.
    pub fn has_error_in(&self, key: &str) -> bool {
        self.errors.keys().any(|k| k == key || k.strip_prefix(key).is_some_and(|rest| rest.starts_with('[')))
    }

    fn as_text(&mut self, key: &str, label: &str) -> Option<String> {
        let api = self.origin == Origin::ApiJson;
        match self.raw(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) if !api => Some(n.to_string()),
            // JSON's true/false for the yes/no choices.
            Value::Bool(b) if !api => Some(b.to_string()),
            _ if api => {
                self.error(key, format!("«{label}» phải là một chuỗi chữ (JSON string)"));
                None
            }
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
            Value::String(s) if self.api_refuses_text_number(&s, false) => {
                Err(self.not_a_number(label, &s, "số nguyên đồng"))
            }
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
            Value::String(s) if self.api_refuses_text_number(&s, false) => {
                Err(self.not_a_number(label, &s, "số nguyên"))
            }
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
            Value::String(s) if self.api_refuses_text_number(&s, true) => Err(self.not_a_number(label, &s, "số")),
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
        // JSON's true/false for the yes/no choices.
        if let Some(Value::Bool(b)) = self.values.get(key) {
            if choices.iter().any(|(code, _)| *code == "true") {
                return Some(b.to_string());
            }
        }
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

    /// The items of a JSON array as text (strings and numbers): lists of names and ids. Anything
    /// else — an item that is an object, a value that is not a list — is refused, not skipped.
    pub fn array(&mut self, key: &str, label: &str) -> Vec<String> {
        let mut out = vec![];
        match self.values.get(key).cloned() {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for (i, v) in items.into_iter().enumerate() {
                    match v {
                        Value::String(s) => out.push(s),
                        Value::Number(n) => out.push(n.to_string()),
                        _ => self.error(key, format!("«{label}» mục {}: phải là chữ hoặc số", i + 1)),
                    }
                }
            }
            Some(_) => self.error(key, format!("«{label}» phải là một danh sách")),
        }
        out
    }

    /// A list of ids (`[1, 2]`); an item that is not a positive whole number is refused.
    pub fn ids(&mut self, key: &str, label: &str) -> Vec<i32> {
        let mut out = vec![];
        for v in self.array(key, label) {
            match v.parse::<i32>() {
                Ok(n) if n > 0 => out.push(n),
                _ => self.error(key, format!("«{label}»: «{v}» không phải mã số")),
            }
        }
        out
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
                        // Read as strictly as the body it came in (an API's JSON types hold inside).
                        Ok(mut sub) => {
                            sub.origin = self.origin;
                            out.push(sub)
                        }
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
