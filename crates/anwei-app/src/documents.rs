//! The registers as documents: what the page offers for download and what a sign-off freezes
//! are the same builder, so the frozen file reads exactly like the page did.

use crate::Result;
use crate::i18n::Locale;
use crate::incidents::DeadlineView;
use crate::training::PersonRecord;
use anwei_docs::Document;
use anwei_domain::asset::DIMENSIONS;
use anwei_domain::catalog::Catalog;
use anwei_domain::checklist::{Answer, Checklist, EvidenceRef};
use anwei_domain::training::{HourKind, TrainingCategory, show_hours};
use anwei_store::Store;
use anwei_store::agencies::AgencyScope;
use anwei_store::audit_plans::{AuditRow, FindingRow};
use anwei_store::incidents::IncidentRow;
use anwei_store::risks::{RiskAssessmentRow, RiskRow};
use anwei_store::training::{PersonRow, compliance};
use time::Date;

/// Required, done and missing hours as the pages and documents show them.
pub fn triple(t: (i32, i32, i32)) -> (String, String, String) {
    (show_hours(t.0), show_hours(t.1), show_hours(t.2))
}

/// The register as a document: every asset with its ratings, level and the reason, whether it
/// is a core system and who runs it.
pub async fn asset_register(
    store: &Store,
    catalog: &Catalog,
    t: &Locale,
    a: &AgencyScope,
    today: Date,
) -> Result<Document> {
    let rows = store.assets(a).await?;
    let yes_no = |b: bool| t.t(if b { "yes" } else { "no" });
    let mut header = vec![
        t.t("field-name"),
        t.t("asset-kind"),
        t.t("asset-custodian"),
        t.t("asset-owner-unit"),
        t.t("asset-location"),
    ];
    header.extend(DIMENSIONS.iter().map(|(f, _)| t.tp("asset-dimension-", f)));
    header.extend([
        t.t("asset-level"),
        t.t("asset-level-reason"),
        t.t("asset-supports-core"),
        t.t("asset-core"),
        t.t("asset-centralised"),
        t.t("asset-hosted-by"),
        t.t("field-status"),
        t.t("asset-acquired-on"),
    ]);
    let body = rows
        .iter()
        .map(|r| {
            let g = r.grade();
            let mut cells = vec![
                r.name.clone(),
                t.tp("asset-kind-", r.kind.as_str()),
                r.custodian.clone(),
                r.owner_unit.clone(),
                r.location.clone(),
            ];
            cells.extend(
                r.ratings()
                    .iter()
                    .map(|x| x.map_or(String::new(), |x| x.zh().to_string())),
            );
            cells.extend([
                g.as_ref()
                    .map_or(String::new(), |g| g.level.zh().to_string()),
                g.map_or(String::new(), |g| t.grade_reason(&g)),
                yes_no(r.supports_core_business),
                yes_no(r.is_core(catalog.grading.core)),
                yes_no(r.centralised),
                r.hosted_by.clone(),
                t.tp("asset-status-", r.status.as_str()),
                t.opt_date(&r.acquired_on),
            ]);
            cells
        })
        .collect();
    let doc = Document::new(t.f1("asset-register-title", "agency", &a.name))
        .fields(vec![
            (t.t("field-name"), a.name.clone()),
            (t.t("training-report-as-of"), t.date(&today)),
        ])
        .heading(1, t.t("asset-register"))
        .table(header, body);
    Ok(doc)
}

