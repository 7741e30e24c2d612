//! Reminders of tasks falling due: when they become due soon (the catalog's `due_soon_days`), 7
//! and 1 days before, and once when overdue (to the
//! 資通安全長 as well). A server that was down when a reminder fell due sends the nearest one
//! that still applies, never a stale one: coming back 5 days before the due date sends the
//! 7-day reminder, not the 30-day one.

use crate::roc::RocDate;
use time::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReminderKind {
    Days30,
    Days7,
    Days1,
    Overdue,
}

impl ReminderKind {
    /// The reminder due on `today` for a task due on `due_on`, if any; `soon` is the catalog's
    /// window of 「即將到期」.
    pub fn on(due_on: Date, today: Date, soon: crate::obligation::Reminders) -> Option<Self> {
        let left = (due_on - today).whole_days();
        match left {
            l if l < 0 => Some(ReminderKind::Overdue),
            0..=1 => Some(ReminderKind::Days1),
            2..=7 => Some(ReminderKind::Days7),
            l if l <= soon.due_soon_days => Some(ReminderKind::Days30),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ReminderKind::Days30 => "30d",
            ReminderKind::Days7 => "7d",
            ReminderKind::Days1 => "1d",
            ReminderKind::Overdue => "overdue",
        }
    }

    /// Whether the 資通安全長 is told too (only when a duty is already late).
    pub fn tells_ciso(self) -> bool {
        self == ReminderKind::Overdue
    }
}

/// What a reminder says; built here so that the wording is tested with the rule.
pub struct ReminderText<'a> {
    pub agency: &'a str,
    pub duty: &'a str,
    pub period: &'a str,
    pub due_on: Date,
    pub assignee: Option<&'a str>,
    pub citation: &'a str,
    pub link: &'a str,
}

/// Subject and plain-text body, in Traditional Chinese with 民國 dates (the people reminded are
/// Taiwanese civil servants), with a short English line for the few who read it instead.
pub fn compose(kind: ReminderKind, r: &ReminderText<'_>, today: Date) -> (String, String) {
    let due = RocDate::new(r.due_on).short();
    let left = (r.due_on - today).whole_days();
    let subject = match kind {
        ReminderKind::Overdue => format!("[安維] 逾期：{} {}（期限 {due}）", r.period, r.duty),
        _ => format!(
            "[安維] {} {} 將於 {left} 日後到期（{due}）",
            r.period, r.duty
        ),
    };
    let status = match kind {
        ReminderKind::Overdue => format!("已逾期 {} 日", -left),
        _ => format!("距期限尚有 {left} 日"),
    };
    let body = format!(
        "{agency} 同仁您好：\n\n\
         應辦事項：{duty}\n\
         期間：{period}\n\
         期限：{due}（{status}）\n\
         承辦人：{assignee}\n\
         依據：{citation}\n\n\
         請至安維辦理並上傳佐證資料：\n{link}\n\n\
         本信由安維（資通安全維護計畫管理系統）自動寄出，請勿直接回覆。\n\
         This is an automatic reminder from Anwei: the duty above is due on {iso}.\n",
        agency = r.agency,
        duty = r.duty,
        period = r.period,
        assignee = r.assignee.unwrap_or("未指派（請承辦人指派）"),
        citation = r.citation,
        link = r.link,
        iso = r.due_on,
    );
    (subject, body)
}

/// An incident deadline that people must be told about (通報應變及演練辦法 §6–§8: the limits
/// are hours, so the warning comes when a quarter of the period is left — 15 minutes before a
/// one-hour notification, 2 hours before an 8-hour review — and again when it is missed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escalation {
    Approaching,
    Missed,
}

impl Escalation {
    /// The escalation due at `now` for a step due at `due` (its period began at `from`), if
    /// the step is not done.
    pub fn at(
        from: time::OffsetDateTime,
        due: time::OffsetDateTime,
        done: Option<time::OffsetDateTime>,
        now: time::OffsetDateTime,
    ) -> Option<Self> {
        if done.is_some() || now < from {
            return None;
        }
        if now > due {
            return Some(Escalation::Missed);
        }
        let warn_from = due - (due - from) / 4;
        (now >= warn_from).then_some(Escalation::Approaching)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Escalation::Approaching => "approaching",
            Escalation::Missed => "missed",
        }
    }
}

