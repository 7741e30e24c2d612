//! `anwei incident clock`: the statutory deadlines of an incident, for anyone who needs the answer
//! fast — the 承辦人 at 23:30 on a Friday, or a supervisor checking a school's report. The
//! arithmetic is the domain's (`anwei_domain::incident`), the same the incident pages will use.

use crate::cli::{Format, IncidentCommand, cli_locale, say};
use anwei_domain::catalog::Catalog;
use anwei_domain::incident::{Course, Deadline, IncidentLevel};
use anwei_domain::roc::TAIPEI;
use anwei_domain::{DomainError, FieldError};
use anyhow::anyhow;
use serde_json::json;
use std::process::ExitCode;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub fn run(command: &IncidentCommand) -> anyhow::Result<ExitCode> {
    let IncidentCommand::Clock {
        aware,
        level,
        level_change,
        notified,
        recovered,
        format,
    } = command;
    let course = Course {
        aware_at: time_arg("aware", aware)?,
        level: IncidentLevel::parse("level", level)?,
        level_changes: level_change
            .iter()
            .map(|c| change_arg(c))
            .collect::<anyhow::Result<_>>()?,
        notified_at: notified
            .as_deref()
            .map(|t| time_arg("notified", t))
            .transpose()?,
        renotified_at: Vec::new(),
        reviewed_at: Vec::new(),
        passed_on_at: Vec::new(),
        recovered_at: recovered
            .as_deref()
            .map(|t| time_arg("recovered", t))
            .transpose()?,
    };
    let rules = Catalog::load()?.incidents;
    let deadlines = rules.deadlines(&course).map_err(|errors| {
        // The domain names fields as the incident form will; name the flags here.
        let flag = |f: &'static str| match f {
            "notified_at" => "notified",
            "recovered_at" => "recovered",
            other => other,
        };
        DomainError::Invalid(
            errors
                .into_iter()
                .map(|e| FieldError {
                    field: flag(e.field),
                    ..e
                })
                .collect(),
        )
    })?;
    let current = course.current_level();
    let meeting = rules.needs_meeting(current);
    match format {
        Format::Json => {
            let out = json!({
                "aware_at": taipei(course.aware_at),
                "level": current.get(),
                "meeting_required": meeting,
                "meeting_rule": meeting.then_some(&rules.meeting.citation),
                "source": rules.source,
                "deadlines": deadlines.iter().map(|d| json!({
                    "kind": d.kind,
                    "level": d.level.get(),
                    "from": taipei(d.from),
                    "due": taipei(d.due),
                    "rule": d.rule,
                    "uncertain": d.uncertain,
                    "done_at": d.done_at.map(taipei),
                    "late": d.late,
                })).collect::<Vec<_>>(),
            });
            say(serde_json::to_string_pretty(&out)?)?;
        }
        Format::Table => print_table(&course, &deadlines, meeting, &rules.meeting.citation)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn time_arg(field: &'static str, raw: &str) -> anyhow::Result<OffsetDateTime> {
    OffsetDateTime::parse(raw.trim(), &Rfc3339)
        .map_err(|_| FieldError::new(field, "err-rfc3339").into())
}

/// `TIME=LEVEL`; the time itself contains no `=`.
fn change_arg(raw: &str) -> anyhow::Result<(OffsetDateTime, IncidentLevel)> {
    let (t, l) = raw.rsplit_once('=').ok_or_else(|| {
        anyhow!("--level-change: expected TIME=LEVEL, e.g. 2026-01-31T01:00:00+08:00=3")
    })?;
    Ok((
        time_arg("level_change", t)?,
        IncidentLevel::parse("level_change", l)?,
    ))
}

/// RFC 3339 in Taipei time, as Taiwanese readers expect.
fn taipei(t: OffsetDateTime) -> String {
    t.to_offset(TAIPEI)
        .format(&Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

fn short(t: OffsetDateTime) -> String {
    let l = t.to_offset(TAIPEI);
    format!(
        "{}-{:02}-{:02} {:02}:{:02}",
        l.year(),
        u8::from(l.month()),
        l.day(),
        l.hour(),
        l.minute()
    )
}

fn print_table(
    course: &Course,
    deadlines: &[Deadline],
    meeting: bool,
    meeting_rule: &str,
) -> anyhow::Result<()> {
    let t = cli_locale();
    say(t.f(
        "clock-title",
        &[
            ("aware", short(course.aware_at)),
            ("level", course.current_level().to_string()),
        ],
    ))?;
    for d in deadlines {
        let mut line = format!(
            "{} · {} {} · {} {} · {} {}",
            t.t(anwei_app::i18n::deadline_key(d.kind)),
            t.t("clock-level"),
            d.level,
            t.t("clock-due"),
            short(d.due),
            t.t("clock-from"),
            short(d.from),
        );
        if let Some(done) = d.done_at {
            line.push_str(&format!(" · {} {}", t.t("clock-done"), short(done)));
        }
        if d.late {
            line.push_str(&format!(" · {}", t.t("clock-late")));
        }
        say(&line)?;
        say(format!(
            "    {}{}",
            d.rule,
            if d.uncertain {
                format!(" [{}]", t.t("clock-uncertain"))
            } else {
                String::new()
            }
        ))?;
    }
    if meeting {
        say(t.f("clock-meeting", &[("rule", meeting_rule.to_string())]))?;
    }
    say(t.t("clock-times-note"))
}