/// The register as the supervisor reads it: every risk with its numbers, whether it is
/// acceptable, and how it is treated and by whom; the scales and threshold above it.
pub fn risk_register(
    catalog: &Catalog,
    today: Date,
    t: &Locale,
    a: &AgencyScope,
    x: &RiskAssessmentRow,
    risks: Vec<RiskRow>,
) -> Document {
    let s = x.scales();
    let header = [
        "risk-seq",
        "risk-asset",
        "risk-value",
        "risk-threat",
        "risk-vulnerability",
        "risk-existing-controls",
        "risk-likelihood",
        "risk-impact",
        "risk-score",
        "risk-acceptable",
        "risk-treatment",
        "risk-treatment-plan",
        "risk-owner",
        "risk-due-on",
        "risk-state",
        "risk-approved-by",
        "risk-approved-until",
    ]
    .map(|k| t.t(k))
    .to_vec();
    let yes_no = |b: bool| t.t(if b { "yes" } else { "no" });
    let body = risks
        .into_iter()
        .map(|r| {
            let l = crate::risk::line(catalog, today, t, &s, r);
            vec![
                l.row.seq.to_string(),
                l.row.asset_name.clone(),
                l.value.clone(),
                l.row.threat.clone(),
                l.row.vulnerability.clone(),
                l.row.existing_controls.clone(),
                l.row.likelihood.to_string(),
                l.row.impact.to_string(),
                l.score.to_string(),
                yes_no(l.acceptable),
                l.treatment.clone(),
                l.row.treatment_plan.clone(),
                l.row.owner.clone(),
                t.opt_date(&l.row.due_on),
                t.tp("risk-state-", l.state),
                l.row.approved_by.clone().unwrap_or_default(),
                t.opt_date(&l.row.approved_until),
            ]
        })
        .collect();
    let mut fields = vec![
        (t.t("field-name"), a.name.clone()),
        (
            t.t("risk-year"),
            anwei_domain::roc::roc_year_of(x.year).to_string(),
        ),
        (t.t("risk-method"), t.tp("risk-method-", &x.method)),
    ];
    if x.is_exempt() {
        fields.push((t.t("risk-exempt-reason-label"), x.exempt_reason.clone()));
    } else {
        fields.push((
            t.t("risk-scales"),
            t.f(
                "risk-scales-summary",
                &[
                    ("l", s.likelihood_levels.to_string()),
                    ("i", s.impact_levels.to_string()),
                    ("threshold", s.threshold.to_string()),
                ],
            ),
        ));
    }
    fields.push((
        t.t("risk-completed"),
        x.completed_at.map_or_else(
            || t.t("risk-in-progress"),
            |at| {
                t.f(
                    "risk-completed-by",
                    &[
                        ("at", t.datetime(&at)),
                        ("by", x.completed_by.clone().unwrap_or_default()),
                    ],
                )
            },
        ),
    ));
    Document::new(t.f1("risk-register-title", "agency", &a.name))
        .fields(fields)
        .heading(1, t.t("risk-register"))
        .table(header, body)
}

