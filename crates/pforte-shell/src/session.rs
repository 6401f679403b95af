//! The counselor's session (server address and token), kept in the OS secret store.
//!
//! Linux: the Secret Service (GNOME Keyring, KWallet) over D-Bus; macOS: the Keychain;
//! Windows: the Credential Manager — all through the `keyring` crate. Where none is reachable
//! the session is kept in memory only and the app says so ([`SecretStoreStatus`]): it is then
//! gone when the app ends. The token is never written to a plain file.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use pforte_shell_core::decisions;
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;
use url::Url;

/// The secret store's entry: service and account name.
pub const SERVICE: &str = "org.pforte.desktop";
pub const ACCOUNT: &str = "session";

/// A secret store call that takes longer than this (a locked keyring prompting, a hung
/// D-Bus service) counts as "no secret store".
const STORE_TIMEOUT: Duration = Duration::from_secs(4);

#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    pub server: Url,
    pub token: String,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("server", &self.server.as_str())
            .field("token", &"…")
            .finish()
    }
}

#[derive(Serialize, Deserialize)]
struct StoredSession {
    server: String,
    token: String,
}

/// Where the current session is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StoredIn {
    /// The OS secret store: the session survives a restart.
    SecretStore,
    /// Memory only: no secret store is available; the session ends with the app.
    Memory,
    /// Given by the automation hook (`PFORTE_DESKTOP_SERVER` + `PFORTE_DESKTOP_TOKEN`).
    Injected,
}

/// Whether the OS secret store can be used, and why not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SecretStoreStatus {
    pub available: bool,
    /// Why not (German, for the counselor).
    pub reason: Option<String>,
}

/// A place for one secret string. The real one is the OS secret store; tests use others.
pub trait SecretStore: Send + Sync + 'static {
    /// `Ok(None)`: the store works and holds nothing.
    fn load(&self) -> Result<Option<String>, String>;
    fn save(&self, secret: &str) -> Result<(), String>;
    fn clear(&self) -> Result<(), String>;
}

/// One entry of the OS secret store, through the `keyring` crate.
pub struct Keyring {
    service: &'static str,
    account: String,
}

impl Keyring {
    /// The entry of the stored login.
    pub fn session() -> Self {
        Self {
            service: SERVICE,
            account: ACCOUNT.to_owned(),
        }
    }

    fn entry(&self) -> Result<keyring::Entry, String> {
        keyring::Entry::new(self.service, &self.account).map_err(|e| e.to_string())
    }
}

