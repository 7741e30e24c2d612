//! Reminders of tasks falling due: 30, 7 and 1 days before, and once when overdue (to the
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
    /// The reminder due on `today` for a task due on `due_on`, if any.
    pub fn on(due_on: Date, today: Date) -> Option<Self> {
        let left = (due_on - today).whole_days();
        match left {
            l if l < 0 => Some(ReminderKind::Overdue),
            0..=1 => Some(ReminderKind::Days1),
            2..=7 => Some(ReminderKind::Days7),
            8..=30 => Some(ReminderKind::Days30),
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

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_nearest_reminder_that_still_applies() {
        let due = date!(2026 - 03 - 31);
        assert_eq!(ReminderKind::on(due, date!(2026 - 02 - 28)), None);
        assert_eq!(
            ReminderKind::on(due, date!(2026 - 03 - 01)),
            Some(ReminderKind::Days30)
        );
        assert_eq!(
            ReminderKind::on(due, date!(2026 - 03 - 23)),
            Some(ReminderKind::Days30)
        );
        assert_eq!(
            ReminderKind::on(due, date!(2026 - 03 - 24)),
            Some(ReminderKind::Days7)
        );
        assert_eq!(
            ReminderKind::on(due, date!(2026 - 03 - 26)),
            Some(ReminderKind::Days7)
        );
        assert_eq!(
            ReminderKind::on(due, date!(2026 - 03 - 30)),
            Some(ReminderKind::Days1)
        );
        assert_eq!(
            ReminderKind::on(due, date!(2026 - 03 - 31)),
            Some(ReminderKind::Days1)
        );
        assert_eq!(
            ReminderKind::on(due, date!(2026 - 04 - 01)),
            Some(ReminderKind::Overdue)
        );
        assert!(ReminderKind::Overdue.tells_ciso());
        assert!(!ReminderKind::Days1.tells_ciso());
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
