//! The operator's commands: topics, counselors, and the demo data.

use std::sync::Arc;

use anyhow::Context;

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
    let topics = vec![
        store
            .create_topic(
                "suchtberatung",
                "Suchtberatung",
                true,
                Some("Mo–Fr 10–16 Uhr"),
            )
            .await?,
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
