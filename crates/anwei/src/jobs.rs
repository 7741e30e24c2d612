//! Background work: recomputing duties, scanning for reminders, and sending the outbox. All of it
//! is driven by the database (the `job` and `outbox` tables), not by in-memory timers, so a
//! restart loses nothing and several instances on one PostgreSQL share the work without doing
//! any of it twice.

use anwei_app::i18n::{Lang, Locale, deadline_key};
use anwei_domain::agency::AgencyPath;
use anwei_domain::catalog::Catalog;
use anwei_domain::clock::Clock;
use anwei_domain::incident::DeadlineKind;
use anwei_domain::obligation::Period;
use anwei_domain::rbac::{Permission, RoleCatalog};
use anwei_domain::reminder::{
    Escalation, EscalationText, MAX_ATTEMPTS, ReminderKind, ReminderText, compose,
    compose_escalation, retry_after_minutes,
};
use anwei_domain::roc::RocDate;
use anwei_domain::training::HourKind;
use anwei_domain::user::Role;
use anwei_store::outbox::{NewMail, OutboxRow, Recipient};
use anwei_store::{Actor, Store};
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;
use std::time::Duration;
use time::Month;
use uuid::Uuid;

/// How to send mail. `smtp_url` follows lettre's form: `smtp://host:25` (plain),
/// `smtp://user:password@host:587?tls=required` (STARTTLS) or `smtps://user:password@host:465`.
#[derive(Debug, Clone, Default)]
pub struct MailConfig {
    pub smtp_url: Option<String>,
    pub from: String,
}

pub struct Worker {
    store: Store,
    catalog: Arc<Catalog>,
    clock: Arc<dyn Clock>,
    mailer: Option<(AsyncSmtpTransport<Tokio1Executor>, lettre::message::Mailbox)>,
    /// This instance's name in leases (`claimed_by`).
    instance: String,
    /// Base of links in reminders, e.g. `https://anwei.tn.edu.tw`.
    public_url: String,
    /// Where the hourly audit checkpoint is appended too (the data directory's file).
    checkpoint_file: Option<std::path::PathBuf>,
}

/// What one pass did, for logs and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub materialised: bool,
    pub queued: usize,
    pub sent: usize,
    pub failed: usize,
}