/// What an incident escalation says.
pub struct EscalationText<'a> {
    pub agency: &'a str,
    pub incident: &'a str,
    pub level: u8,
    /// 通報, 上級機關審核, 損害控制或復原 …
    pub step: &'a str,
    pub due: time::OffsetDateTime,
    pub rule: &'a str,
    pub link: &'a str,
}

/// Subject and body of an incident escalation, in Chinese with 民國 date-times in Taipei time.
pub fn compose_escalation(
    kind: Escalation,
    e: &EscalationText<'_>,
    now: time::OffsetDateTime,
) -> (String, String) {
    let due = crate::roc::roc_datetime(e.due);
    let minutes = (e.due - now).whole_minutes();
    let (subject, state) = match kind {
        Escalation::Approaching => (
            format!(
                "[安維] 資安事件即將逾時：{}「{}」{}期限 {due}",
                e.agency, e.incident, e.step
            ),
            format!("尚餘 {} 小時 {} 分", minutes / 60, minutes % 60),
        ),
        Escalation::Missed => (
            format!(
                "[安維] 資安事件已逾時：{}「{}」{}期限 {due}",
                e.agency, e.incident, e.step
            ),
            format!("已逾時 {} 小時 {} 分", -minutes / 60, -minutes % 60),
        ),
    };
    let body = format!(
        "機關：{agency}\n\
         事件：{incident}（第 {level} 級）\n\
         應辦：{step}\n\
         期限：{due}（{state}）\n\
         依據：{rule}\n\n\
         請立即至安維處理：\n{link}\n\n\
         本信由安維自動寄出，請勿直接回覆。\n\
         Anwei: an incident deadline is {en}; see the link above.\n",
        agency = e.agency,
        incident = e.incident,
        level = e.level,
        step = e.step,
        rule = e.rule,
        link = e.link,
        en = match kind {
            Escalation::Approaching => "approaching",
            Escalation::Missed => "missed",
        },
    );
    (subject, body)
}

/// When a failed send is tried again: 1, 5, 15, 60 minutes, then every 6 hours; after
/// `MAX_ATTEMPTS` the message is marked failed and shown on the administrator's page.
pub fn retry_after_minutes(attempts: u32) -> i64 {
    match attempts {
        0 | 1 => 1,
        2 => 5,
        3 => 15,
        4 => 60,
        _ => 360,
    }
}

pub const MAX_ATTEMPTS: u32 = 8;