/// The year's ledger as a document: every person's hours against the rule, the share compliant
/// per category, and the rules applied with their citations — for the 實施情形 and for audits.
pub async fn training_ledger(
    store: &Store,
    catalog: &Catalog,
    t: &Locale,
    a: &AgencyScope,
    year: i32,
    today: Date,
) -> Result<Document> {
    let (level, ledgers) = store
        .training_ledger(&catalog.training, a, year, today)
        .await?;
    let title = t.f(
        "training-report-title",
        &[
            ("agency", a.name.clone()),
            ("year", anwei_domain::roc::roc_year_of(year).to_string()),
        ],
    );
    let mut citations: Vec<String> = Vec::new();
    for l in &ledgers {
        for line in &l.lines {
            if !citations.contains(&line.citation) {
                citations.push(line.citation.clone());
            }
        }
    }
    let rows = ledgers
        .iter()
        .map(|l| {
            let (g, p) = (
                triple(l.owed(HourKind::General)),
                triple(l.owed(HourKind::Professional)),
            );
            vec![
                l.person.name.clone(),
                t.tp("training-category-", &l.person.category),
                g.0,
                g.1,
                g.2,
                p.0,
                p.1,
                p.2,
                if l.exempt() {
                    t.t("training-exempt")
                } else if l.compliant() {
                    t.t("training-compliant")
                } else {
                    t.t("training-short")
                },
            ]
        })
        .collect();
    let rates = TrainingCategory::ALL
        .iter()
        .map(|c| {
            let (ok, owing) = compliance(&ledgers, Some(*c));
            vec![
                t.tp("training-category-", c.as_str()),
                owing.to_string(),
                ok.to_string(),
            ]
        })
        .collect();
    let doc = Document::new(title)
        .fields(vec![
            (t.t("field-name"), a.name.clone()),
            (
                t.t("field-level"),
                t.level(&level.map(|l| l.as_str().to_string())),
            ),
            (t.t("field-year"), t.f1("year-label", "year", &year)),
            (t.t("training-report-as-of"), t.date(&today)),
        ])
        .heading(1, t.t("training-report-people"))
        .table(
            [
                vec![t.t("field-person-name"), t.t("field-category")],
                [
                    (t.t("training-general"), "training-required"),
                    (t.t("training-general"), "training-done"),
                    (t.t("training-general"), "training-missing-hours"),
                    (t.t("training-professional"), "training-required"),
                    (t.t("training-professional"), "training-done"),
                    (t.t("training-professional"), "training-missing-hours"),
                ]
                .into_iter()
                .map(|(kind, column)| format!("{kind}{}", t.t(column)))
                .collect(),
                vec![t.t("field-status")],
            ]
            .concat(),
            rows,
        )
        .heading(1, t.t("training-report-rates"))
        .table(
            vec![
                t.t("field-category"),
                t.t("training-report-owing"),
                t.t("training-compliant"),
            ],
            rates,
        )
        .heading(1, t.t("training-report-rules"))
        .paragraph(citations.join("\n"));
    Ok(doc)
}

/// The notification (通報單) with every field of the TACERT form, the impact assessment, the level
/// and the deadlines, as a document.
pub fn incident_notification(
    catalog: &Catalog,
    t: &Locale,
    i: &IncidentRow,
    level: i32,
    deadlines: &[DeadlineView],
) -> Document {
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    let rules = &catalog.incidents;
    let category = rules
        .category(&i.category)
        .map(|c| t.pick(&c.name, &c.name_en))
        .unwrap_or_default();
    let protection: Vec<String> = i
        .protection
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| t.tp("protection-", p))
        .collect();
    let dimension = |scope: &Option<String>, extent: String| match scope.as_deref() {
        None | Some("none") => t.t("scope-none"),
        Some(s) => format!("{}（{extent}）", t.tp("scope-", s)),
    };
    let proposal = rules.propose_level(&crate::incidents::impact_of(i)).ok();
    let mut doc = Document::new(t.t("doc-notification-title"))
        .paragraph(format!("{}：{}", t.t("field-agency"), i.agency_name))
        .heading(1, t.t("doc-section-report"))
        .fields(vec![
            (t.t("field-title"), i.title.clone()),
            (t.t("field-reporter-name"), i.reporter_name.clone()),
            (t.t("field-phone"), opt(&i.reporter_phone)),
            (t.t("field-email"), opt(&i.reporter_email)),
            (t.t("field-occurred-at"), t.opt_datetime(&i.occurred_at)),
            (t.t("field-aware-at"), t.datetime(&i.aware_at)),
            (
                t.t("field-classification"),
                format!("{} {category} / {}", i.category, i.subtype),
            ),
            (t.t("field-description"), i.description.clone()),
            (t.t("field-external-ticket"), opt(&i.external_ticket)),
        ])
        .heading(1, t.t("incident-device"))
        .fields(vec![
            (t.t("field-device-ip"), opt(&i.device_ip)),
            (t.t("field-device-url"), opt(&i.device_url)),
            (t.t("field-device-model"), opt(&i.device_model)),
            (t.t("field-device-os"), opt(&i.device_os)),
            (t.t("field-affected-software"), opt(&i.affected_software)),
            (
                t.t("field-protection"),
                format!(
                    "{} {}",
                    protection.join("、"),
                    i.protection_other.clone().unwrap_or_default()
                )
                .trim()
                .to_string(),
            ),
        ])
        .heading(1, t.t("incident-impact"))
        .fields(vec![
            (
                t.t("doc-confidentiality"),
                dimension(
                    &i.c_scope,
                    t.tp("severity-", i.c_severity.as_deref().unwrap_or("")),
                ),
            ),
            (
                t.t("doc-integrity"),
                dimension(
                    &i.i_scope,
                    t.tp("severity-", i.i_severity.as_deref().unwrap_or("")),
                ),
            ),
            (
                t.t("doc-availability"),
                dimension(
                    &i.a_scope,
                    t.tp("outcome-", i.a_outcome.as_deref().unwrap_or("")),
                ),
            ),
            (
                t.t("field-incident-level"),
                t.f1("incident-level-n", "n", &level),
            ),
            (
                t.t("incident-level-proposal"),
                proposal
                    .map(|p| {
                        p.reasons
                            .iter()
                            .map(|r| r.text.clone())
                            .collect::<Vec<_>>()
                            .join("；")
                    })
                    .unwrap_or_default(),
            ),
            (t.t("field-level-reason"), opt(&i.level_reason)),
        ])
        .heading(1, t.t("incident-deadlines"));
    doc = doc.table(
        vec![
            t.t("field-step"),
            t.t("field-due"),
            t.t("field-state"),
            t.t("field-rule"),
        ],
        deadlines
            .iter()
            .map(|d| {
                let state = match d.done_at {
                    Some(done) => format!(
                        "{} {}{}",
                        t.t("deadline-done"),
                        t.datetime(&done),
                        if d.late {
                            format!("（{}）", t.t("clock-late"))
                        } else {
                            String::new()
                        }
                    ),
                    None if d.overdue => t.t("clock-late"),
                    None => String::new(),
                };
                vec![t.t(d.label_key), t.datetime(&d.due), state, d.rule.clone()]
            })
            .collect(),
    );
    doc
}

