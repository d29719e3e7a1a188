//! The merged regions of an .xlsx sheet, found without parsing the sheet. The list (`<mergeCells>`)
//! sits after all of the sheet's rows, so a parser must read every cell to reach it — for a
//! 100,000-row register that was a tenth of the whole import, before the first row could be
//! written. Inflating the sheet and looking for the `<mergeCell ref="…">` tags costs a fraction.
//! The sheet's place in the zip is found the way Excel does: the package's relationships name the
//! workbook, the workbook's name the sheets. Anything unexpected answers `None`, and the caller
//! asks calamine instead.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use quick_xml::events::Event;

use super::Merge;

/// The merged regions of each worksheet, by sheet name; `None` if the package is not laid out as
/// expected.
pub fn by_sheet(bytes: &[u8]) -> Option<HashMap<String, Vec<Merge>>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let workbook = tags(&entry(&mut zip, "_rels/.rels")?, "Relationship")
        .into_iter()
        .find(|a| a.get("Type").is_some_and(|t| t.ends_with("/officeDocument")))
        .and_then(|a| a.get("Target").cloned())?;
    let workbook = workbook.trim_start_matches('/').to_string();
    let (dir, file) =
        workbook.rsplit_once('/').map(|(d, f)| (format!("{d}/"), f)).unwrap_or((String::new(), &workbook));
    let targets: HashMap<String, String> = tags(&entry(&mut zip, &format!("{dir}_rels/{file}.rels"))?, "Relationship")
        .into_iter()
        .filter_map(|mut a| Some((a.remove("Id")?, a.remove("Target")?)))
        .collect();
    let mut out = HashMap::new();
    for mut sheet in tags(&entry(&mut zip, &workbook)?, "sheet") {
        let name = sheet.remove("name")?;
        let target = targets.get(sheet.get("id")?)?;
        let path = match target.strip_prefix('/') {
            Some(absolute) => absolute.to_string(),
            None => format!("{dir}{target}"),
        };
        out.insert(name, scan(zip.by_name(&path).ok()?)?);
    }
    Some(out)
}

/// A small XML part of the package, read whole.
fn entry(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, path: &str) -> Option<Vec<u8>> {
    let mut part = zip.by_name(path).ok()?;
    // These parts are a few kilobytes; a larger one is not what it claims to be.
    if part.size() > 16 * 1024 * 1024 {
        return None;
    }
    let mut out = Vec::with_capacity(part.size() as usize);
    part.read_to_end(&mut out).ok()?;
    Some(out)
}

/// The attributes of every element called `name` (any namespace prefix), by local name, unescaped.
fn tags(xml: &[u8], name: &str) -> Vec<HashMap<String, String>> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut out = vec![];
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == name => {
                let attributes = e
                    .attributes()
                    .flatten()
                    .filter_map(|a| {
                        let value = a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok()?;
                        Some((a.key.local_name().as_ref().to_string(), value.into_owned()))
                    })
                    .collect();
                out.push(attributes);
            }
            Ok(Event::Eof) | Err(_) => return out,
            _ => {}
        }
        buf.clear();
    }
}

/// The `ref` of every `<mergeCell>` in a sheet, read in chunks as it inflates. Cell text cannot
/// hold a `<` (XML escapes it), so `<mergeCell ` (or `<x:mergeCell `) only ever starts the tag.
fn scan(mut sheet: impl Read) -> Option<Vec<Merge>> {
    const TAG: &[u8] = b"mergeCell ";
    const MAX_TAG: usize = 1024;
    let finder = memchr::memmem::Finder::new(TAG);
    let mut merges = vec![];
    let mut chunk = vec![0u8; 1 << 20];
    // What is left of the last chunk: its end, where a tag may have been cut in two.
    let mut carry: Vec<u8> = vec![];
    loop {
        let n = sheet.read(&mut chunk).ok()?;
        if n == 0 {
            return Some(merges);
        }
        carry.extend_from_slice(&chunk[..n]);
        // Kept for the next round: the last bytes (a tag and its `<prefix:` may straddle the edge),
        // but not a tag already taken.
        let mut keep = carry.len().saturating_sub(128);
        let mut from = 0;
        while let Some(at) = finder.find(&carry[from..]).map(|i| from + i) {
            let Some(end) = memchr::memchr(b'>', &carry[at..]).map(|i| at + i) else {
                // A real tag is a few dozen bytes: one that runs on is not one (the caller then asks
                // calamine, which refuses what it cannot read), and waiting for its end would hold
                // the rest of the sheet in memory.
                if carry.len() - at > MAX_TAG {
                    return None;
                }
                keep = keep.min(at.saturating_sub(64));
                break;
            };
            if opens_tag(&carry[..at]) {
                merges.push(merge_of(&carry[at..end])?);
            }
            from = end;
        }
        carry.drain(..keep.max(from));
    }
}

/// Whether the text before a match ends in `<` or `<prefix:`.
fn opens_tag(before: &[u8]) -> bool {
    match before.split_last() {
        Some((b'<', _)) => true,
        Some((b':', rest)) => {
            let prefix =
                rest.iter().rev().take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')).count();
            prefix > 0 && rest[..rest.len() - prefix].ends_with(b"<")
        }
        _ => false,
    }
}

