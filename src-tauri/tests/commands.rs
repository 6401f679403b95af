//! The shell's commands through Tauri's IPC on the mock runtime, with the app's real
//! configuration and capabilities, against the real server started in-process.

use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use pforte_desktop::notifications::Notifier;
use pforte_desktop::session::{MemoryStore, NoSecretStore, SecretStore, Vault};
use pforte_desktop::shell::Shell;
use pforte_server::store::sql::SqlStore;
use pforte_server::store::Store;
use pforte_server::{operator, Application, ServeSettings};
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};

/// The autostart entry goes to `$HOME/.config/autostart`: keep it out of the real home.
fn private_home() {
    static HOME: Once = Once::new();
    HOME.call_once(|| {
        let home = tempfile::tempdir().expect("temp home").keep();
        std::env::set_var("HOME", &home);
        std::env::set_var("XDG_CONFIG_HOME", home.join(".config"));
        std::env::set_var("XDG_DATA_HOME", home.join(".local/share"));
    });
}

struct Desktop {
    _app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
}

fn desktop(store: Arc<dyn SecretStore>) -> Desktop {
    private_home();
    let shell = Arc::new(Shell::new(Vault::new(store), Notifier::new(false)));
    let app = pforte_desktop::with_commands(mock_builder(), shell)
        .build(pforte_desktop::context())
        .expect("the app builds on the mock runtime");
    pforte_desktop::shell::start(app.handle());
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("main window");
    Desktop { _app: app, window }
}

fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().unwrap())
}