/// The investigation report (調查、處理及改善報告) with the contents 施行細則 §12 requires: the
/// times from the record, then each written section (`saved`, by the catalog's section keys).
pub fn incident_report(
    catalog: &Catalog,
    t: &Locale,
    i: &IncidentRow,
    saved: &std::collections::BTreeMap<String, String>,
) -> Document {
    let rc = &catalog.incidents.report_contents;
    let mut doc = Document::new(t.t("doc-report-title"))
        .paragraph(format!("{}：{}", t.t("field-agency"), i.agency_name))
        .paragraph(format!("{}：{}", t.t("field-title"), i.title))
        .heading(1, t.pick(&rc.times_label, &rc.times_label_en))
        .fields(vec![
            (t.t("field-occurred-at"), t.opt_datetime(&i.occurred_at)),
            (t.t("field-aware-at"), t.datetime(&i.aware_at)),
            (t.t("step-recover"), t.opt_datetime(&i.recovered_at)),
        ]);
    for s in &rc.sections {
        doc = doc.heading(1, t.pick(&s.label, &s.label_en)).paragraph(
            saved
                .get(&s.key)
                .cloned()
                .unwrap_or_else(|| t.t("not-recorded")),
        );
    }
    doc = doc.paragraph(rc.citation.clone());
    doc
}

