//! A fresh database for one test: a SQLite file in a temporary folder, or, with
//! `PFORTE_TEST_BACKEND=postgres`, a new database on the PostgreSQL server at
//! `PFORTE_TEST_POSTGRES` (e.g. `postgres://postgres@127.0.0.1:5432`), dropped afterwards.
//! `scripts/test` runs the whole suite once on each.

use std::path::PathBuf;

use sqlx::{Connection, Executor};

pub struct TestDatabase {
    pub url: String,
    /// The SQLite file, when the backend is SQLite.
    pub sqlite_path: Option<PathBuf>,
    /// PostgreSQL: the server's URL and the database to drop at the end.
    postgres: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

pub fn on_postgres() -> bool {
    std::env::var("PFORTE_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

impl TestDatabase {
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        if !on_postgres() {
            let path = dir.path().join("pforte.db");
            return Self {
                url: format!("sqlite://{}", path.display()),
                sqlite_path: Some(path),
                postgres: None,
                _dir: dir,
            };
        }
        let server = std::env::var("PFORTE_TEST_POSTGRES")
            .expect("PFORTE_TEST_POSTGRES names the PostgreSQL server for the tests");
        let server = server.trim_end_matches('/').to_owned();
        let name = format!("pforte_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres"))
            .await
            .expect("the test PostgreSQL server answers");
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        Self {
            url: format!("{server}/{name}"),
            sqlite_path: None,
            postgres: Some((server, name)),
            _dir: dir,
        }
    }

    /// Run a statement on the database directly (as an operator with a SQL shell would).
    pub async fn execute(&self, sql: &str) {
        sqlx::any::install_default_drivers();
        let mut connection = sqlx::AnyConnection::connect(&self.url).await.unwrap();
        connection.execute(sql).await.unwrap();
    }

    pub async fn count(&self, from: &str) -> i64 {
        sqlx::any::install_default_drivers();
        let mut connection = sqlx::AnyConnection::connect(&self.url).await.unwrap();
        sqlx::query_scalar(&format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {from}"))
            .fetch_one(&mut connection)
            .await
            .unwrap()
    }

    /// Which of `needles` the stored data still holds: on SQLite every byte of the files
    /// (main file, WAL, shared memory), as `grep -a` sees them; on PostgreSQL every row of
    /// every table as text.
    pub async fn holds(&self, needles: &[&str]) -> Vec<String> {
        let mut found = Vec::new();
        if let Some(path) = &self.sqlite_path {
            for suffix in ["", "-wal", "-shm"] {
                let file = format!("{}{suffix}", path.display());
                let Ok(bytes) = std::fs::read(&file) else {
                    continue;
                };
                for needle in needles {
                    if bytes
                        .windows(needle.len())
                        .any(|window| window == needle.as_bytes())
                    {
                        found.push(format!("{needle:?} in {file}"));
                    }
                }
            }
            return found;
        }
        let mut connection = sqlx::PgConnection::connect(&self.url).await.unwrap();
        let tables: Vec<String> =
            sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'")
                .fetch_all(&mut connection)
                .await
                .unwrap();
        for table in tables {
            for needle in needles {
                let hits: i64 = sqlx::query_scalar(&format!(
                    "SELECT COUNT(*) FROM {table} t WHERE t::text LIKE '%' || $1 || '%'"
                ))
                .bind(*needle)
                .fetch_one(&mut connection)
                .await
                .unwrap();
                if hits > 0 {
                    found.push(format!("{needle:?} in table {table}"));
                }
            }
        }
        found
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        // Drop it from a thread of its own: this may run inside a runtime.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                if let Ok(mut admin) =
                    sqlx::PgConnection::connect(&format!("{server}/postgres")).await
                {
                    let _ = admin
                        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                        .await;
                }
            });
        })
        .join();
    }
}
