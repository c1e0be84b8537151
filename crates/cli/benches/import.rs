//! Import of a 10,000-row XLSX (10,000 entities with a permit each, 10,000 outlets on the second
//! sheet) over HTTP as an officer would: the preview (`dry_run=true`) and the commit, on SQLite
//! and (when reachable) PostgreSQL, each on a fresh demo instance; plus reading the file alone.
//!
//! `cargo bench -p cli --bench import [-- RUNS]` (default 3). CI's short mode
//! (`ECOENFORCE_BENCH_SHORT=1`): 200 rows, one run by default.

use app::{App, AppSettings, SystemClock};
#[allow(dead_code)]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};
use store::Store;

fn workbook(rows: u32) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let counties = ["532801", "532822", "532823"];
    let entities = book.add_worksheet();
    let header = [
        "统一社会信用代码",
        "名称",
        "县（市）",
        "行业",
        "监管类别",
        "地址",
        "法定代表人",
        "纬度",
        "经度",
        "许可证编号",
        "生效日期",
        "截止日期",
        "演示数据",
    ];
    for (c, h) in header.iter().enumerate() {
        entities.write_string(0, c as u16, *h).expect("cell");
    }
    for n in 0..rows {
        let county = counties[(n % 3) as usize];
        let uscc = app::seed::demo_uscc(county, 20_000 + n);
        let row = [
            uscc.clone(),
            format!("导入压测企业{n:05}"),
            county.to_owned(),
            "1340".to_owned(),
            if n % 4 == 0 {
                "重点监管"
            } else {
                "一般监管"
            }
            .to_owned(),
            format!("压测地址 {n}"),
            format!("压测法人{n}"),
            format!("21.{:06}", 900_000 + n),
            format!("100.{:06}", 800_000 + n),
            format!("{uscc}001V"),
            "2024-01-01".to_owned(),
            "2028-12-31".to_owned(),
            "演示数据".to_owned(),
        ];
        for (c, v) in row.iter().enumerate() {
            entities.write_string(n + 1, c as u16, v).expect("cell");
        }
    }
    let outlets = book.add_worksheet();
    for (c, h) in [
        "统一社会信用代码",
        "排放口编号",
        "排放口类型",
        "排放口名称",
        "纬度",
        "经度",
    ]
    .iter()
    .enumerate()
    {
        outlets.write_string(0, c as u16, *h).expect("cell");
    }
    for n in 0..rows {
        let county = counties[(n % 3) as usize];
        let row = [
            app::seed::demo_uscc(county, 20_000 + n),
            "DW001".to_owned(),
            "废水".to_owned(),
            "废水总排口".to_owned(),
            format!("21.{:06}", 900_000 + n),
            format!("100.{:06}", 800_000 + n),
        ];
        for (c, v) in row.iter().enumerate() {
            outlets.write_string(n + 1, c as u16, v).expect("cell");
        }
    }
    book.save_to_buffer().expect("xlsx")
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    file: &[u8],
) -> (Duration, serde_json::Value) {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(file.to_vec()).file_name("entities.xlsx"),
    );
    let t = Instant::now();
    let r = client
        .post(url)
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("import");
    let status = r.status();
    let body: serde_json::Value = r.json().await.expect("json");
    let took = t.elapsed();
    assert!(status.is_success(), "{status}: {body}");
    (took, body)
}

async fn run(label: &str, store: Arc<dyn Store>, file: &[u8], rows: u32) {
    let app = Arc::new(App::new(
        store,
        Arc::new(SystemClock),
        AppSettings::default(),
    ));
    app.seed_demo().await.expect("demo");
    let (addr, token) = common::serve_signed_in(app.clone()).await;
    let client = reqwest::Client::new();
    let url = format!("http://{addr}/api/v1/entities/import");
    let (preview, body) = post(&client, &format!("{url}?dry_run=true"), &token, file).await;
    assert_eq!(body["problems"].as_array().map(Vec::len), Some(0), "{body}");
    let (commit, body) = post(&client, &url, &token, file).await;
    assert_eq!(body["imported"], rows);
    println!(
        "  {label}: preview {:.2} s, commit {:.2} s ({rows} entities, {rows} outlets, {rows} permits)",
        preview.as_secs_f64(),
        commit.as_secs_f64()
    );
}

fn main() {
    let (rows, label, default_runs) = if common::short() {
        (200, "200", 1)
    } else {
        (10_000, "10,000", 3)
    };
    let runs: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(default_runs);
    let file = workbook(rows);
    println!("{label}-row XLSX: {:.1} KiB", file.len() as f64 / 1024.0);
    let mut best = Duration::MAX;
    for _ in 0..runs {
        let t = Instant::now();
        let parsed = app::import::read_files(&file, None).expect("read");
        best = best.min(t.elapsed());
        assert_eq!(parsed.rows.len(), rows as usize);
    }
    println!(
        "  reading the workbook: {:.0} ms (best of {runs})",
        best.as_secs_f64() * 1e3
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        for _ in 0..runs {
            let dir = tempfile::tempdir().expect("tempdir");
            run("SQLite", common::sqlite(dir.path()).await, &file, rows).await;
        }
        for _ in 0..runs {
            match common::PgDatabase::create().await {
                Ok(db) => {
                    let pg = store_postgres::Backend::open(&db.url)
                        .await
                        .expect("PostgreSQL");
                    run("PostgreSQL", Arc::new(pg), &file, rows).await;
                    db.drop().await;
                }
                Err(e) => {
                    println!("PostgreSQL skipped: {e}");
                    break;
                }
            }
        }
    });
}
