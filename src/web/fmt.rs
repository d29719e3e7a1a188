//! Formatting helpers the templates call: đồng, dates, times, Vietnamese labels.

use std::borrow::Borrow;

use chrono::{NaiveDate, NaiveDateTime};

use crate::text;

pub fn money(v: impl Borrow<i64>) -> String {
    text::format_money(*v.borrow())
}

pub fn number(v: impl Borrow<i64>) -> String {
    text::format_number(*v.borrow())
}

pub fn date(d: impl Borrow<Option<NaiveDate>>) -> String {
    d.borrow().map(text::format_date).unwrap_or_default()
}

pub fn day(d: impl Borrow<NaiveDate>) -> String {
    text::format_date(*d.borrow())
}

pub fn time(t: impl Borrow<NaiveDateTime>) -> String {
    text::format_time(*t.borrow())
}

pub fn opt_time(t: impl Borrow<Option<NaiveDateTime>>) -> String {
    t.borrow().map(text::format_time).unwrap_or_default()
}

pub fn opt(s: impl Borrow<Option<String>>) -> String {
    s.borrow().clone().unwrap_or_default()
}

pub fn opt_num(n: impl Borrow<Option<i32>>) -> String {
    n.borrow().map(|n| n.to_string()).unwrap_or_default()
}

/// The Vietnamese name of a history action.
pub fn action(a: impl AsRef<str>) -> String {
    crate::audit::name_in(crate::audit::ACTIONS, a.as_ref()).unwrap_or("Thao tác khác").to_string()
}

/// The name of a kind of record in the history.
pub fn entity(e: impl AsRef<str>) -> String {
    crate::audit::name_in(crate::audit::ENTITIES, e.as_ref()).unwrap_or("Bản ghi khác").to_string()
}

/// Percent × 100 → "14,29 %".
pub fn percent_bp(bp: impl Borrow<i32>) -> String {
    let bp = *bp.borrow();
    let whole = bp / 100;
    let frac = bp % 100;
    if frac == 0 {
        format!("{whole} %")
    } else {
        format!("{whole},{frac:02} %").replace("0 %", " %").replace(", %", " %")
    }
}

/// Text made safe inside HTML (content and attribute values), for markup built outside templates.
pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    #[test]
    fn percent() {
        assert_eq!(super::percent_bp(2000), "20 %");
        assert_eq!(super::percent_bp(1429), "14,29 %");
        assert_eq!(super::percent_bp(1250), "12,5 %");
    }
}
