//! The operator's commands: topics, counselors, and the demo data.
//!
//! The command line and the console's REST handlers (`http/admin.rs`) call the same
//! functions here: the inputs are parsed by the domain's types (same refusals, same codes),
//! every change is stored with its log entry (so every instance applies it at once) and
//! recorded in the audit log with who did it.

use std::sync::Arc;

use anyhow::Context;

use pforte_domain::text::{InputError, Login, Name, Password, SeatLimit, Slug};
use serde_json::json;
use url::Url;

use pforte_domain::schedule::{parse_schedule_text, OrgZone, ScheduleDraft};
use pforte_domain::{Schedule, ScheduleError, Timestamp};

use crate::origin::{EmbedOrigin, OriginError};
use crate::secrets::{hash_password, new_token};
use crate::store::{Actor, AuditDraft, CounselorRecord, Store, StoreError, TopicRecord};

/// Why an operator command was refused. Its `Display` starts with the stable code.
#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    // Not `#[from]`: that would make the input error the source too, and a report of the
    // chain would say it twice.
    #[error("{code}: {0}", code = .0.code())]
    Input(InputError),
    #[error("{code}: {0}", code = .0.code())]
    Schedule(ScheduleError),
    #[error("{code}: {0}", code = .0.code())]
    Origin(OriginError),
    #[error("unknown_topic: there is no topic {0:?}")]
    UnknownTopic(String),
    #[error("unknown_counselor: there is no counselor {0:?}")]
    UnknownCounselor(String),
    #[error("slug_taken: a topic {0:?} exists already")]
    SlugTaken(String),
    #[error("login_taken: a counselor {0:?} exists already")]
    LoginTaken(String),
    #[error("{0}")]
    Store(StoreError),
    #[error("hashing the password failed: {0}")]
    Hashing(String),
}

pub type OperatorResult<T> = Result<T, OperatorError>;

impl From<InputError> for OperatorError {
    fn from(error: InputError) -> Self {
        Self::Input(error)
    }
}

impl From<ScheduleError> for OperatorError {
    fn from(error: ScheduleError) -> Self {
        Self::Schedule(error)
    }
}

impl From<OriginError> for OperatorError {
    fn from(error: OriginError) -> Self {
        Self::Origin(error)
    }
}

impl OperatorError {
    /// A store refusal named after what was looked for.
    fn from_store(error: StoreError, topic: &str, counselor: &str) -> Self {
        match error {
            StoreError::NotFound { what: "topic" } => Self::UnknownTopic(topic.to_owned()),
            StoreError::NotFound { what: "counselor" } => {
                Self::UnknownCounselor(counselor.to_owned())
            }
            StoreError::Duplicate { what: "topic" } => Self::SlugTaken(topic.to_owned()),
            StoreError::Duplicate { what: "counselor" } => Self::LoginTaken(counselor.to_owned()),
            other => Self::Store(other),
        }
    }
}

/// The hours of a topic in their text syntax, one group per line (empty: none).
pub fn hours_text(topic: &TopicRecord) -> String {
    topic
        .schedule
        .as_ref()
        .map(|s| s.to_text().replace("; ", "\n"))
        .unwrap_or_default()
}

pub(crate) fn topic_json(topic: &TopicRecord) -> serde_json::Value {
    json!({
        "slug": topic.slug,
        "name": topic.name,
        "live_chat": topic.live_chat,
        "hours": hours_text(topic),
        "hours_note": topic.schedule.as_ref().map(|s| s.note()).unwrap_or_default(),
        "seats": topic.seats,
        "embed_origins": topic.embed_origins.iter().map(|o| o.as_str()).collect::<Vec<_>>(),
    })
}

