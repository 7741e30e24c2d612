//! Taiwanese forms date things in 民國 years (year − 1911) and in Taipei time (+08:00; Taiwan has
//! not observed daylight saving since 1979, so the offset is fixed).

use time::{Date, OffsetDateTime, UtcOffset};

pub const TAIPEI: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

/// The first year of the 民國 calendar in the Gregorian calendar is 1912 (民國元年).
const ROC_EPOCH_OFFSET: i32 = 1911;

/// A calendar date shown with its 民國 year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct RocDate(Date);

impl RocDate {
    pub fn new(date: Date) -> Self {
        Self(date)
    }

    /// The Taipei calendar date of an instant.
    pub fn of_instant(t: OffsetDateTime) -> Self {
        Self(t.to_offset(TAIPEI).date())
    }

    pub fn date(self) -> Date {
        self.0
    }

    /// 民國 year; 0 or negative before 1912 (民前), which no form of ours needs.
    pub fn roc_year(self) -> i32 {
        self.0.year() - ROC_EPOCH_OFFSET
    }

    /// 「民國115年11月24日」
    pub fn long(self) -> String {
        format!(
            "民國{}年{}月{}日",
            self.roc_year(),
            u8::from(self.0.month()),
            self.0.day()
        )
    }

    /// 「115/11/24」, the short form used in tables and spreadsheets.
    pub fn short(self) -> String {
        format!(
            "{}/{:02}/{:02}",
            self.roc_year(),
            u8::from(self.0.month()),
            self.0.day()
        )
    }

    /// Parses `115/11/24`, `115-11-24`, `115.11.24` or `民國115年11月24日`.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        let t = t.strip_prefix("民國").unwrap_or(t);
        let parts: Vec<&str> = t
            .split(['/', '-', '.', '年', '月', '日'])
            .filter(|p| !p.is_empty())
            .collect();
        let [y, m, d] = parts.as_slice() else {
            return None;
        };
        let y: i32 = y.trim().parse().ok()?;
        let m: u8 = m.trim().parse().ok()?;
        let d: u8 = d.trim().parse().ok()?;
        if !(1..=999).contains(&y) {
            return None;
        }
        let month = time::Month::try_from(m).ok()?;
        Date::from_calendar_date(y + ROC_EPOCH_OFFSET, month, d)
            .ok()
            .map(Self)
    }
}

/// The same day `months` later, or the last day of that month when it has no such day
/// (31 January + 1 month → 28 February).
/// The 民國 year of a Gregorian year (2026 → 115): the one place the offset is applied to a bare
/// year, for yearly records (a round, an assessment, a training plan) that carry no date.
pub fn roc_year_of(year: i32) -> i32 {
    year - ROC_EPOCH_OFFSET
}

/// The date of something that has happened — a course held, an asset acquired or disposed
/// of, evidence dated, a drill held — cannot lie after today: 9999-12-31 and spreadsheet serials
/// far ahead parse, and would count as done (issue 22 item 10). The one check every form and
/// import applies to such a date.
pub fn not_in_future(
    field: &'static str,
    date: Option<Date>,
    today: Date,
) -> Result<Option<Date>, crate::FieldError> {
    match date {
        Some(d) if d > today => Err(crate::FieldError::new(field, "err-in-future")),
        d => Ok(d),
    }
}

pub fn add_months(d: Date, months: impl Into<u32>) -> Date {
    let months = i32::try_from(months.into()).unwrap_or(i32::MAX / 24);
    let total = (d.year() * 12 + i32::from(u8::from(d.month())) - 1).saturating_add(months);
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12));
    let month = u8::try_from(month0 + 1)
        .ok()
        .and_then(|m| time::Month::try_from(m).ok())
        .unwrap_or(time::Month::January);
    Date::from_calendar_date(year, month, d.day().min(month.length(year))).unwrap_or(d)
}