/// The §11 list the agency keeps (the approved exceptions), and every other match with where it
/// stands, for `exceptions.xlsx` and the other formats.
pub fn restricted_list(
    catalog: &Catalog,
    t: &Locale,
    a: &AgencyScope,
    all: &[crate::restricted::Match],
) -> Document {
    let header = [
        "field-name",
        "asset-kind",
        "restricted-product",
        "restricted-source",
        "field-status",
        "restricted-reason",
        "restricted-authority-ref",
        "restricted-recorded-by",
        "restricted-approved-by",
    ]
    .map(|k| t.t(k))
    .to_vec();
    let row = |m: &crate::restricted::Match| {
        let f = m.finding.as_ref();
        vec![
            m.asset.name.clone(),
            t.tp("asset-kind-", m.asset.kind.as_str()),
            m.product.label(),
            m.product.source.clone(),
            t.tp("restricted-state-", m.state),
            f.map_or(String::new(), |f| f.reason.clone()),
            f.map_or(String::new(), |f| f.authority_ref.clone()),
            f.map_or(String::new(), |f| {
                format!("{} {}", f.recorded_by, t.datetime(&f.recorded_at))
            }),
            f.and_then(|f| f.approved_at.map(|at| (f, at)))
                .map_or(String::new(), |(f, at)| {
                    format!(
                        "{} {}",
                        f.approved_by.clone().unwrap_or_default(),
                        t.datetime(&at)
                    )
                }),
        ]
    };
    let listed: Vec<Vec<String>> = all
        .iter()
        .filter(|m| m.state == "approved")
        .map(row)
        .collect();
    let others: Vec<Vec<String>> = all
        .iter()
        .filter(|m| m.state != "approved")
        .map(row)
        .collect();
    Document::new(t.f1("restricted-list-title", "agency", &a.name))
        .fields(vec![
            (t.t("field-name"), a.name.clone()),
            (
                t.t("restricted-citation"),
                catalog.restricted.citation.clone(),
            ),
        ])
        .heading(1, t.t("restricted-listed"))
        .table(header.clone(), listed)
        .heading(1, t.t("restricted-other-matches"))
        .table(header, others)
}

/// A person's training record: the hours against each rule, every course attended with its
/// certificates, and the policy acknowledgements.
pub fn training_record(
    t: &Locale,
    a: &AgencyScope,
    p: &PersonRow,
    rec: &PersonRecord,
    year: i32,
    today: Date,
) -> Document {
    Document::new(t.f(
        "training-record-title",
        &[
            ("name", p.name.clone()),
            ("year", anwei_domain::roc::roc_year_of(year).to_string()),
        ],
    ))
    .fields(vec![
        (t.t("field-name"), a.name.clone()),
        (t.t("field-person-name"), p.name.clone()),
        (
            t.t("field-category"),
            t.tp("training-category-", &p.category),
        ),
        (
            t.t("training-joined-on"),
            p.joined_on.map(|d| t.date(&d)).unwrap_or_default(),
        ),
        (
            t.t("training-left-on"),
            p.left_on.map(|d| t.date(&d)).unwrap_or_default(),
        ),
        (t.t("training-report-as-of"), t.date(&today)),
    ])
    .heading(1, t.t("training-record-hours"))
    .table(
        vec![
            t.t("training-kind"),
            t.t("training-window"),
            t.t("training-required"),
            t.t("training-done"),
            t.t("training-missing-hours"),
            t.t("training-rule"),
        ],
        rec.lines
            .iter()
            .map(|l| {
                vec![
                    t.tp("training-kind-", l.kind.as_str()),
                    format!("{}–{}", t.date(&l.window_from), t.date(&l.window_to)),
                    show_hours(l.required),
                    show_hours(l.done),
                    show_hours(l.missing),
                    l.citation.clone(),
                ]
            })
            .collect(),
    )
    .heading(1, t.t("training-record-courses"))
    .table(
        vec![
            t.t("training-held-on"),
            t.t("field-title"),
            t.t("training-kind"),
            t.t("training-hours"),
            t.t("training-provider"),
            t.t("training-certificates"),
        ],
        rec.attendance
            .iter()
            .map(|r| {
                vec![
                    t.date(&r.held_on),
                    r.title.clone(),
                    t.tp("training-kind-", &r.kind),
                    show_hours(r.hours),
                    r.provider.clone(),
                    r.certificates
                        .iter()
                        .map(|c| c.title.clone())
                        .collect::<Vec<_>>()
                        .join("、"),
                ]
            })
            .collect(),
    )
    .heading(1, t.t("training-policy-title"))
    .table(
        vec![
            t.t("training-policy-version"),
            t.t("training-acknowledged-at"),
            t.t("training-acknowledged-how"),
        ],
        rec.acknowledged
            .iter()
            .map(|r| {
                vec![
                    r.policy_version.clone(),
                    t.datetime(&r.acknowledged_at),
                    if r.by_person {
                        t.t("training-ack-by-person")
                    } else {
                        t.f1("training-ack-on-paper", "by", &r.recorded_by)
                    },
                ]
            })
            .collect(),
    )
}

