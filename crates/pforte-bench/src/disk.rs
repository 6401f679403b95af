//! The disk's own limits, in the folder the server's database lives in: how often it can make
//! a write durable, and how many SQLite commits and rows it takes per second with the
//! server's settings (WAL, `synchronous = FULL`).

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection};

use crate::stats::{summarize, Summary};

/// How much each measurement may do: at most `count` operations, at most `time` long.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    pub count: usize,
    pub time: Duration,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct DiskFigures {
    /// One 4 KiB write in place (into a file written and synced before) and `fdatasync`:
    /// the least a durable commit costs (a WAL in steady state is overwritten in place).
    pub fdatasync: Summary,
    pub fdatasyncs_per_s: f64,
    /// One 4 KiB append and `fdatasync` (which must also persist the file's new size).
    pub fdatasync_append: Summary,
    /// One row, one transaction.
    pub sqlite_commit: Summary,
    pub sqlite_commits_per_s: f64,
    /// One hundred rows per transaction.
    pub sqlite_batch_commit: Summary,
    pub sqlite_batched_rows_per_s: f64,
}

const BLOCK: usize = 4096;
/// Blocks of the file written in place, in turn.
const BLOCKS: u64 = 256;

/// 4 KiB writes each made durable with `fdatasync`: in place (`append` false; the file is
/// written and synced first) or appended. Returns the latencies and the rate.
pub fn fdatasync(folder: &Path, budget: Budget, append: bool) -> anyhow::Result<(Summary, f64)> {
    use std::os::unix::fs::FileExt;
    let path = folder.join("fdatasync.bin");
    let mut file = std::fs::File::create(&path).with_context(|| format!("creating {path:?}"))?;
    let block = vec![0x5au8; BLOCK];
    if !append {
        for _ in 0..BLOCKS {
            file.write_all(&block)?;
        }
        file.sync_all()?;
    }
    let mut samples = Vec::with_capacity(budget.count);
    let start = Instant::now();
    while samples.len() < budget.count && start.elapsed() < budget.time {
        let at = Instant::now();
        if append {
            file.write_all(&block)?;
        } else {
            let offset = (samples.len() as u64 % BLOCKS) * BLOCK as u64;
            file.write_all_at(&block, offset)?;
        }
        file.sync_data()?;
        samples.push(at.elapsed());
    }
    let rate = samples.len() as f64 / start.elapsed().as_secs_f64();
    drop(file);
    std::fs::remove_file(&path)?;
    Ok((summarize(&samples), rate))
}

const ROW: &str =
    "Eine Nachricht von ungefähr der Länge, die im Chat üblich ist, hundert Zeichen oder so.";

/// All of it: `fdatasync` first, then SQLite's single-row commits, then 100-row commits.
pub async fn measure(
    folder: &Path,
    sync: Budget,
    single: Budget,
    batched: Budget,
) -> anyhow::Result<DiskFigures> {
    let owned = folder.to_owned();
    let (fdatasync, fdatasyncs_per_s) =
        tokio::task::spawn_blocking(move || fdatasync(&owned, sync, false)).await??;
    let owned = folder.to_owned();
    let (fdatasync_append, _) =
        tokio::task::spawn_blocking(move || self::fdatasync(&owned, sync, true)).await??;
    let options = SqliteConnectOptions::new()
        .filename(folder.join("disk-bench.db"))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(5));
    let mut db = options.connect().await.context("opening a SQLite file")?;
    sqlx::query("CREATE TABLE rows (id INTEGER PRIMARY KEY, chat BLOB, body TEXT, at INTEGER)")
        .execute(&mut db)
        .await?;

    let mut commits = Vec::with_capacity(single.count);
    let start = Instant::now();
    while commits.len() < single.count && start.elapsed() < single.time {
        let at = Instant::now();
        sqlx::query("INSERT INTO rows (chat, body, at) VALUES (?, ?, ?)")
            .bind(&b"0123456789abcdef"[..])
            .bind(ROW)
            .bind(commits.len() as i64)
            .execute(&mut db)
            .await?;
        commits.push(at.elapsed());
    }
    let commits_per_s = commits.len() as f64 / start.elapsed().as_secs_f64();

    let mut batches = Vec::with_capacity(batched.count);
    let start = Instant::now();
    while batches.len() < batched.count && start.elapsed() < batched.time {
        let at = Instant::now();
        let mut tx = db.begin().await?;
        for i in 0..100 {
            sqlx::query("INSERT INTO rows (chat, body, at) VALUES (?, ?, ?)")
                .bind(&b"0123456789abcdef"[..])
                .bind(ROW)
                .bind(i)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        batches.push(at.elapsed());
    }
    let rows_per_s = (batches.len() * 100) as f64 / start.elapsed().as_secs_f64();
    db.close().await?;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(folder.join(format!("disk-bench.db{suffix}")));
    }
    Ok(DiskFigures {
        fdatasync,
        fdatasyncs_per_s,
        fdatasync_append,
        sqlite_commit: summarize(&commits),
        sqlite_commits_per_s: commits_per_s,
        sqlite_batch_commit: summarize(&batches),
        sqlite_batched_rows_per_s: rows_per_s,
    })
}

