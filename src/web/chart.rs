//! Bar charts drawn on the server as SVG (the intranet may be offline: no chart library, no CDN).

use crate::text::format_number;

use crate::web::fmt::escape_html as escape;

/// One row of a chart: how many things it counts, and its two amounts in đồng.
pub type Pair = (i64, i64, i64);

/// Horizontal bars, two per row: original cost (dark) and residual value (light), in million đồng.
pub fn cost_bars(rows: &[(String, Pair)]) -> String {
    if rows.is_empty() {
        return "<p class=\"muted\">Chưa có tài sản.</p>".into();
    }
    pair_bars(rows, ("Nguyên giá", "Giá trị còn lại"), "Nguyên giá và giá trị còn lại")
}

/// Recommended (dark) and recovered (light) amounts, two bars a row.
pub fn recovery_bars(rows: &[(String, Pair)]) -> String {
    if rows.is_empty() {
        return "<p class=\"muted\">Chưa có kiến nghị thu hồi.</p>".into();
    }
    pair_bars(rows, ("Kiến nghị thu hồi", "Đã thu hồi"), "Số tiền kiến nghị thu hồi và đã thu hồi")
}

/// Two bars a row (`label (count)`, first value dark, second light), in million đồng.
fn pair_bars(rows: &[(String, Pair)], legend: (&str, &str), aria: &str) -> String {
    let label_w = 190.0;
    let bar_w = 330.0;
    // Room on the right for the figure after the longest bar.
    let room = 70.0;
    let row_h = 40.0;
    let max = rows.iter().map(|r| r.1 .1.max(r.1 .2)).max().unwrap_or(1).max(1) as f64;
    let height = rows.len() as f64 * row_h + 30.0;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {height}\" width=\"100%\" role=\"img\" aria-label=\"{aria}\">",
        w = label_w + bar_w + room
    );
    let (first, second) = legend;
    for (i, (name, (count, cost, residual))) in rows.iter().enumerate() {
        let y = i as f64 * row_h;
        let w1 = (*cost as f64 / max * bar_w).max(1.0);
        let w2 = (*residual as f64 / max * bar_w).max(1.0);
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{ty}\">{name} ({count})</text>\
             <rect x=\"{label_w}\" y=\"{y1}\" width=\"{w1:.1}\" height=\"13\" fill=\"#0b5cad\"><title>{first}: {c} đ</title></rect>\
             <rect x=\"{label_w}\" y=\"{y2}\" width=\"{w2:.1}\" height=\"13\" fill=\"#7fb2e5\"><title>{second}: {r} đ</title></rect>\
             <text x=\"{tx:.1}\" y=\"{ty2}\" font-size=\"10\">{cm} tr.đ</text>",
            ty = y + 18.0,
            name = escape(name),
            y1 = y + 6.0,
            y2 = y + 21.0,
            c = format_number(*cost),
            r = format_number(*residual),
            tx = (label_w + w1.max(w2) + 4.0).min(label_w + bar_w - 60.0),
            ty2 = y + 17.0,
            cm = format_number(cost / 1_000_000),
        ));
    }
    let ly = rows.len() as f64 * row_h + 12.0;
    svg.push_str(&format!(
        "<rect x=\"{label_w}\" y=\"{ly}\" width=\"12\" height=\"10\" fill=\"#0b5cad\"/><text x=\"{a}\" y=\"{t}\">{first}</text>\
         <rect x=\"{b}\" y=\"{ly}\" width=\"12\" height=\"10\" fill=\"#7fb2e5\"/><text x=\"{c}\" y=\"{t}\">{second}</text></svg>",
        a = label_w + 16.0,
        b = label_w + 150.0,
        c = label_w + 166.0,
        t = ly + 9.0
    ));
    svg
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_labels_and_scales() {
        let svg = super::cost_bars(&[("<Nhà>".into(), (2, 100_000_000, 50_000_000))]);
        assert!(svg.contains("&lt;Nhà&gt; (2)"));
        assert!(svg.contains("width=\"330.0\""));
        assert!(svg.contains("width=\"165.0\""));
    }
}
