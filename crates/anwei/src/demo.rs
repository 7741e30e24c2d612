//! Demo data from the seed plan: 臺南市政府教育局 supervising two elementary schools, one of them
//! the seed's own 下營國小 (level D, its core systems centrally hosted by the bureau), with the
//! seed's people in their roles. Every demo account must change its password at first sign-in,
//! as the plan requires of any password someone else chose.

use anwei_domain::agency::{AgencyCode, AgencyKind, ResponsibilityLevel};
use anwei_domain::password::hash_password;
use anwei_domain::user::{Role, Username};
use anwei_store::agencies::AgencyProfile;
use anwei_store::files::FileStore;
use anwei_store::users::NewUser;
use anwei_store::{Actor, Store};
use time::OffsetDateTime;

/// The password of every demo account (documented in the README); it must be changed at first
/// sign-in.
pub const DEMO_PASSWORD: &str = "Anwei-demo-115";

pub struct DemoUser {
    pub agency: &'static str,
    pub username: &'static str,
    pub name: &'static str,
    pub role: Role,
    /// Reminders go here; `.example` addresses (RFC 2606) never reach a real mailbox.
    pub email: &'static str,
}

pub const DEMO_USERS: [DemoUser; 6] = [
    DemoUser {
        agency: "xiaying-es",
        username: "xiaying.officer",
        name: "施昀豆",
        role: Role::Officer,
        email: "officer@xiaying-es.example",
    },
    DemoUser {
        agency: "xiaying-es",
        username: "xiaying.principal",
        name: "邱明崇",
        role: Role::Ciso,
        email: "principal@xiaying-es.example",
    },
    DemoUser {
        agency: "xiaying-es",
        username: "xiaying.dean",
        name: "李玉萍",
        role: Role::Staff,
        email: "dean@xiaying-es.example",
    },
    DemoUser {
        agency: "tuku-es",
        username: "tuku.officer",
        name: "土庫國小承辦人（示範）",
        role: Role::Officer,
        email: "officer@tuku-es.example",
    },
    DemoUser {
        agency: "tainan-edu",
        username: "tainan.auditor",
        name: "教育局稽核員（示範）",
        role: Role::Auditor,
        email: "auditor@tainan-edu.example",
    },
    DemoUser {
        agency: "tainan-edu",
        username: "tainan.officer",
        name: "教育局承辦人（示範）",
        role: Role::Officer,
        email: "officer@tainan-edu.example",
    },
];

/// Systems the bureau runs for 下營國小 (seed 參: 「向上集中」).
const XIAYING_HOSTED: [&str; 5] = [
    "國小學籍系統",
    "國小成績系統",
    "公文系統",
    "國小輔導系統",
    "學校首頁",
];

pub enum Outcome {
    Loaded,
    AlreadyPresent,
}

fn code(s: &str) -> anyhow::Result<AgencyCode> {
    Ok(AgencyCode::parse(s)?)
}

