//! The command line. Every subcommand explains itself with `--help`; every failure is one line on
//! standard error and a non-zero exit status. Messages about what a person typed come from the
//! same Fluent files as the web pages (Chinese when `LANG` is zh_*, English otherwise).

use crate::demo;
use crate::server;
use anwei_app::i18n::{Lang, Locale};
use anwei_domain::DomainError;
use anwei_domain::agency::{AgencyCode, parse_line};
use anwei_domain::audit::Checkpoint;
use anwei_domain::clock::{Clock, SystemClock};
use anwei_domain::password::hash_password;
use anwei_domain::secret;
use anwei_domain::user::{Role, Username};
use anwei_store::audit::{VerifyError, verify};
use anwei_store::files::FileStore;
use anwei_store::tokens::NewToken;
use anwei_store::users::NewUser;
use anwei_store::{Actor, Store, StoreError};
use anwei_web::WebConfig;
use anyhow::{Context, anyhow, bail};
use clap::{Args, Parser, Subcommand};
use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser, Debug)]
#[command(
    name = "anwei",
    version,
    about = "安維 Anwei — run, prove and print a 資通安全維護計畫 (cyber security maintenance plan)",
    long_about = "安維 Anwei lets a Taiwanese public agency run its 資通安全維護計畫 under 資通安全管理法, \
                  and lets its supervising agency oversee many agencies.\n\n\
                  Without --database-url, Anwei keeps its data in an SQLite file inside --data-dir."
)]
pub struct Cli {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct DbArgs {
    /// Database to use: postgres://user:password@host/db, or sqlite:PATH.
    /// Default: the SQLite file anwei.db in --data-dir.
    #[arg(long, global = true, env = "ANWEI_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Directory for Anwei's own files (the default SQLite database).
    #[arg(
        long,
        global = true,
        env = "ANWEI_DATA_DIR",
        default_value = "anwei-data"
    )]
    pub data_dir: PathBuf,
}