impl SecretStore for Keyring {
    fn load(&self) -> Result<Option<String>, String> {
        match self.entry()?.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    fn save(&self, secret: &str) -> Result<(), String> {
        self.entry()?
            .set_password(secret)
            .map_err(|e| e.to_string())
    }

    fn clear(&self) -> Result<(), String> {
        match self.entry()?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// The secret store's service of the end-to-end device keys (one entry per server and login).
pub const DEVICE_KEY_SERVICE: &str = "org.pforte.desktop.device-key";

/// This device's end-to-end key pair for one server and login (the dashboard's record: the
/// device's id and the private key as a JWK), in the OS secret store: never in a file or in
/// the webview's storage.
pub struct DeviceKeyEntry(Keyring);

impl DeviceKeyEntry {
    /// The entry of `account` (`<server>|<login>`), if it is one.
    pub fn new(account: &str) -> Result<Self, String> {
        if account.is_empty() || account.len() > 400 || account.chars().any(char::is_control) {
            return Err("kein gültiger Eintrag".to_owned());
        }
        Ok(Self(Keyring {
            service: DEVICE_KEY_SERVICE,
            account: account.to_owned(),
        }))
    }

    /// What it holds (`Ok(None)`: nothing yet).
    pub async fn load(self) -> Result<Option<String>, String> {
        let store: Arc<dyn SecretStore> = Arc::new(self.0);
        bounded(&store, |store| store.load()).await
    }

    pub async fn save(self, secret: String) -> Result<(), String> {
        if secret.len() > 4096 {
            return Err("zu lang".to_owned());
        }
        let store: Arc<dyn SecretStore> = Arc::new(self.0);
        bounded(&store, move |store| store.save(&secret)).await
    }
}

/// A store that is never there (tests, and machines without any).
pub struct NoSecretStore(pub String);

impl SecretStore for NoSecretStore {
    fn load(&self) -> Result<Option<String>, String> {
        Err(self.0.clone())
    }
    fn save(&self, _: &str) -> Result<(), String> {
        Err(self.0.clone())
    }
    fn clear(&self) -> Result<(), String> {
        Err(self.0.clone())
    }
}

/// An in-memory store that behaves like a working secret store (tests).
#[derive(Default)]
pub struct MemoryStore(Mutex<Option<String>>);

impl SecretStore for MemoryStore {
    fn load(&self) -> Result<Option<String>, String> {
        Ok(self.0.lock().map_err(|e| e.to_string())?.clone())
    }
    fn save(&self, secret: &str) -> Result<(), String> {
        *self.0.lock().map_err(|e| e.to_string())? = Some(secret.to_owned());
        Ok(())
    }
    fn clear(&self) -> Result<(), String> {
        *self.0.lock().map_err(|e| e.to_string())? = None;
        Ok(())
    }
}

/// Run a blocking secret store call off the async threads, bounded in time.
async fn bounded<T: Send + 'static>(
    store: &Arc<dyn SecretStore>,
    call: impl FnOnce(&dyn SecretStore) -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    let store = Arc::clone(store);
    let task = tokio::task::spawn_blocking(move || call(store.as_ref()));
    match tokio::time::timeout(STORE_TIMEOUT, task).await {
        Ok(Ok(result)) => result,
        Ok(Err(join)) => Err(format!("the secret store call failed: {join}")),
        Err(_) => Err("the secret store did not answer in time".to_owned()),
    }
}

fn unavailable(why: &str) -> SecretStoreStatus {
    SecretStoreStatus {
        available: false,
        reason: Some(format!(
            "Kein Schlüsselbund des Systems erreichbar ({why}). Die Anmeldung gilt nur, \
             solange Pforte läuft."
        )),
    }
}

/// The session and where it is kept.
pub struct Vault {
    store: Arc<dyn SecretStore>,
    status: OnceCell<SecretStoreStatus>,
    current: Mutex<Option<(Session, StoredIn)>>,
    /// Where the session just cleared was kept, until [`Vault::forget`] removes it there.
    forgetting: Mutex<Option<StoredIn>>,
}

impl Vault {
    pub fn new(store: Arc<dyn SecretStore>) -> Self {
        Self {
            store,
            status: OnceCell::new(),
            current: Mutex::new(None),
            forgetting: Mutex::new(None),
        }
    }

    fn set_current(&self, value: Option<(Session, StoredIn)>) {
        if let Ok(mut current) = self.current.lock() {
            *current = value;
        }
    }

    pub fn current(&self) -> Option<(Session, StoredIn)> {
        self.current.lock().ok().and_then(|c| c.clone())
    }

    pub fn session(&self) -> Option<Session> {
        self.current().map(|(session, _)| session)
    }

    /// Whether the secret store works (asked once, then remembered).
    pub async fn status(&self) -> SecretStoreStatus {
        self.status
            .get_or_init(|| async {
                match bounded(&self.store, |store| store.load()).await {
                    Ok(_) => SecretStoreStatus {
                        available: true,
                        reason: None,
                    },
                    Err(why) => {
                        tracing::warn!(%why, "no secret store; the session is kept in memory only");
                        unavailable(&why)
                    }
                }
            })
            .await
            .clone()
    }

    /// The session stored by an earlier run, if any. Its server address is checked again as
    /// a typed one would be (`https`, or `http` on this machine): a stored entry that does not
    /// pass is removed, never used.
    pub async fn restore(&self) -> Option<Session> {
        if !self.status().await.available {
            return None;
        }
        let secret = bounded(&self.store, |store| store.load()).await.ok()??;
        let stored: StoredSession = serde_json::from_str(&secret).ok()?;
        let server = match decisions::server_address(&stored.server) {
            Ok(server) if server.as_str() == stored.server => server,
            checked => {
                tracing::warn!(
                    server = %stored.server,
                    why = ?checked.err(),
                    "the stored session names a server the app may not contact; removed"
                );
                if let Err(why) = bounded(&self.store, |store| store.clear()).await {
                    tracing::warn!(%why, "could not remove the stored session");
                }
                return None;
            }
        };
        let session = Session {
            server,
            token: stored.token,
        };
        self.set_current(Some((session.clone(), StoredIn::SecretStore)));
        Some(session)
    }

    /// Keep a new session: in the secret store if there is one, else in memory.
    pub async fn keep(&self, session: Session) -> StoredIn {
        let mut stored_in = StoredIn::Memory;
        if self.status().await.available {
            let secret = serde_json::to_string(&StoredSession {
                server: session.server.to_string(),
                token: session.token.clone(),
            })
            .unwrap_or_default();
            match bounded(&self.store, move |store| store.save(&secret)).await {
                Ok(()) => stored_in = StoredIn::SecretStore,
                Err(why) => tracing::warn!(%why, "could not store the session; memory only"),
            }
        }
        self.set_current(Some((session, stored_in)));
        stored_in
    }

    /// The automation hook's session: memory only, never written anywhere.
    pub fn inject(&self, session: Session) {
        self.set_current(Some((session, StoredIn::Injected)));
    }

    /// Stop using the session at once (the secret store is cleared by [`Vault::forget`]).
    pub fn clear_current(&self) {
        if let Ok(mut current) = self.current.lock() {
            if let Some((_, stored_in)) = current.take() {
                *self.forgetting.lock().unwrap_or_else(|e| e.into_inner()) = Some(stored_in);
            }
        }
    }

    /// Forget the session everywhere.
    pub async fn forget(&self) {
        let was_stored = self
            .forgetting
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let was = self
            .current()
            .map(|(_, stored_in)| stored_in)
            .or(was_stored);
        self.set_current(None);
        if matches!(was, Some(StoredIn::SecretStore)) || was.is_none() {
            if let Err(why) = bounded(&self.store, |store| store.clear()).await {
                tracing::warn!(%why, "could not remove the session from the secret store");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session {
        Session {
            server: Url::parse("https://pforte.example.org/").unwrap(),
            token: "secret-token".to_owned(),
        }
    }

    #[test]
    fn a_device_key_entry_is_named_by_server_and_login_and_nothing_else() {
        assert!(DeviceKeyEntry::new("https://pforte.example.org|anna").is_ok());
        assert!(DeviceKeyEntry::new("").is_err());
        assert!(DeviceKeyEntry::new("https://pforte.example.org|anna\nx").is_err());
        assert!(DeviceKeyEntry::new(&"x".repeat(401)).is_err());
    }

    #[tokio::test]
    async fn a_session_goes_into_a_working_secret_store_and_comes_back_after_a_restart() {
        let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
        let vault = Vault::new(Arc::clone(&store));
        assert_eq!(vault.keep(session()).await, StoredIn::SecretStore);
        let next_start = Vault::new(store);
        assert_eq!(next_start.restore().await, Some(session()));
    }

    #[tokio::test]
    async fn without_a_secret_store_the_session_is_kept_in_memory_and_the_app_says_so() {
        let vault = Vault::new(Arc::new(NoSecretStore("no D-Bus".to_owned())));
        let status = vault.status().await;
        assert!(!status.available);
        assert!(status.reason.unwrap().contains("nur, solange Pforte läuft"));
        assert_eq!(vault.keep(session()).await, StoredIn::Memory);
        assert_eq!(vault.session(), Some(session()));
        assert_eq!(vault.restore().await, None);
    }

    #[tokio::test]
    async fn forgetting_removes_the_session_from_the_secret_store() {
        let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
        let vault = Vault::new(Arc::clone(&store));
        vault.keep(session()).await;
        vault.forget().await;
        assert_eq!(vault.session(), None);
        assert_eq!(store.load().unwrap(), None);
    }

    #[tokio::test]
    async fn an_injected_session_is_never_written_to_the_secret_store() {
        let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
        let vault = Vault::new(Arc::clone(&store));
        vault.inject(session());
        assert_eq!(vault.current().unwrap().1, StoredIn::Injected);
        assert_eq!(store.load().unwrap(), None);
    }

    #[tokio::test]
    async fn a_stored_session_naming_a_server_the_app_may_not_contact_is_not_restored() {
        for server in [
            "http://pforte.example.org/",
            "file:///etc/passwd",
            "https://user:pw@pforte.example.org/",
            "https://pforte.example.org/evil/path",
        ] {
            let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
            let secret = serde_json::json!({"server": server, "token": "t"}).to_string();
            store.save(&secret).unwrap();
            let vault = Vault::new(Arc::clone(&store));
            assert_eq!(vault.restore().await, None, "{server} must not be restored");
            assert_eq!(vault.session(), None);
            assert_eq!(
                store.load().unwrap(),
                None,
                "{server}: the entry is removed"
            );
        }
    }

    #[test]
    fn the_token_never_shows_in_logs() {
        assert!(!format!("{:?}", session()).contains("secret-token"));
    }
}
