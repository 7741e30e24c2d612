//! iCalendar (RFC 5545) feeds of a person's tasks, so that due dates sit in the calendar the
//! person already reads (Google Calendar, Outlook) instead of in one more system to check.
//! Lines are folded at 75 octets without splitting a UTF-8 character, as Chinese text needs.

use time::{Date, Duration, OffsetDateTime};

pub struct Event<'a> {
    pub uid: String,
    pub date: Date,
    pub summary: &'a str,
    pub description: &'a str,
    pub url: &'a str,
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded at 75 octets (RFC 5545 §3.1).
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

fn ymd(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
}

/// A whole calendar: one all-day event per task on its due date, with a reminder the day
/// before at 09:00 in the reader's calendar.
pub fn calendar(name: &str, events: &[Event<'_>], stamp: OffsetDateTime) -> String {
    let stamp = stamp.to_offset(time::UtcOffset::UTC);
    let dtstamp = format!(
        "{}T{:02}{:02}{:02}Z",
        ymd(stamp.date()),
        stamp.hour(),
        stamp.minute(),
        stamp.second()
    );
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//Anwei//Anwei obligations//ZH-TW");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, "METHOD:PUBLISH");
    line(&mut out, &format!("X-WR-CALNAME:{}", escape(name)));
    line(&mut out, "X-WR-TIMEZONE:Asia/Taipei");
    for e in events {
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}", escape(&e.uid)));
        line(&mut out, &format!("DTSTAMP:{dtstamp}"));
        line(&mut out, &format!("DTSTART;VALUE=DATE:{}", ymd(e.date)));
        line(
            &mut out,
            &format!("DTEND;VALUE=DATE:{}", ymd(e.date + Duration::days(1))),
        );
        line(&mut out, &format!("SUMMARY:{}", escape(e.summary)));
        line(&mut out, &format!("DESCRIPTION:{}", escape(e.description)));
        line(&mut out, &format!("URL:{}", escape(e.url)));
        line(&mut out, "TRANSP:TRANSPARENT");
        line(&mut out, "BEGIN:VALARM");
        line(&mut out, "ACTION:DISPLAY");
        line(&mut out, &format!("DESCRIPTION:{}", escape(e.summary)));
        line(&mut out, "TRIGGER:-PT15H");
        line(&mut out, "END:VALARM");
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::{date, datetime};

    #[test]
    fn folds_without_breaking_characters() {
        let long = "清查系統特權帳號".repeat(10);
        let e = Event {
            uid: "t1@anwei".into(),
            date: date!(2026 - 03 - 31),
            summary: &long,
            description: "依據：安維計畫 玖；逗號, 分號; 反斜線\\\n第二行",
            url: "https://anwei.example/tasks/1",
        };
        let cal = calendar("下營國小", &[e], datetime!(2026-03-02 01:00 UTC));
        for l in cal.split("\r\n") {
            assert!(l.len() <= 75, "{l}");
        }
        assert!(cal.contains("DTSTART;VALUE=DATE:20260331"));
        assert!(cal.contains("DTEND;VALUE=DATE:20260401"));
        assert!(
            cal.contains("\\;")
                && cal.contains("\\,")
                && cal.contains("\\n")
                && cal.contains("\\\\")
        );
        let unfolded = cal.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("SUMMARY:{long}")));
    }

    proptest! {
        #[test]
        fn any_text_stays_within_lines(s in "\\PC{0,200}") {
            let e = Event { uid: "u".into(), date: date!(2026 - 01 - 01), summary: &s, description: &s, url: "x" };
            let cal = calendar(&s, &[e], datetime!(2026-01-01 0:00 UTC));
            for l in cal.split("\r\n") {
                prop_assert!(l.len() <= 75);
            }
        }
    }
}