/// Loads the demo unless `tainan-edu` already exists.
pub async fn load(
    store: &Store,
    files: &FileStore,
    now: OffsetDateTime,
) -> anyhow::Result<Outcome> {
    let actor = Actor::cli();
    if store.agency_by_code(&actor, "tainan-edu").await?.is_some() {
        return Ok(Outcome::AlreadyPresent);
    }
    let bureau_id = store
        .create_agency(
            &actor,
            None,
            &code("tainan-edu")?,
            &AgencyProfile {
                name: "臺南市政府教育局".into(),
                kind: AgencyKind::Bureau,
                level: None,
                level_approved_on: None,
                level_basis: None,
            },
            now,
        )
        .await?;
    let bureau = store
        .agency_by_id(&actor, bureau_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the bureau just created is missing"))?;
    let schools = [
        (
            "xiaying-es",
            "臺南市下營區下營國民小學",
            Some(
                "教育部臺教資(四)字第1070202157號函：公立高級中等以下學校，核心資訊系統由上級機關兼辦或代管",
            ),
        ),
        ("tuku-es", "臺南市新營區土庫國民小學", None),
    ];
    for (c, name, basis) in schools {
        let id = store
            .create_agency(
                &actor,
                Some(&bureau),
                &code(c)?,
                &AgencyProfile {
                    name: name.into(),
                    kind: AgencyKind::School,
                    level: Some(ResponsibilityLevel::D),
                    // The demo's approval date; the seed's letter (107年) predates the 2026
                    // re-approval rule, so the demo starts from a re-approval in 113年.
                    level_approved_on: Some(time::macros::date!(2024 - 08 - 01)),
                    level_basis: basis.map(str::to_string),
                },
                now,
            )
            .await?;
        if c == "xiaying-es" {
            let school = store
                .agency_by_id(&actor, id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("the school just created is missing"))?;
            for system in XIAYING_HOSTED {
                store
                    .add_hosted_system(&actor, &school, bureau.id, system, now)
                    .await?;
            }
        }
    }
    for u in &DEMO_USERS {
        // One hash each: the same password under different salts.
        let hash = tokio::task::spawn_blocking(|| hash_password(DEMO_PASSWORD)).await??;
        let agency = store
            .agency_by_code(&actor, u.agency)
            .await?
            .ok_or_else(|| anyhow::anyhow!("demo agency {} is missing", u.agency))?;
        store
            .create_user(
                &actor,
                NewUser {
                    agency_id: Some(agency.id),
                    username: &Username::parse(u.username)?,
                    display_name: u.name,
                    email: Some(u.email),
                    role: u.role,
                    password_hash: &hash,
                    must_change_password: true,
                },
                now,
            )
            .await?;
    }
    load_training(store, &actor, now).await?;
    load_plan(store, files, &actor, now).await?;
    load_assets(store, &actor, now).await?;
    // This year's duties, so that the first page a new user opens already lists them.
    let obligations = anwei_domain::catalog::Catalog::load()?.obligations;
    let year = anwei_domain::roc::RocDate::of_instant(now).date().year();
    for agency in store.agencies(&actor).await? {
        store
            .materialise_year(&actor, &obligations, agency.id, year, now)
            .await?;
    }
    Ok(Outcome::Loaded)
}

/// Adds `count` synthetic level-D schools (`demo-school-00001` …) under the demo bureau, for
/// load tests of a city- or country-sized deployment. Existing ones are skipped.
pub async fn add_schools(store: &Store, count: u32, now: OffsetDateTime) -> anyhow::Result<u32> {
    let actor = Actor::cli();
    let bureau = store
        .agency_by_code(&actor, "tainan-edu")
        .await?
        .ok_or_else(|| anyhow::anyhow!("load the demo first"))?;
    let mut made = 0;
    for n in 1..=count {
        let c = format!("demo-school-{n:05}");
        if store.agency_by_code(&actor, &c).await?.is_some() {
            continue;
        }
        store
            .create_agency(
                &actor,
                Some(&bureau),
                &code(&c)?,
                &AgencyProfile {
                    name: format!("示範國民小學 {n:05}"),
                    kind: AgencyKind::School,
                    level: Some(ResponsibilityLevel::D),
                    level_approved_on: Some(time::macros::date!(2024 - 08 - 01)),
                    level_basis: None,
                },
                now,
            )
            .await?;
        made += 1;
    }
    Ok(made)
}

/// 下營國小's people and two courses, so that the ledger shows someone compliant and someone
/// short: the 承辦人 (資訊人員) has 2 of the 3 professional hours of 2025–2026, a teacher 2 of
/// the 3 general hours.
async fn load_training(store: &Store, actor: &Actor, now: OffsetDateTime) -> anyhow::Result<()> {
    use anwei_domain::training::{HourKind, TrainingCategory};
    use anwei_store::training::{NewCourse, NewPerson};
    use time::macros::date;
    let school = store
        .agency_by_code(actor, "xiaying-es")
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo school missing"))?;
    // The accounts' people carry the accounts' e-mail: that is how a person finds their own
    // hours on the dashboard.
    let people = [
        (
            "邱明崇",
            TrainingCategory::General,
            false,
            Some("principal@xiaying-es.example"),
        ),
        (
            "李玉萍",
            TrainingCategory::General,
            false,
            Some("dean@xiaying-es.example"),
        ),
        (
            "施昀豆",
            TrainingCategory::ItStaff,
            false,
            Some("officer@xiaying-es.example"),
        ),
        ("王怡君", TrainingCategory::General, false, None),
        ("陳志明", TrainingCategory::General, false, None),
        (
            "校務系統維護廠商（示範）",
            TrainingCategory::ItStaff,
            true,
            None,
        ),
    ];
    let mut ids = Vec::new();
    for (name, category, external, email) in people {
        let id = store
            .add_person(
                actor,
                school.id,
                &NewPerson {
                    name,
                    category,
                    email,
                    external,
                    joined_on: None,
                    left_on: None,
                },
                now,
            )
            .await?;
        ids.push(id);
    }
    // The year's plan by audience: the general course is held, the IT staff's professional
    // course is overdue, the management briefing is still to come.
    let mut plan = Vec::new();
    for (audience, title, month, hours, kind) in [
        (
            "business",
            "115年度資通安全通識教育訓練（校內研習）",
            2,
            30,
            HourKind::General,
        ),
        (
            "it",
            "資安職能訓練（資訊人員，3小時）",
            9,
            30,
            HourKind::Professional,
        ),
        (
            "management",
            "主管資通安全認知宣導",
            12,
            10,
            HourKind::General,
        ),
    ] {
        plan.push(
            store
                .add_plan_item(
                    actor,
                    school.id,
                    &anwei_store::training::NewPlanItem {
                        year: 2026,
                        audience,
                        title,
                        planned_month: month,
                        hours,
                        kind,
                    },
                    now,
                )
                .await?,
        );
    }
    // The policy in force and who has acknowledged it: the principal on paper, the officer
    // online; the teachers still have to.
    let version = "資通安全政策（115年2月1日第2版）";
    store
        .set_policy_version(actor, &school, version, now)
        .await?;
    for (i, by_person) in [(0, false), (2, true)] {
        if let Some(person) = store.person(&school, ids[i]).await? {
            store
                .acknowledge_policy(actor, &person, version, by_person, now)
                .await?;
        }
    }
    store
        .add_course(
            actor,
            school.id,
            &NewCourse {
                title: "115年度資通安全通識教育訓練（校內研習）",
                held_on: date!(2026 - 02 - 25),
                hours: 30,
                kind: HourKind::General,
                provider: "臺南市政府教育局",
                online: false,
                plan_item: plan.first().copied(),
            },
            &ids[..4],
            now,
        )
        .await?;
    store
        .add_course(
            actor,
            school.id,
            &NewCourse {
                title: "資通安全通識（e等公務園線上課程）",
                held_on: date!(2026 - 02 - 26),
                hours: 20,
                kind: HourKind::General,
                provider: "e等公務園+學習平臺",
                online: true,
                plan_item: None,
            },
            &ids[4..5],
            now,
        )
        .await?;
    store
        .add_course(
            actor,
            school.id,
            &NewCourse {
                title: "資安職能訓練：網路安全防護實務",
                held_on: date!(2025 - 09 - 10),
                hours: 20,
                kind: HourKind::Professional,
                provider: "數位發展部資通安全署",
                online: false,
                plan_item: None,
            },
            &ids[2..3],
            now,
        )
        .await?;
    Ok(())
}

/// 下營國小's plan: the Tainan template with the school's roster as its cover signs it, published
/// as version 1 so that its export is the seed plan — including the seed's defects (the old
/// article numbers, the 資訊人員 rule it does not state, and a 資通安全長 named differently in
/// 伍 and in the signature block), which the plan lint then finds.
async fn load_plan(
    store: &Store,
    files: &FileStore,
    actor: &Actor,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    use anwei_domain::plan::Member;
    use anwei_store::plans::PlanStep;
    let catalog = anwei_domain::catalog::Catalog::load()?;
    let school = store
        .agency_by_code(actor, "xiaying-es")
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo school missing"))?;
    let member = |role: &str, name: &str, title: &str, duties: &str| Member {
        role: role.into(),
        name: name.into(),
        title: title.into(),
        duties: duties.into(),
    };
    let roster = vec![
        member(
            "ciso",
            "邱明崇",
            "下營國民小學\n校長",
            "督導機關資通安全相關事項",
        ),
        member(
            "unit_head",
            "李玉萍",
            "教師兼\n教務主任",
            "資通安全推動小組",
        ),
        member(
            "officer",
            "施昀豆",
            "代理教師兼\n註冊設備組長",
            "資通安全推動小組：承辦資通安全業務",
        ),
    ];
    let id = anwei_app::plans::start_draft(store, &catalog, actor, &school, roster, now).await?;
    // The demo's history: the officer submitted, the principal (資通安全長) approved. Recorded
    // under their usernames so that the cover's approval record names them.
    let as_user = |username: &str| Actor {
        label: username.into(),
        agency_id: Some(school.id),
        ..actor.clone()
    };
    store
        .plan_step(
            &as_user("xiaying.officer"),
            school.id,
            id,
            PlanStep::Submit,
            now,
        )
        .await?;
    store
        .plan_step(
            &as_user("xiaying.principal"),
            school.id,
            id,
            PlanStep::Approve,
            now,
        )
        .await?;
    let version = store
        .plan_version(&school, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo plan missing"))?;
    anwei_app::plans::publish(store, files, actor, &school, &version, now).await?;
    Ok(())
}

/// 下營國小's inventory as its plan describes it: the four core-business systems and the school
/// website, all run centrally by the bureau (參、捌.二), and the school's own equipment, one item
/// in the care of the 教務主任 (who has an account, so she can update it herself).
async fn load_assets(store: &Store, actor: &Actor, now: OffsetDateTime) -> anyhow::Result<()> {
    use anwei_domain::asset::RawAsset;
    let school = store
        .agency_by_code(actor, "xiaying-es")
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo school missing"))?;
    let users = store.users_of_agency(actor, school.id).await?;
    let central = |name: &str, core: bool, c: &str, i: &str, a: &str, l: &str| RawAsset {
        name: name.into(),
        kind: "system".into(),
        custodian: "臺南市政府教育局".into(),
        owner_unit: "教務處".into(),
        location: "臺南市教育網路中心".into(),
        supports_core_business: core.to_string(),
        centralised: "true".into(),
        hosted_by: "臺南市政府教育局".into(),
        confidentiality: c.into(),
        integrity: i.into(),
        availability: a.into(),
        legality: l.into(),
        status: "in_use".into(),
        acquired_on: String::new(),
    };
    let own = |name: &str, kind: &str, custodian: &str, unit: &str, location: &str| RawAsset {
        name: name.into(),
        kind: kind.into(),
        custodian: custodian.into(),
        owner_unit: unit.into(),
        location: location.into(),
        confidentiality: "普".into(),
        integrity: "普".into(),
        availability: "普".into(),
        legality: "普".into(),
        ..RawAsset::default()
    };
    let assets = [
        central("國小學籍系統", true, "中", "中", "普", "中"),
        central("國小成績系統", true, "中", "中", "普", "中"),
        central("公文系統", true, "普", "中", "中", "普"),
        central("國小輔導系統", true, "中", "普", "普", "中"),
        central("學校首頁", false, "普", "普", "普", "普"),
        own(
            "校內網路交換器",
            "hardware",
            "施昀豆",
            "教務處註冊設備組",
            "電腦教室機櫃",
        ),
        own("教務處電腦", "hardware", "李玉萍", "教務處", "教務處"),
        own(
            "防毒軟體",
            "software",
            "施昀豆",
            "教務處註冊設備組",
            "全校電腦",
        ),
    ];
    for raw in assets {
        let input = raw
            .parse(anwei_domain::roc::RocDate::of_instant(now).date())
            .map_err(|e| anyhow::anyhow!("demo asset {}: {e:?}", raw.name))?;
        let custodian = anwei_store::assets::custodian_account(&users, &input.custodian);
        store
            .create_asset(actor, school.id, &input, custodian, now)
            .await?;
    }
    Ok(())
}