impl DbArgs {
    pub fn url(&self) -> anyhow::Result<String> {
        if let Some(u) = &self.database_url {
            return Ok(u.clone());
        }
        std::fs::create_dir_all(&self.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}",
                self.data_dir.display()
            )
        })?;
        Ok(format!(
            "sqlite:{}",
            self.data_dir.join("anwei.db").display()
        ))
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Start the web server (applies pending database migrations first).
    Serve {
        /// Address and port to listen on.
        #[arg(long, default_value = "127.0.0.1:8080", env = "ANWEI_BIND")]
        bind: SocketAddr,
        /// Load the demo agencies and accounts first if the database has none.
        #[arg(long)]
        demo: bool,
        /// Send cookies without the Secure flag. Only for plain-http access from another machine
        /// during an evaluation; browsers accept secure cookies from localhost without it.
        #[arg(long)]
        insecure_cookies: bool,
        /// Where evidence files are kept. Default: the directory files/ inside --data-dir.
        #[arg(long, env = "ANWEI_FILES_DIR")]
        files_dir: Option<PathBuf>,
        /// The largest evidence file accepted, in MB.
        #[arg(long, env = "ANWEI_MAX_UPLOAD_MB", default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=500))]
        max_upload_mb: u16,
        /// How people reach this server, for links in reminders and calendar feeds, e.g.
        /// https://anwei.tn.edu.tw. Default: http:// and the --bind address.
        #[arg(long, env = "ANWEI_PUBLIC_URL")]
        public_url: Option<String>,
        /// SMTP server for reminders: smtp://host:25, smtp://user:pass@host:587?tls=required or
        /// smtps://user:pass@host:465. Without it reminders wait in the outbox.
        #[arg(long, env = "ANWEI_SMTP_URL")]
        smtp_url: Option<String>,
        /// The sender of reminders.
        #[arg(
            long,
            env = "ANWEI_MAIL_FROM",
            default_value = "安維 Anwei <anwei@localhost>"
        )]
        mail_from: String,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create a system administrator: a separate privileged account that must enrol a second
    /// factor (TOTP) at first sign-in. Reads the password from standard input.
    CreateAdmin {
        #[arg(long)]
        username: String,
        /// Full name shown in the audit log.
        #[arg(long, default_value = "系統管理者")]
        display_name: String,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Manage an agency's accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Personal API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Incidents (資通安全事件).
    Incident {
        #[command(subcommand)]
        command: IncidentCommand,
    },
    /// An agency's duties (應辦事項) for a year and their tasks, each with its citation.
    Obligations {
        /// The agency's code, e.g. xiaying-es.
        #[arg(long)]
        agency: String,
        /// The calendar year, e.g. 2026.
        #[arg(long)]
        year: i32,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// The audit checklist (稽核檢核表) with Anwei's proposed answer to every item, the reasons
    /// and the records that prove them. Reads only.
    Checklist {
        /// The agency's code, e.g. xiaying-es.
        #[arg(long)]
        agency: String,
        /// The calendar year, e.g. 2026.
        #[arg(long)]
        year: i32,
        /// A checklist of the catalog, e.g. gov-115 (default: the edition in force that year).
        #[arg(long)]
        checklist: Option<String>,
        /// Instead of the agency's own items, one line per agency directly under it: how many
        /// items Anwei proposes as each answer (a bureau's view of its schools).
        #[arg(long)]
        below: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Load the demo: 臺南市政府教育局 (tainan-edu) with 下營國小 (xiaying-es) and 土庫國小 (tuku-es).
    Demo {
        /// Also create this many synthetic level-D schools under the bureau (load tests).
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=100_000))]
        schools: u32,
    },
    /// 資訊及資通系統盤點: import an inventory spreadsheet.
    Asset {
        #[command(subcommand)]
        command: AssetCommand,
    },
    /// 資通安全教育訓練.
    Training {
        #[command(subcommand)]
        command: TrainingCommand,
    },
    /// 資通安全維護計畫: export it, or check it against the law in force.
    Plan {
        #[command(subcommand)]
        command: PlanCommand,
    },
    /// Background work, for operators and cron: `anwei jobs run` does one pass of what the
    /// server does every minute (recompute duties, queue reminders, send mail).
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum AssetCommand {
    /// Imports assets from XLSX, ODS, XLS or CSV (UTF-8 or Big5), columns found by their
    /// headers; refused rows are listed on standard error and, unless --skip-invalid, nothing is
    /// imported.
    Import {
        #[arg(long)]
        agency: String,
        #[arg(long)]
        file: PathBuf,
        /// Import the valid rows even when some are refused.
        #[arg(long)]
        skip_invalid: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum TrainingCommand {
    /// Every person's required, done and missing hours for a year, general and professional.
    Ledger {
        /// The agency's code, e.g. xiaying-es.
        #[arg(long)]
        agency: String,
        /// The calendar year, e.g. 2026.
        #[arg(long)]
        year: i32,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Subcommand, Debug)]
pub enum PlanCommand {
    /// Writes the plan (the latest published version, or the draft if none is published).
    Export {
        #[arg(long)]
        agency: String,
        #[arg(long, value_enum)]
        format: crate::plan_cli::PlanFormat,
        #[arg(long)]
        output: PathBuf,
        /// A published version's number.
        #[arg(long, value_parser = clap::value_parser!(i32).range(1..=10_000))]
        version: Option<i32>,
        /// Where the server keeps files: a published version is then exported as frozen.
        #[arg(long)]
        files_dir: Option<PathBuf>,
    },
    /// Checks the plan against the law in force on a date (default today); exit status 1 when
    /// anything is found.
    Lint {
        #[arg(long)]
        agency: String,
        /// e.g. 2026-11-24 or 115/11/24
        #[arg(long)]
        on: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Subcommand, Debug)]
pub enum JobsCommand {
    /// Run every due job once and print what it did.
    Run {
        /// SMTP server (as for `serve`); without it mail stays queued.
        #[arg(long, env = "ANWEI_SMTP_URL")]
        smtp_url: Option<String>,
        #[arg(
            long,
            env = "ANWEI_MAIL_FROM",
            default_value = "安維 Anwei <anwei@localhost>"
        )]
        mail_from: String,
        /// Base of links in reminders.
        #[arg(
            long,
            env = "ANWEI_PUBLIC_URL",
            default_value = "http://127.0.0.1:8080"
        )]
        public_url: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add an account to an agency. The person must change the password at first sign-in.
    Add {
        /// The agency's code, e.g. xiaying-es.
        #[arg(long)]
        agency: String,
        #[arg(long)]
        username: String,
        /// ciso (資通安全長), officer (資安推動小組成員/承辦人), custodian (資產管理人),
        /// staff (一般使用者) or auditor (上級機關稽核員).
        #[arg(long)]
        role: String,
        /// Full name; defaults to the username.
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long)]
        email: Option<String>,
        /// Read the initial password from standard input (required).
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create an API token for an account and print only the token on standard output.
    Create {
        #[arg(long)]
        username: String,
        /// A name to tell the token apart later.
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check every agency's audit chain, then compare the chains with the last checkpoint (the
    /// database's, or the file's when it is newer); exit 0 when intact, 1 naming what is broken,
    /// missing or behind.
    Verify {
        /// A copy of the checkpoint file kept off the machine; default: the data directory's
        /// `audit-checkpoints.jsonl`, when it exists.
        #[arg(long)]
        checkpoint_file: Option<PathBuf>,
    },
    /// Record every chain's head as a new checkpoint, append it to the checkpoint file and
    /// print it (one JSON line). The server does this every hour; copy the file, or the lines
    /// printed, somewhere the database's administrators cannot write.
    Checkpoint {
        /// Where to append it; default: the data directory's `audit-checkpoints.jsonl`.
        #[arg(long)]
        checkpoint_file: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum IncidentCommand {
    /// Print an incident's statutory deadlines (notification, re-notification, supervisor review,
    /// recovery, report) with the rule each comes from. Needs no database.
    Clock {
        /// When the agency became aware (知悉), RFC 3339, e.g. 2026-01-30T23:30:00+08:00.
        #[arg(long)]
        aware: String,
        /// The incident level first notified, 1–4.
        #[arg(long)]
        level: String,
        /// A later level change as TIME=LEVEL, e.g. 2026-01-31T01:00:00+08:00=3; repeatable.
        #[arg(long = "level-change")]
        level_change: Vec<String>,
        /// When the notification was made, if it was.
        #[arg(long)]
        notified: Option<String>,
        /// When damage control or recovery was completed, if it was.
        #[arg(long)]
        recovered: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("anwei: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("anwei: {}", one_line(&e));
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ANWEI_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// The error and its causes on one line; field errors in the user's language.
/// Writes to standard output. A reader that went away (`anwei … | head`) is not an error: the
/// output is simply no longer wanted, so it is dropped instead of panicking as `println!` would.
pub fn say(text: impl std::fmt::Display) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// The store and the agency a report command names: the year checked (2019–2100), the agency
/// found by code, each failure one line.
pub async fn agency_for_report(
    url: &str,
    code: &str,
    year: i32,
) -> anyhow::Result<(Store, anwei_store::agencies::AgencyScope)> {
    if !(2019..=2100).contains(&year) {
        return Err(anwei_domain::FieldError::new("year", "err-year").into());
    }
    store_and_agency(url, code).await
}

/// The store and the agency a command names by code; an unknown code is one line.
pub async fn store_and_agency(
    url: &str,
    code: &str,
) -> anyhow::Result<(Store, anwei_store::agencies::AgencyScope)> {
    let store = server::open_store(url).await?;
    let missing = || anyhow!("there is no agency with the code {code}");
    let parsed = AgencyCode::parse(code).map_err(|_| missing())?;
    let agency = store
        .agency_by_code(&Actor::cli(), parsed.as_str())
        .await?
        .ok_or_else(missing)?;
    Ok((store, agency))
}

/// The language of the command line: Chinese when `LANG` is zh_*, English otherwise.
pub fn cli_locale() -> Locale {
    Locale::new(
        std::env::var("LANG")
            .ok()
            .and_then(|l| Lang::parse(&l))
            .unwrap_or(Lang::En),
    )
}

fn one_line(e: &anyhow::Error) -> String {
    let t = cli_locale();
    for cause in e.chain() {
        let fields = match cause.downcast_ref::<DomainError>() {
            Some(DomainError::Invalid(f)) => Some(f.clone()),
            _ => match cause.downcast_ref::<StoreError>() {
                Some(StoreError::Domain(DomainError::Invalid(f))) => Some(f.clone()),
                _ => cause
                    .downcast_ref::<anwei_domain::FieldError>()
                    .map(|f| vec![f.clone()]),
            },
        };
        if let Some(fields) = fields {
            return fields
                .iter()
                .map(|f| format!("--{}: {}", f.field.replace('_', "-"), t.field_error(f)))
                .collect::<Vec<_>>()
                .join("; ");
        }
    }
    e.chain()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}

fn read_password(flag: bool) -> anyhow::Result<String> {
    if !flag {
        bail!("pass the password on standard input with --password-stdin (never as an argument)");
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let pw = line.trim_end_matches(['\n', '\r']).to_string();
    if pw.is_empty() {
        bail!("no password on standard input");
    }
    Ok(pw)
}

/// An account to create from the command line.
struct Account {
    /// The agency's code; None for an administrator.
    agency: Option<String>,
    username: Username,
    display_name: String,
    email: Option<String>,
    role: Role,
}

impl Account {
    /// Checks the password against the account policy and creates the account. A password the
    /// operator chose for someone else must be changed at first sign-in; an administrator chooses
    /// their own.
    async fn create(
        self,
        url: &str,
        password: String,
        now: time::OffsetDateTime,
    ) -> anyhow::Result<Username> {
        let catalog = anwei_domain::catalog::Catalog::load()?;
        catalog
            .account_policy
            .check_strength(&password, self.username.as_str())?;
        let store = server::open_store(url).await?;
        let actor = Actor::cli();
        let agency_id = match &self.agency {
            None => None,
            Some(code) => {
                let missing = || anyhow!("there is no agency with the code {code}");
                let parsed = AgencyCode::parse(code).map_err(|_| missing())?;
                Some(
                    store
                        .agency_by_code(&actor, parsed.as_str())
                        .await?
                        .ok_or_else(missing)?
                        .id,
                )
            }
        };
        let hash = tokio::task::spawn_blocking(move || hash_password(&password)).await??;
        let new = NewUser {
            agency_id,
            username: &self.username,
            display_name: &self.display_name,
            email: self.email.as_deref(),
            role: self.role,
            password_hash: &hash,
            must_change_password: !self.role.is_admin(),
        };
        match store.create_user(&actor, new, now).await {
            Ok(_) => Ok(self.username),
            Err(StoreError::Conflict { .. }) => {
                Err(anyhow!("the username {} is taken", self.username))
            }
            Err(e) => Err(e.into()),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // Only commands that use the database create the data directory.
    let db = cli.db;
    let url = || db.url();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    match cli.command {
        Command::Serve {
            bind,
            demo,
            insecure_cookies,
            files_dir,
            max_upload_mb,
            public_url,
            smtp_url,
            mail_from,
        } => {
            let store = server::open_store(&url()?).await?;
            let files_dir = files_dir.unwrap_or_else(|| db.data_dir.join("files"));
            if demo
                && let demo::Outcome::Loaded =
                    demo::load(&store, &FileStore::local(&files_dir), clock.now()).await?
            {
                tracing::info!("demo data loaded (see README for the accounts)");
            }
            let public_url = public_url.unwrap_or_else(|| format!("http://{bind}"));
            let config = WebConfig {
                secure_cookies: !insecure_cookies,
                files_dir,
                max_upload_bytes: usize::from(max_upload_mb) * 1024 * 1024,
                public_url: Some(public_url.clone()),
                mail_configured: smtp_url.is_some(),
            };
            let mail = crate::jobs::MailConfig {
                smtp_url,
                from: mail_from,
            };
            if mail.smtp_url.is_none() {
                tracing::warn!("no --smtp-url: reminders are queued but not sent");
            }
            let worker = crate::jobs::Worker::new(
                store.clone(),
                Arc::new(anwei_domain::catalog::Catalog::load()?),
                clock.clone(),
                &mail,
                public_url,
            )?
            .with_checkpoint_file(db.data_dir.join(CHECKPOINT_FILE));
            let state = server::state(store, clock, config)?;
            let listener = tokio::net::TcpListener::bind(bind)
                .await
                .with_context(|| format!("cannot listen on {bind}"))?;
            tracing::info!(database = %server::redact(&url()?), "Anwei is listening on http://{bind}");
            server::serve(listener, state, Some(worker), shutdown_signal()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let store = server::open_store(&url()?).await?;
            let (known, _) = anwei_store::migrate::known_versions();
            say(format!(
                "database is up to date ({} migrations)",
                known.len()
            ))?;
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::CreateAdmin {
            username,
            display_name,
            password_stdin,
        } => {
            let account = Account {
                agency: None,
                username: Username::parse(&username)?,
                display_name: parse_line("display_name", &display_name, 1, 50)?,
                email: None,
                role: Role::Admin,
            };
            let username = account
                .create(&url()?, read_password(password_stdin)?, clock.now())
                .await?;
            say(format!(
                "administrator {username} created; a second factor (TOTP) will be enrolled at first sign-in"
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::User {
            command:
                UserCommand::Add {
                    agency,
                    username,
                    role,
                    display_name,
                    email,
                    password_stdin,
                },
        } => {
            let username = Username::parse(&username)?;
            let role = match role.trim() {
                "admin" => bail!("admin accounts come only from `anwei create-admin`"),
                r => Role::parse_assignable(r)?,
            };
            let account = Account {
                agency: Some(agency),
                display_name: parse_line(
                    "display_name",
                    display_name.as_deref().unwrap_or(username.as_str()),
                    1,
                    50,
                )?,
                username,
                email: anwei_domain::user::parse_email(email.as_deref().unwrap_or(""))?,
                role,
            };
            let agency = account.agency.clone().unwrap_or_default();
            let username = account
                .create(&url()?, read_password(password_stdin)?, clock.now())
                .await?;
            say(format!(
                "account {username} ({}) added to {agency}",
                role.as_str()
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Token {
            command: TokenCommand::Create { username, name },
        } => {
            let username = Username::parse(&username)?;
            let name = parse_line("name", &name, 1, 60)?;
            let store = server::open_store(&url()?).await?;
            let actor = Actor::cli();
            let user = store
                .user_by_username(&actor, &username)
                .await?
                .ok_or_else(|| anyhow!("there is no account {username}"))?;
            if user.disabled_at.is_some() {
                bail!("the account {username} is disabled");
            }
            if user.role() == Some(Role::Admin) && !user.totp_enabled {
                bail!(
                    "the administrator {username} has not enrolled the second factor yet: sign in on the web first"
                );
            }
            let (token, digest, prefix) = secret::new_api_token();
            let new = NewToken {
                user_id: user.id,
                agency_id: user.agency_id,
                name: &name,
                digest: &digest,
                prefix: &prefix,
            };
            store.create_token(&actor, new, clock.now()).await?;
            say(&token)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            command: AuditCommand::Verify { checkpoint_file },
        } => {
            let file = checkpoint_file.unwrap_or_else(|| db.data_dir.join(CHECKPOINT_FILE));
            let external = read_checkpoints(&file)?;
            let store = Store::connect(&url()?).await?;
            match verify(&store, &external).await {
                Ok(report) => {
                    say(format!(
                        "audit log intact: {} events in {} chains{}",
                        report.events,
                        report.chains,
                        match report.checkpoint {
                            Some(seq) => format!(", none behind checkpoint {seq}"),
                            None => " (no checkpoint to compare with yet)".into(),
                        }
                    ))?;
                    Ok(ExitCode::SUCCESS)
                }
                Err(VerifyError::Store(e)) => Err(e.into()),
                Err(broken) => {
                    for line in broken.to_string().lines() {
                        eprintln!("anwei: audit log BROKEN: {line}");
                    }
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Audit {
            command: AuditCommand::Checkpoint { checkpoint_file },
        } => {
            let file = checkpoint_file.unwrap_or_else(|| db.data_dir.join(CHECKPOINT_FILE));
            let store = server::open_store(&url()?).await?;
            let cp = write_checkpoint(&store, &file, clock.now()).await?;
            say(cp.to_line())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Incident { command } => crate::incident_clock::run(&command),
        Command::Obligations {
            agency,
            year,
            format,
        } => crate::obligations_cli::run(&url()?, &agency, year, format, clock.now()).await,
        Command::Checklist {
            agency,
            year,
            checklist,
            below,
            format,
        } => {
            let run = crate::checklist_cli::Run {
                agency: &agency,
                year,
                checklist: checklist.as_deref(),
                below,
                format,
            };
            crate::checklist_cli::run(&url()?, run, clock.now()).await
        }
        Command::Demo { schools } => {
            let store = server::open_store(&url()?).await?;
            let files = FileStore::local(db.data_dir.join("files"));
            match demo::load(&store, &files, clock.now()).await? {
                demo::Outcome::Loaded => {
                    say("demo loaded: tainan-edu, xiaying-es, tuku-es (accounts in the README)")?
                }
                demo::Outcome::AlreadyPresent => say("demo already present; nothing changed")?,
            }
            if schools > 0 {
                let made = demo::add_schools(&store, schools, clock.now()).await?;
                say(format!("{made} synthetic schools added under tainan-edu"))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Plan { command } => match command {
            PlanCommand::Export {
                agency,
                format,
                output,
                version,
                files_dir,
            } => {
                let files = files_dir.or_else(|| Some(db.data_dir.join("files")));
                crate::plan_cli::export(
                    &url()?,
                    &agency,
                    format,
                    &output,
                    version,
                    files.as_deref(),
                    clock.now(),
                )
                .await
            }
            PlanCommand::Lint { agency, on, format } => {
                crate::plan_cli::lint(&url()?, &agency, on.as_deref(), format, clock.now()).await
            }
        },
        Command::Asset {
            command:
                AssetCommand::Import {
                    agency,
                    file,
                    skip_invalid,
                },
        } => crate::asset_cli::import(&url()?, &agency, &file, skip_invalid, clock.now()).await,
        Command::Training {
            command:
                TrainingCommand::Ledger {
                    agency,
                    year,
                    format,
                },
        } => crate::training_cli::ledger(&url()?, &agency, year, format, clock.now()).await,
        Command::Jobs {
            command:
                JobsCommand::Run {
                    smtp_url,
                    mail_from,
                    public_url,
                },
        } => {
            let store = server::open_store(&url()?).await?;
            let mail = crate::jobs::MailConfig {
                smtp_url,
                from: mail_from,
            };
            let worker = crate::jobs::Worker::new(
                store,
                Arc::new(anwei_domain::catalog::Catalog::load()?),
                clock.clone(),
                &mail,
                public_url,
            )?
            .with_checkpoint_file(db.data_dir.join(CHECKPOINT_FILE));
            let started = std::time::Instant::now();
            let pass = worker.pass().await?;
            say(format!(
                "duties recomputed: {} · reminders queued: {} · mail sent: {} · failed attempts: {} · {} ms",
                if pass.materialised { "yes" } else { "not due" },
                pass.queued,
                pass.sent,
                pass.failed,
                started.elapsed().as_millis()
            ))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The checkpoint file in the data directory (one JSON line per checkpoint, oldest first).
pub const CHECKPOINT_FILE: &str = "audit-checkpoints.jsonl";

/// The checkpoints of a file, oldest first; none when the file does not exist.
pub fn read_checkpoints(file: &std::path::Path) -> anyhow::Result<Vec<Checkpoint>> {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(anyhow!("{}: {e}", file.display())),
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            Checkpoint::from_line(l)
                .map_err(|e| anyhow!("{} line {}: not a checkpoint: {e}", file.display(), i + 1))
        })
        .collect()
}

/// Takes a checkpoint and appends its line to `file`.
pub async fn write_checkpoint(
    store: &Store,
    file: &std::path::Path,
    now: time::OffsetDateTime,
) -> anyhow::Result<Checkpoint> {
    use std::io::Write;
    let cp = anwei_store::audit::checkpoint(store, now).await?;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
        .with_context(|| format!("cannot write {}", file.display()))?;
    writeln!(f, "{}", cp.to_line()).with_context(|| format!("cannot write {}", file.display()))?;
    Ok(cp)
}