impl Worker {
    pub fn new(
        store: Store,
        catalog: Arc<Catalog>,
        clock: Arc<dyn Clock>,
        mail: &MailConfig,
        public_url: String,
    ) -> anyhow::Result<Self> {
        let mailer = match &mail.smtp_url {
            None => None,
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("--smtp-url: {e}"))?
                    .timeout(Some(Duration::from_secs(30)))
                    .build();
                let from = mail
                    .from
                    .parse()
                    .map_err(|e| anyhow::anyhow!("--mail-from {:?}: {e}", mail.from))?;
                Some((transport, from))
            }
        };
        Ok(Self {
            store,
            catalog,
            clock,
            mailer,
            instance: format!("{}-{}", std::process::id(), Uuid::now_v7().simple()),
            public_url: public_url.trim_end_matches('/').to_string(),
            checkpoint_file: None,
        })
    }

    /// Appends each checkpoint to `file` as well as the database.
    pub fn with_checkpoint_file(mut self, file: std::path::PathBuf) -> Self {
        self.checkpoint_file = Some(file);
        self
    }

    /// Runs forever, one pass every `every`.
    pub async fn run(self, every: Duration) {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if let Err(e) = self.pass().await {
                tracing::warn!(error = %e, "background pass failed");
            }
        }
    }

    /// One pass: each job runs if it is due and no other instance took it.
    pub async fn pass(&self) -> anyhow::Result<Pass> {
        let mut out = Pass::default();
        let now = self.clock.now();
        if self
            .claim("materialise", now, time::Duration::hours(6))
            .await?
        {
            let r = self.materialise().await;
            self.finish("materialise", &r).await?;
            r?;
            out.materialised = true;
        }
        if self
            .claim("reminders", now, time::Duration::hours(1))
            .await?
        {
            let r = self.queue_reminders().await;
            self.finish("reminders", &r).await?;
            out.queued = r?;
        }
        if self
            .claim("incident-escalation", now, time::Duration::minutes(2))
            .await?
        {
            let r = self.queue_incident_escalations().await;
            self.finish("incident-escalation", &r).await?;
            out.queued += r?;
        }
        if self
            .claim("training-reminders", now, time::Duration::hours(24))
            .await?
        {
            let r = self.queue_training_reminders().await;
            self.finish("training-reminders", &r).await?;
            out.queued += r?;
        }
        // Anchors the audit chains outside themselves (issue 22 item 3): every hour.
        if self
            .claim("audit-checkpoint", now, time::Duration::hours(1))
            .await?
        {
            let r = match &self.checkpoint_file {
                Some(file) => crate::cli::write_checkpoint(&self.store, file, now)
                    .await
                    .map(|_| ()),
                None => anwei_store::audit::checkpoint(&self.store, now)
                    .await
                    .map(|_| ())
                    .map_err(Into::into),
            };
            self.finish("audit-checkpoint", &r).await?;
            r?;
        }
        if self.mailer.is_some() {
            let (sent, failed) = self.send_outbox().await?;
            out.sent = sent;
            out.failed = failed;
        }
        Ok(out)
    }

    /// Takes the job `name` if it is due, scheduling its next run `every` from now.
    async fn claim(
        &self,
        name: &str,
        now: time::OffsetDateTime,
        every: time::Duration,
    ) -> anyhow::Result<bool> {
        Ok(self
            .store
            .claim_job(name, &self.instance, now, now + every)
            .await?)
    }

    /// Records how the run ended, for the administrator.
    async fn finish<T>(&self, name: &str, result: &anyhow::Result<T>) -> anyhow::Result<()> {
        let error = result.as_ref().err().map(|e| e.to_string());
        Ok(self
            .store
            .finish_job(name, self.clock.now(), error.as_deref())
            .await?)
    }

    /// This year's tasks for every agency; in December next year's too, so January's duties
    /// are visible (and reminded) before they start.
    async fn materialise(&self) -> anyhow::Result<()> {
        let now = self.clock.now();
        let today = RocDate::of_instant(now).date();
        let actor = Actor::system();
        let mut years = vec![today.year()];
        if today.month() == Month::December {
            years.push(today.year() + 1);
        }
        for agency in self.store.agency_scopes(&actor).await? {
            for year in &years {
                self.store
                    .materialise_year(&actor, &self.catalog.obligations, agency.id, *year, now)
                    .await?;
            }
        }
        Ok(())
    }

    /// Who may be written to about an agency's duties; none for an agency that is gone.
    async fn recipients(&self, agency_id: Uuid) -> anyhow::Result<Vec<Recipient>> {
        Ok(
            match self.store.agency_by_id(&Actor::system(), agency_id).await? {
                Some(scope) => self.store.recipients(&scope).await?,
                None => Vec::new(),
            },
        )
    }

    /// Queues the reminder each open task is due for today: to its assignee (or the agency's
    /// 承辦人 when nobody is assigned), and when overdue to the 資通安全長 as well.
    async fn queue_reminders(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let today = RocDate::of_instant(now).date();
        let tasks = self
            .store
            .tasks_due_by(self.catalog.obligations.reminders.due_soon_until(today))
            .await?;
        let mut people: HashMap<Uuid, Vec<Recipient>> = HashMap::new();
        let mut mails = Vec::new();
        for task in &tasks {
            let Some(kind) =
                ReminderKind::on(task.due_on, today, self.catalog.obligations.reminders)
            else {
                continue;
            };
            let all: &[Recipient] = match people.entry(task.agency_id) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => e.insert(self.recipients(task.agency_id).await?),
            };
            let mut to: Vec<&Recipient> = match task.assignee_id {
                Some(id) => all.iter().filter(|r| r.user_id == id).collect(),
                None => all.iter().filter(|r| r.role == "officer").collect(),
            };
            if kind.tells_ciso() {
                to.extend(
                    all.iter()
                        .filter(|r| r.role == "ciso" && Some(r.user_id) != task.assignee_id),
                );
            }
            let o = self.catalog.obligations.get(&task.obligation_key);
            let duty = o
                .map(|o| o.title.zh.as_str())
                .unwrap_or(&task.obligation_key);
            let citation = o
                .and_then(|o| o.citations.last())
                .map(|c| c.text.as_str())
                .unwrap_or("");
            let period = Period::parse_key(&task.period_key)
                .map(|p| p.label_zh())
                .unwrap_or_else(|| task.period_key.clone());
            let link = format!("{}/tasks/{}", self.public_url, task.id);
            let text = ReminderText {
                agency: &task.agency_name,
                duty,
                period: &period,
                due_on: task.due_on,
                assignee: task.assignee_name.as_deref(),
                citation,
                link: &link,
            };
            let (subject, body) = compose(kind, &text, today);
            for r in to {
                mails.push(NewMail {
                    agency_id: Some(task.agency_id),
                    dedupe_key: format!("task:{}:{}:{}", task.id, kind.as_str(), r.user_id),
                    to_addr: r.email.clone(),
                    subject: subject.clone(),
                    body: body.clone(),
                });
            }
        }
        Ok(self.store.enqueue_mail(&mails, now).await?)
    }

    /// Queues a warning when a quarter of an incident deadline's period is left and a notice
    /// when it is missed (通報應變及演練辦法 §6–§8): the agency's 承辦人 and 資通安全長 for its
    /// own steps, the supervisor's reviewers for the review — and each side hears of the other's
    /// missed deadline.
    async fn queue_incident_escalations(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let actor = Actor::system();
        let rules = &self.catalog.incidents;
        // the people told are Taiwanese; the deadline's name is the page's, in Chinese
        let zh = Locale::new(Lang::ZhTw);
        let mut histories = self.store.incident_histories_in_reach(&actor).await?;
        let mut people: HashMap<Uuid, Vec<Recipient>> = HashMap::new();
        let mut mails = Vec::new();
        for incident in self.store.incidents(&actor, None, true).await? {
            let history = histories.remove(&incident.id).unwrap_or_default();
            let Some(course) = incident.course(&history) else {
                continue;
            };
            let Ok(deadlines) = rules.deadlines(&course) else {
                continue;
            };
            let own = incident.agency_id;
            let parent = AgencyPath::from_stored(incident.agency_path.clone()).parent_id();
            for d in &deadlines {
                let Some(esc) = Escalation::at(d.from, d.due, incident.done_at(d), now) else {
                    continue;
                };
                // the review and its passing on are the supervisor's steps
                let review = matches!(
                    d.kind,
                    DeadlineKind::SupervisorReview | DeadlineKind::SupervisorPassOn
                );
                // who to tell, in which agency
                let mut groups: Vec<(Uuid, Who)> = Vec::new();
                if review {
                    if let Some(p) = parent {
                        groups.push((p, Who::Reviewers));
                    }
                    if esc == Escalation::Missed {
                        groups.push((own, Who::Ciso));
                    }
                } else {
                    groups.push((own, Who::Handlers));
                    if esc == Escalation::Missed
                        && let Some(p) = parent
                    {
                        groups.push((p, Who::Reviewers));
                    }
                }
                let link = format!("{}/incidents/{}", self.public_url, incident.id);
                let text = EscalationText {
                    agency: &incident.agency_name,
                    incident: &incident.title,
                    level: d.level.get(),
                    step: &zh.t(deadline_key(d.kind)),
                    due: d.due,
                    rule: &d.rule,
                    link: &link,
                };
                let (subject, body) = compose_escalation(esc, &text, now);
                for (agency, who) in groups {
                    let all: &[Recipient] = match people.entry(agency) {
                        Entry::Occupied(e) => e.into_mut(),
                        Entry::Vacant(e) => e.insert(self.recipients(agency).await?),
                    };
                    for r in all.iter().filter(|r| who.includes(&self.catalog.roles, r)) {
                        mails.push(NewMail {
                            agency_id: Some(own),
                            dedupe_key: format!(
                                "incident:{}:{:?}:{}:{}:{}:{}",
                                incident.id,
                                d.kind,
                                d.level.get(),
                                d.from.unix_timestamp(),
                                esc.as_str(),
                                r.user_id
                            ),
                            to_addr: r.email.clone(),
                            subject: subject.clone(),
                            body: body.clone(),
                        });
                    }
                }
            }
        }
        Ok(self.store.enqueue_mail(&mails, now).await?)
    }

    /// In the last quarter, once a month, tells each person who still owes training hours this
    /// year (and has an e-mail address) how many and of which kind (安維計畫 壹拾參).
    async fn queue_training_reminders(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let today = RocDate::of_instant(now).date();
        if u8::from(today.month()) < 10 {
            return Ok(0);
        }
        let actor = Actor::system();
        let mut mails = Vec::new();
        for agency in self.store.agency_scopes(&actor).await? {
            let (_, people) = self
                .store
                .training_ledger(&self.catalog.training, &agency, today.year(), today)
                .await?;
            for p in people.iter().filter(|p| !p.compliant() && !p.exempt()) {
                let Some(email) = p.person.email.clone() else {
                    continue;
                };
                let (_, _, general) = p.owed(HourKind::General);
                let (_, _, professional) = p.owed(HourKind::Professional);
                let (subject, body) = anwei_domain::reminder::compose_training_shortfall(
                    &p.person.name,
                    &agency.name,
                    today.year(),
                    general,
                    professional,
                );
                mails.push(NewMail {
                    agency_id: Some(agency.id),
                    dedupe_key: format!(
                        "training:{}:{}-{:02}",
                        p.person.id,
                        today.year(),
                        u8::from(today.month())
                    ),
                    to_addr: email,
                    subject,
                    body,
                });
            }
        }
        Ok(self.store.enqueue_mail(&mails, now).await?)
    }

    /// Sends what is due in the outbox; returns (sent, failed attempts).
    async fn send_outbox(&self) -> anyhow::Result<(usize, usize)> {
        let Some((transport, from)) = &self.mailer else {
            return Ok((0, 0));
        };
        let (mut sent, mut failed) = (0, 0);
        loop {
            let now = self.clock.now();
            let batch = self
                .store
                .claim_mail(&self.instance, now, time::Duration::minutes(5), 20)
                .await?;
            if batch.is_empty() {
                break;
            }
            for row in batch {
                match self.send_one(transport, from, &row).await {
                    Ok(()) => {
                        if self
                            .store
                            .mark_mail_sent(&row, &self.instance, self.clock.now())
                            .await?
                        {
                            sent += 1;
                        }
                    }
                    Err((error, permanent)) => {
                        failed += 1;
                        let attempts = u32::try_from(row.attempts).unwrap_or(0) + 1;
                        let give_up = permanent || attempts >= MAX_ATTEMPTS;
                        let now = self.clock.now();
                        let retry_at = now + time::Duration::minutes(retry_after_minutes(attempts));
                        tracing::warn!(to = %row.to_addr, %error, attempts, give_up, "sending mail failed");
                        self.store
                            .mark_mail_failed(&row, &self.instance, &error, retry_at, give_up, now)
                            .await?;
                    }
                }
            }
        }
        Ok((sent, failed))
    }

    /// Err((reason, permanent)): a bad address will never work; a refused connection might.
    async fn send_one(
        &self,
        transport: &AsyncSmtpTransport<Tokio1Executor>,
        from: &lettre::message::Mailbox,
        row: &OutboxRow,
    ) -> Result<(), (String, bool)> {
        let to = row
            .to_addr
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| (format!("invalid address {}: {e}", row.to_addr), true))?;
        let message = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(row.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(row.body.clone())
            .map_err(|e| (e.to_string(), true))?;
        transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| (e.to_string(), e.is_permanent()))
    }
}

/// Who hears of an incident deadline: as the roles catalog grants the rights.
#[derive(Debug, Clone, Copy)]
enum Who {
    /// those who handle the agency's incidents (incident.manage)
    Handlers,
    /// the 資通安全長
    Ciso,
    /// those who review subordinate agencies' incidents (incident.review)
    Reviewers,
}

impl Who {
    fn includes(self, roles: &RoleCatalog, r: &Recipient) -> bool {
        let Some(role) = Role::from_stored(&r.role) else {
            return false;
        };
        match self {
            Who::Handlers => roles.has(role, Permission::IncidentManage),
            Who::Ciso => role == Role::Ciso,
            Who::Reviewers => roles.has(role, Permission::IncidentReview),
        }
    }
}