/// The rows an import refused, as they were in the file (padded to `width` columns) between
/// their row number and what is wrong, to fix and import again.
pub fn import_errors(
    t: &Locale,
    file_header: Vec<String>,
    width: usize,
    refused: Vec<(usize, Vec<String>, String)>,
) -> Document {
    let mut header = vec![t.t("import-row")];
    header.extend(file_header);
    header.push(t.t("import-problem"));
    let rows = refused
        .into_iter()
        .map(|(line, mut original, problem)| {
            original.resize(width, String::new());
            let mut cells = vec![line.to_string()];
            cells.extend(original);
            cells.push(problem);
            cells
        })
        .collect();
    Document::new(t.t("import-error-report"))
        .heading(1, t.t("import-error-report"))
        .table(header, rows)
}

/// Who was audited, how, by whom and when: the head of an audit's documents.
fn audit_fields(t: &Locale, a: &AgencyScope, audit: &AuditRow) -> Vec<(String, String)> {
    vec![
        (t.t("audit-doc-agency"), a.name.clone()),
        (t.t("audit-kind"), t.tp("audit-kind-", audit.kind.as_str())),
        (t.t("audit-auditor"), audit.auditor_name.clone()),
        (
            t.t("audit-period"),
            format!(
                "{}–{}",
                t.date(&audit.period_from),
                t.date(&audit.period_to)
            ),
        ),
    ]
}