impl Desktop {
    fn call(&self, cmd: &str, args: Value) -> Value {
        invoke(&self.window, cmd, args).unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    fn wait_for(&self, what: &str, check: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let status = self.call("shell_status", json!({}));
            if check(&status) {
                return status;
            }
            assert!(Instant::now() < deadline, "{what}: shell status {status}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The real server on port 0 with a fresh database: Suchtberatung (1), counselor bernd.
struct Server {
    base: String,
    runtime: tokio::runtime::Runtime,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

fn server() -> Server {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("pforte.db").display());
    let base = runtime.block_on(async {
        let store = SqlStore::open(&db).await.unwrap();
        store
            .create_topic("suchtberatung", "Suchtberatung", true, None, None)
            .await
            .unwrap();
        operator::create_counselor(
            &store,
            "bernd",
            "bernd",
            "bernd-password",
            &["suchtberatung".to_owned()],
        )
        .await
        .unwrap();
        let settings = ServeSettings {
            listen: "127.0.0.1:0".parse().unwrap(),
            ui_dir: "/nonexistent".into(),
            ..ServeSettings::default()
        };
        let app = Application::build(settings, Arc::new(store)).await.unwrap();
        let base = format!("http://{}", app.local_addr());
        tokio::spawn(async move { app.run().await.unwrap() });
        base
    });
    Server {
        base,
        runtime,
        http: reqwest::Client::new(),
        _dir: dir,
    }
}

impl Server {
    fn login(&self) -> String {
        self.runtime.block_on(async {
            let body: Value = self
                .http
                .post(format!("{}/api/auth/login", self.base))
                .json(&json!({"name": "bernd", "password": "bernd-password"}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            body["token"].as_str().unwrap().to_owned()
        })
    }

    fn me(&self, token: &str) -> (u16, Value) {
        self.runtime.block_on(async {
            let response = self
                .http
                .get(format!("{}/api/me", self.base))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json().await.unwrap_or(Value::Null))
        })
    }
}

#[test]
fn the_commands_answer_the_main_window_only() {
    let desktop = desktop(Arc::new(MemoryStore::default()));
    assert_eq!(desktop.call("session_get", json!({})), Value::Null);
    let intruder =
        WebviewWindowBuilder::new(desktop.window.app_handle(), "intruder", Default::default())
            .build()
            .unwrap();
    let refused = invoke(&intruder, "session_get", json!({})).unwrap_err();
    assert!(refused.to_string().contains("not allowed"), "{refused}");
}

#[test]
fn without_a_secret_store_the_app_says_so_and_keeps_the_session_in_memory() {
    let desktop = desktop(Arc::new(NoSecretStore("no Secret Service".to_owned())));
    let status = desktop.call("secret_store_available", json!({}));
    assert_eq!(status["available"], false);
    assert!(status["reason"].as_str().unwrap().contains("Schlüsselbund"));
    let stored = desktop.call(
        "session_store",
        json!({"server": "http://127.0.0.1:9", "token": "abc"}),
    );
    assert_eq!(stored["stored_in"], "memory");
    assert_eq!(stored["secret_store"]["available"], false);
    let session = desktop.call("session_get", json!({}));
    assert_eq!(session["server"], "http://127.0.0.1:9/");
    assert_eq!(session["stored_in"], "memory");
}

#[test]
fn a_stored_session_connects_the_shell_but_never_switches_availability_on() {
    let server = server();
    let token = server.login();
    let desktop = desktop(Arc::new(MemoryStore::default()));
    let stored = desktop.call(
        "session_store",
        json!({"server": server.base, "token": token}),
    );
    assert_eq!(stored["stored_in"], "secret_store");
    let status = desktop.wait_for("connected and synced", |s| {
        s["connected"] == true && s["availability"].is_object()
    });
    assert_eq!(status["availability"]["switched_on"], false);
    assert_eq!(status["tray"]["checked"], false);
    assert_eq!(status["tray"]["look"], "unavailable");
    let (_, me) = server.me(&token);
    assert_eq!(
        me["availability"]["online"], true,
        "the shell's socket counts"
    );
    assert_eq!(me["availability"]["switched_on"], false);
}

#[test]
fn the_api_proxy_reaches_the_configured_server_and_nothing_else() {
    let server = server();
    let token = server.login();
    let desktop = desktop(Arc::new(MemoryStore::default()));
    desktop.call(
        "session_store",
        json!({"server": server.base, "token": token}),
    );
    desktop.wait_for("connected", |s| s["connected"] == true);

    let answer = desktop.call(
        "api_request",
        json!({"method": "PUT", "path": "/api/me/availability", "body": {"on": true}}),
    );
    assert_eq!(answer["status"], 200);
    assert_eq!(answer["body"]["available"], true);
    let status = desktop.wait_for("the tray follows", |s| s["tray"]["checked"] == true);
    assert_eq!(status["tray"]["look"], "available");

    for (method, path) in [
        ("GET", "/index.html"),
        ("GET", "/api/../index.html"),
        ("GET", "/api/counselor/ws"),
        ("PATCH", "/api/me"),
    ] {
        let refused = invoke(
            &desktop.window,
            "api_request",
            json!({"method": method, "path": path}),
        );
        assert!(refused.is_err(), "{method} {path} must be refused");
    }
    let elsewhere = invoke(
        &desktop.window,
        "session_store",
        json!({"server": "http://pforte.example.org", "token": "x"}),
    );
    assert!(
        elsewhere.is_err(),
        "plain http to another machine is refused"
    );
}

#[test]
fn logout_ends_the_session_on_the_server_and_here() {
    let server = server();
    let token = server.login();
    let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
    let desktop = desktop(Arc::clone(&store));
    desktop.call(
        "session_store",
        json!({"server": server.base, "token": token}),
    );
    desktop.wait_for("connected", |s| s["connected"] == true);
    desktop.call("logout", json!({}));
    assert_eq!(server.me(&token).0, 401);
    assert_eq!(desktop.call("session_get", json!({})), Value::Null);
    assert_eq!(
        store.load().unwrap(),
        None,
        "the secret store no longer holds it"
    );
    let status = desktop.call("shell_status", json!({}));
    assert_eq!(status["logged_in"], false);
    assert_eq!(status["tray"]["toggle_enabled"], false);
}

#[test]
fn session_clear_forgets_the_session_without_logging_out() {
    let server = server();
    let token = server.login();
    let desktop = desktop(Arc::new(MemoryStore::default()));
    desktop.call(
        "session_store",
        json!({"server": server.base, "token": token}),
    );
    desktop.call("session_clear", json!({}));
    assert_eq!(desktop.call("session_get", json!({})), Value::Null);
    assert_eq!(server.me(&token).0, 200);
}

#[test]
fn the_reminder_interval_is_kept_within_bounds() {
    let desktop = desktop(Arc::new(MemoryStore::default()));
    assert_eq!(desktop.call("reminder_get", json!({})), 120);
    assert_eq!(desktop.call("reminder_set", json!({"seconds": 1})), 10);
    assert_eq!(desktop.call("reminder_set", json!({"seconds": 300})), 300);
    assert_eq!(desktop.call("reminder_get", json!({})), 300);
}

#[test]
fn the_settings_read_back_are_always_the_last_ones_set() {
    // The shell's owner saves each change after the command answered; it once wrote its older
    // copy back over a newer change (seen as a flaky reminder test).
    let desktop = desktop(Arc::new(MemoryStore::default()));
    for seconds in (10..1000).step_by(3) {
        // Two changes in a row, then the read: the owner may still be saving the first.
        desktop.call("reminder_set", json!({"seconds": seconds + 1}));
        assert_eq!(
            desktop.call("reminder_set", json!({"seconds": seconds})),
            seconds
        );
        assert_eq!(desktop.call("reminder_get", json!({})), seconds);
        let on = seconds % 2 == 0;
        desktop.call("sound_set", json!({"on": !on}));
        assert_eq!(desktop.call("sound_set", json!({"on": on})), on);
        assert_eq!(desktop.call("sound_get", json!({})), on);
        assert_eq!(desktop.call("reminder_get", json!({})), seconds);
    }
}

#[test]
fn start_at_login_is_off_by_default_and_can_be_switched() {
    let desktop = desktop(Arc::new(MemoryStore::default()));
    assert_eq!(desktop.call("autostart_get", json!({})), false);
    assert_eq!(
        desktop.call("autostart_set", json!({"enabled": true})),
        true
    );
    let home = std::path::PathBuf::from(std::env::var("HOME").unwrap());
    let entry = std::fs::read_dir(home.join(".config/autostart"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = std::fs::read_to_string(entry).unwrap();
    assert!(
        text.contains("--hidden"),
        "started at login, the app starts in the tray: {text}"
    );
    assert_eq!(
        desktop.call("autostart_set", json!({"enabled": false})),
        false
    );
    assert_eq!(desktop.call("autostart_get", json!({})), false);
}

#[test]
fn the_sound_settings_reach_the_shell() {
    let desktop = desktop(Arc::new(MemoryStore::default()));
    assert_eq!(desktop.call("sound_get", json!({})), true, "on by default");
    assert_eq!(desktop.call("sound_set", json!({"on": false})), false);
    assert_eq!(desktop.call("sound_get", json!({})), false);
    let alerts = desktop.call("alerts_get", json!({}));
    assert_eq!(alerts["sound_name"], "message-new-instant");
    assert_eq!(
        alerts["stay"], true,
        "requests stay until acted on by default"
    );
    let chosen = desktop.call("alerts_set", json!({"soundName": "bell", "stay": false}));
    assert_eq!(chosen["sound_name"], "bell");
    assert_eq!(chosen["stay"], false);
    let unknown = desktop.call(
        "alerts_set",
        json!({"soundName": "../../x.oga", "stay": true}),
    );
    assert_eq!(
        unknown["sound_name"], "message-new-instant",
        "only known sounds"
    );
}

#[test]
fn the_login_form_gets_the_server_the_app_was_started_with() {
    let desktop = desktop(Arc::new(MemoryStore::default()));
    std::env::remove_var(pforte_desktop::ENV_SERVER);
    assert_eq!(desktop.call("server_hint", json!({})), Value::Null);
    std::env::set_var(pforte_desktop::ENV_SERVER, "http://127.0.0.1:8080/");
    assert_eq!(
        desktop.call("server_hint", json!({})),
        "http://127.0.0.1:8080"
    );
    std::env::set_var(pforte_desktop::ENV_SERVER, "http://pforte.example.org");
    assert_eq!(
        desktop.call("server_hint", json!({})),
        Value::Null,
        "an address the shell would refuse is not offered"
    );
    std::env::remove_var(pforte_desktop::ENV_SERVER);
}

#[test]
fn the_statistics_workbook_is_saved_into_the_download_folder() {
    let server = server();
    let token = server.login();
    let desktop = desktop(Arc::new(MemoryStore::default()));
    desktop.call(
        "session_store",
        json!({"server": server.base, "token": token}),
    );
    let path = "/api/me/statistics.xlsx?from=2026-01-01&to=2026-01-31&utc_offset_minutes=60";
    let first = desktop.call(
        "api_download",
        json!({"path": path, "fileName": "Meine-Statistik.xlsx"}),
    );
    assert_eq!(first["status"], 200, "{first}");
    let saved = std::path::PathBuf::from(first["saved_to"].as_str().unwrap());
    let bytes = std::fs::read(&saved).unwrap();
    assert!(bytes.starts_with(b"PK"), "an .xlsx is a zip file");
    assert!(saved.extension().is_some_and(|e| e == "xlsx"), "{saved:?}");
    let second = desktop.call(
        "api_download",
        json!({"path": path, "fileName": "Meine-Statistik.xlsx"}),
    );
    assert_ne!(second["saved_to"], first["saved_to"], "never overwritten");

    let refused = desktop.call(
        "api_download",
        json!({"path": "/api/me/statistics.xlsx?from=x&to=y&utc_offset_minutes=0", "fileName": "x.xlsx"}),
    );
    assert_eq!(refused["status"], 400);
    assert_eq!(refused["saved_to"], Value::Null);
    assert!(refused["body"]["code"].is_string(), "{refused}");
    let outside = invoke(
        &desktop.window,
        "api_download",
        json!({"path": "/index.html", "fileName": "x"}),
    );
    assert!(outside.is_err(), "only the API");
}

/// A port that counts who knocks: another server the webview must never reach.
struct Elsewhere {
    listener: std::net::TcpListener,
    base: String,
}

fn elsewhere() -> Elsewhere {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    Elsewhere { listener, base }
}

impl Elsewhere {
    fn contacted(&self) -> bool {
        std::thread::sleep(Duration::from_millis(200));
        self.listener.accept().is_ok()
    }
}

#[test]
fn an_api_request_naming_another_server_than_the_sessions_is_refused_and_contacts_nothing() {
    let server = server();
    let token = server.login();
    let desktop = desktop(Arc::new(MemoryStore::default()));
    desktop.call(
        "session_store",
        json!({"server": server.base, "token": token}),
    );
    let other = elsewhere();
    let refused = invoke(
        &desktop.window,
        "api_request",
        json!({"method": "GET", "path": "/api/me", "server": other.base}),
    );
    assert!(refused.is_err(), "{refused:?}");
    assert!(!other.contacted(), "the other server was contacted");
    let own = desktop.call(
        "api_request",
        json!({"method": "GET", "path": "/api/me", "server": server.base}),
    );
    assert_eq!(own["status"], 200, "the session's own server still answers");
}

#[test]
fn before_a_login_the_api_proxy_sends_nothing_but_the_login() {
    let desktop = desktop(Arc::new(MemoryStore::default()));
    let other = elsewhere();
    for (method, path) in [("GET", "/api/me"), ("PUT", "/api/me/availability")] {
        let refused = invoke(
            &desktop.window,
            "api_request",
            json!({"method": method, "path": path, "server": other.base}),
        );
        assert!(refused.is_err(), "{method} {path}: {refused:?}");
    }
    assert!(
        !other.contacted(),
        "the server was contacted without a login"
    );
}

#[test]
fn the_session_token_never_reaches_the_webview() {
    let server = server();
    let desktop = desktop(Arc::new(MemoryStore::default()));
    // The login as the dashboard makes it: the answer carries a handle, not the token.
    let answer = desktop.call(
        "api_request",
        json!({"method": "POST", "path": "/api/auth/login", "server": server.base,
               "body": {"name": "bernd", "password": "bernd-password"}}),
    );
    assert_eq!(answer["status"], 200, "{answer}");
    let handle = answer["body"]["token"].as_str().unwrap().to_owned();
    assert!(handle.starts_with("held-by-shell:"), "{handle}");
    assert_eq!(server.me(&handle).0, 401, "the handle is no token");
    let stored = desktop.call(
        "session_store",
        json!({"server": server.base, "token": handle}),
    );
    assert_eq!(stored["stored_in"], "secret_store");
    let session = desktop.call("session_get", json!({}));
    assert!(session.get("token").is_none(), "{session}");
    assert_eq!(session["server"], format!("{}/", server.base));
    // The shell holds the real token: its calls and its socket work.
    desktop.wait_for("connected", |s| s["connected"] == true);
    let me = desktop.call("api_request", json!({"method": "GET", "path": "/api/me"}));
    assert_eq!(me["status"], 200);
    // A handle is good once, and for its server only.
    let again = invoke(
        &desktop.window,
        "session_store",
        json!({"server": server.base, "token": handle}),
    );
    assert!(again.is_err(), "a handle is used once");
}

#[test]
fn the_dashboards_socket_goes_to_the_sessions_server_whatever_address_the_webview_names() {
    let server = server();
    let token = server.login();
    let desktop = desktop(Arc::new(MemoryStore::default()));
    let other = elsewhere();
    let url = other.base.replace("http", "ws");
    let refused = invoke(
        &desktop.window,
        "live_open",
        json!({"fresh": true, "onMessage": "__CHANNEL__:1", "url": url}),
    );
    assert!(refused.is_err(), "no session, no socket: {refused:?}");
    desktop.call(
        "session_store",
        json!({"server": server.base, "token": token}),
    );
    let id = desktop.call(
        "live_open",
        json!({"fresh": false, "onMessage": "__CHANNEL__:1", "url": url}),
    );
    assert!(id.is_u64(), "{id}");
    assert!(
        !other.contacted(),
        "the address the webview named was contacted"
    );
    desktop.call("live_close", json!({"id": id}));
}
