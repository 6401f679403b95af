//! `pforte-server`: serve, or run an operator command.

use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use pforte_domain::text::SeatLimit;
use pforte_server::config::{ServeSettings, StorageSettings};
use pforte_server::operator;
use pforte_server::store::sql::SqlStore;
use pforte_server::store::{Actor, Store};
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
    /// Set which websites may embed a topic's chat button and asker page (default: none).
    /// Prints the list; without options it only prints it.
    EmbedOrigins {
        slug: String,
        /// Allow a website: its origin, e.g. https://www.caritas-beispiel.de (repeatable).
        #[arg(long, value_name = "ORIGIN")]
        add: Vec<String>,
        /// No longer allow a website (repeatable).
        #[arg(long, value_name = "ORIGIN")]
        remove: Vec<String>,
        /// Remove every website first.
        #[arg(long)]
        clear: bool,
    },
    /// Set a topic's chat hours (replacing them), or print them without options. The gate
    /// stays as it is: open iff a counselor is available, inside or outside the hours.
    Hours {
        slug: String,
        /// Weekly slots, e.g. "Mo-Fr 10:00-12:00, 14:00-16:00" or "Fr 22:00-02:00"
        /// (repeatable; days Mo Di Mi Do Fr Sa So or Mo Tu We Th Fr Sa Su).
        #[arg(long = "slot", value_name = "DAYS TIMES")]
        slots: Vec<String>,
        /// Dated exceptions: 2026-12-24:closed, 2026-12-31:closed 14:00-16:00, or extra
        /// hours 2026-12-27:10:00-12:00 (repeatable).
        #[arg(long = "except", value_name = "DATE:WHAT")]
        exceptions: Vec<String>,
        /// A note for askers and counselors ("An Feiertagen geschlossen").
        #[arg(long)]
        note: Option<String>,
        /// Remove every slot, exception and the note.
        #[arg(long, conflicts_with_all = ["slots", "exceptions", "note"])]
        clear: bool,
        /// The organisation's time zone the times are in.
        #[arg(long, env = "PFORTE_TIME_ZONE", default_value = "Europe/Berlin", value_parser = pforte_server::config::time_zone)]
        time_zone: pforte_domain::schedule::OrgZone,
    },
    /// Set the most running live chats per counselor in a topic: a number, or "unlimited"
    /// (the default).
    Seats { slug: String, seats: String },
    /// Print the snippet that puts the topic's chat button on a website.
    Snippet {
        slug: String,
        /// The address where this server's pages are reached, e.g. https://chat.example.org.
        #[arg(long, env = "PFORTE_BASE_URL")]
        base_url: String,
    },
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
        /// Password (else `PFORTE_PASSWORD`, else a one-time password is generated and
        /// printed, which must be changed at the first login).
        #[arg(long, env = "PFORTE_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// Make the account an operator (Administrator_in): the console "Verwaltung".
        #[arg(long)]
        operator: bool,
    },
    /// Make a counselor an operator (on) or not (off).
    Operator {
        name: String,
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
    /// Let a deactivated account log in again (with the password it had).
    Reactivate { name: String },
    /// Set a counselor's password.
    SetPassword {
        name: String,
        #[arg(long, env = "PFORTE_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// List counselors.
    List,
    /// Set the most running live chats of a counselor: a number, or "unlimited" (the
    /// default). With a topic's limit too, the smaller counts.
    Seats { name: String, seats: String },
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
    let shown = redact(&url);
    Ok(Arc::new(SqlStore::open(&url).await.with_context(|| {
        format!("cannot open the database {shown}")
    })?))
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{}{user}:…{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
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
async fn main() -> std::process::ExitCode {
    pforte_server::telemetry::init();
    match run(Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // One line: what failed and why, no backtrace.
            eprintln!("pforte-server: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let store = open_store(&cli.storage).await?;
    let note = "Running servers apply this at once.";
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
            let new = operator::NewTopic::parse(&slug, &name, live_chat, chat_hours.as_deref())?;
            let topic = operator::create_topic(store.as_ref(), &Actor::Cli, new).await?;
            println!(
                "created topic {} ({}), live chat {}. {note}",
                topic.slug,
                topic.name,
                if topic.live_chat { "on" } else { "off" }
            );
        }
        Cmd::Topic(TopicCmd::LiveChat { slug, state }) => {
            let topic =
                operator::set_live_chat(store.as_ref(), &Actor::Cli, &slug, state == "on").await?;
            println!("live chat of {} is {state}. {note}", topic.slug);
        }
        Cmd::Topic(TopicCmd::List) => {
            for topic in store.topics().await? {
                let embed = topic
                    .embed_origins
                    .iter()
                    .map(|o| o.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                println!(
                    "{:<4} {:<26} {:<30} live chat {:<3} {}{}",
                    topic.id.0,
                    topic.slug,
                    topic.name,
                    if topic.live_chat { "on" } else { "off" },
                    topic.chat_hours.unwrap_or_default(),
                    if embed.is_empty() {
                        String::new()
                    } else {
                        format!("  embedded by: {embed}")
                    }
                );
            }
        }
        Cmd::Topic(TopicCmd::EmbedOrigins {
            slug,
            add,
            remove,
            clear,
        }) => {
            let changes = !add.is_empty() || !remove.is_empty() || clear;
            let topic = operator::change_embed_origins(
                store.as_ref(),
                &Actor::Cli,
                &slug,
                &add,
                &remove,
                clear,
            )
            .await?;
            if topic.embed_origins.is_empty() {
                println!(
                    "No website may embed {} (besides those in PFORTE_EMBED_ORIGINS).",
                    topic.slug
                );
            } else {
                println!("Websites that may embed {}:", topic.slug);
                for origin in &topic.embed_origins {
                    println!("  {origin}");
                }
            }
            if changes {
                println!("{note}");
            }
        }
        Cmd::Topic(TopicCmd::Hours {
            slug,
            slots,
            exceptions,
            note,
            clear,
            time_zone,
        }) => {
            let changes = clear || !slots.is_empty() || !exceptions.is_empty() || note.is_some();
            let now = pforte_server::reception::now();
            let topic = if changes {
                // Slots and exceptions as one text of groups, one per line.
                let mut groups = slots.clone();
                groups.extend(exceptions.iter().map(|e| operator::exception_text(e)));
                operator::set_hours(
                    store.as_ref(),
                    &Actor::Cli,
                    &slug,
                    &time_zone,
                    &groups.join("\n"),
                    note.as_deref().unwrap_or_default(),
                    now,
                )
                .await?
            } else {
                store
                    .topics()
                    .await?
                    .into_iter()
                    .find(|t| t.slug == slug)
                    .ok_or_else(|| anyhow::anyhow!("unknown_topic: there is no topic {slug:?}"))?
            };
            match topic.schedule.as_ref().filter(|s| !s.is_empty()) {
                None => println!("{} has no chat hours.", topic.slug),
                Some(schedule) => {
                    println!("Chat hours of {} ({}):", topic.slug, schedule.zone());
                    println!("  {}", schedule.to_text());
                    if !schedule.note().is_empty() {
                        println!("  note: {}", schedule.note());
                    }
                    if let Some(notice) = schedule.reopening_notice(now) {
                        println!("  next opening: {}", notice.english());
                    }
                }
            }
            if changes {
                println!("Every running server applies this at once.");
            }
        }
        Cmd::Topic(TopicCmd::Seats { slug, seats }) => {
            let seats = SeatLimit::parse_text(&seats).map_err(operator::OperatorError::Input)?;
            let topic =
                operator::set_topic_seats(store.as_ref(), &Actor::Cli, &slug, seats).await?;
            match topic.seats {
                Some(n) => println!("{}: at most {n} running chat(s) per counselor.", topic.slug),
                None => println!("{}: no seat limit.", topic.slug),
            }
        }
        Cmd::Counselor(CounselorCmd::Seats { name, seats }) => {
            let seats = SeatLimit::parse_text(&seats).map_err(operator::OperatorError::Input)?;
            let counselor =
                operator::set_counselor_seats(store.as_ref(), &Actor::Cli, &name, seats).await?;
            match counselor.seats {
                Some(n) => println!("{}: at most {n} running chat(s).", counselor.name),
                None => println!("{}: no seat limit.", counselor.name),
            }
        }
        Cmd::Topic(TopicCmd::Snippet { slug, base_url }) => {
            let base = operator::public_base_url(&base_url)?;
            let topic = store
                .topics()
                .await?
                .into_iter()
                .find(|t| t.slug == slug)
                .ok_or_else(|| anyhow::anyhow!("unknown_topic: there is no topic {slug:?}"))?;
            // The snippet alone on stdout, so it can be piped; advice on stderr.
            print!("{}", operator::embed_snippet(&base, &topic));
            if !topic.live_chat {
                eprintln!(
                    "Note: live chat is off for {slug}; the button shows only once it is on \
                     (pforte-server topic live-chat {slug} on)."
                );
            }
            if topic.embed_origins.is_empty() {
                eprintln!(
                    "Note: no website may embed {slug} yet. Allow yours with \
                     pforte-server topic embed-origins {slug} --add https://www.example.org \
                     (or PFORTE_EMBED_ORIGINS for every topic)."
                );
            }
        }
        Cmd::Counselor(CounselorCmd::Create {
            name,
            display_name,
            topics,
            password,
            operator: is_operator,
        }) => {
            let new = operator::NewCounselor::parse(
                &name,
                display_name.as_deref(),
                &topics,
                is_operator,
                password.as_deref(),
            )?;
            let (counselor, one_time) =
                operator::add_counselor(store.as_ref(), &Actor::Cli, new).await?;
            println!(
                "created {} {} with {} topic(s).",
                if counselor.operator {
                    "operator"
                } else {
                    "counselor"
                },
                counselor.name,
                counselor.topics.len()
            );
            if let Some(password) = one_time {
                println!("password: {password} (one-time: to be changed at the first login)");
            }
        }
        Cmd::Counselor(CounselorCmd::Reactivate { name }) => {
            let counselor = operator::reactivate(store.as_ref(), &Actor::Cli, &name).await?;
            println!(
                "{} may log in again (with the password they had). {note}",
                counselor.name
            );
        }
        Cmd::Counselor(CounselorCmd::Operator { name, state }) => {
            let counselor =
                operator::set_operator(store.as_ref(), &Actor::Cli, &name, state == "on").await?;
            println!(
                "{} is {}an operator.",
                counselor.name,
                if counselor.operator { "" } else { "not " }
            );
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
