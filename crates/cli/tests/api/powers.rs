//! Issue 24 points 1 and 2: the violation catalogue and the power and responsibility list,
//! published without sign-in as a page, XLSX and JSON, every version kept with its diff
//! against the one before; the bureau's own version read from the data directory. The lists
//! do not touch the database, so one backend is enough.

use crate::case_pages::xlsx_cells;
use crate::helpers::{Kind, TestApp, spawn_app};
use serde_json::Value;

async fn get(app: &TestApp, path: &str) -> (u16, String) {
    let r = app.client.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn json(app: &TestApp, path: &str) -> Value {
    let (s, body) = get(app, path).await;
    assert_eq!(s, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_catalogue_is_published_with_its_citations() {
    let app = spawn_app(Kind::Sqlite, "catalogue_published")
        .await
        .unwrap();
    let v = json(&app, "/violations.json").await;
    let c = &v["versions"][0];
    assert_eq!(c["version"], "2026-1");
    let items = c["items"].as_array().unwrap();
    assert!(items.len() >= 24, "{}", items.len());
    for i in items {
        for k in ["code", "name", "source"] {
            assert!(!i[k].as_str().unwrap().is_empty(), "{i}");
        }
        assert!(
            i["penalty_basis"]["law"]
                .as_str()
                .unwrap()
                .starts_with('《')
        );
        assert!(i["violated"]["article"].as_str().unwrap().starts_with('第'));
    }
    let water = items.iter().find(|i| i["code"] == "water_83_2").unwrap();
    assert_eq!(water["fine"]["kind"], "range");
    assert_eq!(water["fine"]["max_fen"], 100_000_000);
    assert_eq!(water["hearing"], "always");
    assert_eq!(water["daily_penalty"], true);
    // Every form of fine the laws use is in it.
    for kind in ["range", "multiple", "max_only", "per_unit"] {
        assert!(items.iter().any(|i| i["fine"]["kind"] == kind), "{kind}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_power_list_is_public_and_exportable() {
    let app = spawn_app(Kind::Sqlite, "powers_public").await.unwrap();
    let (s, page) = get(&app, "/powers").await;
    assert_eq!(s, 200);
    assert!(page.contains("id=\"demo-allocation\""), "demo label");
    assert!(page.contains("id=\"first-version\""));
    assert!(page.contains("id=\"power-penalty_water_83_2\""));
    assert!(page.contains("《中华人民共和国环境保护法》第二十五条"));
    let (_, coercion) = get(&app, "/powers?kind=coercion").await;
    assert!(coercion.contains("id=\"power-seal_seize_pollution\""));
    assert!(!coercion.contains("id=\"power-penalty_water_83_2\""));
    let (s, _) = get(&app, "/powers?kind=licence").await;
    assert_eq!(s, 422);
    let (s, _) = get(&app, "/powers?version=1999-1").await;
    assert_eq!(s, 404);
    let (s, _) = get(&app, "/powers.xlsx?version=a&version=b").await;
    assert_eq!(s, 422);

    let v = json(&app, "/powers.json").await;
    let list = &v["versions"][0];
    let catalogue = json(&app, "/violations.json").await;
    let items = catalogue["versions"][0]["items"].as_array().unwrap().len();
    let powers = list["powers"].as_array().unwrap();
    assert_eq!(list["demo_allocation"], true);
    assert!(list["changes"]["previous"].is_null());
    assert_eq!(
        powers.iter().filter(|p| p["kind"] == "penalty").count(),
        items
    );
    assert!(
        powers
            .iter()
            .all(|p| !p["basis"].as_array().unwrap().is_empty())
    );

    let rows = xlsx_cells(&app, "", "/powers.xlsx").await;
    assert_eq!(rows.len(), powers.len() + 1);
    assert_eq!(rows[0][0], "编码");
    let water = rows.iter().find(|r| r[0] == "penalty_water_83_2").unwrap();
    assert!(water[3].contains("第八十三条第（二）项"), "{water:?}");
    assert_eq!(water.last().unwrap(), "演示数据");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_bureau_publishes_a_new_version_with_its_diff() {
    let app = spawn_app(Kind::Sqlite, "powers_versions").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("powers")).unwrap();
    let shipped = include_str!("../../../../config/powers/powers-2026-1.toml");
    // A later version: one power dropped, one procedure reworded, the allocation published.
    let next = shipped
        .replace("version = \"2026-1\"\n", "version = \"2099-1\"\n")
        .replace("effective_on = \"2026-12-06\"", "effective_on = \"2099-01-01\"\nallocation_source = \"州生态环境局公告2099年第1号\"")
        .replace(
            "procedure = \"两名以上执法人员出示执法证件，查阅、复制文件资料，进入现场勘测，制作笔录\"",
            "procedure = \"两名以上执法人员出示执法证件，进入现场勘测，制作笔录\"",
        );
    let cut = next
        .find("[[powers]]\ncode = \"court_enforcement\"")
        .unwrap();
    std::fs::write(dir.path().join("powers/2099.toml"), &next[..cut]).unwrap();
    app.app.reload_published(Some(dir.path())).unwrap();

    let v = json(&app, "/powers.json").await;
    assert_eq!(v["versions"][0]["version"], "2099-1");
    let changes = &v["versions"][0]["changes"];
    assert_eq!(changes["previous"], "2026-1");
    assert_eq!(changes["removed"][0]["code"], "court_enforcement");
    assert_eq!(changes["changed"][0]["code"], "inspect_land");
    assert_eq!(changes["changed"][0]["fields"][0], "procedure");
    assert_eq!(v["versions"][0]["demo_allocation"], false);
    // The version in force is still the first; the later one is shown when asked for.
    let (_, page) = get(&app, "/powers").await;
    assert!(page.contains("id=\"first-version\""));
    let (_, page) = get(&app, "/powers?version=2099-1").await;
    assert!(page.contains("id=\"removed\"") && page.contains("id=\"changed\""));
    assert!(!page.contains("id=\"demo-allocation\""));

    // A broken file is refused by name and the lists stay as they were.
    std::fs::write(dir.path().join("powers/broken.toml"), "version = 3").unwrap();
    let e = app.app.reload_published(Some(dir.path())).unwrap_err();
    assert!(e.file.ends_with("broken.toml"), "{e}");
    assert_eq!(app.app.published().powers.len(), 2);
}