/// `mergeCell ref="A1:B2"` → the region.
fn merge_of(tag: &[u8]) -> Option<Merge> {
    let text = std::str::from_utf8(tag).ok()?;
    let value = text.split("ref=").nth(1)?;
    let quote = value.chars().next().filter(|q| *q == '"' || *q == '\'')?;
    let value = value[1..].split(quote).next()?;
    let (first, last) = value.split_once(':').unwrap_or((value, value));
    let (first_row, first_col) = cell_ref(first)?;
    let (last_row, last_col) = cell_ref(last)?;
    Some(Merge { first_row, first_col, last_row, last_col })
}

/// "B12" (or "$B$12") → (11, 1): 0-based row and column.
fn cell_ref(text: &str) -> Option<(u32, u32)> {
    let text = text.replace('$', "");
    let letters = text.bytes().take_while(u8::is_ascii_alphabetic).count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let col = text[..letters].bytes().fold(0u32, |c, b| c * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1)) - 1;
    let row: u32 = text[letters..].parse().ok()?;
    Some((row.checked_sub(1)?, col))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scan finds what calamine's parser finds, in every sample workbook.
    #[test]
    fn the_scan_agrees_with_calamine() {
        use calamine::Reader;
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/imports/samples");
        let mut checked = 0;
        for path in std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()) {
            if path.extension().is_none_or(|e| e != "xlsx") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let scanned = by_sheet(&bytes).unwrap_or_else(|| panic!("{path:?}: the package was not understood"));
            let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(&bytes[..])).unwrap();
            for name in wb.sheet_names() {
                let parsed: Vec<Merge> =
                    wb.merge_cells_by_sheet_name(&name).unwrap().iter().map(super::super::merge_of).collect();
                assert_eq!(scanned[&name], parsed, "{path:?} «{name}»");
                checked += parsed.len();
            }
        }
        assert!(checked > 10, "the samples have merged headers: {checked}");
    }

    /// A reader that hands out a few bytes at a time: the tags are cut at every place they can be.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(self.0.len()).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn tags_cut_by_the_reads_are_found_whole() {
        let xml = r#"<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>mergeCell ref="Z9:Z10"&gt;</t></is></c></row></sheetData>
            <mergeCells count="3"><mergeCell ref="A1:C1"/><x:mergeCell ref='$B$2:B3'/><mergeCell ref="AA10:XFD12"></mergeCell></mergeCells></worksheet>"#;
        let expected = vec![
            Merge { first_row: 0, first_col: 0, last_row: 0, last_col: 2 },
            Merge { first_row: 1, first_col: 1, last_row: 2, last_col: 1 },
            Merge { first_row: 9, first_col: 26, last_row: 11, last_col: 16383 },
        ];
        for step in [1, 2, 3, 7, 13, 64, 4096] {
            assert_eq!(scan(Trickle(xml.as_bytes(), step)), Some(expected.clone()), "{step} bytes a read");
        }
        assert_eq!(scan(Trickle(b"<mergeCell ref=\"1A\"/>", 5)), None, "a reference it cannot read");
        let endless = [&b"<mergeCell ref=\"A1:B2\" "[..], &vec![b' '; 4 << 20]].concat();
        assert_eq!(scan(Trickle(&endless, 1 << 20)), None, "a tag that never ends");
    }

    proptest::proptest! {
        /// Whatever the bytes, the scan answers (it may answer `None`) without panicking.
        #[test]
        fn any_bytes_are_scanned_without_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400), step in 1usize..50) {
            let _ = scan(Trickle(&bytes, step));
        }

        /// Merged regions written any of the ways producers write them are all found, however the
        /// reads cut the text.
        #[test]
        fn written_merges_are_found(
            regions in proptest::collection::vec((0u32..2000, 0u32..700, 0u32..5, 0u32..5, proptest::bool::ANY, proptest::bool::ANY), 0..40),
            step in 1usize..300,
        ) {
            let mut xml = String::from("<worksheet><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c></row></sheetData><mergeCells>");
            let mut expected = vec![];
            for (row, col, rows, cols, prefixed, single) in regions {
                let (a, b) = (a1(row, col), a1(row + rows, col + cols));
                let tag = if prefixed { "x:mergeCell" } else { "mergeCell" };
                let quote = if single { '\'' } else { '"' };
                xml.push_str(&format!("<{tag} ref={quote}{a}:{b}{quote}/>\n"));
                expected.push(Merge { first_row: row, first_col: col, last_row: row + rows, last_col: col + cols });
            }
            xml.push_str("</mergeCells></worksheet>");
            proptest::prop_assert_eq!(scan(Trickle(xml.as_bytes(), step)), Some(expected));
        }
    }

    /// 0-based (row, column) → "B12".
    fn a1(row: u32, col: u32) -> String {
        let mut letters = vec![];
        let mut c = col + 1;
        while c > 0 {
            letters.push(b'A' + ((c - 1) % 26) as u8);
            c = (c - 1) / 26;
        }
        letters.reverse();
        format!("{}{}", String::from_utf8(letters).unwrap(), row + 1)
    }
}