fn mean_of(values: impl Iterator<Item = f64>) -> f64 {
    let values: Vec<f64> = values.collect();
    values.iter().sum::<f64>() / values.len() as f64
}

fn mean_summary(runs: &[&Summary]) -> Summary {
    Summary {
        count: runs.iter().map(|s| s.count).sum(),
        p50: mean_of(runs.iter().map(|s| s.p50)),
        p99: mean_of(runs.iter().map(|s| s.p99)),
        max: runs.iter().map(|s| s.max).fold(f64::NAN, f64::max),
    }
}

/// The mean of several measurements of the disk (at the start and at the end of a run: a
/// shared disk's speed drifts, and the phases in between are compared with it).
pub fn mean(runs: &[DiskFigures]) -> Option<DiskFigures> {
    if runs.is_empty() {
        return None;
    }
    let pick =
        |f: fn(&DiskFigures) -> &Summary| mean_summary(&runs.iter().map(f).collect::<Vec<_>>());
    Some(DiskFigures {
        fdatasync: pick(|d| &d.fdatasync),
        fdatasyncs_per_s: mean_of(runs.iter().map(|d| d.fdatasyncs_per_s)),
        fdatasync_append: pick(|d| &d.fdatasync_append),
        sqlite_commit: pick(|d| &d.sqlite_commit),
        sqlite_commits_per_s: mean_of(runs.iter().map(|d| d.sqlite_commits_per_s)),
        sqlite_batch_commit: pick(|d| &d.sqlite_batch_commit),
        sqlite_batched_rows_per_s: mean_of(runs.iter().map(|d| d.sqlite_batched_rows_per_s)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(sync_ms: f64, commits: f64) -> DiskFigures {
        let s = Summary {
            count: 10,
            p50: sync_ms,
            p99: sync_ms * 2.0,
            max: sync_ms * 3.0,
        };
        DiskFigures {
            fdatasync: s,
            fdatasyncs_per_s: 1000.0 / sync_ms,
            fdatasync_append: s,
            sqlite_commit: s,
            sqlite_commits_per_s: commits,
            sqlite_batch_commit: s,
            sqlite_batched_rows_per_s: commits * 50.0,
        }
    }

    #[test]
    fn the_disk_of_a_run_is_the_mean_of_its_start_and_its_end_with_the_worst_maximum() {
        let both = mean(&[run(0.2, 5000.0), run(0.8, 400.0)]).unwrap();
        assert!((both.fdatasync.p50 - 0.5).abs() < 1e-9);
        assert!((both.sqlite_commits_per_s - 2700.0).abs() < 1e-9);
        assert!((both.fdatasync.max - 2.4).abs() < 1e-9);
        assert_eq!(both.fdatasync.count, 20);
        assert!(mean(&[]).is_none());
    }

    #[test]
    fn durable_writes_in_place_and_appended_are_timed_in_the_folder_given() {
        let folder = tempfile::tempdir().unwrap();
        let budget = Budget {
            count: 5,
            time: Duration::from_secs(5),
        };
        for append in [false, true] {
            let (summary, rate) = fdatasync(folder.path(), budget, append).unwrap();
            assert_eq!(summary.count, 5);
            assert!(summary.p50 > 0.0 && rate > 0.0);
        }
        assert_eq!(
            std::fs::read_dir(folder.path()).unwrap().count(),
            0,
            "the test file is removed"
        );
    }
}