pub(crate) fn counselor_json(
    store_topics: &[TopicRecord],
    c: &CounselorRecord,
) -> serde_json::Value {
    let mut topics: Vec<&str> = c
        .topics
        .iter()
        .filter_map(|id| {
            store_topics
                .iter()
                .find(|t| t.id == *id)
                .map(|t| t.slug.as_str())
        })
        .collect();
    topics.sort_unstable();
    topics.dedup();
    json!({
        "login": c.name,
        "display_name": c.display_name,
        "topics": topics,
        "operator": c.operator,
        "deactivated": c.deactivated,
        "seats": c.seats,
    })
}

/// An operator action to record with its change (in the change's transaction). Never pass
/// content or a password.
pub fn draft(
    actor: &Actor,
    action: &'static str,
    target: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> AuditDraft {
    AuditDraft {
        at: crate::reception::now(),
        actor: actor.clone(),
        action,
        target: target.to_owned(),
        before,
        after,
    }
}

/// A change of a topic, recorded with its state before and after.
fn topic_draft(
    actor: &Actor,
    action: &'static str,
    before: &TopicRecord,
    change: impl FnOnce(&mut TopicRecord),
) -> AuditDraft {
    let mut after = before.clone();
    change(&mut after);
    draft(
        actor,
        action,
        &before.slug,
        Some(topic_json(before)),
        Some(topic_json(&after)),
    )
}

/// A change of an account, recorded with its state before and after.
pub(crate) fn counselor_draft(
    actor: &Actor,
    action: &'static str,
    topics: &[TopicRecord],
    before: &CounselorRecord,
    change: impl FnOnce(&mut CounselorRecord),
) -> AuditDraft {
    let mut after = before.clone();
    change(&mut after);
    draft(
        actor,
        action,
        &before.name,
        Some(counselor_json(topics, before)),
        Some(counselor_json(topics, &after)),
    )
}

async fn topic(store: &dyn Store, slug: &str) -> OperatorResult<TopicRecord> {
    store
        .topics()
        .await
        .map_err(OperatorError::Store)?
        .into_iter()
        .find(|t| t.slug == slug)
        .ok_or_else(|| OperatorError::UnknownTopic(slug.to_owned()))
}

pub async fn find_counselor(store: &dyn Store, login: &str) -> OperatorResult<CounselorRecord> {
    store
        .counselors()
        .await
        .map_err(OperatorError::Store)?
        .into_iter()
        .find(|c| c.name == login)
        .ok_or_else(|| OperatorError::UnknownCounselor(login.to_owned()))
}

/// A new topic, from what the operator typed.
pub struct NewTopic {
    pub slug: Slug,
    pub name: Name,
    pub live_chat: bool,
    pub chat_hours: Option<String>,
}

impl NewTopic {
    pub fn parse(
        slug: &str,
        name: &str,
        live_chat: bool,
        chat_hours: Option<&str>,
    ) -> OperatorResult<Self> {
        Ok(Self {
            slug: Slug::parse(slug)?,
            name: Name::parse(name)?,
            live_chat,
            chat_hours: chat_hours
                .map(str::trim)
                .filter(|h| !h.is_empty())
                .map(str::to_owned),
        })
    }
}

pub async fn create_topic(
    store: &dyn Store,
    actor: &Actor,
    topic: NewTopic,
) -> OperatorResult<TopicRecord> {
    let slug = topic.slug.as_str();
    let record = json!({
        "slug": slug,
        "name": topic.name.as_str(),
        "live_chat": topic.live_chat,
    });
    let audit = draft(actor, "topic_created", slug, None, Some(record));
    store
        .create_topic(
            slug,
            topic.name.as_str(),
            topic.live_chat,
            topic.chat_hours.as_deref(),
            Some(&audit),
        )
        .await
        .map_err(|e| OperatorError::from_store(e, slug, ""))
}

pub async fn rename_topic(
    store: &dyn Store,
    actor: &Actor,
    slug: &str,
    name: &str,
) -> OperatorResult<TopicRecord> {
    let name = Name::parse(name)?;
    let before = topic(store, slug).await?;
    let audit = topic_draft(actor, "topic_renamed", &before, |t| {
        t.name = name.as_str().to_owned();
    });
    store
        .rename_topic(slug, name.as_str(), Some(&audit))
        .await
        .map_err(|e| OperatorError::from_store(e, slug, ""))
}

pub async fn set_live_chat(
    store: &dyn Store,
    actor: &Actor,
    slug: &str,
    on: bool,
) -> OperatorResult<TopicRecord> {
    let before = topic(store, slug).await?;
    let audit = topic_draft(actor, "topic_live_chat", &before, |t| t.live_chat = on);
    store
        .set_live_chat(slug, on, Some(&audit))
        .await
        .map_err(|e| OperatorError::from_store(e, slug, ""))
}

/// A new account, from what the operator typed.
pub struct NewCounselor {
    pub login: Login,
    pub display_name: Name,
    pub topics: Vec<Slug>,
    pub operator: bool,
    /// `None`: a one-time password is generated, to be changed at the first login.
    pub password: Option<Password>,
}

impl NewCounselor {
    pub fn parse(
        login: &str,
        display_name: Option<&str>,
        topics: &[String],
        operator: bool,
        password: Option<&str>,
    ) -> OperatorResult<Self> {
        let login = Login::parse(login)?;
        let display_name = Name::parse(display_name.unwrap_or(login.as_str()))?;
        Ok(Self {
            topics: topic_slugs(topics)?,
            login,
            display_name,
            operator,
            password: password.map(Password::parse).transpose()?,
        })
    }
}

/// Topic slugs as typed (trimmed), each parsed.
fn topic_slugs(slugs: &[String]) -> OperatorResult<Vec<Slug>> {
    Ok(slugs
        .iter()
        .map(|s| Slug::parse(s.trim()))
        .collect::<Result<_, _>>()?)
}

/// `unknown_topic` for the first slug no topic has.
fn all_known(slugs: &[Slug], topics: &[TopicRecord]) -> OperatorResult<()> {
    match slugs
        .iter()
        .find(|s| !topics.iter().any(|t| t.slug == s.as_str()))
    {
        Some(unknown) => Err(OperatorError::UnknownTopic(unknown.to_string())),
        None => Ok(()),
    }
}

/// Check a counselor's new topics (parsed, each existing) without changing anything.
pub async fn check_counselor_topics(store: &dyn Store, slugs: &[String]) -> OperatorResult<()> {
    let parsed = topic_slugs(slugs)?;
    all_known(
        &parsed,
        &store.topics().await.map_err(OperatorError::Store)?,
    )
}

/// Create an account. Returns it and the one-time password if one was generated.
pub async fn add_counselor(
    store: &dyn Store,
    actor: &Actor,
    new: NewCounselor,
) -> OperatorResult<(CounselorRecord, Option<String>)> {
    let topics = store.topics().await.map_err(OperatorError::Store)?;
    all_known(&new.topics, &topics)?;
    let (password, one_time) = match new.password {
        Some(p) => (p.as_str().to_owned(), None),
        None => {
            let p = generated_password();
            (p.clone(), Some(p))
        }
    };
    let hash = hash(&password)
        .await
        .map_err(|e| OperatorError::Hashing(e.to_string()))?;
    let slugs: Vec<String> = new.topics.iter().map(|s| s.to_string()).collect();
    let login = new.login.as_str();
    let mut listed: Vec<&str> = slugs.iter().map(String::as_str).collect();
    listed.sort_unstable();
    listed.dedup();
    let record = json!({
        "login": login,
        "display_name": new.display_name.as_str(),
        "topics": listed,
        "operator": new.operator,
        "deactivated": false,
        "seats": null,
    });
    let audit = draft(actor, "counselor_created", login, None, Some(record));
    let created = store
        .create_counselor(
            login,
            new.display_name.as_str(),
            &hash,
            &slugs,
            new.operator,
            one_time.is_some(),
            Some(&audit),
        )
        .await
        .map_err(|e| OperatorError::from_store(e, "", login))?;
    Ok((created, one_time))
}

pub async fn set_operator(
    store: &dyn Store,
    actor: &Actor,
    login: &str,
    on: bool,
) -> OperatorResult<CounselorRecord> {
    let topics = store.topics().await.map_err(OperatorError::Store)?;
    let before = find_counselor(store, login).await?;
    let audit = counselor_draft(actor, "counselor_operator", &topics, &before, |c| {
        c.operator = on;
    });
    store
        .set_operator(login, on, Some(&audit))
        .await
        .map_err(|e| OperatorError::from_store(e, "", login))
}

pub async fn set_counselor_topics(
    store: &dyn Store,
    actor: &Actor,
    login: &str,
    slugs: &[String],
) -> OperatorResult<CounselorRecord> {
    let parsed = topic_slugs(slugs)?;
    let topics = store.topics().await.map_err(OperatorError::Store)?;
    all_known(&parsed, &topics)?;
    let before = find_counselor(store, login).await?;
    let slugs: Vec<String> = parsed.iter().map(|s| s.to_string()).collect();
    let audit = counselor_draft(actor, "counselor_topics", &topics, &before, |c| {
        c.topics = topics
            .iter()
            .filter(|t| slugs.contains(&t.slug))
            .map(|t| t.id)
            .collect();
    });
    store
        .set_counselor_topics(login, &slugs, Some(&audit))
        .await
        .map_err(|e| OperatorError::from_store(e, "", login))
}

/// Give the account a new one-time password (returned, to be shown once); the counselor
/// must change it at the next login.
pub async fn reset_password(
    store: &dyn Store,
    actor: &Actor,
    login: &str,
) -> OperatorResult<(CounselorRecord, String)> {
    let password = generated_password();
    let hash = hash(&password)
        .await
        .map_err(|e| OperatorError::Hashing(e.to_string()))?;
    let audit = draft(
        actor,
        "password_reset",
        login,
        None,
        Some(json!({"must_change_password": true})),
    );
    store
        .set_one_time_password(login, &hash, Some(&audit))
        .await
        .map_err(|e| OperatorError::from_store(e, "", login))?;
    Ok((find_counselor(store, login).await?, password))
}

/// Create a counselor; the password is hashed with argon2id (demo data and tests).
pub async fn create_counselor(
    store: &dyn Store,
    name: &str,
    display_name: &str,
    password: &str,
    topics: &[String],
) -> anyhow::Result<CounselorRecord> {
    let hash = hash(password).await?;
    Ok(store
        .create_counselor(name, display_name, &hash, topics, false, false, None)
        .await?)
}

pub async fn set_password(store: &dyn Store, name: &str, password: &str) -> anyhow::Result<()> {
    let hash = hash(password).await?;
    store.set_password(name, &hash).await.map_err(|e| match e {
        StoreError::NotFound { .. } => OperatorError::UnknownCounselor(name.to_owned()).into(),
        other => anyhow::Error::from(other),
    })
}

/// Check the operator's password and hash it off the async threads.
async fn hash(password: &str) -> anyhow::Result<String> {
    Password::parse(password).map_err(|e| anyhow::anyhow!("{}: {e}", e.code()))?;
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await?
        .map_err(|e| anyhow::anyhow!("hashing the password failed: {e}"))
}

/// Replace the websites that may embed a topic's chat button. Every origin is checked
/// before anything is stored; a refusal names its code.
pub async fn set_embed_origins(
    store: &dyn Store,
    actor: &Actor,
    slug: &str,
    origins: &[String],
) -> OperatorResult<TopicRecord> {
    let parsed = parse_origins(origins)?;
    let before = topic(store, slug).await?;
    store_embed_origins(store, actor, &before, parsed).await
}

/// Websites as typed, each checked, each once.
pub fn parse_origins(texts: &[String]) -> OperatorResult<Vec<EmbedOrigin>> {
    let mut parsed: Vec<EmbedOrigin> = Vec::new();
    for text in texts {
        let origin = EmbedOrigin::parse(text)?;
        if !parsed.contains(&origin) {
            parsed.push(origin);
        }
    }
    Ok(parsed)
}

async fn store_embed_origins(
    store: &dyn Store,
    actor: &Actor,
    before: &TopicRecord,
    mut origins: Vec<EmbedOrigin>,
) -> OperatorResult<TopicRecord> {
    origins.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    let audit = topic_draft(actor, "topic_embed_origins", before, |t| {
        t.embed_origins = origins.clone();
    });
    store
        .set_embed_origins(&before.slug, &origins, Some(&audit))
        .await
        .map_err(|e| OperatorError::from_store(e, &before.slug, ""))
}

/// Change the websites that may embed a topic (the command line): `clear` first, then
/// `remove`, then `add`. Every origin is checked before anything is stored.
pub async fn change_embed_origins(
    store: &dyn Store,
    actor: &Actor,
    slug: &str,
    add: &[String],
    remove: &[String],
    clear: bool,
) -> OperatorResult<TopicRecord> {
    let add = parse_origins(add)?;
    let remove = parse_origins(remove)?;
    let before = topic(store, slug).await?;
    let mut origins = if clear {
        Vec::new()
    } else {
        before.embed_origins.clone()
    };
    origins.retain(|o| !remove.contains(o));
    for origin in add {
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    store_embed_origins(store, actor, &before, origins).await
}

/// An exception as the CLI takes it: `2026-12-24:closed`, `2026-12-31:10:00-12:00`,
/// `2026-12-31:closed 14:00-16:00`, or with a space instead of the first colon.
pub fn exception_text(text: &str) -> String {
    let text = text.trim();
    let date_len = text.find([':', ' ']).unwrap_or(text.len());
    let (date, rest) = text.split_at(date_len);
    match rest.strip_prefix(':') {
        Some(rest) if date.len() == 10 || date.contains('.') => format!("{date} {rest}"),
        _ => text.to_owned(),
    }
}

/// The chat hours a topic would have with this text and note (see [`set_hours`]), or why
/// not; nothing is stored.
pub fn check_hours(
    topic: &TopicRecord,
    zone: &OrgZone,
    text: &str,
    note: &str,
    now: Timestamp,
) -> OperatorResult<Schedule> {
    let (weekly, exceptions) = parse_schedule_text(text)?;
    let draft = ScheduleDraft {
        zone: zone.clone(),
        weekly,
        exceptions,
        note: note.trim().to_owned(),
    };
    Ok(match &topic.schedule {
        Some(previous) => draft.build_replacing(previous, now),
        None => draft.build(now),
    }?)
}

/// Set a topic's chat hours from their text syntax (weekly groups and dated exceptions, by
/// line or `;`: "Mo-Fr 10:00-12:00, 14:00-16:00", "2026-12-24 geschlossen") and a note, in
/// the organisation's `zone`; an empty text and note clear them. Everything is checked
/// before anything is stored (overlapping or inverted slots, unknown days, past
/// exceptions); a refusal names its code. Exceptions already stored stay allowed when past.
pub async fn set_hours(
    store: &dyn Store,
    actor: &Actor,
    slug: &str,
    zone: &OrgZone,
    text: &str,
    note: &str,
    now: Timestamp,
) -> OperatorResult<TopicRecord> {
    let before = topic(store, slug).await?;
    let schedule = check_hours(&before, zone, text, note, now)?;
    let audit = topic_draft(actor, "topic_hours", &before, |t| {
        t.schedule = Some(schedule.clone());
    });
    store
        .set_schedule(slug, &schedule, Some(&audit))
        .await
        .map_err(|e| OperatorError::from_store(e, slug, ""))
}

/// Set the most running chats per counselor in a topic (`None`: unlimited).
pub async fn set_topic_seats(
    store: &dyn Store,
    actor: &Actor,
    slug: &str,
    seats: SeatLimit,
) -> OperatorResult<TopicRecord> {
    let before = topic(store, slug).await?;
    let audit = topic_draft(actor, "topic_seats", &before, |t| t.seats = seats.get());
    store
        .set_topic_seats(slug, seats.get(), Some(&audit))
        .await
        .map_err(|e| OperatorError::from_store(e, slug, ""))
}

/// Set the most running chats of a counselor (`None`: unlimited; a topic's smaller limit
/// still counts).
pub async fn set_counselor_seats(
    store: &dyn Store,
    actor: &Actor,
    login: &str,
    seats: SeatLimit,
) -> OperatorResult<CounselorRecord> {
    let topics = store.topics().await.map_err(OperatorError::Store)?;
    let before = find_counselor(store, login).await?;
    let audit = counselor_draft(actor, "counselor_seats", &topics, &before, |c| {
        c.seats = seats.get();
    });
    store
        .set_counselor_seats(login, seats.get(), Some(&audit))
        .await
        .map_err(|e| OperatorError::from_store(e, "", login))
}

/// Make a deactivated account usable again, with the password it had (reset it too if the
/// counselor may not know it any more). Reactivating an active account changes nothing.
pub async fn reactivate(
    store: &dyn Store,
    actor: &Actor,
    login: &str,
) -> OperatorResult<CounselorRecord> {
    let topics = store.topics().await.map_err(OperatorError::Store)?;
    let before = find_counselor(store, login).await?;
    if !before.deactivated {
        return Ok(before);
    }
    let audit = counselor_draft(actor, "counselor_reactivated", &topics, &before, |c| {
        c.deactivated = false;
    });
    store
        .reactivate_counselor(login, Some(&audit))
        .await
        .map_err(|e| OperatorError::from_store(e, "", login))
}

/// The address Pforte is reached at from the internet, as the operator gives it for the
/// snippet: `https://` (or `http://` on this machine), maybe under a sub-path, no query.
pub fn public_base_url(text: &str) -> anyhow::Result<Url> {
    let mut url = Url::parse(text.trim())
        .map_err(|e| anyhow::anyhow!("base_url_invalid: {text:?} is not a web address ({e})"))?;
    let local = match url.host() {
        Some(url::Host::Domain(name)) => name == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if local => {}
        _ => anyhow::bail!(
            "base_url_not_https: {text:?}: a website served over https cannot load the chat \
             from a plain http address; give Pforte's https:// address"
        ),
    }
    if url.host().is_none() || url.query().is_some() || url.fragment().is_some() {
        anyhow::bail!("base_url_invalid: {text:?}: give the address where Pforte's pages are served, without query or fragment");
    }
    if !url.username().is_empty() || url.password().is_some() {
        anyhow::bail!("base_url_invalid: {text:?}: no user name or password in the address");
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The lines an organisation puts into its website where the chat button should appear:
/// the script (loaded without blocking the page) and a link for browsers without JavaScript.
pub fn embed_snippet(base: &Url, topic: &TopicRecord) -> String {
    let script = base.join("embed.js").map(String::from).unwrap_or_default();
    let mut page = base.join("asker.html").unwrap_or_else(|_| base.clone());
    page.query_pairs_mut().append_pair("topic", &topic.slug);
    format!(
        "<script src=\"{}\" data-topic=\"{}\" async></script>\n\
         <noscript><a href=\"{}\">Anonymer Live-Chat: {}</a></noscript>\n",
        html_escape(&script),
        html_escape(&topic.slug),
        html_escape(page.as_str()),
        html_escape(&topic.name),
    )
}

/// A password to hand out when the operator gave none.
pub fn generated_password() -> String {
    new_token().chars().take(16).collect()
}

pub struct Demo {
    pub topics: Vec<TopicRecord>,
    pub counselors: Vec<(CounselorRecord, String)>,
}

/// Seed the demo data unless the database has topics already: two topics with live chat,
/// one without, two counselors.
pub async fn seed_demo(store: &Arc<dyn Store>) -> anyhow::Result<Option<Demo>> {
    if !store.topics().await?.is_empty() {
        return Ok(None);
    }
    // Another instance seeding the same empty database at the same moment wins the first
    // topic; then this one leaves the seeding to it.
    let first = match store
        .create_topic(
            "suchtberatung",
            "Suchtberatung",
            true,
            Some("Mo–Fr 10–16 Uhr"),
            None,
        )
        .await
    {
        Ok(topic) => topic,
        Err(crate::store::StoreError::Duplicate { .. }) => return Ok(None),
        Err(other) => return Err(other.into()),
    };
    let topics = vec![
        first,
        store
            .create_topic(
                "schwangerschaftsberatung",
                "Schwangerschaftsberatung",
                true,
                Some("Di und Do 14–18 Uhr"),
                None,
            )
            .await?,
        store
            .create_topic("go-on-start-up", "Go on – Start up", false, None, None)
            .await?,
    ];
    let mut counselors = Vec::new();
    for (name, display, password, topics) in [
        (
            "anna",
            "Anna Berger",
            "anna-demo-1",
            vec![
                "suchtberatung".to_owned(),
                "schwangerschaftsberatung".to_owned(),
            ],
        ),
        (
            "bernd",
            "Bernd Krüger",
            "bernd-demo-1",
            vec!["suchtberatung".to_owned(), "go-on-start-up".to_owned()],
        ),
    ] {
        let record = create_counselor(store.as_ref(), name, display, password, &topics)
            .await
            .with_context(|| format!("creating demo counselor {name}"))?;
        counselors.push((record, password.to_owned()));
    }
    Ok(Some(Demo { topics, counselors }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pforte_domain::TopicId;

    fn topic(slug: &str, name: &str) -> TopicRecord {
        TopicRecord {
            id: TopicId(1),
            slug: slug.into(),
            name: name.into(),
            live_chat: true,
            chat_hours: None,
            embed_origins: Vec::new(),
            schedule: None,
            seats: None,
        }
    }

    #[test]
    fn the_snippet_loads_the_script_without_blocking_and_links_the_topic_without_javascript() {
        let base = public_base_url("https://chat.beispiel-beratung.de").unwrap();
        assert_eq!(
            embed_snippet(&base, &topic("suchtberatung", "Suchtberatung")),
            "<script src=\"https://chat.beispiel-beratung.de/embed.js\" data-topic=\"suchtberatung\" async></script>\n\
             <noscript><a href=\"https://chat.beispiel-beratung.de/asker.html?topic=suchtberatung\">Anonymer Live-Chat: Suchtberatung</a></noscript>\n"
        );
    }

    #[test]
    fn the_snippet_keeps_a_sub_path_and_escapes_what_the_operator_wrote() {
        let base = public_base_url("https://beispiel.de/pforte").unwrap();
        let snippet = embed_snippet(&base, &topic("a&b", "Sucht & \"Drogen\" <Hilfe>"));
        assert!(
            snippet.contains("src=\"https://beispiel.de/pforte/embed.js\""),
            "{snippet}"
        );
        assert!(snippet.contains("data-topic=\"a&amp;b\""), "{snippet}");
        assert!(snippet.contains("asker.html?topic=a%26b\""), "{snippet}");
        assert!(
            snippet.contains("Sucht &amp; &quot;Drogen&quot; &lt;Hilfe&gt;</a>"),
            "{snippet}"
        );
    }

    #[test]
    fn the_base_url_must_be_https_except_on_this_machine() {
        assert!(public_base_url("http://127.0.0.1:8080").is_ok());
        assert!(public_base_url("http://localhost:8080/").is_ok());
        for (text, code) in [
            ("http://chat.example.org", "base_url_not_https"),
            ("chat.example.org", "base_url_invalid"),
            ("https://chat.example.org/?x=1", "base_url_invalid"),
            ("https://a:b@chat.example.org/", "base_url_invalid"),
        ] {
            let error = public_base_url(text).unwrap_err().to_string();
            assert!(error.starts_with(code), "{text}: {error}");
        }
    }
}
