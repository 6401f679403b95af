//! The operator's commands: topics, counselors, and the demo data.

use std::sync::Arc;

use anyhow::Context;

use url::Url;

use pforte_domain::schedule::{parse_exceptions, parse_slots, OrgZone, ScheduleDraft};
use pforte_domain::{ScheduleError, Timestamp};

use crate::origin::EmbedOrigin;
use crate::secrets::{hash_password, new_token};
use crate::store::{CounselorRecord, Store, TopicRecord};

/// Create a counselor; the password is hashed with argon2id.
pub async fn create_counselor(
    store: &dyn Store,
    name: &str,
    display_name: &str,
    password: &str,
    topics: &[String],
) -> anyhow::Result<CounselorRecord> {
    let hash = hash(password).await?;
    Ok(store
        .create_counselor(name, display_name, &hash, topics)
        .await?)
}

pub async fn set_password(store: &dyn Store, name: &str, password: &str) -> anyhow::Result<()> {
    let hash = hash(password).await?;
    Ok(store.set_password(name, &hash).await?)
}

/// Check the operator's password and hash it off the async threads.
async fn hash(password: &str) -> anyhow::Result<String> {
    anyhow::ensure!(
        password.chars().count() >= 8,
        "a password needs at least 8 characters"
    );
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await?
        .map_err(|e| anyhow::anyhow!("hashing the password failed: {e}"))
}

/// Change the websites that may embed a topic: `clear` first, then `remove`, then `add`.
/// Every origin is checked before anything is stored; a refusal names its code.
pub async fn change_embed_origins(
    store: &dyn Store,
    slug: &str,
    add: &[String],
    remove: &[String],
    clear: bool,
) -> anyhow::Result<TopicRecord> {
    let parse =
        |text: &String| EmbedOrigin::parse(text).map_err(|e| anyhow::anyhow!("{}: {e}", e.code()));
    let add = add.iter().map(parse).collect::<anyhow::Result<Vec<_>>>()?;
    let remove = remove
        .iter()
        .map(parse)
        .collect::<anyhow::Result<Vec<_>>>()?;
    let topic = store
        .topics()
        .await?
        .into_iter()
        .find(|t| t.slug == slug)
        .ok_or_else(|| anyhow::anyhow!("unknown_topic: there is no topic {slug:?}"))?;
    let mut origins = if clear {
        Vec::new()
    } else {
        topic.embed_origins
    };
    origins.retain(|o| !remove.contains(o));
    for origin in add {
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    Ok(store.set_embed_origins(slug, &origins).await?)
}

/// An exception as the CLI takes it: `2026-12-24:closed`, `2026-12-31:10:00-12:00`,
/// `2026-12-31:closed 14:00-16:00`, or with a space instead of the first colon.
fn exception_text(text: &str) -> String {
    let text = text.trim();
    let date_len = text.find([':', ' ']).unwrap_or(text.len());
    let (date, rest) = text.split_at(date_len);
    match rest.strip_prefix(':') {
        Some(rest) if date.len() == 10 || date.contains('.') => format!("{date} {rest}"),
        _ => text.to_owned(),
    }
}

/// Set a topic's chat hours from the CLI's slots (`"Mo-Fr 10:00-12:00"`, one group each),
/// exceptions and note, in the organisation's `zone`; `clear` sets none. Everything is
/// checked before anything is stored (overlapping or inverted slots, unknown days, past
/// exceptions); a refusal names its code. Exceptions already stored stay allowed when past.
pub async fn set_hours(
    store: &dyn Store,
    slug: &str,
    zone: &OrgZone,
    slots: &[String],
    exceptions: &[String],
    note: Option<&str>,
    now: Timestamp,
) -> anyhow::Result<TopicRecord> {
    let refused = |e: ScheduleError| anyhow::anyhow!("{}: {e}", e.code());
    let topic = store
        .topics()
        .await?
        .into_iter()
        .find(|t| t.slug == slug)
        .ok_or_else(|| anyhow::anyhow!("unknown_topic: there is no topic {slug:?}"))?;
    let weekly = parse_slots(&slots.join(";")).map_err(refused)?;
    let exceptions = exceptions
        .iter()
        .map(|e| parse_exceptions(&exception_text(e)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(refused)?
        .into_iter()
        .flatten()
        .collect();
    let draft = ScheduleDraft {
        zone: zone.clone(),
        weekly,
        exceptions,
        note: note.unwrap_or_default().to_owned(),
    };
    let schedule = match &topic.schedule {
        Some(previous) => draft.build_replacing(previous, now),
        None => draft.build(now),
    }
    .map_err(refused)?;
    Ok(store.set_schedule(slug, &schedule).await?)
}

/// A seat limit as the CLI takes it: a whole number of at least 1, or `unlimited`.
pub fn parse_seats(text: &str) -> anyhow::Result<Option<u32>> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("unlimited") {
        return Ok(None);
    }
    match text.parse::<u32>() {
        Ok(n) if n >= 1 => Ok(Some(n)),
        _ => anyhow::bail!(
            "seats_invalid: {text:?}: give the most running chats per counselor, at least 1, \
             or \"unlimited\""
        ),
    }
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
            )
            .await?,
        store
            .create_topic("go-on-start-up", "Go on – Start up", false, None)
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