/// The mail telling a person who still owes training hours in the last quarter how many, of
/// which kind (安維計畫 壹拾參; 分級辦法 附表: 專業時數不抵通識時數). Hours in tenths.
pub fn compose_training_shortfall(
    person: &str,
    agency: &str,
    year: i32,
    general_tenths: i32,
    professional_tenths: i32,
) -> (String, String) {
    use crate::training::show_hours;
    let roc_year = crate::roc::roc_year_of(year);
    let (g, p) = (show_hours(general_tenths), show_hours(professional_tenths));
    let subject =
        format!("[安維] {roc_year}年資通安全教育訓練時數尚不足：通識 {g} 小時、專業 {p} 小時");
    let body = format!(
        "{person} 您好：\n\n依{agency}之資通安全維護計畫與資通安全責任等級分級辦法，您 {roc_year} 年尚需完成：\n\
         通識 {g} 小時、專業 {p} 小時（專業時數不抵通識時數）。\n\n\
         請於 12 月 31 日前完成並將證明交承辦人登錄。\n\n本信由安維自動寄出，請勿直接回覆。\n",
    );
    (subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOON: crate::obligation::Reminders = crate::obligation::Reminders { due_soon_days: 30 };
    use time::macros::date;

    #[test]
    fn the_nearest_reminder_that_still_applies() {
        let due = date!(2026 - 03 - 31);
        assert_eq!(ReminderKind::on(due, date!(2026 - 02 - 28), SOON), None);
        assert_eq!(
            ReminderKind::on(due, date!(2026 - 03 - 01), SOON),
            Some(ReminderKind::Days30)
        );
        assert_eq!(
            ReminderKind::on(due, date!(2026 - 03 - 23), SOON),
            Some(ReminderKind::Days30)
        );
        assert_eq!(
            ReminderKind::on(due, date!(2026 - 03 - 24), SOON),
            Some(ReminderKind::Days7)
        );
        assert_eq!(
            ReminderKind::on(due, date!(2026 - 03 - 26), SOON),
            Some(ReminderKind::Days7)
        );
        assert_eq!(
            ReminderKind::on(due, date!(2026 - 03 - 30), SOON),
            Some(ReminderKind::Days1)
        );
        assert_eq!(
            ReminderKind::on(due, date!(2026 - 03 - 31), SOON),
            Some(ReminderKind::Days1)
        );
        assert_eq!(
            ReminderKind::on(due, date!(2026 - 04 - 01), SOON),
            Some(ReminderKind::Overdue)
        );
        assert!(ReminderKind::Overdue.tells_ciso());
        assert!(!ReminderKind::Days1.tells_ciso());
    }

    #[test]
    fn incident_escalations() {
        use time::macros::datetime;
        let from = datetime!(2026-03-06 23:30 +8);
        let due = datetime!(2026-03-07 00:30 +8);
        let at = |t| Escalation::at(from, due, None, t);
        assert_eq!(at(datetime!(2026-03-07 00:14 +8)), None);
        assert_eq!(
            at(datetime!(2026-03-07 00:15 +8)),
            Some(Escalation::Approaching)
        );
        assert_eq!(
            at(datetime!(2026-03-07 00:30 +8)),
            Some(Escalation::Approaching)
        );
        assert_eq!(at(datetime!(2026-03-07 00:31 +8)), Some(Escalation::Missed));
        assert_eq!(
            Escalation::at(from, due, Some(from), datetime!(2026-03-07 01:00 +8)),
            None
        );
        assert_eq!(
            Escalation::at(from, due, None, datetime!(2026-03-06 23:00 +8)),
            None
        );
        let e = EscalationText {
            agency: "下營國小",
            incident: "首頁遭置換",
            level: 2,
            step: "通報",
            due,
            rule: "§6 I",
            link: "https://anwei.example/incidents/1",
        };
        let (s, b) =
            compose_escalation(Escalation::Approaching, &e, datetime!(2026-03-07 00:15 +8));
        assert_eq!(
            s,
            "[安維] 資安事件即將逾時：下營國小「首頁遭置換」通報期限 民國115年3月7日 00:30"
        );
        assert!(b.contains("尚餘 0 小時 15 分"), "{b}");
        let (s, b) = compose_escalation(Escalation::Missed, &e, datetime!(2026-03-07 02:00 +8));
        assert!(s.contains("已逾時"));
        assert!(b.contains("已逾時 1 小時 30 分"), "{b}");
    }

    #[test]
    fn wording() {
        let r = ReminderText {
            agency: "下營國小",
            duty: "清查系統特權帳號",
            period: "115年第1季",
            due_on: date!(2026 - 03 - 31),
            assignee: Some("施昀豆"),
            citation: "安維計畫 玖",
            link: "https://anwei.example/tasks/1",
        };
        let (s, b) = compose(ReminderKind::Days7, &r, date!(2026 - 03 - 24));
        assert_eq!(
            s,
            "[安維] 115年第1季 清查系統特權帳號 將於 7 日後到期（115/03/31）"
        );
        assert!(b.contains("承辦人：施昀豆") && b.contains("https://anwei.example/tasks/1"));
        let (s, b) = compose(ReminderKind::Overdue, &r, date!(2026 - 04 - 02));
        assert!(s.starts_with("[安維] 逾期："), "{s}");
        assert!(b.contains("已逾期 2 日"));
        assert_eq!(retry_after_minutes(1), 1);
        assert_eq!(retry_after_minutes(7), 360);
    }
}