/// The official checklist form filled in (附件1-1): the agency's name, then each 構面 and its
/// items with the answer marked in its column, the person's note (「簡述規範內容、執行方式、執行
/// 結果」) and the records that prove it; unanswered items show Anwei's proposal, marked as such.
pub fn audit_checklist(
    t: &Locale,
    catalog: &Catalog,
    a: &AgencyScope,
    audit: &AuditRow,
    checklist: &Checklist,
    items: &[crate::audits::AuditItem<'_>],
    record_names: &dyn Fn(&EvidenceRef) -> String,
) -> Document {
    let mark = |on: bool| if on { "■" } else { "□" }.to_string();
    let mut rows = Vec::new();
    let mut dimension = 0;
    for i in items {
        if i.item.dimension != dimension {
            dimension = i.item.dimension;
            let mut row = vec![i.dimension.to_string()];
            row.resize(checklist.columns.len().max(8), String::new());
            rows.push(row);
        }
        let (answer, note) = match &i.answer {
            Some(r) => (r.answer, r.note.clone()),
            None => {
                let mut note = vec![t.f1(
                    "audit-doc-proposed",
                    "answer",
                    &t.tp("checklist-answer-", i.proposal.answer.as_str()),
                )];
                note.extend(
                    i.proposal
                        .reasons
                        .iter()
                        .map(|r| crate::audits::reason_text(t, catalog, r)),
                );
                (i.proposal.answer, note.join("\n"))
            }
        };
        let records: Vec<String> = i.proposal.evidence.iter().map(record_names).collect();
        let text = i.item.printed_text();
        rows.push(vec![
            i.item.number.clone(),
            text,
            mark(answer == Answer::Conforming),
            mark(answer == Answer::Partial),
            mark(answer == Answer::Nonconforming),
            mark(answer == Answer::NotApplicable),
            note,
            records.join("\n"),
        ]);
    }
    let mut fields = audit_fields(t, a, audit);
    fields.push((t.t("audit-citation"), checklist.citation.clone()));
    Document::new(checklist.form.clone())
        .fields(fields)
        .table(checklist.columns.clone(), rows)
        .paragraph(checklist.footer.clone())
}

/// 「稽核結果及改善報告」: the audit, how its items were answered, the items found wanting with
/// the notes, and every finding from its cause to the review of its measures.
pub fn improvement_report(
    t: &Locale,
    a: &AgencyScope,
    audit: &AuditRow,
    items: &[crate::audits::AuditItem<'_>],
    findings: &[FindingRow],
    today: Date,
) -> Document {
    let answered: Vec<_> = items
        .iter()
        .filter_map(|i| i.answer.as_ref().map(|r| (i, r)))
        .collect();
    let counts = Answer::ALL
        .iter()
        .map(|x| {
            format!(
                "{} {}",
                t.tp("checklist-answer-", x.as_str()),
                answered.iter().filter(|(_, r)| r.answer == *x).count()
            )
        })
        .collect::<Vec<_>>()
        .join("、");
    let wanting: Vec<Vec<String>> = answered
        .iter()
        .filter(|(_, r)| matches!(r.answer, Answer::Partial | Answer::Nonconforming))
        .map(|(i, r)| {
            vec![
                i.item.number.clone(),
                t.tp("checklist-answer-", r.answer.as_str()),
                r.note.clone(),
            ]
        })
        .collect();
    let mut fields = audit_fields(t, a, audit);
    fields.push((t.t("audit-focus"), audit.focus.clone()));
    fields.push((t.t("finding-report-as-of"), t.date(&today)));
    let doc = Document::new(t.t("finding-report-title"))
        .fields(fields)
        .heading(1, t.t("finding-report-results"))
        .paragraph(format!(
            "{}：{} / {}；{}",
            t.t("audit-answered"),
            answered.len(),
            items.len(),
            counts
        ))
        .table(
            vec![t.t("finding-item"), t.t("audit-answer"), t.t("audit-note")],
            wanting,
        )
        .heading(1, t.t("finding-report-findings"));
    if findings.is_empty() {
        return doc.paragraph(t.t("finding-none"));
    }
    findings.iter().fold(doc, |doc, f| {
        let execution = match f.task_status.as_deref() {
            Some(s) => format!(
                "{}{}",
                t.tp("task-status-", s),
                if f.evidence_count > 0 {
                    t.f1("finding-evidence-count", "n", &f.evidence_count)
                } else {
                    String::new()
                }
            ),
            None => "—".to_string(),
        };
        let review = match (&f.review_note, &f.reviewed_by, f.reviewed_at) {
            (Some(n), Some(by), Some(at)) => format!("{n}（{by}，{}）", t.datetime(&at)),
            _ => String::new(),
        };
        let mut status = t.tp("finding-status-", &f.status);
        if f.is_late(today) {
            status.push_str(&format!("（{}）", t.t("finding-late")));
        }
        let mut heading = format!(
            "{} {}：{}／{}",
            t.t("finding-number"),
            f.number,
            t.tp("finding-class-", f.class.as_str()),
            t.tp("finding-aspect-", f.aspect.as_str())
        );
        if let Some(item) = &f.item {
            heading.push_str(&format!("（{} {item}）", t.t("finding-item")));
        }
        doc.heading(2, heading).fields(vec![
            (t.t("finding-description"), f.description.clone()),
            (t.t("finding-cause"), f.cause.clone()),
            (t.t("finding-similar"), f.similar.clone()),
            (t.t("finding-corrective"), f.corrective.clone()),
            (
                t.t("finding-owner"),
                f.owner_name.clone().unwrap_or_default(),
            ),
            (
                t.t("finding-due-on"),
                f.due_on.map(|d| t.date(&d)).unwrap_or_default(),
            ),
            (t.t("finding-execution"), execution),
            (t.t("finding-review"), review),
            (t.t("finding-status"), status),
        ])
    })
}
