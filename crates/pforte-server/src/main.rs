//! `pforte-server`: serve, or run an operator command.

use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use pforte_server::config::{ServeSettings, StorageSettings};
use pforte_server::operator;
use pforte_server::store::sqlite::SqliteStore;
use pforte_server::store::Store;
use pforte_server::Application;

#[derive(Parser)]
#[command(
    name = "pforte-server",
    version,
    about = "Pforte: access control for anonymous 1:1 live chat"
)]
struct Cli {
    #[command(flatten)]
    storage: StorageSettings,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve the API, the WebSockets and the UI (the default).
    Serve(ServeSettings),
    /// Seed demo data (if the database is empty), print logins and URLs, and serve.
    Demo(ServeSettings),
    /// Manage topics (Fachbereiche).
    #[command(subcommand)]
    Topic(TopicCmd),
    /// Manage counselor accounts.
    #[command(subcommand)]
    Counselor(CounselorCmd),
}

#[derive(Subcommand)]
enum TopicCmd {
    /// Create a topic.
    Create {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        /// Offer live chat for this topic.
        #[arg(long)]
        live_chat: bool,
        /// When the chat is usually staffed, shown to askers ("Mo–Fr 10–16 Uhr").
        #[arg(long)]
        chat_hours: Option<String>,
    },
    /// Switch live chat of a topic on or off.
    LiveChat {
        slug: String,
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
    /// List topics.
    List,
}

#[derive(Subcommand)]
enum CounselorCmd {
    /// Create a counselor with their topics.
    Create {
        /// Login name.
        #[arg(long)]
        name: String,
        /// Name shown to askers and colleagues.
        #[arg(long)]
        display_name: Option<String>,
        /// Topic slugs, comma-separated.
        #[arg(long, value_delimiter = ',')]
        topics: Vec<String>,
        /// Password (else `PFORTE_PASSWORD`, else one is generated and printed).
        #[arg(long, env = "PFORTE_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Set a counselor's password.
    SetPassword {
        name: String,
        #[arg(long, env = "PFORTE_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// List counselors.
    List,
}

/// Settings from `PFORTE_*` variables and defaults, for a start without a subcommand.
fn serve_settings_from_env() -> ServeSettings {
    #[derive(Parser)]
    struct Only {
        #[command(flatten)]
        settings: ServeSettings,
    }
    Only::parse_from(["pforte-server"]).settings
}

async fn open_store(storage: &StorageSettings) -> anyhow::Result<Arc<dyn Store>> {
    if storage.database_url.is_none() {
        std::fs::create_dir_all(&storage.data_dir)
            .with_context(|| format!("creating the data folder {}", storage.data_dir.display()))?;
    }
    let url = storage.url();
    anyhow::ensure!(
        url.starts_with("sqlite:"),
        "this build stores data in SQLite only (PFORTE_DATABASE_URL=sqlite://…)"
    );
    Ok(Arc::new(
        SqliteStore::open(&url)
            .await
            .with_context(|| format!("opening {url}"))?,
    ))
}

async fn serve(
    settings: ServeSettings,
    store: Arc<dyn Store>,
    on_ready: impl FnOnce(std::net::SocketAddr),
) -> anyhow::Result<()> {
    // Install the handlers before announcing the address: a signal must never find the
    // default action (which for SIGHUP is to terminate).
    let signals = Signals::install()?;
    let app = Application::build(settings, store).await?;
    on_ready(app.local_addr());
    let shutdown = app.shutdown_token();
    let reception = app.reception();
    tracing::info!(address = %app.local_addr(), "Pforte is listening");
    tokio::spawn(async move {
        signals.wait(reception).await;
        shutdown.cancel();
    });
    app.run().await
}

#[cfg(unix)]
struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn install() -> std::io::Result<Self> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Self {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            hup: signal(SignalKind::hangup())?,
        })
    }

