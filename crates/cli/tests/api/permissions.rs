//! Issue 18 (hardening): files made through the library — as these tests and any program that
//! embeds the app do, with their own umask (022 here) — are private too: modes are stated where
//! files are made, not left to the binary's umask alone.

use crate::binary::not_private;
use crate::evidence::{PNG, form, menghai_entity, on_site, upload};
use crate::helpers::TestApp;
use crate::on_both_backends;
use app::seed::DEMO_PASSWORD;

async fn files_made_through_the_library_are_private_whatever_the_umask(app: TestApp) {
    app.app.seed_demo().await.unwrap();
    let token = app.login("menghai.officer", DEMO_PASSWORD).await;
    let entity = menghai_entity(&app, &token).await;
    let (s, e) = upload(&app, &token, form(&entity, &on_site(), PNG)).await;
    assert_eq!(s, 201, "{e}");
    // A resumable upload in progress.
    let metadata = [
        ("subject_id", entity.as_str()),
        ("type", "documentary"),
        ("title", "未完成"),
        ("collected_at", &chrono::Utc::now().to_rfc3339()),
        ("collected_by", "menghai.officer"),
    ]
    .iter()
    .map(|(k, v)| {
        use base64::Engine;
        format!(
            "{k} {}",
            base64::engine::general_purpose::STANDARD.encode(v)
        )
    })
    .collect::<Vec<_>>()
    .join(",");
    let r = app
        .client
        .post(app.url("/api/v1/uploads"))
        .bearer_auth(&token)
        .header("tus-resumable", "1.0.0")
        .header("upload-length", "100")
        .header("upload-metadata", metadata)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    app.app.sign_checkpoint_now().await.expect("a checkpoint");
    let uploads = app.evidence_dir.parent().unwrap().join("uploads");
    for root in [&app.evidence_dir, &app.ledger_dir, &uploads] {
        assert_eq!(
            not_private(root),
            Vec::<String>::new(),
            "{}",
            root.display()
        );
    }
    // The database's folder is the harness's; what SQLite writes in it is ours.
    if let Some(dir) = app.sqlite_dir() {
        let own = format!("{}/", dir.display());
        let wrong: Vec<String> = not_private(dir)
            .into_iter()
            .filter(|l| !l.ends_with(&own))
            .collect();
        assert_eq!(wrong, Vec::<String>::new(), "{own}");
        assert!(dir.join("ecoenforce.db-wal").exists());
    }
}

on_both_backends!(files_made_through_the_library_are_private_whatever_the_umask);