/// A date typed into a form: ISO (`2026-01-07`, what `<input type="date">` sends) or 民國
/// (`115/01/07`, `民國115年1月7日`). Empty means none.
pub fn parse_date_input(field: &'static str, raw: &str) -> Result<Option<Date>, crate::FieldError> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let iso = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(d) = Date::parse(s, &iso) {
        return Ok(Some(d));
    }
    RocDate::parse(s)
        .map(|d| Some(d.date()))
        .ok_or_else(|| crate::FieldError::new(field, "err-date"))
}

/// A date-time in Taipei, 民國 year, to the minute: 「民國115年11月24日 10:23」.
pub fn roc_datetime(t: OffsetDateTime) -> String {
    let local = t.to_offset(TAIPEI);
    format!(
        "{} {:02}:{:02}",
        RocDate::new(local.date()).long(),
        local.hour(),
        local.minute()
    )
}

/// The same in ISO form for the English locale: 「2026-11-24 10:23 (UTC+8)」.
pub fn iso_datetime(t: OffsetDateTime) -> String {
    let local = t.to_offset(TAIPEI);
    format!(
        "{}-{:02}-{:02} {:02}:{:02} (UTC+8)",
        local.year(),
        u8::from(local.month()),
        local.day(),
        local.hour(),
        local.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::{date, datetime};

    #[test]
    fn year_115_is_2026() {
        let d = RocDate::new(date!(2026 - 11 - 24));
        assert_eq!(d.roc_year(), 115);
        assert_eq!(d.long(), "民國115年11月24日");
        assert_eq!(d.short(), "115/11/24");
    }

    #[test]
    fn instant_uses_taipei_date() {
        // 2026-01-30T23:30+08:00 is still the 30th in Taipei although it is 15:30 UTC.
        let t = datetime!(2026-01-30 15:30 UTC);
        assert_eq!(RocDate::of_instant(t).short(), "115/01/30");
        let late = datetime!(2026-01-30 16:30 UTC);
        assert_eq!(RocDate::of_instant(late).short(), "115/01/31");
        assert_eq!(roc_datetime(late), "民國115年1月31日 00:30");
    }

    #[test]
    fn parses_the_forms_agencies_write() {
        for s in [
            "115/11/24",
            "115-11-24",
            "115.11.24",
            "民國115年11月24日",
            "115年11月24日",
        ] {
            assert_eq!(
                RocDate::parse(s).map(|d| d.date()),
                Some(date!(2026 - 11 - 24)),
                "{s}"
            );
        }
        for s in [
            "",
            "115/13/01",
            "115/02/30",
            "abc",
            "1/2",
            "0/01/01",
            "115/11/24/1",
        ] {
            assert_eq!(RocDate::parse(s), None, "{s}");
        }
    }

    #[test]
    fn date_inputs() {
        assert_eq!(parse_date_input("d", "").unwrap(), None);
        assert_eq!(
            parse_date_input("d", "2026-01-07").unwrap(),
            Some(date!(2026 - 01 - 07))
        );
        assert_eq!(
            parse_date_input("d", "115/01/07").unwrap(),
            Some(date!(2026 - 01 - 07))
        );
        assert_eq!(
            parse_date_input("d", "2026-13-07").unwrap_err().key,
            "err-date"
        );
        assert_eq!(
            parse_date_input("d", "tomorrow").unwrap_err().key,
            "err-date"
        );
    }

    proptest! {
        #[test]
        fn date_input_never_panics(s in "\\PC{0,30}") {
            let _ = parse_date_input("d", &s);
        }


        #[test]
        fn parse_never_panics(s in "\\PC{0,40}") {
            let _ = RocDate::parse(&s);
        }

        #[test]
        fn short_form_round_trips(days in 0i64..60_000) {
            let d = date!(1912 - 01 - 01) + time::Duration::days(days);
            let roc = RocDate::new(d);
            prop_assert_eq!(RocDate::parse(&roc.short()), Some(roc));
            prop_assert_eq!(RocDate::parse(&roc.long()), Some(roc));
        }
    }
}