    /// Wait for SIGTERM or SIGINT; reload topics and counselors on every SIGHUP meanwhile.
    async fn wait(mut self, reception: Arc<pforte_server::reception::Reception>) {
        loop {
            tokio::select! {
                _ = self.term.recv() => return,
                _ = self.int.recv() => return,
                _ = self.hup.recv() => match reception.reload_directory().await {
                    Ok(()) => tracing::info!("reloaded topics and counselors"),
                    Err(error) => tracing::error!(%error, "reloading topics and counselors failed"),
                },
            }
        }
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn install() -> std::io::Result<Self> {
        Ok(Self)
    }

    async fn wait(self, _: Arc<pforte_server::reception::Reception>) {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    pforte_server::telemetry::init();
    let cli = Cli::parse();
    let store = open_store(&cli.storage).await?;
    let note = "A running server picks this up on SIGHUP or restart.";
    match cli
        .command
        .unwrap_or_else(|| Cmd::Serve(serve_settings_from_env()))
    {
        Cmd::Serve(settings) => serve(settings, store, |_| {}).await?,
        Cmd::Demo(settings) => {
            match operator::seed_demo(&store).await? {
                Some(demo) => {
                    println!("Demo data created:");
                    for topic in &demo.topics {
                        let chat = if topic.live_chat { "live chat" } else { "no live chat" };
                        println!("  topic {:<26} {} ({chat})", topic.slug, topic.name);
                    }
                    for (counselor, password) in &demo.counselors {
                        println!(
                            "  counselor {:<8} password {:<14} ({})",
                            counselor.name, password, counselor.display_name
                        );
                    }
                }
                None => println!("The database has data already; demo logins: anna / anna-demo-1, bernd / bernd-demo-1 (unless changed)."),
            }
            serve(settings, store, |address| {
                let base = format!("http://{address}");
                println!("Counselor dashboard: {base}/");
                println!("Asker page:          {base}/asker.html");
                println!("API (OpenAPI):       {base}/api/openapi.json");
            })
            .await?;
        }
        Cmd::Topic(TopicCmd::Create {
            slug,
            name,
            live_chat,
            chat_hours,
        }) => {
            let topic = store
                .create_topic(&slug, &name, live_chat, chat_hours.as_deref())
                .await?;
            println!(
                "created topic {} ({}), live chat {}. {note}",
                topic.slug,
                topic.name,
                if topic.live_chat { "on" } else { "off" }
            );
        }
        Cmd::Topic(TopicCmd::LiveChat { slug, state }) => {
            let topic = store.set_live_chat(&slug, state == "on").await?;
            println!("live chat of {} is {state}. {note}", topic.slug);
        }
        Cmd::Topic(TopicCmd::List) => {
            for topic in store.topics().await? {
                println!(
                    "{:<4} {:<26} {:<30} live chat {:<3} {}",
                    topic.id.0,
                    topic.slug,
                    topic.name,
                    if topic.live_chat { "on" } else { "off" },
                    topic.chat_hours.unwrap_or_default()
                );
            }
        }
        Cmd::Counselor(CounselorCmd::Create {
            name,
            display_name,
            topics,
            password,
        }) => {
            let (password, generated) = match password {
                Some(p) => (p, false),
                None => (operator::generated_password(), true),
            };
            let display = display_name.unwrap_or_else(|| name.clone());
            let counselor =
                operator::create_counselor(store.as_ref(), &name, &display, &password, &topics)
                    .await?;
            println!(
                "created counselor {} with {} topic(s). {note}",
                counselor.name,
                counselor.topics.len()
            );
            if generated {
                println!("password: {password}");
            }
        }
        Cmd::Counselor(CounselorCmd::SetPassword { name, password }) => {
            let (password, generated) = match password {
                Some(p) => (p, false),
                None => (operator::generated_password(), true),
            };
            operator::set_password(store.as_ref(), &name, &password).await?;
            println!("password of {name} set.");
            if generated {
                println!("password: {password}");
            }
        }
        Cmd::Counselor(CounselorCmd::List) => {
            let topics = store.topics().await?;
            for counselor in store.counselors().await? {
                let names: Vec<&str> = counselor
                    .topics
                    .iter()
                    .filter_map(|id| topics.iter().find(|t| t.id == *id).map(|t| t.slug.as_str()))
                    .collect();
                println!(
                    "{:<4} {:<12} {:<24} topics: {}",
                    counselor.id.0,
                    counselor.name,
                    counselor.display_name,
                    names.join(", ")
                );
            }
        }
    }
    Ok(())
}
